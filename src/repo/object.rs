//! Reading git objects from untrusted history with bounds: every object's
//! size is read from its header before the object is loaded, so a small
//! file that inflates to gigabytes is refused, not inflated. Commits are
//! parsed here from their raw bytes (only what authentication needs: tree,
//! parents, the signature and the signed bytes).

use git2::{ObjectType, Odb, Oid};

/// The largest commit object accepted: hrx commits are a few KiB.
pub const MAX_COMMIT: usize = 64 << 10;
/// The largest tree object accepted (a shard holding thousands of entries).
pub const MAX_TREE: usize = 4 << 20;
/// The largest `gpgsig` accepted: one armoured signature is under 1 KiB.
pub const MAX_SIGNATURE: usize = 16 << 10;
/// The most parents a commit may name. hrx merges two lines of history at
/// a time; without a bound, 64 KiB commits of 1,300 parents each make a
/// walk keep (and stack) millions of object ids.
pub const MAX_PARENTS: usize = 16;

/// Why an object was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectError {
    /// Over the size limit for its use.
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// More objects than a pack may bring.
    TooMany {
        /// The limit.
        limit: usize,
    },
    /// Not of the type expected.
    WrongType(String),
    /// Not parseable.
    Malformed(String),
    /// git could not read it.
    Git(String),
}

impl std::fmt::Display for ObjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectError::TooLarge { size, limit } => {
                write!(f, "is {size} bytes, over hrx's limit of {limit} bytes for it: too large")
            }
            ObjectError::TooMany { limit } => {
                write!(f, "is more than {limit} objects, more than any record has")
            }
            ObjectError::WrongType(t) => write!(f, "is a {t}, not the object expected"),
            ObjectError::Malformed(m) => write!(f, "is malformed: {m}"),
            ObjectError::Git(m) => write!(f, "cannot be read: {m}"),
        }
    }
}

/// Reads object `oid` of type `kind` if it is at most `limit` bytes.
pub fn read_bounded(odb: &Odb, oid: Oid, kind: ObjectType, limit: usize) -> Result<Vec<u8>, ObjectError> {
    check_size(odb, oid, kind, limit)?;
    let o = odb.read(oid).map_err(|e| ObjectError::Git(e.message().to_string()))?;
    Ok(o.data().to_vec())
}

/// Checks object `oid`'s type and size from its header, without loading it.
pub fn check_size(odb: &Odb, oid: Oid, kind: ObjectType, limit: usize) -> Result<usize, ObjectError> {
    let (size, k) = odb.read_header(oid).map_err(|e| ObjectError::Git(e.message().to_string()))?;
    if k != kind {
        return Err(ObjectError::WrongType(k.str().to_string()));
    }
    if size > limit {
        return Err(ObjectError::TooLarge { size, limit });
    }
    Ok(size)
}

/// One entry of a raw tree object: its mode as written, its name, its
/// object's id (20 bytes; see [`entry_oid`]).
pub type RawTreeEntry<'a> = (&'a [u8], &'a [u8], &'a [u8; 20]);

/// The object id of a raw tree entry.
pub fn entry_oid(id: &[u8; 20]) -> Oid {
    Oid::from_bytes(id).expect("20 bytes make an object id")
}

/// The entries of a raw tree object (`MODE NAME\0` and a 20-byte id each),
/// in the order written; an error for bytes that are not a tree.
pub fn raw_tree_entries(data: &[u8]) -> impl Iterator<Item = Result<RawTreeEntry<'_>, String>> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let entry = (|| {
            let sp = rest.iter().position(|&b| b == b' ').ok_or("is not a git tree")?;
            let nul = sp + 1 + rest[sp + 1..].iter().position(|&b| b == 0).ok_or("is not a git tree")?;
            let id: &[u8; 20] =
                rest.get(nul + 1..nul + 21).and_then(|s| s.try_into().ok()).ok_or("is a truncated git tree")?;
            let e = (&rest[..sp], &rest[sp + 1..nul], id);
            rest = &rest[nul + 21..];
            Ok(e)
        })();
        if entry.is_err() {
            rest = &[];
        }
        Some(entry)
    })
}

