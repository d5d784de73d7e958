//! The record's life: init, add, log, show, and what happens on bad input.

use crate::common::*;

#[test]
fn init_add_log_show_as_patient_and_provider() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", Some("anna-secret"));
    let klein = env.party("Dr Klein", "DE", None);
    let v = json(&env.hrx(&anna).arg("init").arg(env.record()).arg("--json").output().unwrap());
    assert_eq!(v["record"]["patient"], anna.fpr.as_str());
    let root = v["record"]["root"].as_str().unwrap().to_string();
    // The trust root is pinned on this device.
    let cfg = std::fs::read_to_string(env.record().join(".git/config")).unwrap();
    assert!(cfg.contains(&root) && cfg.contains(&anna.fpr), "{cfg}");
    // ... and the pin itself is in the device's home, not in the copy.
    let pin = std::fs::read_to_string(anna.home.join("roots").join(&root)).unwrap();
    assert_eq!(pin.trim(), anna.fpr);

    let note = env.note(&anna, "Trip to Valencia in spring.");
    env.grant(&anna, &klein, "general,allergy,medication", "read,write", &[]);
    let allergy = {
        let out = env
            .hrx(&klein)
            .arg("-C")
            .arg(env.record())
            .args([
                "add",
                "allergy",
                "--code",
                "snomed:764146007",
                "--display",
                "Penicillin",
                "--criticality",
                "high",
                "--json",
            ])
            .output()
            .unwrap();
        let v = json(&out);
        assert_eq!(v["entry"]["category"], "allergy");
        let r: Vec<&str> = v["entry"]["recipients"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
        assert!(r.contains(&anna.fpr.as_str()) && r.contains(&klein.fpr.as_str()));
        v["entry"]["id"].as_str().unwrap().to_string()
    };
    // A mental-health entry by the patient is not for the GP.
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "note", "--text", "Therapy started.", "--category", "mental-health"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mh = stdout(&out).trim().to_string();

    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["id"], note.as_str(), "time order");
    assert!(entries.iter().all(|e| e["readable"] == true), "the patient reads everything");
    assert_eq!(entries[1]["summary"], "Penicillin");
    assert_eq!(entries[1]["author"]["name"], "Dr Klein");

    let log = json(&env.hrx(&klein).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let by_id = |id: &str| log["entries"].as_array().unwrap().iter().find(|e| e["id"] == id).unwrap().clone();
    assert_eq!(by_id(&allergy)["readable"], true);
    assert_eq!(by_id(&note)["readable"], false, "written before the GP's grant");
    assert_eq!(by_id(&mh)["readable"], false, "mental-health is not granted");
    assert!(by_id(&mh).get("summary").is_none());
    let text = stdout(&env.hrx(&klein).arg("-C").arg(env.record()).arg("log").output().unwrap());
    assert!(text.contains("not readable"), "{text}");
    assert!(!text.contains("Therapy"));

    // --kind and --since filter.
    let log = json(
        &env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--kind", "allergy", "--json"]).output().unwrap(),
    );
    assert_eq!(log["entries"].as_array().unwrap().len(), 1);
    let log = json(
        &env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--since", "2030-01-01", "--json"]).output().unwrap(),
    );
    assert_eq!(log["entries"].as_array().unwrap().len(), 0);

    // show: the full record with its signature status.
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["show", &allergy, "--json"]).output().unwrap());
    assert_eq!(v["entry"]["signature"]["status"], "good");
    assert_eq!(v["entry"]["signature"]["signer"], klein.fpr.as_str());
    assert_eq!(v["entry"]["record"]["substance"]["code"], "764146007");
    assert_eq!(v["entry"]["record"]["author"]["fingerprint"], klein.fpr.as_str());
    let names: Vec<&str> =
        v["entry"]["recipients"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "patient and author: {names:?}");
    assert!(names.contains(&"Anna Weber") && names.contains(&"Dr Klein"));

    let text = stdout(&env.hrx(&klein).arg("-C").arg(env.record()).args(["show", &mh]).output().unwrap());
    assert!(text.contains("not readable"), "{text}");
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["show", "01ZZZZZZZZZZZZZZZZZZZZZZZZ"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));

    let out = env.verify(&anna);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("inner signatures checked: 3"), "{}", stdout(&out));
}

#[test]
fn add_from_file_and_stdin_validates_against_the_schema() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let f = env.path().join("hba1c.yaml");
    std::fs::write(
        &f,
        "code: {system: loinc, code: 4548-4, display: {en: Hemoglobin A1c, de: HbA1c}}\n\
         observation_category: laboratory\nvalue: {value: 6.1, unit: '%'}\neffective: 2026-02-27\n",
    )
    .unwrap();
    let out =
        env.hrx(&anna).arg("-C").arg(env.record()).args(["add", "observation", "--file"]).arg(&f).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "immunization"])
        .write_stdin("vaccine: {system: cvx, code: '208', display: {en: COVID-19 mRNA}}\ndose_number: 3\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let kinds: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["observation", "immunization"]);
    assert_eq!(log["entries"][0]["record"]["value"]["value"], 6.1);
}

