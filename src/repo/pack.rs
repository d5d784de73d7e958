//! Writing a pack into a record's object database.
//!
//! Every pack hrx stores (a bulk write, packed loose objects, a fetch, an
//! imported bundle) goes through libgit2's indexer, which reads what it has
//! been given through memory windows of at most 2 MB (see `tune_cache`).
//! Where a window ends a few bytes into an object's compressed data, too
//! few for zlib to give anything out (inside a block header or the
//! checksum), the indexer takes it for data still to come and stops,
//! waiting for the next write. Given the whole pack in one write, or when
//! the last write ends the pack, nothing more comes: it is left with
//! unindexed objects and its commit fails ("unexpected data at the end of
//! the pack"). [`PackSink::commit`] resumes it, with empty writes, until
//! every object the pack announced is indexed.

use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;

/// A pack being written into an object database.
pub struct PackSink<'r> {
    writer: git2::OdbPackwriter<'r>,
    /// Objects indexed so far, and how many the pack announced.
    indexed: Rc<Cell<(usize, usize)>>,
}

impl<'r> PackSink<'r> {
    /// A new pack in `odb`.
    pub fn new(odb: &'r git2::Odb<'_>) -> Result<PackSink<'r>, git2::Error> {
        let mut writer = odb.packwriter()?;
        let indexed = Rc::new(Cell::new((0, 0)));
        let seen = indexed.clone();
        writer.progress(move |p| {
            seen.set((p.indexed_objects(), p.total_objects()));
            true
        });
        Ok(PackSink { writer, indexed })
    }

    /// Indexes what the indexer left waiting, then moves the pack and its
    /// index into place.
    pub fn commit(mut self) -> Result<(), git2::Error> {
        // Each empty write maps new windows from where the indexer stopped
        // (at least 1 MB ahead), so each makes progress unless the pack
        // itself is short; then the commit says what is wrong with it.
        loop {
            let (done, total) = self.indexed.get();
            if done >= total || self.writer.write(&[]).is_err() || self.indexed.get().0 == done {
                break;
            }
        }
        self.writer.commit().map(|_| ())
    }
}

