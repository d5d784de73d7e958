//! Small file-system helpers: atomic, private writes.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Creates `dir` (and parents) readable by the owner only.
pub fn private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| Error::io(dir, e))
}

/// Makes `dir` (one level: its parent must exist) if need be and private,
/// for directories hrx keeps in a record (`.git/hrx` and below), where
/// whoever can write to the record could have put something else: a link
/// in its place is not followed (making "it" private would change
/// wherever it points) but refused, and so is a file. The mode is set on
/// the directory opened, so a link swapped in after a look is not
/// followed either.
pub fn own_private_dir(dir: &Path) -> Result<()> {
    match fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io(dir, e)),
    }
    let d =
        OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY).open(dir).map_err(|_| {
            Error::State(format!(
                "{} is not a directory (a link or a file is in its place); hrx keeps its own state there: remove it",
                dir.display()
            ))
        })?;
    let mode = d.metadata().map_err(|e| Error::io(dir, e))?.permissions().mode();
    if mode & 0o7777 != 0o700 {
        d.set_permissions(fs::Permissions::from_mode(0o700)).map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// Opens a file of hrx's own in a record (`.git/hrx/...`) with `opts`,
/// never through a link (whoever can write to the record could point one
/// at the user's secret key: an append or a truncation would act on it)
/// and only if what is opened is a regular file with no other name (a
/// hard link could be someone else's file).
pub fn open_own(path: &Path, opts: &mut OpenOptions) -> std::io::Result<fs::File> {
    use std::os::unix::fs::MetadataExt;
    let f = opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)?;
    let m = f.metadata()?;
    if !m.is_file() || m.nlink() != 1 {
        return Err(std::io::Error::other(format!("{} is not a regular file of hrx's", path.display())));
    }
    Ok(f)
}

/// Reads a file of hrx's own in a record (see [`open_own`]) of at most
/// `max` bytes.
pub fn read_own(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = open_own(path, OpenOptions::new().read(true))?;
    if f.metadata()?.len() > max {
        return Err(std::io::Error::other(format!("{} is larger than {max} bytes", path.display())));
    }
    let mut out = vec![];
    f.take(max).read_to_end(&mut out)?;
    Ok(out)
}

/// Refuses an output file that exists already: hrx never overwrites one.
pub fn refuse_existing(path: &Path) -> Result<()> {
    if path.exists() {
        return Err(Error::State(format!("{} exists; choose another file", path.display())));
    }
    Ok(())
}

/// Reads a small input file named by the user, refusing one over `max`
/// bytes before reading it (`what` says what it should have been).
pub fn read_small(path: &Path, max: u64, what: &str) -> Result<Vec<u8>> {
    read_input(path, max, &format!("{what} is a few KB"))
}

/// Reads an input the user names (a file, or `-` for standard input) of at
/// most `max` bytes: one larger is refused by its size where the file
/// says it, and otherwise (a device, a pipe, `/dev/zero`) after reading
/// `max` bytes, never read to its end. `limit` says what the input may be.
pub fn read_input(path: &Path, max: u64, limit: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let too_large = |n: String| Error::Invalid(format!("{}: {n} bytes; {limit}", path.display()));
    let mut out = vec![];
    if path.as_os_str() == "-" {
        std::io::stdin().lock().take(max + 1).read_to_end(&mut out).map_err(|e| Error::io("stdin", e))?;
    } else {
        open_file_input(path, max, limit)?.take(max + 1).read_to_end(&mut out).map_err(|e| Error::io(path, e))?;
    }
    if out.len() as u64 > max {
        return Err(too_large(format!("more than {max}")));
    }
    Ok(out)
}

/// Opens an input file as [`read_input`] does: without blocking (a FIFO
/// nobody writes to would hang the open; a pipe someone writes to is then
/// read as usual), refusing a directory, and one larger than `max` by the
/// size it reports.
fn open_file_input(path: &Path, max: u64, limit: &str) -> Result<fs::File> {
    let f = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(|e| Error::io(path, e))?;
    // SAFETY: fcntl on a descriptor this function owns.
    unsafe {
        use std::os::fd::AsRawFd;
        let fd = f.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    let m = f.metadata().map_err(|e| Error::io(path, e))?;
    if m.is_dir() {
        return Err(Error::Invalid(format!("{} is a directory, not a file", path.display())));
    }
    if m.len() > max {
        return Err(Error::Invalid(format!("{}: {} bytes; {limit}", path.display(), m.len())));
    }
    Ok(f)
}

/// [`read_input`] as a stream, for inputs too large to hold (a bundle):
/// opened the same way, read through a buffer; reading past `max` bytes
/// fails with an error that says `limit`.
pub fn open_input(path: &Path, max: u64, limit: &str) -> Result<std::io::BufReader<Limited>> {
    let inner: Box<dyn std::io::Read> =
        if path.as_os_str() == "-" { Box::new(std::io::stdin()) } else { Box::new(open_file_input(path, max, limit)?) };
    Ok(std::io::BufReader::with_capacity(1 << 16, Limited { inner, left: max, limit: limit.to_string() }))
}

/// A reader that fails once more than its limit would be read.
pub struct Limited {
    inner: Box<dyn std::io::Read>,
    left: u64,
    limit: String,
}

impl std::io::Read for Limited {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // At the limit: only the end of the input is allowed here.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!("more than the limit: {}", self.limit))),
            };
        }
        let n = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got as u64;
        Ok(got)
    }
}

/// [`read_input`] of text.
pub fn read_input_text(path: &Path, max: u64, limit: &str) -> Result<String> {
    String::from_utf8(read_input(path, max, limit)?)
        .map_err(|_| Error::Invalid(format!("{} is not UTF-8 text", path.display())))
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory,
/// fsync, rename), with mode 0600 from the moment the file exists: secret key
/// material never sits in a world-readable file, not even briefly.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })
}
