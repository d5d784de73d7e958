//! Issue 16, item 5: property tests of what reads input from elsewhere: the
//! FHIR importer, and the entry and statement YAML a record holds. Each runs
//! a bounded number of generated cases from a fixed seed, so a run is the
//! same every time; `HRX_FUZZ_CASES=N` and `HRX_FUZZ_SEED=S` run longer or
//! other cases (see README, "Fuzzing"). A failing case is shrunk and
//! printed; nothing is written to the tree.

use chrono::{DateTime, Utc};
use hrx::fhir::{bundle, map};
use hrx::id::Id;
use hrx::model::{Author, Entry, Kind, Statement};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

use crate::attacks::note_yaml;

/// A runner with a fixed seed (or `HRX_FUZZ_SEED`) and `HRX_FUZZ_CASES`
/// cases (default `cases`).
fn runner(cases: u32) -> TestRunner {
    let cases = std::env::var("HRX_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    let seed: u64 = std::env::var("HRX_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x6872_7831);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

fn author() -> Author {
    Author { fingerprint: "A".repeat(40), name: "Dr Klein".into(), organisation: None, country: Some("DE".into()) }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z").unwrap().with_timezone(&Utc)
}

fn id(n: u64) -> Id {
    // The same every run.
    let mut random = [0u8; 10];
    random[..8].copy_from_slice(&n.to_be_bytes());
    Id::from_parts(now(), random)
}

/// Any JSON value, nested at most `depth` deep: what a sender may put
/// anywhere in a resource.
fn any_json(depth: u32) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
        any::<String>().prop_map(Value::String),
        prop::sample::select(WORDS).prop_map(|w| json!(w)),
    ];
    leaf.prop_recursive(depth, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
    .boxed()
}

/// Field names FHIR resources use, where the importer looks.
const FIELDS: &[&str] = &[
    "code",
    "coding",
    "system",
    "display",
    "text",
    "value",
    "unit",
    "valueQuantity",
    "valueString",
    "valueCodeableConcept",
    "effectiveDateTime",
    "effectivePeriod",
    "start",
    "end",
    "onsetDateTime",
    "recordedDate",
    "occurrenceDateTime",
    "authoredOn",
    "issued",
    "status",
    "clinicalStatus",
    "verificationStatus",
    "criticality",
    "reaction",
    "manifestation",
    "severity",
    "substance",
    "medicationCodeableConcept",
    "medicationReference",
    "reference",
    "dosage",
    "doseQuantity",
    "timing",
    "route",
    "vaccineCode",
    "lotNumber",
    "category",
    "interpretation",
    "referenceRange",
    "low",
    "high",
    "component",
    "content",
    "attachment",
    "contentType",
    "data",
    "url",
    "size",
    "title",
    "name",
    "given",
    "family",
    "birthDate",
    "gender",
    "telecom",
    "address",
    "country",
    "identifier",
    "contact",
    "relationship",
    "communication",
    "language",
    "extension",
    "modifierExtension",
    "note",
    "subject",
    "patient",
    "performer",
    "author",
    "section",
    "entry",
    "emptyReason",
    "contained",
    "id",
    "meta",
    "profile",
    "period",
    "bodySite",
    "outcome",
];

/// Values the importer gives meaning to.
const WORDS: &[&str] = &[
    "http://snomed.info/sct",
    "http://loinc.org",
    "http://www.whocc.no/atc",
    "http://hl7.org/fhir/sid/icd-10",
    "http://unitsofmeasure.org",
    "active",
    "inactive",
    "resolved",
    "completed",
    "stopped",
    "high",
    "low",
    "2019",
    "2019-02",
    "2019-02-11",
    "2019-02-11T10:00:00Z",
    "2019-02-11T10:00:00+01:00",
    "not-a-date",
    "Patient/p",
    "#med",
    "urn:uuid:0195",
    "mg",
    "de",
    "es-ES",
    "",
    "\u{1b}[2J",
    "\u{202e}",
];

/// The resource types the importer maps or folds, and some it does not.
const TYPES: &[&str] = &[
    "Patient",
    "AllergyIntolerance",
    "Condition",
    "MedicationStatement",
    "MedicationRequest",
    "Medication",
    "Immunization",
    "Observation",
    "Procedure",
    "DiagnosticReport",
    "DocumentReference",
    "Device",
    "DeviceUseStatement",
    "Consent",
    "Composition",
    "Encounter",
    "Organization",
    "Practitioner",
    "Spaceship",
];