#[test]
fn bad_input_exits_non_zero_and_changes_nothing() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", Some("right"));
    env.init(&anna);
    env.note(&anna, "first");
    let before = TestEnv::snapshot(&env.record());
    let add = |kind: &str, input: &str| {
        env.hrx(&anna).arg("-C").arg(env.record()).args(["add", kind]).write_stdin(input.to_string()).output().unwrap()
    };
    // Not YAML.
    let out = add("note", "text: [unclosed\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("YAML"), "{}", stderr(&out));
    // A schema violation names the field and the rule.
    let out = add("observation", "code: {system: loinc, code: 4548-4}\nvalue: {value: high}\n");
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("field `value") && err.contains("rule:"), "{err}");
    let out = add("allergy", "criticality: high\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("substance"), "{}", stderr(&out));
    // Issue 17, item 6: a value of the wrong shape says the shape expected.
    let out = add("allergy", "substance: Penicillin\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("`substance` takes a coded term: {system: snomed, code:"), "{}", stderr(&out));
    let out = add("note", "text: hi\ncolour: red\n");
    assert!(stderr(&out).contains("colour"), "{}", stderr(&out));
    // Fields hrx fills in.
    let out = add("note", "text: hi\nauthor: {fingerprint: AAAA, name: Mallory}\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("`author` is set by hrx"));
    // Unknown kind and category.
    let out = add("gossip", "text: hi\n");
    assert_eq!(out.status.code(), Some(2));
    let out = add("note", "text: hi\ncategory: gossip\n");
    assert_eq!(out.status.code(), Some(3));
    // A wrong passphrase.
    let wrong = env.path().join("wrong.pass");
    std::fs::write(&wrong, "wrong\n").unwrap();
    let out = env
        .hrx(&anna)
        .env("HRX_PASSPHRASE_FILE", &wrong)
        .arg("-C")
        .arg(env.record())
        .args(["add", "note", "--text", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("wrong passphrase"));
    assert_eq!(TestEnv::snapshot(&env.record()), before, "the repository is byte-for-byte unchanged");
}

#[test]
fn no_plaintext_reaches_the_disk() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let marker = "MARKER-7f3a9c-hypertension-secret";
    env.note(&anna, marker);
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "condition", "--code", "icd10:I10", "--display", &format!("{marker}-2")])
        .output()
        .unwrap();
    assert!(out.status.success());
    // Check that the marker is findable when it is there (the test can fail) ...
    let shown = stdout(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log"]).output().unwrap());
    assert!(shown.contains(marker));
    // What the reader opened is kept, sealed (see the reader-cache tests).
    let kept = env.record().join(".git/hrx/read").join(&anna.fpr);
    assert!(TestEnv::files_under(&kept).len() >= 2, "the reader's cache was written");
    // ... and that it is nowhere on disk: record, .git, hrx home, temp dir.
    for dir in [env.record(), anna.home.clone(), env.path().join("tmp"), env.path().join("userhome")] {
        for p in TestEnv::files_under(&dir) {
            let bytes = std::fs::read(&p).unwrap();
            assert!(!bytes.windows(marker.len()).any(|w| w == marker.as_bytes()), "plaintext found in {}", p.display());
        }
    }
    // git objects are zlib-compressed: look inside them too.
    let objects = env.git(&["cat-file", "--batch-all-objects", "--batch"]);
    assert!(!stdout(&objects).contains(marker), "plaintext inside a git object");
}

#[test]
fn init_refuses_a_non_empty_directory_and_missing_keys() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    std::fs::create_dir_all(env.record()).unwrap();
    std::fs::write(env.record().join("x"), "x").unwrap();
    let out = env.hrx(&anna).arg("init").arg(env.record()).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    let out = env.hrx_nobody().arg("init").arg(env.path().join("r2")).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("hrx key generate"));
    assert!(!env.path().join("r2").exists());
    let out = env.hrx(&anna).arg("-C").arg(env.path()).arg("log").output().unwrap();
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn a_provider_without_a_grant_cannot_add() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.init(&anna);
    let before = TestEnv::snapshot(&env.record());
    let out = env.hrx(&klein).arg("-C").arg(env.record()).args(["add", "note", "--text", "hi"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    env.grant(&anna, &klein, "medication", "read", &[]);
    let out = env.hrx(&klein).arg("-C").arg(env.record()).args(["add", "note", "--text", "hi"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("no write grant for category general"), "{}", stderr(&out));
    let _ = before;
}

#[test]
fn documents_carry_any_file_encrypted() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.init(&anna);
    let pdf = env.path().join("discharge-letter.pdf");
    let bytes: Vec<u8> = b"%PDF-1.4\n".iter().copied().chain((0..=255u8).cycle().take(5000)).collect();
    std::fs::write(&pdf, &bytes).unwrap();
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "document", "--code", "loinc:18842-5", "--display", "Discharge summary", "--attach"])
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["show", &id, "--json"]).output().unwrap());
    let att = &v["entry"]["record"]["attachment"];
    assert_eq!(att["content_type"], "application/pdf");
    assert_eq!(att["filename"], "discharge-letter.pdf");
    assert_eq!(att["size"], 5009);
    assert_eq!(v["entry"]["record"]["type"]["code"], "18842-5");
    let saved = env.path().join("saved.pdf");
    env.hrx(&anna).arg("-C").arg(env.record()).args(["show", &id, "--save-attachment"]).arg(&saved).assert().success();
    assert_eq!(std::fs::read(&saved).unwrap(), bytes);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777, 0o600);
    // Someone who cannot read the entry gets an error, and no file.
    env.exchange_cert(&klein, &anna);
    let not_mine = env.path().join("klein.pdf");
    let out = env
        .hrx(&klein)
        .arg("-C")
        .arg(env.record())
        .args(["show", &id, "--save-attachment"])
        .arg(&not_mine)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(!not_mine.exists());
    // A missing file is a clear error.
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "document", "--attach", "/nonexistent.pdf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn displays_follow_the_asked_language() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "allergy"])
        .write_stdin("substance: {system: snomed, code: '764146007', display: {en: Penicillin, es: Penicilina, de: Penicillin-Allergie}}\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    let log = |lang: &str| {
        stdout(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--lang", lang]).output().unwrap())
    };
    assert!(log("es").contains("Penicilina"));
    assert!(log("de").contains("Penicillin-Allergie"));
    assert!(log("fr").contains("Penicillin"), "no French display: falls back to English");
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--lang", "es", "--json"]).output().unwrap());
    assert_eq!(v["entries"][0]["summary"], "Penicilina");
    let shown =
        stdout(&env.hrx(&anna).arg("-C").arg(env.record()).args(["show", &id, "--lang", "es"]).output().unwrap());
    assert!(shown.contains("substance: Penicilina"), "{shown}");
}

