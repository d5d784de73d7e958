//! Each attack on a record must be caught by `hrx verify`, which names the
//! first bad commit and why, and exits 1.

use std::path::Path;

use chrono::{DateTime, Utc};
use hrx::crypto::message::seal;
use hrx::model::RepoPath;
use hrx::repo::Record;

use crate::common::*;

/// A record with a patient (Anna), a GP with a write grant on general and
/// allergy (Klein), and a pharmacy with read-only access (Apotheke).
pub(crate) struct Scene {
    pub(crate) env: TestEnv,
    pub(crate) anna: Party,
    pub(crate) klein: Party,
    pub(crate) apotheke: Party,
    pub(crate) note: String,
}

pub(crate) fn scene() -> Scene {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let apotheke = env.party("Apotheke", "DE", None);
    env.init(&anna);
    let note = env.note(&anna, "first note");
    env.grant(&anna, &klein, "general,allergy", "read,write", &["--until", "2026-06-01"]);
    env.grant(&anna, &apotheke, "medication,general", "read", &[]);
    env.note(&klein, "GP note");
    let out = env.verify(&anna);
    assert!(out.status.success(), "the scene verifies before the attack: {}", stderr(&out));
    Scene { env, anna, klein, apotheke, note }
}

/// Asserts `verify` fails with exit 1, naming `HEAD` (or `commit`) and `code`.
pub(crate) fn assert_rejected(s: &Scene, code: &str, commit: Option<&str>) {
    let head = stdout(&s.env.git(&["rev-parse", "HEAD"])).trim().to_string();
    let commit = commit.unwrap_or(&head);
    let out = s.env.verify(&s.anna);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "verify must fail: {err}");
    assert!(err.contains(&commit[..12]), "names the bad commit {commit}: {err}");
    assert!(err.contains(&format!("code: {code}")), "reason {code}: {err}");
    // Scripts get the same as JSON.
    let out = s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["verify", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["error"]["reason"], code);
    assert_eq!(v["error"]["commit"], commit);
    assert_eq!(v["error"]["exit_code"], 1);
    let out = s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).arg("log").output().unwrap();

    if code == "inner-signature" {
        // The history is authentic; the one bad entry is marked in listings.
        assert!(stdout(&out).contains("[!]"), "{}", stdout(&out));
    } else {
        // Reading commands refuse the record too, with the same exit code.
        assert_eq!(out.status.code(), Some(1));
    }
}

pub(crate) fn entry_path(s: &Scene, id: &str) -> String {
    let files = stdout(&s.env.git(&["ls-files", "entries"]));
    files.lines().find(|l| l.contains(id)).unwrap().to_string()
}

pub(crate) fn time(s: &Scene) -> DateTime<Utc> {
    s.env.advance(1);
    DateTime::parse_from_rfc3339(&s.env.now()).unwrap().with_timezone(&Utc)
}

/// A note entry's YAML, as `hrx add note` would write it.
pub(crate) fn note_yaml(id: hrx::id::Id, category: &str, t: DateTime<Utc>, author: &Party, text: &str) -> String {
    format!(
        "id: {id}\nkind: note\ncategory: {category}\nrecorded_at: '{}'\nauthor: {{fingerprint: {}, name: X}}\ntext: {text}\n",
        t.to_rfc3339(),
        author.fpr
    )
}

/// Commits `files` on top of the branch, signed by `who`, at `t`.
pub(crate) fn forge_commit(s: &Scene, who: &Party, files: Vec<(String, Vec<u8>)>, t: DateTime<Utc>) -> String {
    let rec = Record::open(&s.env.record()).unwrap();
    let mut u = forge::unlock(who);
    let head = rec.head().unwrap();
    rec.append(head, &files, "hrx: add entry", &mut u.signer, &u.identity, t).unwrap().to_string()
}

/// A well-formed entry by `author`, encrypted to Anna and the author.
pub(crate) fn sealed_note(
    s: &Scene,
    author: &Party,
    signer: &Party,
    category: &str,
    t: DateTime<Utc>,
) -> (String, Vec<u8>) {
    let id = hrx::ops::add::new_id(t).unwrap();
    let yaml = note_yaml(id, category, t, author, "forged");
    let u = forge::unlock(signer);
    let (a, b) = (forge::cert(&s.anna), forge::cert(author));
    let ct = seal(yaml.as_bytes(), u.signer, &[&a, &b], t).unwrap();
    (RepoPath::Entry { category: category.parse().unwrap(), id }.to_path(), ct)
}

#[test]
fn unsigned_commit() {
    let s = scene();
    let p = entry_path(&s, &s.note);
    let copy = RepoPath::Entry { category: "general".parse().unwrap(), id: hrx::ops::add::new_id(time(&s)).unwrap() }
        .to_path();
    std::fs::create_dir_all(s.env.record().join(Path::new(&copy).parent().unwrap())).unwrap();
    std::fs::copy(s.env.record().join(&p), s.env.record().join(&copy)).unwrap();
    s.env.git(&["add", "-A"]);
    s.env.git(&["-c", "user.name=M", "-c", "user.email=m@example.org", "commit", "-q", "-m", "add entry"]);
    assert_rejected(&s, "unsigned", None);
}