/// A FHIR resource of a known type with fields from what FHIR uses,
/// holding any values.
fn resource() -> impl Strategy<Value = Value> {
    (prop::sample::select(TYPES), prop::collection::vec((prop::sample::select(FIELDS), any_json(3)), 0..8)).prop_map(
        |(t, fields)| {
            let mut m: Map<String, Value> = fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            m.insert("resourceType".into(), json!(t));
            Value::Object(m)
        },
    )
}

/// The importer maps any bundle of such resources without panicking, and
/// every entry it makes either fits its schema (and reads back the same
/// from its YAML) or is refused with a reason: never a panic.
#[test]
fn any_fhir_bundle_imports_or_is_refused_never_panics() {
    let bundle = prop::collection::vec(resource(), 0..6).prop_map(|rs| {
        let entry: Vec<Value> = rs
            .into_iter()
            .enumerate()
            .map(|(i, r)| json!({"fullUrl": format!("urn:uuid:{i}"), "resource": r}))
            .collect();
        json!({"resourceType": "Bundle", "type": "collection", "entry": entry}).to_string()
    });
    runner(300)
        .run(&bundle, |text| {
            let Ok(parsed) = bundle::parse(&text) else { return Ok(()) };
            let mapping = map::map_all(&parsed, "en");
            for (i, m) in mapping.entries.iter().enumerate() {
                if let Ok((e, _)) = Entry::new_fitted(m.kind, m.body.clone(), id(i as u64), author(), now()) {
                    let back = Entry::from_yaml(&e.to_yaml());
                    prop_assert!(back.is_ok(), "{:?} does not read back: {:?}", m.kind, back.err());
                    prop_assert_eq!(back.unwrap().record, e.record);
                }
            }
            Ok(())
        })
        .unwrap();
}

/// One byte of `text` changed, inserted or removed, at `at` (a fraction of
/// its length).
fn mutate(text: &str, op: u8, at: f64, byte: u8) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    let i = ((b.len() as f64) * at) as usize;
    match op % 3 {
        0 if i < b.len() => b[i] = byte,
        1 => b.insert(i.min(b.len()), byte),
        _ if i < b.len() => {
            b.remove(i);
        }
        _ => b.push(byte),
    }
    b
}

/// Stored entries of several kinds, as hrx writes them.
fn stored_entries() -> Vec<String> {
    let bodies = [
        (
            Kind::Allergy,
            json!({"substance": {"system": "snomed", "code": "764146007", "display": "Penicillin"}, "criticality": "high", "reactions": [{"manifestation": {"system": "snomed", "code": "271807003", "display": "Rash"}}]}),
        ),
        (
            Kind::Medication,
            json!({"medication": {"system": "atc", "code": "R03AK06", "display": "Salmeterol"}, "dosage": {"text": "1 puff twice daily"}}),
        ),
        (
            Kind::Condition,
            json!({"code": {"system": "icd10", "code": "J45", "display": "Asthma"}, "effective": "2001"}),
        ),
        (Kind::Note, json!({"text": "Seen in Valencia: «dolor torácico», ECG normal."})),
    ];
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, (k, b))| Entry::new(k, b, id(i as u64), author(), now()).unwrap().to_yaml())
        .collect()
}

/// A stored entry with one byte changed, added or removed reads as an
/// entry or is refused, never panics; one that reads writes back as itself.
#[test]
fn a_damaged_stored_entry_reads_or_is_refused_never_panics() {
    let stored = stored_entries();
    let cases = (0..stored.len(), prop::collection::vec((any::<u8>(), 0.0..1.0f64, any::<u8>()), 1..4));
    runner(600)
        .run(&cases, |(which, edits)| {
            let mut text = stored[which].clone();
            for (op, at, byte) in edits {
                text = String::from_utf8_lossy(&mutate(&text, op, at, byte)).to_string();
            }
            if let Ok(e) = Entry::from_yaml(&text) {
                let again = Entry::from_yaml(&e.to_yaml());
                prop_assert!(again.is_ok(), "{text:?} read, but its own YAML does not: {:?}", again.err());
                prop_assert_eq!(again.unwrap().record, e.record);
            }
            Ok(())
        })
        .unwrap();
}

