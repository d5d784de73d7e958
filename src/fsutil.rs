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
    let m = fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if m.len() > max {
        return Err(Error::Invalid(format!("{}: {} bytes; {what} is a few KB", path.display(), m.len())));
    }
    fs::read(path).map_err(|e| Error::io(path, e))
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