/// `hrx init DIR` and `hrx clone SOURCE DIR` with relative paths make the
/// record exactly there (the positional DIR once also filled the global
/// `-C`, and the record landed in DIR/DIR).
#[test]
fn relative_directories_are_taken_from_where_hrx_runs() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let out = env.hrx(&anna).current_dir(env.path()).args(["init", "s/rec"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.path().join("s/rec/.git").is_dir(), "the record is in s/rec: {}", stdout(&out));
    let out =
        env.hrx(&anna).current_dir(env.path()).args(["-C", "s/rec", "add", "note", "--text", "hi"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.hrx(&anna).current_dir(env.path()).args(["clone", "s/rec", "c/copy"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.path().join("c/copy/.git").is_dir(), "the clone is in c/copy: {}", stdout(&out));
}

/// Once about a thousand objects are loose (estimated from one fan-out
/// directory, as git does), a write packs them with libgit2 and removes the
/// loose copies; everything stays readable and the record verifies. No git
/// runs, so nothing in the record's own .git/config or hooks can.
#[test]
fn writes_pack_loose_objects() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.note(&anna, "before packing");
    let dir = env.record();
    let objects = dir.join(".git/objects");
    let packs = || std::fs::read_dir(objects.join("pack")).map(|d| d.count()).unwrap_or(0);
    let loose = || {
        (0..256)
            .map(|d| std::fs::read_dir(objects.join(format!("{d:02x}"))).map(|r| r.count()).unwrap_or(0))
            .sum::<usize>()
    };
    assert_eq!(packs(), 0, "a new record's objects are loose");
    // Five loose objects in git's sample directory stand for 1,280.
    let repo = git2::Repository::open(&dir).unwrap();
    let mut fillers = vec![];
    for i in 0u32.. {
        let data = format!("filler {i}");
        let oid = git2::Oid::hash_object(git2::ObjectType::Blob, data.as_bytes()).unwrap();
        if oid.to_string().starts_with("17") {
            fillers.push(repo.blob(data.as_bytes()).unwrap());
            if fillers.len() == 5 {
                break;
            }
        }
    }
    // A hook or a command in the record's config would run if git did.
    let ran = env.path().join("ran");
    std::fs::write(dir.join(".git/hooks/pre-auto-gc"), format!("#!/bin/sh\ntouch '{}'\n", ran.display())).ok();
    env.git(&["config", "gc.recentObjectsHook", &format!("touch '{}'", ran.display())]);
    let before = loose();
    assert!(before > 5, "{before}");
    env.note(&anna, "after packing");
    assert!(packs() >= 2, "a pack and its index");
    assert_eq!(loose(), 0, "no loose objects left");
    assert!(!ran.exists(), "nothing of the record's own configuration ran");
    let repo = git2::Repository::open(&dir).unwrap();
    for f in &fillers {
        repo.find_blob(*f).unwrap();
    }
    let out = env.verify(&anna);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("2 entries"), "{}", stdout(&out));
}

/// The reader's files under `.git/hrx/read/FPR/`: its sealed key and its
/// segments, sorted.
fn reader_cache(rec: &std::path::Path, who: &Party) -> (std::path::PathBuf, Vec<std::path::PathBuf>) {
    let dir = rec.join(".git/hrx/read").join(&who.fpr);
    let mut segs: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "seg")).collect())
        .unwrap_or_default();
    segs.sort();
    (dir, segs)
}

/// `hrx log --json` as `who`, which must succeed within a minute.
fn log_json(env: &TestEnv, who: &Party) -> serde_json::Value {
    let out = env
        .hrx(who)
        .arg("-C")
        .arg(env.record())
        .args(["log", "--json"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    json(&out)
}

/// Issue 13: `hrx log` keeps what the reader opened, sealed to the
/// reader, and shows the same from it as from the entries themselves; a
/// run that opened nothing new writes nothing.
#[test]
fn log_shows_the_same_from_the_readers_sealed_cache() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "first note");
    env.note(&anna, "second note");
    let cold = log_json(&env, &anna);
    let (dir, segs) = reader_cache(&rec, &anna);
    assert_eq!(segs.len(), 1, "one segment for what was opened");
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    let read = dir.parent().unwrap();
    assert_eq!(std::fs::metadata(read).unwrap().permissions().mode() & 0o777, 0o700, "{}", read.display());
    for f in segs.iter().chain([&dir.join("key.pgp")]) {
        assert_eq!(std::fs::metadata(f).unwrap().permissions().mode() & 0o777, 0o600, "{}", f.display());
    }
    // Emptied, the entries still show: they come from the cache.
    let warm = log_json(&env, &anna);
    assert_eq!(warm, cold);
    assert_eq!(reader_cache(&rec, &anna).1, segs, "nothing new was opened, nothing written");
    // Files made readable by others (a copy, a restore from a backup) are
    // made private again when they are read.
    for f in segs.iter().chain([&dir.join("key.pgp")]) {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(log_json(&env, &anna), cold);
    for f in segs.iter().chain([&dir.join("key.pgp")]) {
        assert_eq!(std::fs::metadata(f).unwrap().permissions().mode() & 0o777, 0o600, "{}", f.display());
    }
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    env.note(&anna, "third note");
    let third = log_json(&env, &anna);
    assert_eq!(third["entries"].as_array().unwrap().len(), 3);
    assert_eq!(third["entries"].as_array().unwrap()[..2], cold["entries"].as_array().unwrap()[..]);
    assert!(third.to_string().contains("third note"));
    assert_eq!(reader_cache(&rec, &anna).1.len(), 2, "one more segment for the new entry");
    // A provider's cache is its own, sealed to it.
    let klein = env.party("Dr Klein", "DE", None);
    env.grant(&anna, &klein, "general", "read", &[]);
    env.note(&anna, "for Dr Klein too");
    let theirs = log_json(&env, &klein);
    assert!(theirs.to_string().contains("for Dr Klein too"), "{theirs}");
    assert_eq!(reader_cache(&rec, &klein).1.len(), 1);
}

/// Issue 13: a damaged segment is passed over; the entries are opened
/// again, and shown as they are.
#[test]
fn a_damaged_reader_cache_is_passed_over() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "the real note");
    let cold = log_json(&env, &anna);
    let (_, segs) = reader_cache(&rec, &anna);
    let mut bytes = std::fs::read(&segs[0]).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&segs[0], &bytes).unwrap();
    assert_eq!(log_json(&env, &anna), cold);
    // Dropped at once: it would cost its reading on every run.
    assert!(!segs[0].exists(), "the damaged segment was kept");
    // A segment that is a link to an endless device, or a FIFO, is not
    // read (nor waited on), and dropped.
    let (dir, _) = reader_cache(&rec, &anna);
    let zero = dir.join("00000000000000000000-0.seg");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let fifo = dir.join("00000000000000000000-1.seg");
    let made = env.bare("mkfifo").arg(&fifo).output().unwrap();
    assert!(made.status.success());
    assert_eq!(log_json(&env, &anna), cold);
    assert!(std::fs::symlink_metadata(&zero).is_err() && std::fs::symlink_metadata(&fifo).is_err());
    assert!(std::path::Path::new("/dev/zero").exists());
    // Garbage in place of the key: a new key, the old segments dropped.
    let (dir, _) = reader_cache(&rec, &anna);
    std::fs::write(dir.join("key.pgp"), b"not a key").unwrap();
    assert_eq!(log_json(&env, &anna), cold);
    assert_eq!(reader_cache(&rec, &anna).1.len(), 1, "{:?}", reader_cache(&rec, &anna).1);
}