impl Write for PackSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // git2 says only "Write error"; libgit2's own message says which
        // object and why.
        self.writer.write(buf).map_err(|_| std::io::Error::other(git2::Error::last_error(-1).message().to_string()))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::ZlibEncoder};

    fn entry(kind: u8, data: &[u8], level: Compression) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut size, mut byte) = (data.len() >> 4, (kind << 4) | (data.len() & 0x0f) as u8);
        while size > 0 {
            out.push(byte | 0x80);
            byte = (size & 0x7f) as u8;
            size >>= 7;
        }
        out.push(byte);
        let mut z = ZlibEncoder::new(out, level);
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    /// A pack of a filler blob, stored uncompressed, that ends `before`
    /// bytes short of 2 MB (the end of the indexer's first window), and a
    /// compressible text blob after it: the window ends inside the text's
    /// Huffman tables, which give no output.
    fn pack(before: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
        let end = 2 << 20;
        let text: Vec<u8> =
            (0..4000).flat_map(|i| format!("line {i}: dose {} mg\n", i * 37 % 101).into_bytes()).collect();
        let mut filler_len = end - before - 12;
        loop {
            let filler: Vec<u8> = (0..filler_len as u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
            let first = entry(3, &filler, Compression::none());
            let at = 12 + first.len();
            if at != end - before {
                filler_len = (filler_len as isize + (end - before) as isize - at as isize) as usize;
                continue;
            }
            let mut p = [b"PACK".as_slice(), &2u32.to_be_bytes(), &2u32.to_be_bytes()].concat();
            p.extend_from_slice(&first);
            p.extend_from_slice(&entry(3, &text, Compression::fast()));
            let digest = sha1::Digest::finalize(<sha1::Sha1 as sha1::Digest>::new_with_prefix(&p));
            p.extend_from_slice(&digest);
            return (p, vec![filler, text]);
        }
    }

    #[test]
    fn an_object_across_the_indexers_window_is_indexed_and_the_pack_kept() {
        crate::repo::tune_cache();
        let mut stalled = 0;
        for before in [24, 30, 36, 44] {
            let (bytes, blobs) = pack(before);
            let dir = tempfile::tempdir().unwrap();
            let repo = git2::Repository::init_bare(dir.path()).unwrap();
            let odb = repo.odb().unwrap();
            // libgit2 by itself, given the whole pack in one write:
            let mut raw = odb.packwriter().unwrap();
            raw.write_all(&bytes).unwrap();
            match raw.commit() {
                Ok(_) => {}
                Err(e) => {
                    assert!(e.message().contains("unexpected data at the end of the pack"), "{e}");
                    stalled += 1;
                }
            }
            drop(raw);
            let mut sink = PackSink::new(&odb).unwrap();
            sink.write_all(&bytes).unwrap();
            sink.commit().unwrap_or_else(|e| panic!("{before} bytes before the window's end: {e}"));
            let again = git2::Repository::open_bare(dir.path()).unwrap();
            let odb = again.odb().unwrap();
            for b in &blobs {
                let oid = git2::Oid::hash_object(git2::ObjectType::Blob, b).unwrap();
                assert_eq!(odb.read(oid).unwrap().data(), b.as_slice());
            }
        }
        // If libgit2 no longer stops here, PackSink's resumption is moot:
        // this test then no longer shows the hazard it guards against.
        assert!(stalled > 0, "libgit2's indexer indexed every pack in one write");
    }

    #[test]
    fn a_short_pack_is_refused_at_commit_and_kept_nowhere() {
        crate::repo::tune_cache();
        let (bytes, _) = pack(30);
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let odb = repo.odb().unwrap();
        let mut sink = PackSink::new(&odb).unwrap();
        sink.write_all(&bytes[..bytes.len() - 2000]).unwrap();
        assert!(sink.commit().is_err());
        let packs = std::fs::read_dir(dir.path().join("objects/pack")).unwrap();
        assert_eq!(
            packs.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().ends_with(".pack")).count(),
            0
        );
    }

    #[test]
    fn a_commit_with_the_same_bytes_in_two_places_packs_each_object_once() {
        crate::repo::tune_cache();
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path().join("from")).unwrap();
        let blob = repo.blob(b"the same statement").unwrap();
        let mut sub = repo.treebuilder(None).unwrap();
        sub.insert("x.yaml", blob, 0o100644).unwrap();
        let sub = sub.write().unwrap();
        let mut top = repo.treebuilder(None).unwrap();
        for (name, oid, mode) in [("a", sub, 0o040000), ("b", sub, 0o040000), ("c.yaml", blob, 0o100644)] {
            top.insert(name, oid, mode).unwrap();
        }
        let tree = top.write().unwrap();
        let sig = git2::Signature::new("P", "p@example.org", &git2::Time::new(0, 0)).unwrap();
        let commit = repo.commit(None, &sig, &sig, "m", &repo.find_tree(tree).unwrap(), &[]).unwrap();
        let bytes = crate::repo::transport::pack_of_commit(&repo.odb().unwrap(), commit, tree, None).unwrap();
        assert_eq!(u32::from_be_bytes(bytes[8..12].try_into().unwrap()), 4, "commit, two trees, one blob");
        let to = git2::Repository::init_bare(dir.path().join("to")).unwrap();
        let odb = to.odb().unwrap();
        let mut sink = PackSink::new(&odb).unwrap();
        sink.write_all(&bytes).unwrap();
        sink.commit().unwrap();
        let again = git2::Repository::open_bare(dir.path().join("to")).unwrap();
        for oid in [commit, tree, sub, blob] {
            assert!(again.odb().unwrap().exists(oid), "{oid}");
        }
    }
}