/// Statements as hrx writes them.
fn stored_statements() -> Vec<String> {
    let at = "2026-03-01T09:00:00Z";
    let fpr = "B".repeat(40);
    [
        format!("statement: share-access\nid: {}\nissued_at: '{at}'\nshare: 0123456789ab\nline: 3\naccessed_at: '{at}'\nrecipient: Hospital La Fe\nfiles: 1\n", id(1)),
        format!("statement: emergency-access\nid: {}\nissued_at: '{at}'\ngrant: {}\nreason: unconscious patient\n", id(2), id(3)),
        format!("statement: revoke-key\nid: {}\nissued_at: '{at}'\ncertificate: {fpr}\nreason: compromised\nsince: '{at}'\n", id(4)),
    ]
    .into_iter()
    .collect()
}

/// A policy statement with bytes changed reads or is refused, never
/// panics; one that reads writes back as itself; any bytes at all too.
#[test]
fn a_damaged_statement_reads_or_is_refused_never_panics() {
    let stored = stored_statements();
    for s in &stored {
        assert!(Statement::from_yaml(s.as_bytes()).is_ok(), "{s}");
    }
    let cases = (0..stored.len(), prop::collection::vec((any::<u8>(), 0.0..1.0f64, any::<u8>()), 1..4));
    runner(600)
        .run(&cases, |(which, edits)| {
            let mut bytes = stored[which].clone().into_bytes();
            for (op, at, byte) in edits {
                bytes = mutate(&String::from_utf8_lossy(&bytes), op, at, byte);
            }
            if let Ok(st) = Statement::from_yaml(&bytes) {
                prop_assert_eq!(Statement::from_yaml(st.to_yaml().as_bytes()), Ok(st));
            }
            Ok(())
        })
        .unwrap();
    runner(300)
        .run(&prop::collection::vec(any::<u8>(), 0..400), |bytes| {
            let _ = Statement::from_yaml(&bytes);
            let _ = Entry::from_yaml(&String::from_utf8_lossy(&bytes));
            let _ = bundle::parse(&String::from_utf8_lossy(&bytes));
            Ok(())
        })
        .unwrap();
}

/// What one commit of a random history adds.
#[derive(Debug, Clone)]
enum Add {
    /// A well-formed note in `general`, sealed to its readers.
    Note,
    /// A well-formed note in `medication`, which the grantee may not write.
    Medication,
    /// Bytes at an entry's path.
    EntryBytes(Vec<u8>),
    /// Bytes at a statement's path.
    StatementBytes(Vec<u8>),
    /// A statement hrx writes, with bytes changed.
    Statement(usize, u8, f64, u8),
    /// Bytes at a path the layout has no place for.
    Elsewhere(Vec<u8>),
}

fn add() -> impl Strategy<Value = Add> {
    let bytes = || prop::collection::vec(any::<u8>(), 0..200);
    prop_oneof![
        10 => Just(Add::Note),
        1 => Just(Add::Medication),
        1 => bytes().prop_map(Add::EntryBytes),
        1 => bytes().prop_map(Add::StatementBytes),
        1 => (0..3usize, any::<u8>(), 0.0..1.0f64, any::<u8>()).prop_map(|(w, o, a, b)| Add::Statement(w, o, a, b)),
        1 => bytes().prop_map(Add::Elsewhere),
    ]
}