/// Issue 13, attack: someone who can write to the record's directory (a
/// shared laptop account, a synced folder) plants a cache key (anyone can
/// encrypt one to the patient's public key) and a segment sealed with it
/// that puts other words in a real entry. The key is not signed by the
/// reader, so nothing sealed with it is believed.
#[test]
fn a_planted_reader_cache_is_not_believed() {
    use openpgp::serialize::stream::{Encryptor, LiteralWriter, Message};
    use sequoia_openpgp as openpgp;
    use std::io::Write;
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "penicillin allergy");
    let cold = log_json(&env, &anna);
    // The planted key: encrypted to Anna's certificate, labelled as hrx
    // labels its own, signed by no one.
    let root = stdout(&env.git(&["rev-list", "--max-parents=0", "HEAD"])).trim().to_string();
    let plain = format!("hrx reader's cache 1 {root} {} {}", anna.fpr, "07".repeat(32));
    let cert = forge::cert(&anna);
    let p = openpgp::policy::StandardPolicy::new();
    let recipients = cert.keys().with_policy(&p, None).supported().for_storage_encryption();
    let mut sealed_key = Vec::new();
    let m = Encryptor::for_recipients(Message::new(&mut sealed_key), recipients).build().unwrap();
    let mut w = LiteralWriter::new(m).build().unwrap();
    w.write_all(plain.as_bytes()).unwrap();
    w.finalize().unwrap();
    // A segment sealed with it, as hrx seals its own.
    let line = cache_line(&env, &cold["entries"][0], "no known allergies");
    let seg = seal_segment(&[7u8; 32], &line);
    let (dir, segs) = reader_cache(&rec, &anna);
    for s in segs {
        std::fs::remove_file(s).unwrap();
    }
    std::fs::write(dir.join("key.pgp"), &sealed_key).unwrap();
    std::fs::write(dir.join("00000000000000000001-1.seg"), &seg).unwrap();
    let shown = log_json(&env, &anna);
    assert!(!shown.to_string().contains("no known allergies"), "the planted words were shown: {shown}");
    assert_eq!(shown, cold);
    assert_ne!(std::fs::read(dir.join("key.pgp")).unwrap(), sealed_key, "the planted key was replaced");
}

/// A cache segment holding `lines`, sealed with `key` as hrx seals its own
/// (what someone who has the cache key can make).
fn seal_segment(key: &[u8], lines: &str) -> Vec<u8> {
    use sequoia_openpgp::types::{AEADAlgorithm, SymmetricAlgorithm};
    let key = sequoia_openpgp::crypto::SessionKey::from(key.to_vec());
    let nonce = [9u8; 12];
    let mut ctx = AEADAlgorithm::GCM
        .context(SymmetricAlgorithm::AES256, &key, b"hrx-rc1\n", &nonce)
        .unwrap()
        .for_encryption()
        .unwrap();
    let mut seg = b"hrx-rc1\n".to_vec();
    seg.extend_from_slice(&nonce);
    let start = seg.len();
    seg.resize(start + lines.len() + ctx.digest_size(), 0);
    ctx.encrypt_seal(&mut seg[start..], lines.as_bytes()).unwrap();
    seg
}

/// The cache line that says entry `entry` (as `log --json` shows it) reads
/// `text`.
fn cache_line(env: &TestEnv, entry: &serde_json::Value, text: &str) -> String {
    let id = entry["id"].as_str().unwrap();
    let tree = stdout(&env.git(&["ls-tree", "-r", "HEAD"]));
    let blob = tree.lines().find(|l| l.contains(id)).unwrap().split_whitespace().nth(2).unwrap().to_string();
    let mut record = entry["record"].clone();
    record["text"] = text.into();
    let body = serde_json::json!({
        "recipients": entry["recipients"].as_array().unwrap().iter().map(|r| r["key_id"].clone()).collect::<Vec<_>>(),
        "record": record,
        "signature": entry["signature"],
    });
    format!("{blob} {} {body}\n", entry["commit"].as_str().unwrap())
}