/// git's order of tree entries: by name, a tree's name compared as if it
/// ended in `/`.
pub fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    // The common prefix decides most comparisons at memcmp speed.
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        Ordering::Equal => {}
        o => return o,
    }
    if a.len() == b.len() {
        return a_tree.cmp(&b_tree);
    }
    a[n..].iter().copied().chain(a_tree.then_some(b'/')).cmp(b[n..].iter().copied().chain(b_tree.then_some(b'/')))
}

/// A commit as authentication needs it.
#[derive(Clone, Debug)]
pub struct RawCommit {
    /// Its tree.
    pub tree: Oid,
    /// Its parents, in order.
    pub parents: Vec<Oid>,
    /// The `gpgsig` header's value (continuation lines joined), if any.
    pub signature: Option<Vec<u8>>,
    /// The bytes the signature covers: the commit without its `gpgsig` header.
    pub signed: Vec<u8>,
    /// The time of its `committer` line, in seconds since the epoch, if
    /// git can read one there (see [`person_time`]).
    pub committed: Option<i64>,
    /// The time of its `author` line (what `git log` shows as its date),
    /// likewise.
    pub authored: Option<i64>,
}

/// Reads and parses commit `oid`, bounded by [`MAX_COMMIT`].
pub fn read_commit(odb: &Odb, oid: Oid) -> Result<RawCommit, ObjectError> {
    parse_commit(&read_bounded(odb, oid, ObjectType::Commit, MAX_COMMIT)?)
}

/// Whether `descendant` is `ancestor` or has it among its ancestors, found
/// by walking back from `descendant` with bounded reads ([`read_commit`]).
/// For commits not verified yet: libgit2's graph functions inflate whatever
/// size an object's header declares. The first commit that cannot be read
/// within bounds ends the walk with its error.
pub fn descends_from(odb: &Odb, descendant: Oid, ancestor: Oid) -> Result<bool, ObjectError> {
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![descendant];
    while let Some(c) = todo.pop() {
        if c == ancestor {
            return Ok(true);
        }
        if seen.insert(c) {
            todo.extend(read_commit(odb, c)?.parents);
        }
    }
    Ok(false)
}

/// Parses a raw commit object. Strict where hrx relies on it: exactly one
/// `tree`, `parent`s right after it (at most [`MAX_PARENTS`], none twice),
/// at most one `gpgsig`.
pub fn parse_commit(data: &[u8]) -> Result<RawCommit, ObjectError> {
    let bad = |m: &str| ObjectError::Malformed(m.to_string());
    let mut tree = None;
    let mut parents = Vec::new();
    let mut signature: Option<Vec<u8>> = None;
    let mut signed = Vec::with_capacity(data.len());
    let mut rest = data;
    let mut in_sig = false;
    let mut after_parents = false;
    let (mut committed, mut authored): (Option<Option<i64>>, Option<Option<i64>>) = (None, None);
    loop {
        let n = rest.iter().position(|&b| b == b'\n').ok_or_else(|| bad("the header does not end"))?;
        let line = &rest[..n];
        let full = &rest[..=n];
        rest = &rest[n + 1..];
        if line.is_empty() {
            signed.extend_from_slice(full);
            signed.extend_from_slice(rest);
            break;
        }
        if let Some(cont) = line.strip_prefix(b" ") {
            if in_sig {
                let s = signature.as_mut().expect("in a signature");
                s.push(b'\n');
                s.extend_from_slice(cont);
                if s.len() > MAX_SIGNATURE {
                    return Err(bad("its signature is over 16 KiB"));
                }
            } else {
                signed.extend_from_slice(full);
            }
            continue;
        }
        in_sig = false;
        if let Some(v) = line.strip_prefix(b"gpgsig ") {
            after_parents = true;
            if signature.is_some() {
                return Err(bad("it has two signatures"));
            }
            signature = Some(v.to_vec());
            in_sig = true;
            continue;
        }
        signed.extend_from_slice(full);
        let hex = |v: &[u8]| -> Result<Oid, ObjectError> {
            let s = std::str::from_utf8(v).map_err(|_| bad("an object id is not text"))?;
            if s.len() != 40 {
                return Err(bad("an object id is not 40 hex digits"));
            }
            Oid::from_str(s).map_err(|_| bad("an object id is not hex"))
        };
        if let Some(v) = line.strip_prefix(b"tree ") {
            if tree.is_some() || !parents.is_empty() {
                return Err(bad("it names more than one tree"));
            }
            tree = Some(hex(v)?);
        } else if let Some(v) = line.strip_prefix(b"parent ") {
            // git reads parents only right after the tree; one anywhere
            // else would make hrx and git disagree about the history.
            if tree.is_none() || after_parents {
                return Err(bad("a parent line is not right after the tree"));
            }
            let p = hex(v)?;
            if parents.contains(&p) {
                return Err(bad("it names the same parent twice"));
            }
            if parents.len() == MAX_PARENTS {
                return Err(bad(&format!("it names more than {MAX_PARENTS} parents")));
            }
            parents.push(p);
        } else if tree.is_none() {
            return Err(bad("it does not start with its tree"));
        } else {
            after_parents = true;
            // git shows one of two such lines, and which depends on how it
            // is asked: a commit has one of each.
            for (name, slot) in [(&b"committer "[..], &mut committed), (&b"author "[..], &mut authored)] {
                if let Some(v) = line.strip_prefix(name) {
                    if slot.is_some() {
                        return Err(bad(&format!("it has two {}lines", String::from_utf8_lossy(name))));
                    }
                    *slot = Some(person_time(v));
                }
            }
        }
    }
    let tree = tree.ok_or_else(|| bad("it names no tree"))?;
    Ok(RawCommit { tree, parents, signature, signed, committed: committed.flatten(), authored: authored.flatten() })
}