/// The verifier on histories made at random on top of a real record: the
/// patient, a grantee who may write `general`, and a stranger each sign
/// commits adding well-formed notes, notes where the signer may not write,
/// bytes at an entry's or a statement's path, damaged statements, or bytes
/// where the layout has no place, at times around the record's. Properties:
/// the verifier never panics; a history of only well-formed notes by the
/// patient and the grantee, in order of time, verifies; one with a commit by
/// the stranger, or with anything but a well-formed note, never does.
#[test]
fn the_verifier_judges_random_histories_and_never_panics() {
    use crate::common::{Party, TestEnv, forge};
    use hrx::model::RepoPath;
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let mallory = env.party("Mallory", "XX", None);
    env.init(&anna);
    env.grant(&anna, &klein, "general", "read,write", &[]);
    let rec = hrx::repo::Record::open(&env.record()).unwrap();
    let base = rec.head().unwrap().unwrap();
    let t0 = DateTime::from_timestamp(rec.repo.find_commit(base).unwrap().time().seconds(), 0).unwrap();
    // Histories start six hours on, so that going back in time never
    // reaches before the keys were made.
    let start = t0 + chrono::Duration::hours(6);
    let now = t0 + chrono::Duration::days(2);
    let parties = [&anna, &klein, &mallory];
    let certs = [forge::cert(&anna), forge::cert(&klein)];
    let stored = stored_statements();
    let signer = prop_oneof![3 => Just(0usize), 3 => Just(1usize), 1 => Just(2usize)];
    let commits = prop::collection::vec((signer, prop::collection::vec(add(), 1..3), -60i64..240), 1..4);
    let n = std::cell::Cell::new(0u64);
    let seen = std::cell::Cell::new((0usize, 0usize));
    runner(64)
        .run(&commits, |commits| {
            let mut head = base;
            let (mut t, mut ordered) = (start, true);
            let mut well_formed = true;
            let mut stranger = false;
            for (who, adds, minutes) in &commits {
                let signer: &Party = parties[*who];
                let at = t + chrono::Duration::minutes(*minutes);
                ordered &= *minutes >= 0;
                stranger |= *who == 2;
                t = at;
                let mut files = vec![];
                for a in adds {
                    n.set(n.get() + 1);
                    let n = n.get();
                    let id = Id::from_parts(at, {
                        let mut r = [7u8; 10];
                        r[..8].copy_from_slice(&n.to_be_bytes());
                        r
                    });
                    let note = |category: &str| {
                        let yaml = note_yaml(id, category, at, signer, &format!("case {n}"));
                        let ct = hrx::crypto::message::seal(
                            yaml.as_bytes(),
                            forge::unlock(signer).signer,
                            &[&certs[0], &certs[1]],
                            at,
                        )
                        .unwrap();
                        (RepoPath::Entry { category: category.parse().unwrap(), id }.to_path(), ct)
                    };
                    let entry = RepoPath::Entry { category: "general".parse().unwrap(), id }.to_path();
                    let statement = RepoPath::Statement(id).to_path();
                    well_formed &= matches!(a, Add::Note);
                    files.push(match a {
                        Add::Note => note("general"),
                        Add::Medication => note("medication"),
                        Add::EntryBytes(b) => (entry, b.clone()),
                        Add::StatementBytes(b) => (statement, b.clone()),
                        Add::Statement(w, op, pos, byte) => (statement, mutate(&stored[*w], *op, *pos, *byte)),
                        Add::Elsewhere(b) => (format!("misc/{id}"), b.clone()),
                    });
                }
                let mut u = forge::unlock(signer);
                head = rec.append(Some(head), &files, "hrx: add entry", &mut u.signer, &u.identity, at).unwrap();
            }
            let verdict = hrx::verify::verify(&rec, Some(head), None, now);
            rec.repo.reference("refs/heads/main", base, true, "next case").unwrap();
            if well_formed && ordered && !stranger {
                prop_assert!(verdict.is_ok(), "well-formed notes in order must verify: {:?}", verdict.err());
                seen.set((seen.get().0 + 1, seen.get().1));
            }
            if stranger || !well_formed {
                prop_assert!(verdict.is_err(), "a stranger's commit, or anything but a well-formed note, verified");
                seen.set((seen.get().0, seen.get().1 + 1));
            }
            Ok(())
        })
        .unwrap();
    let (good, bad) = seen.get();
    assert!(good >= 3 && bad >= 10, "the cases try both ways: {good} that must verify, {bad} that must not");
}

/// A patient (Anna) and a GP (Klein) with keys, and a time a minute after
/// their keys were made.
fn anna_and_klein() -> (crate::common::TestEnv, crate::common::Party, crate::common::Party, DateTime<Utc>) {
    let env = crate::common::TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.advance(60);
    let t = DateTime::parse_from_rfc3339(&env.now()).unwrap().with_timezone(&Utc);
    (env, anna, klein, t)
}

/// An entry's OpenPGP packets, each as it is written: the PKESKs, then the
/// encrypted container.
fn packets_of(message: &[u8]) -> Vec<Vec<u8>> {
    use sequoia_openpgp::parse::Parse;
    use sequoia_openpgp::serialize::SerializeInto;
    let pile = sequoia_openpgp::PacketPile::from_bytes(message).unwrap();
    let packets: Vec<Vec<u8>> = pile.into_children().map(|p| p.to_vec().unwrap()).collect();
    assert_eq!(packets.concat(), message, "the packets are the message, byte for byte");
    packets
}