#[test]
fn commit_signed_by_an_unknown_key() {
    let s = scene();
    let gpg = Gpg::new(&s.env);
    let o = gpg.run(&["--quick-gen-key", "Mallory <m@example.org>", "ed25519", "sign", "never"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (path, ct) = sealed_note(&s, &s.klein, &s.klein, "general", time(&s));
    std::fs::create_dir_all(s.env.record().join(Path::new(&path).parent().unwrap())).unwrap();
    std::fs::write(s.env.record().join(&path), ct).unwrap();
    s.env.git(&["add", "-A"]);
    gpg.commit_signed("Mallory", "add entry");
    assert_rejected(&s, "unknown-signer", None);
}

#[test]
fn commit_signed_by_a_known_key_without_write_rights() {
    let s = scene();
    // The pharmacy may read, not write: it commits an entry with stock git + gpg.
    let gpg = Gpg::new(&s.env);
    gpg.import_secret(&s.apotheke);
    let (path, ct) = sealed_note(&s, &s.apotheke, &s.apotheke, "general", time(&s));
    std::fs::create_dir_all(s.env.record().join(Path::new(&path).parent().unwrap())).unwrap();
    std::fs::write(s.env.record().join(&path), ct).unwrap();
    s.env.git(&["add", "-A"]);
    gpg.commit_signed(&s.apotheke.fpr, "add entry");
    assert_rejected(&s, "unauthorised", None);
}

#[test]
fn write_outside_the_granted_categories() {
    let s = scene();
    let t = time(&s);
    let (path, ct) = sealed_note(&s, &s.klein, &s.klein, "mental-health", t);
    forge_commit(&s, &s.klein, vec![(path, ct)], t);
    assert_rejected(&s, "unauthorised", None);
}

#[test]
fn write_after_the_grant_expired() {
    let s = scene();
    // The GP's grant ends 2026-06-01; a commit signed after that is refused.
    let t = DateTime::parse_from_rfc3339("2026-06-02T10:00:00Z").unwrap().with_timezone(&Utc);
    s.env.advance(t.timestamp() - EPOCH);
    let out =
        s.env.hrx(&s.klein).arg("-C").arg(s.env.record()).args(["add", "note", "--text", "late"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6), "hrx itself refuses: {}", stderr(&out));
    let (path, ct) = sealed_note(&s, &s.klein, &s.klein, "general", t);
    forge_commit(&s, &s.klein, vec![(path, ct)], t);
    assert_rejected(&s, "unauthorised", None);
}

#[test]
fn backdated_commit_to_slip_under_the_expiry() {
    let s = scene();
    let late = DateTime::parse_from_rfc3339("2026-07-01T10:00:00Z").unwrap().with_timezone(&Utc);
    s.env.advance(late.timestamp() - EPOCH);
    s.env.note(&s.anna, "the patient writes in July");
    // The GP claims to have signed in May, before the patient's July commit.
    let may = DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z").unwrap().with_timezone(&Utc);
    let (path, ct) = sealed_note(&s, &s.klein, &s.klein, "general", may);
    forge_commit(&s, &s.klein, vec![(path, ct)], may);
    assert_rejected(&s, "backdated", None);
}

#[test]
fn modified_entry_even_by_the_patient() {
    let s = scene();
    let gpg = Gpg::new(&s.env);
    gpg.import_secret(&s.anna);
    let p = s.env.record().join(entry_path(&s, &s.note));
    let mut bytes = std::fs::read(&p).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0xff;
    std::fs::write(&p, bytes).unwrap();
    s.env.git(&["add", "-A"]);
    gpg.commit_signed(&s.anna.fpr, "fix entry");
    assert_rejected(&s, "modified", None);
}

#[test]
fn deleted_entry() {
    let s = scene();
    let gpg = Gpg::new(&s.env);
    gpg.import_secret(&s.anna);
    s.env.git(&["rm", "-q", &entry_path(&s, &s.note)]);
    gpg.commit_signed(&s.anna.fpr, "remove entry");
    assert_rejected(&s, "deleted", None);
}

#[test]
fn renamed_entry() {
    let s = scene();
    let gpg = Gpg::new(&s.env);
    gpg.import_secret(&s.anna);
    let from = entry_path(&s, &s.note);
    let to = from.replace("entries/general/", "entries/allergy/");
    std::fs::create_dir_all(s.env.record().join(Path::new(&to).parent().unwrap())).unwrap();
    s.env.git(&["mv", &from, &to]);
    gpg.commit_signed(&s.anna.fpr, "move entry");
    assert_rejected(&s, "deleted", None);
}

#[test]
fn inner_signature_is_not_the_committers() {
    let s = scene();
    let t = time(&s);
    // Signed inside by the patient, committed by the GP as its own.
    let (path, ct) = sealed_note(&s, &s.klein, &s.anna, "general", t);
    let c = forge_commit(&s, &s.klein, vec![(path, ct)], t);
    assert_rejected(&s, "inner-signature", Some(&c));
}

/// A grantee writes an entry encrypted also to someone with no right to
/// read it (a participant whose grant does not cover the category): the
/// patient's data given away through the record. Every reader of an entry
/// must be the patient, its author, or a grantee who may read its
/// category then.
#[test]
fn entry_encrypted_to_someone_without_a_grant() {
    let s = scene();
    let t = time(&s);
    // The pharmacy reads medication and general, not allergy.
    let id = hrx::ops::add::new_id(t).unwrap();
    let yaml = note_yaml(id, "allergy", t, &s.klein, "given away");
    let u = forge::unlock(&s.klein);
    let (a, k, p) = (forge::cert(&s.anna), forge::cert(&s.klein), forge::cert(&s.apotheke));
    let ct = seal(yaml.as_bytes(), u.signer, &[&a, &k, &p], t).unwrap();
    let path = RepoPath::Entry { category: "allergy".parse().unwrap(), id }.to_path();
    forge_commit(&s, &s.klein, vec![(path, ct)], t);
    assert_rejected(&s, "bad-recipient", None);
}

#[test]
fn provider_forges_the_policy() {
    let s = scene();
    let t = time(&s);
    // The GP grants itself everything.
    let id = hrx::ops::add::new_id(t).unwrap();
    let st = format!(
        "statement: grant\nid: {id}\nissued_at: '{0}'\ngrantee: {1}\ncategories: all\nrights: [read, write]\npurpose: treatment\nfrom: '{0}'\n",
        t.to_rfc3339(),
        s.klein.fpr
    );
    forge_commit(&s, &s.klein, vec![(format!("policy/{id}.yaml"), st.into_bytes())], t);
    assert_rejected(&s, "policy", None);
}

#[test]
fn provider_adds_a_key() {
    let s = scene();
    let t = time(&s);
    // The GP slips in the certificate of someone the patient never named.
    let mallory = s.env.party("Mallory", "XX", None);
    s.env.exchange_cert(&mallory, &s.klein);
    let m = std::fs::read(s.env.path().join(format!("{}.asc", mallory.fpr))).unwrap();
    forge_commit(&s, &s.klein, vec![(format!("keys/{}.asc", mallory.fpr), m)], t);
    assert_rejected(&s, "policy", None);
}

#[test]
fn file_outside_the_layout() {
    let s = scene();
    let t = time(&s);
    forge_commit(&s, &s.anna, vec![("notes.txt".into(), b"plain text".to_vec())], t);
    assert_rejected(&s, "layout", None);
}

#[test]
fn forged_signature_on_altered_commit() {
    let s = scene();
    // Take the GP's signed commit, change what it says, keep its signature.
    let raw = stdout(&s.env.git(&["cat-file", "commit", "HEAD"]));
    let forged = raw.replacen("hrx: add entry", "hrx: add entry (amended)", 1);
    assert_ne!(raw, forged);
    let f = s.env.path().join("forged-commit");
    std::fs::write(&f, forged).unwrap();
    let oid = stdout(&s.env.git(&["hash-object", "-t", "commit", "-w", f.to_str().unwrap()])).trim().to_string();
    s.env.git(&["update-ref", "refs/heads/main", &oid]);
    assert_rejected(&s, "bad-signature", Some(&oid));
}

#[test]
fn rewritten_root() {
    let s = scene();
    // Anna's key makes a second, different record (same patient, new root)...
    let other = s.env.path().join("other");
    s.env.hrx(&s.anna).arg("init").arg(&other).assert().success();
    // ... and someone replaces this record's history with it.
    s.env.git(&["fetch", "-q", other.to_str().unwrap(), "main"]);
    s.env.git(&["update-ref", "refs/heads/main", "FETCH_HEAD"]);
    let root = stdout(&s.env.git(&["rev-parse", "HEAD"])).trim().to_string();
    assert_rejected(&s, "root-rewritten", Some(&root));
}

/// A rollback (the branch reset to an older commit, as someone who can
/// write to the copy can do) keeps an authentic history, but it can bring
/// a revoked grant back into force. A device that never saw more verifies
/// it; the device that verified the newer head in this copy refuses it
/// (its mark is in its hrx home, not in the record), until the patient
/// accepts it.
#[test]
fn rolled_back_history_is_refused_where_the_device_saw_more() {
    let s = scene();
    s.env.git(&["update-ref", "refs/heads/main", "HEAD~1"]);
    assert_rejected(&s, "rolled-back", None);
    // Removing the record's own state does not hide it.
    std::fs::remove_dir_all(s.env.record().join(".git/hrx")).unwrap();
    let out = s.env.verify(&s.anna);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("hrx sync") && stderr(&out).contains("--accept-rollback"), "{}", stderr(&out));
    // A device that never saw more.
    let out = s.env.hrx_nobody().arg("-C").arg(s.env.record()).arg("verify").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Accepted on purpose (an old backup restored), saying what it gives
    // up: then as usual.
    let out = s
        .env
        .hrx(&s.anna)
        .arg("-C")
        .arg(s.env.record())
        .args(["verify", "--accept-rollback", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let gave_up = &v["verify"]["report"]["gave_up"];
    assert_eq!(gave_up["commits"], 1, "{v}");
    assert_eq!(gave_up["newest"].as_array().map(|a| a.len()), Some(1), "{v}");
    assert!(s.env.verify(&s.anna).status.success());
    s.env.note(&s.anna, "after the restore");
}

/// A commit-graph file (v1, SHA-1) claiming, for each (commit, tree,
/// parents, generation, time), what git would read from the commits.
fn forged_commit_graph(path: &std::path::Path, commits: &[(&str, &str, &[&str], u32, u64)]) {
    use sha1::Digest;
    let hex = |h: &str| (0..20).map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap()).collect::<Vec<u8>>();
    // (commit, tree, parents, generation, time), as bytes.
    type Row = (Vec<u8>, Vec<u8>, Vec<Vec<u8>>, u32, u64);
    let mut ents: Vec<Row> = commits
        .iter()
        .map(|(c, t, ps, g, time)| (hex(c), hex(t), ps.iter().map(|p| hex(p)).collect(), *g, *time))
        .collect();
    ents.sort();
    let pos = |oid: &[u8]| ents.iter().position(|e| e.0 == oid).unwrap() as u32;
    let mut fan = [0u32; 256];
    for e in &ents {
        for f in &mut fan[e.0[0] as usize..] {
            *f += 1;
        }
    }
    let oidf: Vec<u8> = fan.iter().flat_map(|f| f.to_be_bytes()).collect();
    let oidl: Vec<u8> = ents.iter().flat_map(|e| e.0.clone()).collect();
    let mut cdat = Vec::new();
    for (_, tree, ps, generation, t) in &ents {
        cdat.extend(tree);
        cdat.extend(ps.first().map_or(0x7000_0000, |p| pos(p)).to_be_bytes());
        cdat.extend(ps.get(1).map_or(0x7000_0000, |p| pos(p)).to_be_bytes());
        cdat.extend(((generation << 2) | ((t >> 32) as u32 & 3)).to_be_bytes());
        cdat.extend((*t as u32).to_be_bytes());
    }
    let chunks: [(&[u8], &Vec<u8>); 3] = [(b"OIDF", &oidf), (b"OIDL", &oidl), (b"CDAT", &cdat)];
    let mut body = b"CGPH".to_vec();
    body.extend([1, 1, 3, 0]);
    let mut off = (8 + 12 * 4) as u64;
    for (id, data) in &chunks {
        body.extend(*id);
        body.extend(off.to_be_bytes());
        off += data.len() as u64;
    }
    body.extend([0u8; 4]);
    body.extend(off.to_be_bytes());
    for (_, data) in &chunks {
        body.extend(*data);
    }
    let digest = sha1::Sha1::digest(&body);
    body.extend(digest);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// Hostile review, attack: the copy is rolled back one commit, and a
/// forged `objects/info/commit-graph` says the old head's parent is the
/// head this device saw (libgit2 takes parents from it unchecked), so the
/// rollback looks like history moving on: status passed and add wrote on
/// the rolled-back copy, and the device accepted it for good. A FIFO there
/// hung every command. Rule: commit-graph files are derived data hrx never
/// writes; they are removed before libgit2 opens the copy, and the
/// rollback is refused (`rolled-back`).
#[test]
fn a_forged_commit_graph_hides_no_rollback() {
    let s = scene();
    let rev = |r: &str| stdout(&s.env.git(&["rev-parse", r])).trim().to_string();
    let (new, old) = (rev("HEAD"), rev("HEAD~1"));
    let time = |c: &str| stdout(&s.env.git(&["log", "-1", "--format=%ct", c])).trim().parse::<u64>().unwrap();
    s.env.git(&["update-ref", "refs/heads/main", &old]);
    let graph = s.env.record().join(".git/objects/info/commit-graph");
    forged_commit_graph(
        &graph,
        &[
            (&old, &rev(&format!("{old}^{{tree}}")), &[&new], 2, time(&new)),
            (&new, &rev(&format!("{new}^{{tree}}")), &[], 1, time(&new)),
        ],
    );
    for args in [&["status"][..], &["add", "note", "--text", "on the rolled-back copy"]] {
        let out = s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("rolled-back"), "{args:?}: {}", stderr(&out));
    }
    assert!(!graph.exists(), "the forged graph is gone");
    assert_eq!(rev("HEAD"), old, "nothing was written on the rolled-back copy");
    // A FIFO there is removed too, not waited on.
    s.env.git(&["update-ref", "refs/heads/main", &new]);
    assert!(s.env.bare("mkfifo").arg(&graph).output().unwrap().status.success());
    let out = s
        .env
        .hrx(&s.anna)
        .arg("-C")
        .arg(s.env.record())
        .arg("log")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!graph.exists());
}

/// Hostile review, attack: the patient revokes a grant and unplugs the
/// stick; someone resets its branch to before the revocation. The write
/// itself is what this device verified here last: the revocation undone is
/// a rollback, refused by the next command (the patient's next entry went
/// to the revoked grantee).
#[test]
fn a_revocation_undone_by_a_rollback_is_refused() {
    let s = scene();
    let grant = grant_id_of(&s, &s.apotheke);
    s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["revoke", &grant]).assert().success();
    s.env.git(&["update-ref", "refs/heads/main", "HEAD~1"]);
    let out = s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["add", "note", "--text", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("rolled back"), "{}", stderr(&out));
    // The refusal says what is missing: the revocation.
    assert!(stderr(&out).contains("1 commit this device verified here is missing"), "{}", stderr(&out));
    assert!(stderr(&out).contains("revoke"), "{}", stderr(&out));
    assert_rejected(&s, "rolled-back", None);
    // The audit trail of the rolled-back copy is refused too, not shown as
    // the record's (with the revocation missing).
    let out = s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["audit", "--json"]).output().unwrap();
    assert!(out.status.code() != Some(0) || stdout(&out).contains("rolled-back"), "{}", stdout(&out));
}