/// Issue 13 (hostile review), attack: a thief with a copy of a provider's
/// key and of the record opens the provider's cache key with GnuPG and
/// writes a segment that puts other words in a real entry. A stolen key
/// reads whatever its holder reads, so until the theft is known this is
/// what the key's holder would see (the limit of any cache the key opens);
/// once the key is revoked as compromised, the cache is cleared and never
/// used again with it: entries are opened from the record.
#[test]
fn a_stolen_readers_key_plants_nothing_in_its_cache_once_revoked() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let rec = env.init(&anna);
    env.grant(&anna, &klein, "general", "read", &[]);
    env.note(&anna, "penicillin allergy");
    let cold = log_json(&env, &klein);
    let (dir, _) = reader_cache(&rec, &klein);
    let gpg = Gpg::new(&env);
    gpg.import_secret(&klein);
    let out = gpg.run(&["--decrypt", dir.join("key.pgp").to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plain = stdout(&out);
    // The key is bound to its use, this record and this reader.
    assert!(plain.starts_with("hrx reader's cache 1 "), "{plain}");
    assert!(plain.contains(&klein.fpr), "{plain}");
    let hex = &plain[plain.len() - 64..];
    let key: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    let entry = cold["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "note").unwrap();
    let seg = seal_segment(&key, &cache_line(&env, entry, "no known allergies"));
    std::fs::write(dir.join("99999999999999999999-1.seg"), &seg).unwrap();
    assert!(log_json(&env, &klein).to_string().contains("no known allergies"), "the key's limit, as documented");
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(&rec)
        .args(["key", "revoke", &klein.fpr, "--compromised", "--reason", "laptop stolen"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let after = log_json(&env, &klein);
    assert!(!after.to_string().contains("no known allergies"), "the planted words were shown: {after}");
    assert!(after.to_string().contains("penicillin allergy"), "{after}");
    assert!(!dir.join("key.pgp").exists(), "the revoked key's cache key was kept");
    assert_eq!(reader_cache(&rec, &klein).1, Vec::<std::path::PathBuf>::new(), "its segments were kept");
    // Planted again: still not believed.
    std::fs::write(dir.join("99999999999999999999-1.seg"), &seg).unwrap();
    assert!(!log_json(&env, &klein).to_string().contains("no known allergies"));
}

/// Issue 13 (hostile review), attack: a thief with a copy of a provider's
/// key plants a cache line for an entry that key never could read (the
/// patient's mental-health note, not granted to the provider), claiming
/// it is readable and signed by the patient. Who an entry is encrypted to
/// is read from the entry, not from the cache: it stays unreadable.
#[test]
fn a_stolen_readers_key_cannot_plant_entries_it_does_not_read() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let rec = env.init(&anna);
    env.grant(&anna, &klein, "general", "read", &[]);
    env.note(&anna, "penicillin allergy");
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(&rec)
        .args(["add", "note", "--category", "mental-health", "--text", "therapy session"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let secret_id = stdout(&out).trim().to_string();
    let cold = log_json(&env, &klein);
    let hidden = cold["entries"].as_array().unwrap().iter().find(|e| e["id"] == secret_id.as_str()).unwrap().clone();
    assert_eq!(hidden["readable"], false);
    let (dir, _) = reader_cache(&rec, &klein);
    let gpg = Gpg::new(&env);
    gpg.import_secret(&klein);
    let out = gpg.run(&["--decrypt", dir.join("key.pgp").to_str().unwrap()]);
    let plain = stdout(&out);
    let hex = &plain[plain.len() - 64..];
    let key: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    // A line for the hidden entry, made from a readable one.
    let readable = cold["entries"].as_array().unwrap().iter().find(|e| e["readable"] == true).unwrap();
    let mut forged = readable.clone();
    forged["id"] = hidden["id"].clone();
    forged["commit"] = hidden["commit"].clone();
    forged["record"]["id"] = hidden["id"].clone();
    forged["record"]["category"] = "mental-health".into();
    let line = cache_line(&env, &forged, "patient consents to share everything");
    std::fs::write(dir.join("99999999999999999999-1.seg"), seal_segment(&key, &line)).unwrap();
    let shown = log_json(&env, &klein);
    assert!(!shown.to_string().contains("patient consents"), "the planted entry was shown: {shown}");
    let again = shown["entries"].as_array().unwrap().iter().find(|e| e["id"] == secret_id.as_str()).unwrap();
    assert_eq!(again["readable"], false, "{again}");
    assert_eq!(shown, cold);
}

/// Issue 13 (hostile review): a link planted as the reader's cache
/// directory is not followed. hrx would make its target private and clear
/// the segments it holds; it reads without the cache instead.
#[test]
fn a_link_planted_as_the_readers_cache_is_not_followed() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "a note");
    let victim = env.path().join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(victim.join("important.seg"), "someone else's file").unwrap();
    std::fs::create_dir_all(rec.join(".git/hrx/read")).unwrap();
    std::os::unix::fs::symlink(&victim, rec.join(".git/hrx/read").join(&anna.fpr)).unwrap();
    let shown = log_json(&env, &anna);
    assert!(shown.to_string().contains("a note"), "{shown}");
    assert_eq!(
        std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777,
        0o755,
        "the link's target was changed"
    );
    let names: Vec<_> = std::fs::read_dir(&victim).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, [std::ffi::OsString::from("important.seg")], "written or removed through the link");
    // The same for a link in place of .git/hrx/read itself.
    std::fs::remove_file(rec.join(".git/hrx/read").join(&anna.fpr)).unwrap();
    std::fs::remove_dir(rec.join(".git/hrx/read")).unwrap();
    std::os::unix::fs::symlink(&victim, rec.join(".git/hrx/read")).unwrap();
    let again = log_json(&env, &anna);
    assert_eq!(again, shown);
    let names: Vec<_> = std::fs::read_dir(&victim).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, [std::ffi::OsString::from("important.seg")], "written through the linked read/");
    // And for a link in place of .git/hrx: reading works without the
    // caches, writing says what is wrong; the target stays as it was.
    std::fs::remove_file(rec.join(".git/hrx/read")).unwrap();
    std::fs::remove_dir_all(rec.join(".git/hrx")).unwrap();
    std::os::unix::fs::symlink(&victim, rec.join(".git/hrx")).unwrap();
    assert_eq!(log_json(&env, &anna)["entries"], shown["entries"]);
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["add", "note", "--text", "x"]).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains(".git/hrx is not a directory"), "{}", stderr(&out));
    assert_eq!(
        std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777,
        0o755,
        "made private through .git/hrx"
    );
    let names: Vec<_> = std::fs::read_dir(&victim).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, [std::ffi::OsString::from("important.seg")], "written through the linked .git/hrx");
}