/// The time of an `author` or `committer` line's value, `Name <email>
/// SECONDS +HHMM` as git writes it: after the last `>`, the seconds and a
/// zone of at most 14 hours (minutes under 60), and nothing else. `None`
/// for anything else (git shows 1970, nothing, or a clock days off).
pub fn person_time(v: &[u8]) -> Option<i64> {
    let after_email = &v[v.iter().rposition(|&b| b == b'>')? + 1..];
    let text = std::str::from_utf8(after_email).ok()?;
    let mut words = text.split(' ').filter(|w| !w.is_empty());
    let (seconds, zone) = (words.next()?, words.next()?.as_bytes());
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let two = |i: usize| (zone[i] - b'0') * 10 + (zone[i + 1] - b'0');
    let zone_ok =
        zone.len() == 5 && matches!(zone[0], b'+' | b'-') && digits(&zone[1..]) && two(1) <= 14 && two(3) < 60;
    if words.next().is_some() || seconds.len() > 16 || !digits(seconds.as_bytes()) || !zone_ok {
        return None;
    }
    seconds.parse().ok()
}

/// The largest object of any kind a pack may bring (an entry with its
/// attachment; entries are bounded again by kind when verified).
pub const MAX_PACKED: usize = 64 << 20;

/// The most objects a pack (a bundle, a fetch from a directory) may bring:
/// git's indexer keeps about 140 bytes for each, so more would cost memory
/// without bound. A record of 100,000 entries has about 400,000.
pub const MAX_PACK_OBJECTS: usize = 2_000_000;

/// The most a pack's objects may expand to in all (deltas included): each
/// byte costs time when git indexes the pack, so a small pack of deltas
/// that each rebuild a large object must not cost hours.
pub const MAX_PACK_EXPANDED: u64 = 2 << 30;