/// What is done to an entry's packets.
#[derive(Debug, Clone)]
enum PacketEdit {
    /// Packet `i` left out.
    Drop(usize),
    /// Packet `i` twice.
    Repeat(usize),
    /// Packets `i` and `j` swapped.
    Swap(usize, usize),
    /// Packet `i` taken from the other entry.
    Splice(usize),
    /// Byte `at` (a fraction of its length) of packet `i` set to `byte`.
    Byte(usize, f64, u8),
    /// Packet `i` cut to a fraction of its length.
    Cut(usize, f64),
}

fn packet_edit() -> impl Strategy<Value = PacketEdit> {
    let i = || 0..4usize;
    prop_oneof![
        1 => i().prop_map(PacketEdit::Drop),
        1 => i().prop_map(PacketEdit::Repeat),
        1 => (i(), i()).prop_map(|(a, b)| PacketEdit::Swap(a, b)),
        1 => i().prop_map(PacketEdit::Splice),
        4 => (i(), 0.0..1.0f64, any::<u8>()).prop_map(|(i, at, b)| PacketEdit::Byte(i, at, b)),
        1 => (i(), 0.0..1.0f64).prop_map(|(i, at)| PacketEdit::Cut(i, at)),
    ]
}

/// OpenPGP handling of entries, at the packet level: an entry sealed to two
/// readers, its packets dropped, repeated, swapped, taken from another
/// entry, changed or cut, then opened as a reader and checked as the
/// verifier checks an entry's structure. Properties: nothing panics, and
/// whatever opens with a good signature by its author is one of the two
/// entries' own words: no change to the packets makes other words
/// authentic. A certificate's packets changed the same ways parse, or are
/// refused, without a panic.
#[test]
fn an_entry_with_packets_changed_never_opens_to_other_words() {
    use crate::common::forge;
    use hrx::crypto::commit::CertIndex;
    use hrx::crypto::message::{SignatureStatus, entry_structure, open, seal};
    let (_env, anna, klein, t) = anna_and_klein();
    let certs = [forge::cert(&anna), forge::cert(&klein)];
    let words = ["the one entry", "the other entry, which says something else"];
    let yaml: Vec<String> =
        words.iter().enumerate().map(|(n, w)| note_yaml(id(n as u64), "general", t, &klein, w)).collect();
    let sealed: Vec<Vec<u8>> = yaml
        .iter()
        .map(|y| seal(y.as_bytes(), forge::unlock(&klein).signer, &[&certs[0], &certs[1]], t).unwrap())
        .collect();
    let (one, other) = (packets_of(&sealed[0]), packets_of(&sealed[1]));
    assert_eq!(one.len(), 3, "two PKESKs and the container");
    let mut index = CertIndex::default();
    index.insert(certs[0].clone());
    index.insert(certs[1].clone());
    let keys = std::cell::RefCell::new(forge::unlock(&anna).decryptors);
    let apply = |packets: &mut Vec<Vec<u8>>, e: &PacketEdit, other: &[Vec<u8>]| {
        let n = packets.len();
        if n == 0 {
            return;
        }
        match *e {
            PacketEdit::Drop(i) => {
                packets.remove(i % n);
            }
            PacketEdit::Repeat(i) => packets.insert(i % n, packets[i % n].clone()),
            PacketEdit::Swap(i, j) => packets.swap(i % n, j % n),
            PacketEdit::Splice(i) => packets[i % n] = other[i % other.len()].clone(),
            PacketEdit::Byte(i, at, b) => {
                let p = &mut packets[i % n];
                if !p.is_empty() {
                    let k = ((p.len() as f64) * at) as usize % p.len();
                    p[k] = b;
                }
            }
            PacketEdit::Cut(i, at) => {
                let p = &mut packets[i % n];
                p.truncate(((p.len() as f64) * at) as usize);
            }
        }
    };
    let opened_words = std::cell::Cell::new((0usize, 0usize));
    runner(400)
        .run(&prop::collection::vec(packet_edit(), 1..4), |edits| {
            let mut packets = one.clone();
            for e in &edits {
                apply(&mut packets, e, &other);
            }
            let message = packets.concat();
            let _ = entry_structure(&message);
            match open(&message, None, &mut keys.borrow_mut(), &index, &[], t) {
                Ok(Some(o)) if matches!(&o.signature, SignatureStatus::Good { signer, .. } if *signer == klein.fpr) => {
                    let text = String::from_utf8_lossy(&o.plaintext).into_owned();
                    prop_assert!(yaml.contains(&text), "other words opened as authentic: {text:?}");
                    let (a, b) = opened_words.get();
                    opened_words.set(if text == yaml[0] { (a + 1, b) } else { (a, b + 1) });
                }
                _ => {}
            }
            Ok(())
        })
        .unwrap();
    assert!(opened_words.get().0 > 0, "some changes (a PKESK that is not Anna's) leave the entry readable");
    // Certificates: Klein's, changed the same ways.
    let cert_packets = {
        use sequoia_openpgp::serialize::SerializeInto;
        packets_of(&certs[1].to_vec().unwrap())
    };
    let anna_packets = {
        use sequoia_openpgp::serialize::SerializeInto;
        packets_of(&certs[0].to_vec().unwrap())
    };
    runner(300)
        .run(&prop::collection::vec(packet_edit(), 1..4), |edits| {
            let mut packets = cert_packets.clone();
            for e in &edits {
                apply(&mut packets, e, &anna_packets);
            }
            let bytes = packets.concat();
            let (parsed, _) = hrx::crypto::commit::parse_cert_checked(&bytes);
            if let Ok(c) = parsed {
                let _ = index.check_new(&c);
            }
            Ok(())
        })
        .unwrap();
}