/// Issue 13 (hostile review), attack: a hard link to someone else's file
/// planted as a cache segment. hrx makes cache files it reads private;
/// through a hard link that would change the other file. It is not read,
/// nor changed, only the link is dropped.
#[test]
fn a_hard_link_planted_in_the_readers_cache_changes_nothing_outside() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "a note");
    let cold = log_json(&env, &anna);
    let outside = rec.join("..").join("outside.txt");
    std::fs::write(&outside, "someone else's file").unwrap();
    std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o664)).unwrap();
    let (dir, _) = reader_cache(&rec, &anna);
    std::fs::hard_link(&outside, dir.join("00000000000000000000-9.seg")).unwrap();
    assert_eq!(log_json(&env, &anna), cold);
    assert_eq!(std::fs::metadata(&outside).unwrap().permissions().mode() & 0o777, 0o664, "changed through a hard link");
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "someone else's file");
    assert!(!dir.join("00000000000000000000-9.seg").exists());
}

/// Issue 12: `hrx add --date` records when it happened, partial dates
/// allowed; a date that does not exist is refused before anything is
/// written; `hrx log` orders by clinical time and filters by overlap.
#[test]
fn add_takes_a_partial_date_and_log_orders_by_it() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    let add = |args: &[&str]| env.hrx(&anna).arg("-C").arg(&rec).args(["add", "note"]).args(args).output().unwrap();
    for (text, date) in [("measles as a child", "1992"), ("knee surgery", "2019-03-04"), ("flu", "2019-03")] {
        let out = add(&["--text", text, "--date", date]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    env.note(&anna, "today");
    // A period, still going on, from a file.
    let f = env.path().join("rehab.yaml");
    std::fs::write(&f, "text: physiotherapy\neffective: {start: 2019-02}\n").unwrap();
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["add", "note", "--file"]).arg(&f).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let head = stdout(&env.git(&["rev-parse", "HEAD"]));
    for bad in ["2019-02-29", "2019-13", "19", "2019-03-04T10:00"] {
        let out = add(&["--text", "x", "--date", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("--date") && stderr(&out).contains(bad), "{}", stderr(&out));
    }
    std::fs::write(&f, "text: x\neffective: {start: 2019-05, end: 2019-04}\n").unwrap();
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["add", "note", "--file"]).arg(&f).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("ends before it starts"), "{}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head, "a refused entry wrote a commit");
    let texts = |args: &[&str]| -> Vec<String> {
        let out = env.hrx(&anna).arg("-C").arg(&rec).args(["log", "--json"]).args(args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["record"]["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(texts(&[]), ["measles as a child", "physiotherapy", "flu", "knee surgery", "today"]);
    assert_eq!(texts(&["--recorded"]), ["measles as a child", "knee surgery", "flu", "today", "physiotherapy"]);
    // March 2019 overlaps the month, the day in it and the therapy still going on.
    assert_eq!(texts(&["--since", "2019-03", "--until", "2019-03"]), ["physiotherapy", "flu", "knee surgery"]);
    assert_eq!(texts(&["--until", "1999"]), ["measles as a child"]);
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["log", "--since", "2020", "--until", "2019"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["log", "--since", "2019-02-30"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no such day"), "{}", stderr(&out));
    // `show` gives both times; the human listing the clinical one.
    let id = stdout(&add(&["--text", "dated", "--date", "2001-05"])).trim().to_string();
    let shown = stdout(&env.hrx(&anna).arg("-C").arg(&rec).args(["show", &id]).output().unwrap());
    assert!(shown.contains("happened:   2001-05\n") && shown.contains("recorded:   2026-"), "{shown}");
    let listed = stdout(&env.hrx(&anna).arg("-C").arg(&rec).arg("log").output().unwrap());
    assert!(listed.lines().any(|l| l.contains(&id) && l.contains("  2001-05  ")), "{listed}");
}

/// Issue 17: an id prefix that matches several entries says which.
#[test]
fn an_ambiguous_id_prefix_lists_the_matches() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    let a = env.note(&anna, "one");
    let b = env.note(&anna, "two");
    let common: String = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).map(|(x, _)| x).collect();
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["show", &common]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&a) && stderr(&out).contains(&b), "{}", stderr(&out));
}

/// Issue 17: operator mistakes are not reported as tampering. hrx run in an
/// ordinary git repository says there is no record there (exit 4); a bundle
/// of another patient's record says it holds another record (exit 7); a
/// remote that sent history that does not verify is refused (exit 9: the
/// local copy is not in doubt); a history here that fails to verify is
/// still exit 1.
#[test]
fn wrong_place_and_wrong_record_are_told_apart_from_tampering() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let plain = env.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let git = |args: &[&str]| env.bare("git").arg("-C").arg(&plain).args(args).output().unwrap();
    assert!(git(&["init", "-q", "-b", "master"]).status.success());
    assert!(
        git(&["-c", "user.name=x", "-c", "user.email=x@example.org", "commit", "-q", "--allow-empty", "-m", "x"])
            .status
            .success()
    );
    for args in [&["log"][..], &["verify"][..]] {
        let out = env.hrx(&anna).arg("-C").arg(&plain).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("no hrx record here"), "{}", stderr(&out));
        assert!(!stderr(&out).contains("Do not trust"), "{}", stderr(&out));
    }
    let rec = env.init(&anna);
    let other = env.path().join("other");
    env.hrx(&anna).arg("init").arg(&other).assert().success();
    let bundle = env.path().join("other.bundle");
    env.hrx(&anna).arg("-C").arg(&other).args(["bundle", "create"]).arg(&bundle).assert().success();
    let head = stdout(&env.git(&["rev-parse", "HEAD"]));
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["bundle", "import"]).arg(&bundle).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("holds another record"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Do not trust"), "{}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head);

    // A remote that sent history that does not verify (a commit nobody
    // signed, pushed with plain git): exit 9, "nothing was taken in", not
    // "do not trust this copy", and the local copy still verifies.
    let hub = env.path().join("hub.git");
    assert!(env.bare("git").args(["clone", "-q", "--bare"]).arg(&rec).arg(&hub).output().unwrap().status.success());
    let work = env.path().join("work");
    assert!(env.bare("git").args(["clone", "-q"]).arg(&hub).arg(&work).output().unwrap().status.success());
    let in_work = |args: &[&str]| env.bare("git").arg("-C").arg(&work).args(args).output().unwrap();
    assert!(
        in_work(&["-c", "user.name=x", "-c", "user.email=x@example.org", "commit", "-q", "--allow-empty", "-m", "x"])
            .status
            .success()
    );
    assert!(in_work(&["push", "-q", "origin", "main"]).status.success());
    env.hrx(&anna).arg("-C").arg(&rec).args(["remote", "add", "hub"]).arg(&hub).assert().success();
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["sync", "hub"]).output().unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(stderr(&out).contains("hub") && stderr(&out).contains("Nothing was taken in"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Do not trust"), "{}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head);
    assert!(env.verify(&anna).status.success(), "the local copy is not in doubt");
}