/// Checks every object of a git pack (version 2 or 3) read from `r` before
/// it is indexed: its declared size is within the limit for its type, and
/// it inflates to exactly that size (a delta: to a result within
/// [`MAX_PACKED`]). Inflating is streamed into a small buffer, so a zlib
/// bomb costs time in proportion to the limit, never memory. The pack is
/// read as it arrives: each object's bytes
/// (and the pack's header and trailing checksum) go to `sink` only once
/// that object has passed, so whatever indexes them (libgit2's pack
/// writer) never sees an object that was not checked, and memory holds one
/// object's compressed bytes at most, not the pack.
pub fn copy_checked_pack(
    r: &mut dyn std::io::BufRead,
    sink: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> Result<(), ObjectError> {
    let bad = |m: String| ObjectError::Malformed(m);
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => ObjectError::Malformed("the pack is truncated".into()),
        _ => ObjectError::Malformed(format!("reading the pack: {e}")),
    };
    let gone = |e: std::io::Error| ObjectError::Malformed(format!("writing the pack: {e}"));
    let mut header = [0u8; 12];
    r.read_exact(&mut header).map_err(|_| bad("not a git pack (version 2 or 3)".into()))?;
    if &header[..4] != b"PACK" || !matches!(u32::from_be_bytes(header[4..8].try_into().expect("4 bytes")), 2 | 3) {
        return Err(bad("not a git pack (version 2 or 3)".into()));
    }
    sink(&header).map_err(gone)?;
    let count = u32::from_be_bytes(header[8..12].try_into().expect("4 bytes"));
    if count as usize > MAX_PACK_OBJECTS {
        return Err(ObjectError::TooMany { limit: MAX_PACK_OBJECTS });
    }
    // The bytes of the object being checked, as they were read.
    let mut raw: Vec<u8> = Vec::new();
    let byte = |r: &mut dyn std::io::BufRead, raw: &mut Vec<u8>| -> Result<u8, ObjectError> {
        let mut b = [0u8; 1];
        r.read_exact(&mut b).map_err(io)?;
        raw.push(b[0]);
        Ok(b[0])
    };
    let mut scratch = vec![0u8; 64 << 10];
    let mut expanded = 0u64;
    let mut budget = |size: u64| -> Result<(), ObjectError> {
        expanded += size;
        if expanded > MAX_PACK_EXPANDED {
            return Err(ObjectError::TooLarge { size: expanded as usize, limit: MAX_PACK_EXPANDED as usize });
        }
        Ok(())
    };
    for n in 0..count {
        raw.clear();
        let mut b = byte(r, &mut raw)?;
        let kind = (b >> 4) & 7;
        let mut size = (b & 15) as u64;
        let mut shift = 4;
        while b & 0x80 != 0 {
            b = byte(r, &mut raw)?;
            if shift > 56 {
                return Err(bad(format!("object {n} has an impossible size")));
            }
            size |= ((b & 0x7f) as u64) << shift;
            shift += 7;
        }
        let limit = match kind {
            1 | 4 => MAX_COMMIT,
            2 => MAX_TREE,
            3 | 6 | 7 => MAX_PACKED,
            _ => return Err(bad(format!("object {n} has unknown type {kind}"))),
        };
        if size > limit as u64 {
            return Err(ObjectError::TooLarge { size: size as usize, limit });
        }
        match kind {
            6 => while byte(r, &mut raw)? & 0x80 != 0 {},
            7 => {
                let mut base = [0u8; 20];
                r.read_exact(&mut base).map_err(io)?;
                raw.extend_from_slice(&base);
            }
            _ => {}
        }
        let mut z = flate2::Decompress::new(true);
        let mut head = Vec::new();
        loop {
            let input = r.fill_buf().map_err(io)?;
            if input.is_empty() {
                return Err(bad(format!("object {n} is truncated")));
            }
            let (in0, out0) = (z.total_in(), z.total_out());
            let st = z
                .decompress(input, &mut scratch, flate2::FlushDecompress::None)
                .map_err(|e| bad(format!("object {n} does not inflate: {e}")))?;
            let used = (z.total_in() - in0) as usize;
            raw.extend_from_slice(&input[..used]);
            r.consume(used);
            let produced = (z.total_out() - out0) as usize;
            if head.len() < 20 {
                head.extend_from_slice(&scratch[..produced.min(20 - head.len())]);
            }
            if z.total_out() > size {
                return Err(bad(format!("object {n} inflates to more than the {size} bytes it declares")));
            }
            match st {
                flate2::Status::StreamEnd => break,
                _ if produced == 0 && used == 0 => {
                    return Err(bad(format!("object {n} is truncated")));
                }
                _ => {}
            }
        }
        if z.total_out() != size {
            return Err(bad(format!("object {n} inflates to {} bytes, not the {size} it declares", z.total_out())));
        }
        if kind < 6 {
            budget(size)?;
        }
        if kind >= 6 {
            // A delta starts with the base's size and the result's size.
            let mut rest = &head[..];
            let mut varint = || -> Option<u64> {
                let (mut v, mut s) = (0u64, 0);
                loop {
                    let (&b, r) = rest.split_first()?;
                    rest = r;
                    v |= ((b & 0x7f) as u64) << s;
                    s += 7;
                    if b & 0x80 == 0 || s > 56 {
                        return Some(v);
                    }
                }
            };
            let _base = varint();
            let result = varint().ok_or_else(|| bad(format!("object {n} is a truncated delta")))?;
            if result > MAX_PACKED as u64 {
                return Err(ObjectError::TooLarge { size: result as usize, limit: MAX_PACKED });
            }
            budget(result)?;
        }
        sink(&raw).map_err(gone)?;
    }
    // The pack's checksum, which the writer checks.
    let mut sum = [0u8; 20];
    r.read_exact(&mut sum).map_err(io)?;
    sink(&sum).map_err(gone)
}