/// What a hostile remote does to a copy of a good one.
#[derive(Debug, Clone)]
enum RemoteEdit {
    /// One byte of one of its object files (loose or packed) set.
    Byte(usize, f64, u8),
    /// One of its object files cut.
    Cut(usize, f64),
    /// One of its object files removed.
    Remove(usize),
    /// `main` set to one of its objects (any kind).
    Point(usize),
    /// An unsigned commit by plain git on top of `main`.
    Unsigned,
    /// Bytes where a loose object could be.
    Loose(Vec<u8>),
    /// A ref that is a symlink to a device.
    Device,
}

fn remote_edit() -> impl Strategy<Value = RemoteEdit> {
    prop_oneof![
        4 => (any::<usize>(), 0.0..1.0f64, any::<u8>()).prop_map(|(i, at, b)| RemoteEdit::Byte(i, at, b)),
        1 => (any::<usize>(), 0.0..1.0f64).prop_map(|(i, at)| RemoteEdit::Cut(i, at)),
        1 => any::<usize>().prop_map(RemoteEdit::Remove),
        2 => any::<usize>().prop_map(RemoteEdit::Point),
        1 => Just(RemoteEdit::Unsigned),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(RemoteEdit::Loose),
        1 => Just(RemoteEdit::Device),
    ]
}