/// Issue 17: with no key, `key list` says how to make or import one, and
/// `log` says why nothing is readable.
#[test]
fn without_a_key_hrx_says_what_to_do() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "a note");
    let out = env.hrx_nobody().args(["key", "list"]).output().unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("hrx key generate"), "{}", stderr(&out));
    let out = env.hrx_nobody().arg("-C").arg(&rec).arg("log").output().unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).contains("not readable with your keys"));
    assert!(stderr(&out).contains("you have no key here"), "{}", stderr(&out));
}

/// `hrx status` says when this device last checked the history here from
/// the root, and since when it has known the head: what a patient asks
/// before trusting a copy that travelled.
#[test]
fn status_says_when_the_history_here_was_last_checked() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let status = || {
        let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["status", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)["status"]["record"].clone()
    };
    let made = status()["verified_from_root"].as_str().unwrap().to_string();
    env.advance(86_400);
    env.note(&anna, "one");
    let r = status();
    assert_eq!(r["verified_from_root"], made.as_str(), "{r}");
    assert_ne!(r["head_since"], made.as_str(), "{r}");
    assert_eq!(r["pinned"], true, "{r}");
    env.advance(86_400);
    assert!(env.verify(&anna).status.success());
    let r = status();
    assert!(r["verified_from_root"].as_str().unwrap() > made.as_str(), "{r}");
    let out = env.hrx(&anna).arg("-C").arg(env.record()).arg("status").output().unwrap();
    assert!(stdout(&out).contains("checked: from the root by hrx verify on 2026-03-03"), "{}", stdout(&out));
}

/// Everyday use (issue 17, item 6): writing an entry from a file works the
/// first time. `hrx add KIND --example` prints a complete record that
/// `hrx add KIND --file` takes as it is, for every kind; `hrx schema KIND`
/// lists the fields, their shapes, which are required and which hrx
/// fills in; a coded term's display may be plain text (taken in the
/// entry's language).
#[test]
fn every_kind_has_an_example_that_adds_and_a_schema_that_says_its_fields() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let kinds = [
        "patient",
        "note",
        "allergy",
        "condition",
        "medication",
        "immunization",
        "observation",
        "procedure",
        "document",
        "device",
        "advance-directive",
    ];
    for kind in kinds {
        let out = env.hrx(&anna).args(["add", kind, "--example"]).output().unwrap();
        assert!(out.status.success(), "{kind}: {}", stderr(&out));
        let file = env.path().join(format!("{kind}.yaml"));
        std::fs::write(&file, &out.stdout).unwrap();
        let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["add", kind, "--file"]).arg(&file).output().unwrap();
        assert!(out.status.success(), "the {kind} example does not add: {}", stderr(&out));
    }
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    assert_eq!(log["entries"].as_array().unwrap().len(), kinds.len());
    // The fields, as a writer needs them.
    let out = env.hrx(&anna).args(["schema", "allergy"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |name: &str| {
        text.lines().find(|l| l.trim_start().starts_with(&format!("{name} "))).unwrap_or_default().to_string()
    };
    assert!(line("substance").contains("required") && line("substance").contains("concept"), "{text}");
    assert!(line("criticality").contains("one of low, high, unable-to-assess"), "{text}");
    assert!(line("id").contains("filled in") && line("recorded_at").contains("filled in"), "{text}");
    assert!(!line("category").contains("required"), "a category defaults to the kind's: {text}");
    let v = json(&env.hrx(&anna).args(["schema", "observation", "--json"]).output().unwrap());
    let value = v["schema"]["fields"].as_array().unwrap().iter().find(|f| f["name"] == "value").cloned().unwrap();
    assert_eq!(value["shape"], "quantity or concept or string or boolean", "{v}");
    let out = env.hrx(&anna).args(["schema", "spaceship"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A plain display is in the entry's language.
    let f = env.path().join("plain.yaml");
    std::fs::write(&f, "code: {system: icd10, code: J45, display: Asthma bronchiale}\nlanguage: de\n").unwrap();
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["add", "condition", "--file"]).arg(&f).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["show", &id, "--json"]).output().unwrap());
    assert_eq!(v["entry"]["record"]["code"]["display"], serde_json::json!({"de": "Asthma bronchiale"}), "{v}");
}