impl ObjectError {
    /// The reason code a refusal for this carries.
    pub fn reason(&self) -> crate::model::Reason {
        use crate::model::Reason;
        match self {
            ObjectError::TooLarge { .. } | ObjectError::TooMany { .. } => Reason::TooLarge,
            ObjectError::WrongType(_) => Reason::Layout,
            ObjectError::Malformed(_) => Reason::MalformedTree,
            _ => Reason::Git,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pack is passed on object by object as it is read, never held
    /// whole; what is passed is the pack, byte for byte; a pack cut short
    /// passes nothing of the object it cuts.
    #[test]
    fn a_pack_is_checked_and_passed_on_as_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let mut pb = repo.packbuilder().unwrap();
        let odb = repo.odb().unwrap();
        for i in 0..50u32 {
            // Incompressible (an LCG's high bytes), so the pack is large.
            let mut x = 0x9e37_79b9_u64 ^ (i as u64) << 32;
            let data: Vec<u8> = (0..20_000)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (x >> 56) as u8
                })
                .collect();
            pb.insert_object(odb.write(git2::ObjectType::Blob, &data).unwrap(), None).unwrap();
        }
        let mut pack = git2::Buf::new();
        pb.write_buf(&mut pack).unwrap();
        let pack = pack.to_vec();
        // Reads in small pieces, counting what has been read.
        struct Counting<'a> {
            data: &'a [u8],
            read: std::rc::Rc<std::cell::Cell<usize>>,
        }
        impl std::io::Read for Counting<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = buf.len().min(4096).min(self.data.len());
                buf[..n].copy_from_slice(&self.data[..n]);
                self.data = &self.data[n..];
                self.read.set(self.read.get() + n);
                Ok(n)
            }
        }
        let read = std::rc::Rc::new(std::cell::Cell::new(0));
        let mut r = std::io::BufReader::with_capacity(4096, Counting { data: &pack, read: read.clone() });
        let mut out = Vec::new();
        let mut ahead = 0usize;
        copy_checked_pack(&mut r, &mut |b| {
            out.extend_from_slice(b);
            ahead = ahead.max(read.get() - out.len());
            Ok(())
        })
        .unwrap();
        assert_eq!(out, pack);
        assert!(pack.len() > 100_000, "{}", pack.len());
        assert!(ahead < 64 << 10, "read {ahead} bytes ahead of what was passed on");
        // Cut in the middle of an object: what was passed ends before it.
        let cut = &pack[..pack.len() / 2];
        let mut passed = 0;
        let e = copy_checked_pack(&mut &cut[..], &mut |b| {
            passed += b.len();
            Ok(())
        });
        assert!(matches!(e, Err(ObjectError::Malformed(ref m)) if m.contains("truncated")), "{e:?}");
        assert!(passed < cut.len() && passed > 12, "{passed}");
        assert!(scan_pack_err(b"PACK\0\0\0\x05\0\0\0\x01"), "version 5 is no pack");
    }

    fn scan_pack_err(pack: &[u8]) -> bool {
        copy_checked_pack(&mut &pack[..], &mut |_| Ok(())).is_err()
    }

    #[test]
    fn a_pack_of_more_objects_than_a_record_has_is_refused_from_its_header() {
        let header = |n: u32| [b"PACK".as_slice(), &2u32.to_be_bytes(), &n.to_be_bytes()].concat();
        let r = copy_checked_pack(&mut &header(MAX_PACK_OBJECTS as u32 + 1)[..], &mut |_| Ok(()));
        assert_eq!(r, Err(ObjectError::TooMany { limit: MAX_PACK_OBJECTS }));
        // At the limit, the header passes and the missing objects fail it.
        let r = copy_checked_pack(&mut &header(MAX_PACK_OBJECTS as u32)[..], &mut |_| Ok(()));
        assert!(matches!(r, Err(ObjectError::Malformed(_))), "{r:?}");
    }

    #[test]
    fn git_order_is_names_compared_with_a_slash_after_trees() {
        let reference = |a: &[u8], at: bool, b: &[u8], bt: bool| {
            a.iter().copied().chain(at.then_some(b'/')).cmp(b.iter().copied().chain(bt.then_some(b'/')))
        };
        let names: [&[u8]; 9] = [b"a", b"a-b", b"a.b", b"a0", b"ab", b"b", b"entries", b"entries.x", b"keys"];
        for a in names {
            for b in names {
                for (at, bt) in [(false, false), (false, true), (true, false), (true, true)] {
                    assert_eq!(git_order(a, at, b, bt), reference(a, at, b, bt), "{a:?} {at} {b:?} {bt}");
                }
            }
        }
    }

    #[test]
    fn a_person_line_has_a_time_git_reads() {
        for (line, t) in [
            (&b"Anna <a@x> 1772355600 +0000"[..], Some(1_772_355_600)),
            (b"Anna <a@x> 1772355600 -0930", Some(1_772_355_600)),
            (b"A > B <a@x> 12 +1400", Some(12)),
            (b"Anna <a@x> 1772355600", None),
            (b"Anna <a@x> 1772355600 +", None),
            (b"Anna <a@x> 1772355600 +9999", None),
            (b"Anna <a@x> 1772355600 +0060", None),
            (b"Anna <a@x> +1772355600 +0000", None),
            (b"Anna <a@x> 1772355600 +0000 x", None),
            (b"Anna <a@x> 99999999999999999999 +0000", None),
            (b"Anna <a@x>", None),
            (b"Anna a@x 1 +0000", None),
        ] {
            assert_eq!(person_time(line), t, "{}", String::from_utf8_lossy(line));
        }
        let two = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\ncommitter A <a@x> 2 +0000\n\nmsg\n";
        assert!(matches!(parse_commit(two), Err(ObjectError::Malformed(m)) if m.contains("two committer lines")));
    }

    #[test]
    fn a_commit_names_at_most_sixteen_parents_each_once() {
        let commit = |parents: &[u32]| {
            let mut c = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n".to_vec();
            for p in parents {
                c.extend_from_slice(format!("parent {p:040x}\n").as_bytes());
            }
            c.extend_from_slice(b"author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nmsg\n");
            c
        };
        let many: Vec<u32> = (1..=MAX_PARENTS as u32 + 1).collect();
        assert_eq!(parse_commit(&commit(&many[..MAX_PARENTS])).unwrap().parents.len(), MAX_PARENTS);
        let e = parse_commit(&commit(&many)).unwrap_err();
        assert!(matches!(e, ObjectError::Malformed(ref m) if m.contains("more than 16 parents")), "{e:?}");
        let e = parse_commit(&commit(&[1, 2, 1])).unwrap_err();
        assert!(matches!(e, ObjectError::Malformed(ref m) if m.contains("same parent twice")), "{e:?}");
    }

    #[test]
    fn a_signed_commit_splits_into_signature_and_signed_bytes() {
        let c = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 4b825dc642cb6eb9a060e54bf8d69288fbee4905\n\
author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n\nmsg\n";
        let r = parse_commit(c).unwrap();
        assert_eq!(r.parents.len(), 1);
        assert_eq!(r.signature.unwrap(), b"-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----".to_vec());
        assert_eq!(
            r.signed,
            b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 4b825dc642cb6eb9a060e54bf8d69288fbee4905\n\
author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nmsg\n"
                .to_vec()
        );
        assert!(parse_commit(b"parent 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\n").is_err());
        assert!(parse_commit(b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n").is_err(), "no end of header");
    }
}