/// `hrx sync` against a hostile remote: a copy of the patient's hub (a
/// directory) with bytes of its objects changed, objects cut or removed,
/// `main` pointed anywhere, an unsigned commit on top, garbage where a
/// loose object could be, or a ref that is a device; then the laptop, with
/// a new entry of its own, syncs with it. Properties: hrx never panics and
/// never hangs; the laptop's copy verifies afterwards whatever the sync
/// said, holds its own entry, and took in nothing but the good history
/// (its head is its own or one that verifies).
#[test]
fn sync_with_a_hostile_remote_takes_in_nothing_bad_and_never_panics() {
    use crate::common::TestEnv;
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let laptop = env.init(&anna);
    env.note(&anna, "one");
    env.note(&anna, "two");
    let (hub, good) = (env.path().join("hub.git"), env.path().join("good.git"));
    let ok = |args: &[&str], dir: &std::path::Path| {
        let out = env.hrx(&anna).arg("-C").arg(dir).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    ok(&["remote", "add", "hub", hub.to_str().unwrap(), "--create"], &laptop);
    ok(&["sync"], &laptop);
    env.note(&anna, "three, on the laptop only");
    let laptop_head = crate::common::stdout(&env.git(&["rev-parse", "HEAD"])).trim().to_string();
    let cp = |from: &std::path::Path, to: &std::path::Path| {
        let _ = std::fs::remove_dir_all(to);
        assert!(env.bare("cp").arg("-a").arg(from).arg(to).output().unwrap().status.success());
    };
    let (saved_laptop, saved_home) = (env.path().join("saved-laptop"), env.path().join("saved-home"));
    cp(&laptop, &saved_laptop);
    cp(&anna.home, &saved_home);
    cp(&hub, &good);
    let objects = {
        let out = env
            .bare("git")
            .arg("-C")
            .arg(&good)
            .args(["cat-file", "--batch-all-objects", "--batch-check=%(objectname)"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect::<Vec<_>>()
    };
    let outcomes = std::cell::RefCell::new(std::collections::BTreeMap::<String, usize>::new());
    runner(24)
        .run(&prop::collection::vec(remote_edit(), 1..3), |edits| {
            // Each case starts again from the good hub, laptop and home.
            cp(&good, &hub);
            cp(&saved_laptop, &laptop);
            cp(&saved_home, &anna.home);
            let git = |args: &[&str]| env.bare("git").arg("-C").arg(&hub).args(args).output().unwrap();
            let files = crate::common::TestEnv::files_under(&hub.join("objects"));
            for e in &edits {
                let pick = |i: usize| files.get(i % files.len().max(1)).cloned();
                match e {
                    RemoteEdit::Byte(i, at, b) => {
                        if let Some(f) = pick(*i)
                            && let Ok(mut bytes) = std::fs::read(&f)
                            && !bytes.is_empty()
                        {
                            let k = ((bytes.len() as f64) * at) as usize % bytes.len();
                            bytes[k] = *b;
                            let _ = std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o644));
                            std::fs::write(&f, bytes).unwrap();
                        }
                    }
                    RemoteEdit::Cut(i, at) => {
                        if let Some(f) = pick(*i)
                            && let Ok(bytes) = std::fs::read(&f)
                        {
                            let _ = std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o644));
                            std::fs::write(&f, &bytes[..((bytes.len() as f64) * at) as usize]).unwrap();
                        }
                    }
                    RemoteEdit::Remove(i) => {
                        if let Some(f) = pick(*i) {
                            let _ = std::fs::remove_file(f);
                        }
                    }
                    RemoteEdit::Point(i) => {
                        let target = &objects[i % objects.len()];
                        std::fs::write(hub.join("refs/heads/main"), format!("{target}\n")).unwrap();
                    }
                    RemoteEdit::Unsigned => {
                        let out = git(&["commit-tree", "main^{tree}", "-p", "main", "-m", "sneak"]);
                        if out.status.success() {
                            let c = String::from_utf8(out.stdout).unwrap();
                            std::fs::write(hub.join("refs/heads/main"), c).unwrap();
                        }
                    }
                    RemoteEdit::Loose(bytes) => {
                        let dir = hub.join("objects/ab");
                        std::fs::create_dir_all(&dir).unwrap();
                        std::fs::write(dir.join("cdef0123456789abcdef0123456789abcdef01"), bytes).unwrap();
                    }
                    RemoteEdit::Device => {
                        let _ = std::os::unix::fs::symlink("/dev/zero", hub.join("refs/tags/zero"));
                    }
                }
            }
            let limit = std::time::Duration::from_secs(60);
            let started = std::time::Instant::now();
            let out = env.hrx(&anna).arg("-C").arg(&laptop).args(["sync", "hub"]).timeout(limit).output().unwrap();
            prop_assert!(started.elapsed() < limit, "sync hung on {edits:?}");
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            prop_assert!(!err.contains("panicked") && out.status.code().is_some_and(|c| c != 101), "{edits:?}: {err}");
            *outcomes.borrow_mut().entry(format!("exit {}", out.status.code().unwrap())).or_default() += 1;
            let verified = env.hrx(&anna).arg("-C").arg(&laptop).arg("verify").timeout(limit).output().unwrap();
            prop_assert!(
                verified.status.success(),
                "{edits:?}: after sync ({err}), verify: {}",
                String::from_utf8_lossy(&verified.stderr)
            );
            let head = String::from_utf8(
                env.bare("git").arg("-C").arg(&laptop).args(["rev-parse", "HEAD"]).output().unwrap().stdout,
            )
            .unwrap();
            let kept = env
                .bare("git")
                .arg("-C")
                .arg(&laptop)
                .args(["merge-base", "--is-ancestor", &laptop_head, head.trim()])
                .output()
                .unwrap();
            prop_assert!(kept.status.success(), "{edits:?}: the laptop's own entry is gone");
            Ok(())
        })
        .unwrap();
    let outcomes = outcomes.into_inner();
    eprintln!("sync against hostile remotes: {outcomes:?}");
    assert!(outcomes.keys().any(|k| k != "exit 0"), "some hostile remotes are refused: {outcomes:?}");
}