/// Hostile review, attack: the patient revokes a grant; someone with the
/// stick keeps a copy from before and puts a link to it where the record
/// was (or the patient names the record another way: its `.git`, a
/// subdirectory, another mount point). The place looks new, but the copy
/// lacks a revocation this device has seen in that record: refused,
/// wherever it is found, and her next entry does not go to the revoked
/// grantee.
#[test]
fn an_old_copy_behind_a_link_brings_back_no_revocation() {
    let s = scene();
    let rec = s.env.record();
    let old = s.env.path().join(".old");
    assert!(s.env.bare("cp").arg("-a").arg(&rec).arg(&old).output().unwrap().status.success());
    let grant = grant_id_of(&s, &s.apotheke);
    s.env.hrx(&s.anna).arg("-C").arg(&rec).args(["revoke", &grant]).assert().success();
    std::fs::rename(&rec, s.env.path().join(".new")).unwrap();
    std::os::unix::fs::symlink(".old", &rec).unwrap();
    for place in [rec.clone(), rec.join(".git"), rec.join("entries"), old.clone()] {
        let out = s
            .env
            .hrx(&s.anna)
            .arg("-C")
            .arg(&place)
            .args(["add", "note", "--text", "after the revocation"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}: {}", place.display(), stderr(&out));
        assert!(stderr(&out).contains("(code: rolled-back)"), "{}", stderr(&out));
        // Where this device never was, by what it has seen withdrawn
        // (`rec/.git` and `rec/entries` are the place `rec`, by its mark).
        if place == old {
            assert!(stderr(&out).contains("lacks what was withdrawn since (revoked grant"), "{}", stderr(&out));
        }
    }
    // Syncing from the real copy brings the revocation back, and then it is the record again.
    std::fs::remove_file(&rec).unwrap();
    std::fs::rename(s.env.path().join(".new"), &rec).unwrap();
    s.env.hrx(&s.anna).arg("-C").arg(&old).args(["remote", "add", "stick"]).arg(&rec).assert().success();
    let out = s.env.hrx(&s.anna).arg("-C").arg(&old).arg("sync").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    s.env.hrx(&s.anna).arg("-C").arg(&old).args(["add", "note", "--text", "now"]).assert().success();
}

/// Hostile review, attack: another record (made by a provider, with the
/// patient as its grantee) put behind a link where the patient's record
/// was: the place as the patient names it is the one this device knows,
/// and another root there is refused.
#[test]
fn another_record_behind_a_link_in_the_patients_place_is_refused() {
    let s = scene();
    let rec = s.env.record();
    let evil = s.env.path().join(".evil");
    s.env.hrx(&s.klein).arg("init").arg(&evil).assert().success();
    std::fs::rename(&rec, s.env.path().join(".moved")).unwrap();
    std::os::unix::fs::symlink(".evil", &rec).unwrap();
    let out = s.env.hrx(&s.anna).arg("-C").arg(&rec).args(["add", "note", "--text", "my diagnosis"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("another record is in this place"), "{}", stderr(&out));
}

/// Hostile review, attack: a copy carries its own claim of which record it
/// is (`hrx.root` in its `.git/config`), written by whoever made it. A
/// record Mallory made, put where the patient never held a record, is not
/// taken for one this device pinned; only the device's own memory (the hrx
/// home) pins a root, and a record moved to another place keeps its pin.
#[test]
fn a_pin_written_into_the_copy_is_not_believed() {
    let s = scene();
    let mallory = s.env.party("Mallory", "XX", None);
    let fake = s.env.path().join("fake");
    s.env.hrx(&mallory).arg("init").arg(&fake).assert().success();
    let out = s.env.hrx(&s.anna).arg("-C").arg(&fake).args(["verify", "--json", "--no-decrypt"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verify"]["report"]["pinned"], false, "{v}");
    // Having checked it once pins nothing either.
    let out = s.env.hrx(&s.anna).arg("-C").arg(&fake).args(["verify", "--json", "--no-decrypt"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verify"]["report"]["pinned"], false, "{v}");
    let out = s.env.hrx(&s.anna).arg("-C").arg(&fake).args(["status", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"]["record"]["pinned"], false, "{v}");
    assert!(v["status"]["warnings"].to_string().contains("has not pinned this record's root"), "{v}");
    // The patient's own record, moved: still pinned, wherever it is.
    let moved = s.env.path().join("moved");
    std::fs::rename(s.env.record(), &moved).unwrap();
    let out = s.env.hrx(&s.anna).arg("-C").arg(&moved).args(["verify", "--json", "--no-decrypt"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verify"]["report"]["pinned"], true, "{v}");
    // Mallory's record claiming to be the patient's (its config naming the
    // patient's root) is refused, not believed.
    let root = v["verify"]["report"]["root"].as_str().unwrap().to_string();
    let patient = v["verify"]["report"]["patient"].as_str().unwrap().to_string();
    let other = s.env.path().join("other");
    s.env.hrx(&mallory).arg("init").arg(&other).assert().success();
    s.env.bare("git").arg("-C").arg(&other).args(["config", "hrx.root", &root]).assert().success();
    s.env.bare("git").arg("-C").arg(&other).args(["config", "hrx.patient", &patient]).assert().success();
    let out = s.env.hrx(&s.anna).arg("-C").arg(&other).args(["verify", "--no-decrypt"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("root-rewritten") || stderr(&out).contains("pinned root"), "{}", stderr(&out));
}

/// Hostile review, attack: a rollback hidden behind where git finds the
/// repository (a gitfile pointing to a moved `.git`, or `.git` moved up to
/// the stick's root): the mark is kept for the directory the patient names,
/// not for where git resolves from there.
#[test]
fn a_rollback_behind_a_moved_git_directory_is_refused() {
    let s = scene();
    let rec = s.env.record();
    assert!(s.env.verify(&s.anna).status.success());
    s.env.git(&["update-ref", "refs/heads/main", "HEAD~1"]);
    std::fs::rename(rec.join(".git"), rec.join(".hidden")).unwrap();
    std::fs::write(rec.join(".git"), "gitdir: .hidden\n").unwrap();
    let out = s.env.hrx(&s.anna).arg("-C").arg(&rec).arg("grants").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("rolled back"), "{}", stderr(&out));
    // Moved up to the parent, found from the record's directory.
    std::fs::remove_file(rec.join(".git")).unwrap();
    let parent = rec.parent().unwrap().join(".git");
    assert!(!parent.exists());
    std::fs::rename(rec.join(".hidden"), &parent).unwrap();
    let out = s.env.hrx(&s.anna).arg("-C").arg(&rec).arg("grants").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// Hostile review, attack: another record put in place of the patient's
/// (made by a provider, with the patient as a grantee, so her next entry
/// goes to it). The device remembers which record it verified in this
/// place: another root there is refused, until the patient accepts it.
#[test]
fn another_record_in_the_patients_place_is_refused() {
    let s = scene();
    let rec = s.env.record();
    assert!(s.env.verify(&s.anna).status.success());
    let evil = s.env.path().join("evil");
    s.env.hrx(&s.klein).arg("init").arg(&evil).assert().success();
    std::fs::remove_dir_all(rec.join(".git")).unwrap();
    assert!(s.env.bare("cp").arg("-a").arg(evil.join(".git")).arg(rec.join(".git")).output().unwrap().status.success());
    let out = s.env.hrx(&s.anna).arg("-C").arg(&rec).args(["add", "note", "--text", "my diagnosis"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("another record is in this place"), "{}", stderr(&out));
    let out = s.env.hrx(&s.anna).arg("-C").arg(&rec).args(["verify", "--accept-rollback"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // A record made anew in a place is the one there from then on.
    let fresh = s.env.path().join("fresh");
    s.env.hrx(&s.anna).arg("init").arg(&fresh).assert().success();
    s.env.hrx(&s.anna).arg("-C").arg(&fresh).args(["add", "note", "--text", "ok"]).assert().success();
}

/// Hostile review, attack: the device's memory of a place was kept for
/// the directory as named, so the same record reached another way (`-C
/// rec/.git`, or from a directory inside it) was a place never seen:
/// another record put there, or the branch rolled back, was accepted as an
/// unpinned copy. A place is also remembered as the directory git finds
/// the record in from there.
#[test]
fn another_record_or_a_rollback_reached_from_inside_the_record_is_refused() {
    let s = scene();
    let rec = s.env.record();
    assert!(s.env.verify(&s.anna).status.success());
    std::fs::create_dir_all(rec.join("sub/dir")).unwrap();
    let head = stdout(&s.env.git(&["rev-parse", "HEAD"])).trim().to_string();
    s.env.git(&["update-ref", "refs/heads/main", "HEAD~1"]);
    for inside in [rec.join(".git"), rec.join("sub/dir"), rec.join("sub/../.git/refs")] {
        let out = s.env.hrx(&s.anna).arg("-C").arg(&inside).arg("grants").output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}: {}", inside.display(), stderr(&out));
        assert!(stderr(&out).contains("rolled back"), "{}: {}", inside.display(), stderr(&out));
    }
    s.env.git(&["update-ref", "refs/heads/main", &head]);
    let evil = s.env.path().join("evil");
    s.env.hrx(&s.klein).arg("init").arg(&evil).assert().success();
    std::fs::remove_dir_all(rec.join(".git")).unwrap();
    assert!(s.env.bare("cp").arg("-a").arg(evil.join(".git")).arg(rec.join(".git")).output().unwrap().status.success());
    for inside in [rec.join(".git"), rec.join("sub/dir")] {
        let out =
            s.env.hrx(&s.anna).arg("-C").arg(&inside).args(["add", "note", "--text", "my diagnosis"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}: {}", inside.display(), stderr(&out));
        assert!(stderr(&out).contains("another record is in this place"), "{}", stderr(&out));
    }
}

pub(crate) fn grant_id_of(s: &Scene, who: &Party) -> String {
    let v =
        json(&s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["grants", "--all", "--json"]).output().unwrap());
    v["grants"].as_array().unwrap().iter().find(|g| g["grantee"]["fingerprint"] == who.fpr.as_str()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(crate) fn statement(s: &Scene, who: &Party, yaml: impl Fn(&str, &str) -> String) -> String {
    let t = time(s);
    let id = hrx::ops::add::new_id(t).unwrap();
    forge_commit(s, who, vec![(format!("policy/{id}.yaml"), yaml(&id.to_string(), &t.to_rfc3339()).into_bytes())], t)
}

#[test]
fn write_by_a_revoked_grantee() {
    let s = scene();
    s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["revoke", &s.klein.fpr]).assert().success();
    let t = time(&s);
    let (path, ct) = sealed_note(&s, &s.klein, &s.klein, "general", t);
    forge_commit(&s, &s.klein, vec![(path, ct)], t);
    assert_rejected(&s, "unauthorised", None);
}

#[test]
fn replayed_grant_after_its_revocation() {
    let s = scene();
    let old = grant_id_of(&s, &s.klein);
    s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["revoke", &old]).assert().success();
    // The GP puts the patient's old grant back, under a new id.
    let path = format!("policy/{old}.yaml");
    let old_text = std::fs::read_to_string(s.env.record().join(&path)).unwrap();
    statement(&s, &s.klein, |id, _| old_text.replace(&old, id));
    assert_rejected(&s, "policy", None);
}

#[test]
fn grant_with_an_edited_scope() {
    let s = scene();
    let gpg = Gpg::new(&s.env);
    gpg.import_secret(&s.anna);
    let path = s.env.record().join(format!("policy/{}.yaml", grant_id_of(&s, &s.klein)));
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replace("- general\n- allergy\n", "- general\n- allergy\n- mental-health\n");
    assert_ne!(text, edited, "{text}");
    std::fs::write(&path, edited).unwrap();
    s.env.git(&["add", "-A"]);
    gpg.commit_signed(&s.anna.fpr, "widen grant");
    assert_rejected(&s, "modified", None);
}

#[test]
fn revocation_by_someone_other_than_the_patient() {
    let s = scene();
    let g = grant_id_of(&s, &s.klein);
    statement(&s, &s.apotheke, |id, t| format!("statement: revoke\nid: {id}\nissued_at: '{t}'\nrevokes: {g}\n"));
    assert_rejected(&s, "policy", None);
}

#[test]
fn emergency_access_recorded_by_a_key_without_an_emergency_grant() {
    let s = scene();
    let g = grant_id_of(&s, &s.klein);
    statement(&s, &s.klein, |id, t| format!("statement: emergency-access\nid: {id}\nissued_at: '{t}'\ngrant: {g}\n"));
    assert_rejected(&s, "policy", None);
}

/// An allergy entry (the GP may read it, the pharmacy may not) and its session key.
fn allergy_with_session_key(
    s: &Scene,
) -> (String, sequoia_openpgp::types::SymmetricAlgorithm, sequoia_openpgp::crypto::SessionKey) {
    let out = s
        .env
        .hrx(&s.anna)
        .arg("-C")
        .arg(s.env.record())
        .args(["add", "allergy", "--code", "snomed:764146007", "--display", "Penicillin"])
        .output()
        .unwrap();
    let id = stdout(&out).trim().to_string();
    let bytes = std::fs::read(s.env.record().join(entry_path(s, &id))).unwrap();
    let mut u = forge::unlock(&s.anna);
    let (algo, sk) = hrx::crypto::message::session_key(&bytes, None, &mut u.decryptors).unwrap().unwrap();
    (id, algo, sk)
}

#[test]
fn later_access_for_someone_without_a_read_grant() {
    let s = scene();
    let (id, algo, sk) = allergy_with_session_key(&s);
    let t = time(&s);
    let w = hrx::crypto::message::wrap(algo, &sk, &forge::cert(&s.apotheke), t).unwrap();
    forge_commit(&s, &s.anna, vec![(access_path(&id, &s.apotheke), w)], t);
    assert_rejected(&s, "policy", None);
}

#[test]
fn later_access_wrap_addressed_to_another_key() {
    let s = scene();
    let (id, algo, sk) = allergy_with_session_key(&s);
    let t = time(&s);
    // Filed as the GP's, but wrapped for the pharmacy's key.
    let w = hrx::crypto::message::wrap(algo, &sk, &forge::cert(&s.apotheke), t).unwrap();
    forge_commit(&s, &s.anna, vec![(access_path(&id, &s.klein), w)], t);
    assert_rejected(&s, "bad-access", None);
}

pub(crate) fn access_path(entry: &str, reader: &Party) -> String {
    RepoPath::Access { entry: entry.parse().unwrap(), reader: reader.fpr.clone() }.to_path()
}

#[test]
fn a_merge_that_drops_the_other_sides_entries() {
    let s = scene();
    // Two lines of history: the patient's on main, the GP's on a side branch.
    let rec = Record::open(&s.env.record()).unwrap();
    let base = rec.head().unwrap().unwrap();
    let t = time(&s);
    let (path, ct) = sealed_note(&s, &s.klein, &s.klein, "general", t);
    let mut k = forge::unlock(&s.klein);
    // The GP's commit, not on main: built on `base` and left dangling.
    let side = {
        let tree = rec.repo.find_commit(base).unwrap().tree().unwrap();
        let mut b = git2::build::TreeUpdateBuilder::new();
        b.upsert(path.as_str(), rec.repo.blob(&ct).unwrap(), git2::FileMode::Blob);
        let tree = rec.repo.find_tree(b.create_updated(&rec.repo, &tree).unwrap()).unwrap();
        let sig = git2::Signature::new("Dr Klein", "k@example.org", &git2::Time::new(t.timestamp(), 0)).unwrap();
        let parent = rec.repo.find_commit(base).unwrap();
        let buf = rec.repo.commit_create_buffer(&sig, &sig, "hrx: add entry", &tree, &[&parent]).unwrap();
        let gpgsig = hrx::crypto::commit::sign(&buf, &mut k.signer, t).unwrap();
        rec.repo.commit_signed(std::str::from_utf8(&buf).unwrap(), &gpgsig, None).unwrap()
    };
    s.env.note(&s.anna, "on main");
    // The patient "merges" the GP's line but keeps only main's tree.
    let head = rec.head().unwrap().unwrap();
    let t = time(&s);
    let mut a = forge::unlock(&s.anna);
    let tree = rec.repo.find_commit(head).unwrap().tree().unwrap();
    let sig = git2::Signature::new("Anna Weber", "a@example.org", &git2::Time::new(t.timestamp(), 0)).unwrap();
    let parents = [&rec.repo.find_commit(head).unwrap(), &rec.repo.find_commit(side).unwrap()];
    let buf = rec.repo.commit_create_buffer(&sig, &sig, "hrx: merge", &tree, &parents).unwrap();
    let gpgsig = hrx::crypto::commit::sign(&buf, &mut a.signer, t).unwrap();
    let merge = rec.repo.commit_signed(std::str::from_utf8(&buf).unwrap(), &gpgsig, None).unwrap();
    rec.advance(Some(head), merge, "merge").unwrap();
    assert_rejected(&s, "deleted", Some(&merge.to_string()));
}

#[test]
fn entry_encrypted_to_a_hidden_reader() {
    let s = scene();
    let t = time(&s);
    // The GP writes a note whose third reader no verifier can see: it
    // could be anyone, granted or not.
    let id = hrx::ops::add::new_id(t).unwrap();
    let yaml = note_yaml(id, "general", t, &s.klein, "leaked");
    let ct = crate::recovery::sealed_with_a_hidden_reader(&s.klein, &[&s.anna, &s.klein], &s.apotheke, yaml.as_bytes());
    let path = hrx::model::RepoPath::Entry { category: "general".parse().unwrap(), id }.to_path();
    forge_commit(&s, &s.klein, vec![(path, ct)], t);
    assert_rejected(&s, "bad-entry", None);
}

/// Attack: a commit dated hours ahead, so that it sorts after a revocation
/// made meanwhile and outlives it. Rule: a signature time more than one
/// hour after the verifier's clock is refused (`future`); within the hour
/// (clocks differ) it is taken.
#[test]
fn commit_signed_in_the_future() {
    let s = scene();
    let base = stdout(&s.env.git(&["rev-parse", "HEAD"])).trim().to_string();
    let t = time(&s) + chrono::Duration::minutes(30);
    let note = sealed_note(&s, &s.klein, &s.klein, "general", t);
    forge_commit(&s, &s.klein, vec![note], t);
    let out = s.env.verify(&s.anna);
    assert!(out.status.success(), "half an hour ahead is within the skew: {}", stderr(&out));

    s.env.git(&["update-ref", "refs/heads/main", &base]);
    let t = time(&s) + chrono::Duration::hours(2);
    let note = sealed_note(&s, &s.klein, &s.klein, "general", t);
    let c = forge_commit(&s, &s.klein, vec![note], t);
    assert_rejected(&s, "future", Some(&c));
}

/// Attack: another history joined to the record by a merge, so that its
/// root's certificates and statements (a patient of Mallory's choosing)
/// come in as if they were the record's. Rule: a history has one root
/// (`second-root`), whoever signs the merge.
#[test]
fn a_second_root_joined_by_a_merge() {
    let s = scene();
    let other = s.env.path().join("other");
    let out = s.env.hrx(&s.anna).arg("init").arg(&other).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = Record::open(&s.env.record()).unwrap();
    let theirs = Record::open(&other).unwrap();
    let their_root = theirs.head().unwrap().unwrap();
    // Their objects into this repository, as a fetch would bring them.
    let odb = rec.repo.odb().unwrap();
    let their_odb = theirs.repo.odb().unwrap();
    their_odb
        .foreach(|id| {
            let o = their_odb.read(*id).unwrap();
            odb.write(o.kind(), o.data()).unwrap();
            true
        })
        .unwrap();
    let head = rec.head().unwrap().unwrap();
    let ours = rec.repo.find_commit(head).unwrap();
    let root = rec.repo.find_commit(their_root).unwrap();
    let t = time(&s);
    let sig = git2::Signature::new(&s.anna.name, "x@example.org", &git2::Time::new(t.timestamp(), 0)).unwrap();
    let buf = rec.repo.commit_create_buffer(&sig, &sig, "hrx: merge", &ours.tree().unwrap(), &[&ours, &root]).unwrap();
    let mut u = forge::unlock(&s.anna);
    let gpgsig = hrx::crypto::commit::sign(&buf, &mut u.signer, t).unwrap();
    let merge = rec.repo.commit_signed(std::str::from_utf8(&buf).unwrap(), &gpgsig, None).unwrap();
    rec.advance(Some(head), merge, "forged").unwrap();

    let out = s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["verify", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["reason"], "second-root", "{v}");
    let named = v["error"]["commit"].as_str().unwrap().to_string();
    let first_root = stdout(&s.env.git(&["rev-list", "--max-parents=0", &head.to_string()])).trim().to_string();
    assert!(named == their_root.to_string() || named == first_root, "names a root: {v}");
}

/// Attack: a record whose header does not say what hrx reads (not YAML, or
/// a format this hrx does not know), so that a verifier guesses at its
/// layout. Rule: the root's `hrx.yaml` must parse as the format hrx reads
/// (`header`), before anything else of the history is believed.
#[test]
fn a_root_header_hrx_does_not_read() {
    let s = scene();
    let rec = Record::open(&s.env.record()).unwrap();
    let root = stdout(&s.env.git(&["rev-list", "--max-parents=0", "HEAD"])).trim().to_string();
    let root_tree = rec.repo.find_commit(git2::Oid::from_str(&root).unwrap()).unwrap().tree().unwrap();
    let header = rec.repo.find_blob(root_tree.get_name("hrx.yaml").unwrap().id()).unwrap().content().to_vec();
    let header = String::from_utf8(header).unwrap();
    assert!(header.contains("hrx/2"), "{header}");
    for (name, bad) in
        [("garbage", "format: [hrx/2\npatient: {".to_string()), ("unknown", header.replace("hrx/2", "hrx/9"))]
    {
        let dir = s.env.path().join(name);
        let repo = git2::Repository::init(&dir).unwrap();
        let mut b = git2::build::TreeUpdateBuilder::new();
        b.upsert("hrx.yaml", repo.blob(bad.as_bytes()).unwrap(), git2::FileMode::Blob);
        let keys = root_tree.get_name("keys").unwrap();
        let key = rec.repo.find_tree(keys.id()).unwrap();
        let k = key.get(0).unwrap();
        let cert = rec.repo.find_blob(k.id()).unwrap();
        b.upsert(format!("keys/{}", k.name().unwrap()), repo.blob(cert.content()).unwrap(), git2::FileMode::Blob);
        let empty = repo.treebuilder(None).unwrap().write().unwrap();
        let tree = repo.find_tree(b.create_updated(&repo, &repo.find_tree(empty).unwrap()).unwrap()).unwrap();
        let t = time(&s);
        let sig = git2::Signature::new(&s.anna.name, "x@example.org", &git2::Time::new(t.timestamp(), 0)).unwrap();
        let buf = repo.commit_create_buffer(&sig, &sig, "hrx: init", &tree, &[]).unwrap();
        let mut u = forge::unlock(&s.anna);
        let gpgsig = hrx::crypto::commit::sign(&buf, &mut u.signer, t).unwrap();
        let c = repo.commit_signed(std::str::from_utf8(&buf).unwrap(), &gpgsig, None).unwrap();
        repo.reference("refs/heads/main", c, true, "forged").unwrap();
        repo.set_head("refs/heads/main").unwrap();

        let out = s.env.hrx(&s.anna).arg("-C").arg(&dir).args(["verify", "--json"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["error"]["reason"], "header", "{name}: {v}");
        assert_eq!(v["error"]["commit"], c.to_string(), "{name}: {v}");
    }
}

/// Attack: the computer's clock set back, so that a grant that has expired
/// looks in force again, or a revocation not yet made. Rule: a copy never
/// lets an earlier clock see more than it verified: with the clock before
/// the newest commit it verified, reading is refused (`clock`), and set
/// right again it reads as before.
#[test]
fn a_clock_set_back_before_what_was_verified() {
    let s = scene();
    let log = |s: &Scene| s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["log", "--json"]).output().unwrap();
    assert!(log(&s).status.success());
    s.env.advance(-3 * 3600);
    let out = log(&s);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["reason"], "clock", "{v}");
    assert!(stderr(&out).contains("set the clock right"), "{}", stderr(&out));
    s.env.advance(3 * 3600);
    assert!(log(&s).status.success());
}