/// Long listings on a terminal go through the user's pager, in colour
/// (issue 17, item 12): `PAGER` (here a `sed` that marks each line it
/// passes) gets `log`, `audit` and `show`; `--no-pager` and a pipe bypass
/// it; `NO_COLOR` and a pipe print no colour; a pager the user leaves early
/// ends hrx quietly with exit 0. In a real terminal (tmux).
#[test]
fn long_listings_on_a_terminal_are_paged_and_coloured() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let id = env.note(&anna, "Trip to Valencia");
    for i in 0..30 {
        env.note(&anna, &format!("note {i}"));
    }
    let bin = assert_cmd::cargo::cargo_bin!("hrx");
    let t = Tmux { env: &env, socket: env.path().join("tmux.sock") };
    let run = |envs: &str, args: &str| -> (String, String) {
        let _ = t.run(&["kill-session", "-t", "hrx"]);
        let cmd = format!(
            "env HRX_HOME={} HRX_NOW={} {envs} {} -C {} {args}; echo EXITED-$?; sleep 30",
            anna.home.display(),
            env.now(),
            bin.display(),
            env.record().display()
        );
        let out = t.run(&["new-session", "-d", "-s", "hrx", "-x", "160", "-y", "60", &cmd]);
        assert!(out.status.success(), "tmux: {}", stderr(&out));
        let plain = t.wait_for("EXITED-");
        let styled = stdout(&t.run(&["capture-pane", "-p", "-e", "-t", "hrx"]));
        (plain, styled)
    };
    let pager = "PAGER='sed s/^/PAGED:/'";
    for args in ["log", "audit", &format!("show {id}")] {
        let (plain, styled) = run(pager, args);
        assert!(plain.contains("EXITED-0"), "{args}: {plain}");
        assert!(plain.lines().any(|l| l.starts_with("PAGED:")), "{args} was not paged: {plain}");
        assert!(styled.contains('\u{1b}'), "{args} has no colour: {styled:?}");
    }
    let (plain, _) = run(pager, "log");
    assert!(plain.contains("PAGED:") && plain.contains("Trip to Valencia"), "{plain}");
    // --no-pager: straight to the terminal, still in colour.
    let (plain, styled) = run(pager, "--no-pager log");
    assert!(!plain.contains("PAGED:") && plain.contains("Trip to Valencia"), "{plain}");
    assert!(styled.contains('\u{1b}'), "{styled:?}");
    // NO_COLOR: the same text, no escape at all.
    let (plain, styled) = run(&format!("{pager} NO_COLOR=1"), "log");
    assert!(plain.contains("PAGED:") && plain.contains("Trip to Valencia"), "{plain}");
    assert!(!styled.contains('\u{1b}'), "coloured despite NO_COLOR: {styled:?}");
    // --json is never paged nor coloured.
    let (plain, styled) = run(pager, "log --json");
    assert!(!plain.contains("PAGED:") && plain.contains("\"version\": 1"), "{plain}");
    assert!(!styled.contains('\u{1b}'), "{styled:?}");
    // A pager the user leaves after one line: hrx ends quietly.
    for quitter in ["PAGER='head -n 1'", "PAGER=true"] {
        let (plain, _) = run(quitter, "log");
        assert!(plain.contains("EXITED-0"), "{quitter}: {plain}");
        assert!(!plain.contains("error"), "{quitter}: {plain}");
    }

    // Piped: no pager, no colour, whatever PAGER says.
    let out = env.hrx(&anna).env("PAGER", "sed s/^/PAGED:/").arg("-C").arg(env.record()).arg("log").output().unwrap();
    assert!(out.status.success());
    assert!(!stdout(&out).contains("PAGED:") && !stdout(&out).contains('\u{1b}'), "{}", stdout(&out));
    assert_eq!(stdout(&out).lines().count(), 31);
}

/// Commits that reach a copy by plain git (`git pull`, as a provider's IT
/// may do) are verified by the next reading command, which keeps what it
/// verified: the one after does not verify them again.
#[test]
fn commits_pulled_with_plain_git_are_verified_once() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.note(&anna, "first");
    let copy = env.path().join("copy");
    assert!(env.bare("git").args(["clone", "-q"]).arg(env.record()).arg(&copy).output().unwrap().status.success());
    let log = || {
        let out = env.hrx(&anna).arg("-C").arg(&copy).args(["log", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)
    };
    log();
    for i in 0..20 {
        env.note(&anna, &format!("note {i}"));
    }
    assert!(env.bare("git").arg("-C").arg(&copy).args(["pull", "-q", "--ff-only"]).output().unwrap().status.success());
    let kept = || std::fs::read(copy.join(".git/hrx/state/head.json")).unwrap();
    let before = kept();
    assert_eq!(log()["entries"].as_array().unwrap().len(), 21);
    let after = kept();
    assert_ne!(before, after, "the 20 pulled commits, verified, are kept");
    assert_eq!(log()["entries"].as_array().unwrap().len(), 21);
    assert_eq!(kept(), after, "and not verified again");
}