/// What a grantee could put inside an entry it encrypts itself (it holds
/// the session key, so integrity protection does not stop it): the signed
/// literal data hrx writes, with bytes changed, added, cut or repeated,
/// compressed or not, encrypted properly to the patient. Properties: the
/// parser never fails on it (hrx turns a Sequoia panic into an error that
/// says so, and none may happen), and a good signature by the author comes
/// only with the author's own words.
#[test]
fn what_a_grantee_encrypts_inside_an_entry_never_breaks_the_reader() {
    use crate::common::forge;
    use hrx::crypto::commit::CertIndex;
    use hrx::crypto::message::{SignatureStatus, open};
    use openpgp::serialize::stream::{Compressor, Encryptor, LiteralWriter, Message, Recipient, Signer};
    use sequoia_openpgp as openpgp;
    use std::io::Write;
    let (_env, anna, klein, t) = anna_and_klein();
    let (anna_cert, klein_cert) = (forge::cert(&anna), forge::cert(&klein));
    let yaml = note_yaml(id(1), "general", t, &klein, "the author's words");
    // The signed literal data, as it is inside an entry.
    let inner = {
        let mut out = Vec::new();
        let m = Message::new(&mut out);
        let m = Signer::new(m, forge::unlock(&klein).signer)
            .unwrap()
            .creation_time(std::time::SystemTime::from(t))
            .build()
            .unwrap();
        let mut w = LiteralWriter::new(m).build().unwrap();
        w.write_all(yaml.as_bytes()).unwrap();
        w.finalize().unwrap();
        out
    };
    let policy = openpgp::policy::StandardPolicy::new();
    let key = anna_cert
        .keys()
        .with_policy(&policy, std::time::SystemTime::from(t))
        .for_transport_encryption()
        .next()
        .unwrap();
    let seal_raw = |body: &[u8], compress: bool| -> Vec<u8> {
        let mut out = Vec::new();
        let m = Message::new(&mut out);
        let recipient = Recipient::new(
            openpgp::types::Features::empty().set_seipdv1(),
            openpgp::KeyHandle::from(key.key().keyid()),
            key.key(),
        );
        let mut m = Encryptor::for_recipients(m, vec![recipient]).build().unwrap();
        if compress {
            let mut c = Compressor::new(m).build().unwrap();
            c.write_all(body).unwrap();
            c.finalize().unwrap();
        } else {
            m.write_all(body).unwrap();
            m.finalize().unwrap();
        }
        out
    };
    let mut index = CertIndex::default();
    index.insert(anna_cert.clone());
    index.insert(klein_cert.clone());
    let keys = std::cell::RefCell::new(forge::unlock(&anna).decryptors);
    let good = std::cell::Cell::new(0usize);
    let edits = prop::collection::vec((any::<u8>(), 0.0..1.0f64, any::<u8>()), 0..4);
    runner(300)
        .run(&(edits, any::<bool>(), 0..4u8), |(edits, compress, shape)| {
            let mut body = inner.clone();
            for (op, at, byte) in &edits {
                let i = ((body.len() as f64) * at) as usize;
                match op % 4 {
                    0 if i < body.len() => body[i] = *byte,
                    1 => body.insert(i.min(body.len()), *byte),
                    2 => body.truncate(i),
                    _ => {
                        let copy = body[i.min(body.len())..].to_vec();
                        body.extend_from_slice(&copy);
                    }
                }
            }
            let body = match shape {
                0 => body,
                1 => [inner.clone(), body].concat(),
                2 => [body.clone(), body].concat(),
                _ => body.iter().rev().copied().collect(),
            };
            let message = seal_raw(&body, compress);
            match open(&message, None, &mut keys.borrow_mut(), &index, &[], t) {
                Err(e) => prop_assert!(
                    !e.to_string().contains("the parser failed on it"),
                    "Sequoia panicked on {edits:?}, {shape}"
                ),
                Ok(Some(o)) => {
                    if let SignatureStatus::Good { signer, .. } = &o.signature {
                        prop_assert_eq!(signer, &klein.fpr);
                        prop_assert_eq!(
                            String::from_utf8_lossy(&o.plaintext),
                            yaml.as_str(),
                            "other words with a good signature"
                        );
                        good.set(good.get() + 1);
                    }
                }
                Ok(None) => prop_assert!(false, "encrypted to Anna, yet not for her keys"),
            }
            Ok(())
        })
        .unwrap();
    assert!(good.get() > 0, "the unchanged inner message opens as authentic");
}
