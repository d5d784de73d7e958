//! Issue 14: sharing with a clinic that has no hrx. `hrx share ips` makes a
//! SMART Health Link; a receiver opens it with tools nobody here wrote
//! (zbarimg reads the QR code, nginx serves the file as any static host
//! would, the `jose` library decrypts it, the FHIR R4 JSON Schema validates
//! what it holds).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;
use crate::fhir::{check_ips, shared, validate_with_schema};

fn share(env: &TestEnv, who: &Party, args: &[&str]) -> std::process::Output {
    env.hrx(who).arg("-C").arg(env.record()).arg("share").args(args).output().unwrap()
}

/// What zbarimg reads in an image: the text of its one QR code.
pub(crate) fn scan(image: &Path) -> String {
    let out = std::process::Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(image)
        .output()
        .expect("zbarimg (.ci/setup installs zbar-tools)");
    assert!(out.status.success(), "zbarimg found no code in {}: {}", image.display(), stderr(&out));
    stdout(&out).trim().to_string()
}

/// The QR code hrx drew in the terminal, as a greyscale image zbarimg
/// reads (4 pixels a module): each character holds two rows of modules,
/// a block drawing the light ones.
pub(crate) fn terminal_image(text: &str, path: &Path) {
    let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
    let w = lines.iter().map(|l| l.len()).max().unwrap();
    let h = lines.len() * 2;
    let mut px = Vec::with_capacity(w * h * 16);
    for y in 0..h {
        let row: Vec<u8> = (0..w)
            .map(|x| {
                let c = lines[y / 2].get(x).copied().unwrap_or(' ');
                let light = if y % 2 == 0 { matches!(c, '█' | '▀') } else { matches!(c, '█' | '▄') };
                if light { 255 } else { 0 }
            })
            .collect();
        for _ in 0..4 {
            for p in &row {
                px.extend_from_slice(&[*p; 4]);
            }
        }
    }
    let mut pgm = format!("P5\n{} {}\n255\n", w * 4, h * 4).into_bytes();
    pgm.extend(px);
    std::fs::write(path, pgm).unwrap();
}

/// What a receiver opening `link` gets, through node and `jose`: the
/// payload, the JWE header, the content type served and the plaintext.
fn open_as_receiver(link: &str, ca: &Path, recipient: &str) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/node");
    assert!(dir.join("node_modules/jose").exists(), "run `bash .ci/setup` to install jose");
    let out = std::process::Command::new("node")
        .arg(dir.join("open-shl.mjs"))
        .args([link, recipient])
        .env("NODE_EXTRA_CA_CERTS", ca)
        .output()
        .expect("node");
    assert!(out.status.success(), "the receiver could not open the link: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A document with its random ids numbered in order of appearance and its
/// times of making left out: two summaries made at different moments of
/// one record compare equal.
fn normalised(doc: &Value) -> Value {
    // Uuids are ASCII: matched byte by byte, replaced by as many bytes.
    let mut text = serde_json::to_string(doc).unwrap().into_bytes();
    let mut seen: Vec<Vec<u8>> = vec![];
    let is_uuid = |s: &[u8]| {
        s.iter().enumerate().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_hexdigit() })
    };
    let mut i = 0;
    while i + 36 <= text.len() {
        if is_uuid(&text[i..i + 36]) {
            let c = text[i..i + 36].to_vec();
            let n = seen.iter().position(|s| *s == c).unwrap_or_else(|| {
                seen.push(c.clone());
                seen.len() - 1
            });
            text[i..i + 36].copy_from_slice(format!("{n:036}").as_bytes());
            i += 36;
        } else {
            i += 1;
        }
    }
    let text = String::from_utf8(text).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v.as_object_mut().unwrap().remove("timestamp");
    v["entry"][0]["resource"].as_object_mut().unwrap().remove("date");
    v
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    v.sort();
    v
}

#[test]
fn a_clinic_without_hrx_opens_the_shared_summary_from_its_qr_code() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let files = shared();
    let args: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["import", "fhir"]).args(&args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let https = Https::start(&env);
    let (served, url) = https.static_dir();
    let png = env.path().join("qr.png");
    let out = share(
        &env,
        &anna,
        &[
            "ips",
            "--lang",
            "de",
            "--files",
            served.to_str().unwrap(),
            "--url",
            &url,
            "--label",
            "Anna Weber: Patientenkurzakte",
            "--qr",
            png.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let link = text.lines().next().unwrap().to_string();
    assert!(link.starts_with("shlink:/"), "{text}");

    // The printed code and the terminal's read back as the link.
    assert_eq!(scan(&png), link, "the PNG's QR code");
    let drawn: String = text.lines().skip(1).collect::<Vec<_>>().join("\n");
    let pgm = env.path().join("terminal.pgm");
    terminal_image(&drawn, &pgm);
    assert_eq!(scan(&pgm), link, "the QR code drawn in the terminal");

    // The receiver: fetch over https from a static host, decrypt, inflate.
    let got = open_as_receiver(&link, &https.ca, "Hospital La Fe, Valencia");
    assert_eq!(got["payload"]["flag"], "U");
    assert_eq!(got["payload"]["label"], "Anna Weber: Patientenkurzakte");
    assert_eq!(got["payload"]["v"], 1);
    assert_eq!(got["payload"]["key"].as_str().unwrap().len(), 43, "32 bytes, base64url");
    assert!(got["payload"]["url"].as_str().unwrap().len() <= 128);
    assert_eq!(got["header"]["alg"], "dir");
    assert_eq!(got["header"]["enc"], "A256GCM");
    assert_eq!(got["header"]["cty"], "application/fhir+json");
    assert_eq!(got["header"]["zip"], "DEF");
    assert_eq!(got["contentType"], "application/jose");
    assert!(https.access_log().contains("recipient=Hospital+La+Fe"), "{}", https.access_log());
    let ips = &got["body"];
    let titles = check_ips(ips);
    assert!(titles.contains(&"Allergien und Unverträglichkeiten".to_string()), "German section titles: {titles:?}");
    let p = env.path().join("received.json");
    std::fs::write(&p, serde_json::to_vec(ips).unwrap()).unwrap();
    validate_with_schema(&[&p]);
    // What it holds is what `hrx export ips` gives.
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["export", "ips", "--lang", "de"]).output().unwrap();
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(normalised(ips), normalised(&exported));

    // The host holds ciphertext only: one file, nothing of the summary in it.
    let hosted = files_in(&served);
    assert_eq!(hosted.len(), 1, "{hosted:?}");
    let bytes = std::fs::read(&hosted[0]).unwrap();
    for clear in ["resourceType", "Weber", "Allergi", "Bundle"] {
        assert!(!bytes.windows(clear.len()).any(|w| w == clear.as_bytes()), "{clear} in the hosted file");
    }
    // Nor does the device keep the link in clear.
    let kept = TestEnv::files_under(&anna.home.join("shares"));
    assert_eq!(kept.len(), 1);
    let descriptor = std::fs::read_to_string(&kept[0]).unwrap();
    let key = got["payload"]["key"].as_str().unwrap();
    assert!(!descriptor.contains(key) && !descriptor.contains(&link[8..40]), "the key kept in clear");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&kept[0]).unwrap().permissions().mode() & 0o777, 0o600);
    for d in [anna.home.join("shares"), kept[0].parent().unwrap().to_path_buf()] {
        assert_eq!(std::fs::metadata(&d).unwrap().permissions().mode() & 0o777, 0o700, "{}", d.display());
    }

    // `share show` draws the same link again.
    let list = json(&share(&env, &anna, &["list", "--json"]));
    crate::scripting::conforms("share-list", &list);
    let id = list["shares"][0]["share"]["id"].as_str().unwrap().to_string();
    assert_eq!(list["shares"][0]["status"], "active");
    let created =
        chrono::DateTime::parse_from_rfc3339(list["shares"][0]["share"]["created"].as_str().unwrap()).unwrap();
    assert_eq!(got["payload"]["exp"].as_i64().unwrap(), created.timestamp() + 7 * 86400, "a week by default");
    let again = share(&env, &anna, &["show", &id, "--no-qr"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again).trim(), link);
}

#[test]
fn a_share_ends_when_revoked_or_expired_and_its_file_is_removed() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "allergy", "--code", "snomed:91936005", "--display", "Penicillin allergy"])
        .assert()
        .success();
    let served = env.path().join("www");
    std::fs::create_dir(&served).unwrap();
    let make = |expires: &str| {
        let out = share(
            &env,
            &anna,
            &[
                "ips",
                "--files",
                served.to_str().unwrap(),
                "--url",
                "https://files.example.org/shl",
                "--expires",
                expires,
                "--json",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let v = json(&out);
        crate::scripting::conforms("share", &v);
        v
    };
    let short = make("2026-03-02");
    let long = make("never");
    assert!(long["share"]["link"].as_str().unwrap().starts_with("shlink:/"));
    assert!(long["share"]["share"]["expires"].is_null());
    let (short_id, long_id) =
        (short["share"]["share"]["id"].as_str().unwrap(), long["share"]["share"]["id"].as_str().unwrap());
    let file = |v: &Value| PathBuf::from(v["share"]["share"]["file"].as_str().unwrap());
    assert!(file(&short).exists() && file(&long).exists());

    // Revoked: at once, its file is gone, and it is never shown again.
    let out = share(&env, &anna, &["revoke", long_id, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    crate::scripting::conforms("share-revoke", &json(&out));
    assert!(!file(&long).exists(), "the revoked share's file is removed");
    assert!(file(&short).exists());
    let out = share(&env, &anna, &["show", long_id]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("was revoked"), "{}", stderr(&out));
    assert_eq!(share(&env, &anna, &["revoke", long_id]).status.code(), Some(7), "revoked twice");

    // Expired: the next hrx share removes its file.
    env.advance(86400);
    let list = json(&share(&env, &anna, &["list", "--json"]));
    let status = |id: &str| {
        list["shares"].as_array().unwrap().iter().find(|s| s["share"]["id"] == id).unwrap()["status"].clone()
    };
    assert_eq!(status(short_id), "expired");
    assert_eq!(status(long_id), "revoked");
    assert!(!file(&short).exists(), "the expired share's file is removed");
    assert!(files_in(&served).is_empty());
    let out = share(&env, &anna, &["show", short_id]);
    assert!(stderr(&out).contains("ended on 2026-03-02"), "{}", stderr(&out));
    let out = share(&env, &anna, &["show", "0123456789ab"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}

#[test]
fn a_share_that_cannot_be_made_writes_nothing() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let klein = env.party("Dr Klein", "DE", None);
    env.grant(&anna, &klein, "allergy", "read", &[]);
    env.hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "allergy", "--code", "snomed:91936005", "--display", "Penicillin allergy"])
        .assert()
        .success();
    env.hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "condition", "--code", "icd10:F32", "--display", "Depression", "--category", "mental-health"])
        .assert()
        .success();
    let served = env.path().join("www");
    std::fs::create_dir(&served).unwrap();
    let dir = served.to_str().unwrap();
    let ok_url = "https://files.example.org/shl";
    let long_url = format!("https://files.example.org/{}", "x".repeat(60));
    let long_label = "x".repeat(81);
    let cases: Vec<(&Party, Vec<&str>, i32, &str)> = vec![
        (&anna, vec!["--url", "http://files.example.org/shl"], 2, "https://"),
        (&anna, vec!["--url", "https://files.example.org/shl?a=b"], 2, "without a query"),
        (&anna, vec!["--url", &long_url], 2, "at most 128"),
        (&anna, vec!["--url", ok_url, "--expires", "2026-02-01"], 2, "not in the future"),
        (&anna, vec!["--url", ok_url, "--label", &long_label], 2, "at most 80"),
        (&anna, vec!["--url", ok_url, "--label", "Anna\u{1b}[2J"], 2, "control characters"),
        (&anna, vec!["--url", ok_url, "--lang", "German"], 2, "not a language code"),
        (&anna, vec!["--url", ok_url, "--qr", "code.gif"], 2, ".png or .svg"),
        (&anna, vec!["--url", ok_url, "--categories", "nonsense"], 2, "nonsense"),
        (&klein, vec!["--url", ok_url, "--categories", "mental-health"], 6, "may not read mental-health"),
    ];
    for (who, extra, code, says) in cases {
        let mut args = vec!["ips", "--files", dir];
        args.extend(&extra);
        let out = share(&env, who, &args);
        assert_eq!(out.status.code(), Some(code), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{extra:?}: {}", stderr(&out));
        assert!(files_in(&served).is_empty(), "{extra:?} wrote a file");
        assert!(!who.home.join("shares").exists() || TestEnv::files_under(&who.home.join("shares")).is_empty());
        assert!(!env.path().join("code.gif").exists());
    }
    let out = share(&env, &anna, &["ips", "--files", "/nonexistent/www", "--url", ok_url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a directory"), "{}", stderr(&out));

    // What the provider may read it may share: its summary holds only that.
    let out = share(&env, &klein, &["ips", "--files", dir, "--url", ok_url, "--categories", "allergy", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_in(&served).len(), 1);
    let link = json(&out)["share"]["link"].as_str().unwrap().to_string();
    let payload: Value = {
        use base64::Engine;
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&link["shlink:/".len()..]).unwrap();
        serde_json::from_slice(&b).unwrap()
    };
    let key: [u8; 32] = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload["key"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    };
    let jwe = std::fs::read_to_string(&files_in(&served)[0]).unwrap();
    let (_, plain) = hrx::crypto::jwe::decrypt(&jwe, &key, 1 << 24).unwrap();
    let text = String::from_utf8(plain).unwrap();
    assert!(text.contains("Penicillin") && !text.contains("Depression"), "only the allergy category");
}

/// What Anna's record holds when she shares it.
enum Holding {
    /// A note.
    Note,
    /// A penicillin allergy.
    Allergy,
}

/// Anna's record, holding one entry; an empty directory to serve links
/// from; a free port on 127.0.0.1 and the links' address at it (`scheme`).
struct Served {
    env: TestEnv,
    anna: Party,
    root: PathBuf,
    port: u16,
    url: String,
}

fn served(holding: Holding, scheme: &str) -> Served {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    match holding {
        Holding::Note => {
            env.note(&anna, "Trip to Valencia");
        }
        Holding::Allergy => {
            let out = env
                .hrx(&anna)
                .arg("-C")
                .arg(env.record())
                .args(["add", "allergy", "--code", "snomed:91936005", "--display", "Penicillin allergy"])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
    let root = env.path().join("served");
    std::fs::create_dir(&root).unwrap();
    let port = free_port();
    let url = format!("{scheme}://127.0.0.1:{port}/shl");
    Served { env, anna, root, port, url }
}

/// `hrx share serve DIR` running as `who` until dropped, at `url`'s port.
struct Server {
    child: std::process::Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free now on 127.0.0.1 (links are made with their address before
/// the server that answers at it starts).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts the server and waits until it says it takes connections.
fn serve(env: &TestEnv, who: &Party, root: &Path, port: u16, url: &str, tls: Option<(&Path, &Path)>) -> Server {
    let mut c = env.hrx_std(who);
    c.args(["share", "serve"]).arg(root).args(["--listen", &format!("127.0.0.1:{port}"), "--url", url]);
    if let Some((cert, key)) = tls {
        c.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
    }
    start(c)
}

/// Starts the server as `serve` does, on a disk that takes no file past
/// `bytes` (RLIMIT_FSIZE: a write past it fails as on a full disk, with
/// SIGXFSZ ignored so that the write's error is what the server sees).
fn serve_on_a_full_disk(env: &TestEnv, who: &Party, root: &Path, port: u16, url: &str, bytes: u64) -> Server {
    use std::os::unix::process::CommandExt;
    let mut c = env.hrx_std(who);
    c.args(["share", "serve"]).arg(root).args(["--listen", &format!("127.0.0.1:{port}"), "--url", url]);
    // SAFETY: between fork and exec only async-signal-safe calls are made.
    unsafe {
        c.pre_exec(move || {
            let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    start(c)
}

fn start(mut c: std::process::Command) -> Server {
    use std::io::BufRead;
    let mut child = c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    if !line.starts_with("listening on 127.0.0.1:") {
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        panic!("hrx share serve did not start: {line} {err}");
    }
    Server { child }
}

/// The status code of a raw HTTP/1.1 request to 127.0.0.1:`port`.
fn raw_status(port: u16, request: &[u8]) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let _ = s.write_all(request);
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got);
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

fn post(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn name_of(link: &str) -> String {
    use base64::Engine;
    let p: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&link["shlink:/".len()..]).unwrap(),
    )
    .unwrap();
    p["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string()
}

fn make_served(env: &TestEnv, who: &Party, root: &Path, url: &str, extra: &[&str]) -> String {
    let out = env
        .hrx(who)
        .arg("-C")
        .arg(env.record())
        .args(["share", "ips", "--serve", root.to_str().unwrap(), "--url", url, "--no-qr"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_string()
}

#[test]
fn a_served_link_opens_with_its_passcode_and_dies_after_too_many_wrong_ones() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let files = shared();
    let args: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["import", "fhir"]).args(&args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let root = env.path().join("served");
    std::fs::create_dir(&root).unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/shl");
    let code = env.path().join("passcode.txt");
    std::fs::write(&code, "7391 blue\n").unwrap();
    let link = make_served(
        &env,
        &anna,
        &root,
        &url,
        &["--passcode-file", code.to_str().unwrap(), "--attempts", "3", "--label", "Anna Weber: summary"],
    );
    let _server = serve(&env, &anna, &root, port, &url, None);
    let ca = env.path().join("no-ca.pem");
    std::fs::write(&ca, "").unwrap();

    // The right passcode: the manifest, the file from its location, decrypted by jose.
    let got = open_as_receiver_with(&link, &ca, "Hospital La Fe, Valencia", Some("7391 blue"), None);
    assert_eq!(got["payload"]["flag"], "P");
    assert_eq!(got["status"], 200, "{got}");
    assert_eq!(got["files"][0]["served"]["contentType"], "application/jose");
    assert_eq!(got["manifest"]["files"][0]["contentType"], "application/fhir+json");
    let ips = &got["body"];
    check_ips(ips);
    let p = env.path().join("received.json");
    std::fs::write(&p, serde_json::to_vec(ips).unwrap()).unwrap();
    validate_with_schema(&[&p]);
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["export", "ips"]).output().unwrap();
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(normalised(ips), normalised(&exported));
    // Embedded, when the receiver allows it.
    let got = open_as_receiver_with(&link, &ca, "Hospital La Fe, Valencia", Some("7391 blue"), Some(1 << 20));
    assert_eq!(got["files"][0]["served"]["embedded"], true, "{got}");

    // Every answered request is logged: who said it asked, and what it got.
    let dir = root.join(name_of(&link));
    let log = std::fs::read_to_string(dir.join("access.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 2, "{log}");
    assert!(log.contains("\"recipient\":\"Hospital La Fe, Valencia\"") && log.contains("0.jwe"), "{log}");

    // Three wrong passcodes end it, the right one after that too.
    for left in [2, 1, 0] {
        let got = open_as_receiver_with(&link, &ca, "Mallory", Some("1234"), None);
        assert_eq!(got["status"], 401, "{got}");
        assert_eq!(got["refusal"]["remainingAttempts"], left, "{got}");
    }
    let got = open_as_receiver_with(&link, &ca, "Hospital La Fe, Valencia", Some("7391 blue"), None);
    assert_eq!(got["status"], 404, "dead for good: {got}");
    assert!(dir.join("ended").exists());
    assert!(std::fs::read_dir(dir.join("files")).unwrap().next().is_none(), "its files are removed");
    // No passcode at all is a wrong one too (a fresh link).
    let other = make_served(&env, &anna, &root, &url, &["--passcode-file", code.to_str().unwrap()]);
    let got = open_as_receiver_with(&other, &ca, "Mallory", None, None);
    assert_eq!((got["status"].as_u64(), got["refusal"]["remainingAttempts"].as_u64()), (Some(401), Some(4)));
    // Nothing in the served directory is in clear.
    for f in TestEnv::files_under(&root) {
        let bytes = std::fs::read(&f).unwrap();
        for clear in ["resourceType", "Allerg", "7391"] {
            assert!(!bytes.windows(clear.len()).any(|w| w == clear.as_bytes()), "{clear} in {}", f.display());
        }
    }
}

#[test]
fn a_served_link_ends_when_revoked_or_over_and_the_server_answers_nothing_else() {
    let Served { env, anna, root, port, url } = served(Holding::Allergy, "http");
    let revoked = make_served(&env, &anna, &root, &url, &["--json"]);
    let revoked: Value = serde_json::from_str(&revoked).unwrap();
    let (revoked_id, revoked_link) =
        (revoked["share"]["share"]["id"].as_str().unwrap(), revoked["share"]["link"].as_str().unwrap().to_string());
    let short = make_served(&env, &anna, &root, &url, &["--expires", "2026-03-02"]);
    let ca = env.path().join("no-ca.pem");
    std::fs::write(&ca, "").unwrap();
    let server = serve(&env, &anna, &root, port, &url, None);
    let got = open_as_receiver_with(&revoked_link, &ca, "La Fe", None, None);
    assert_eq!(got["status"], 200, "{got}");
    let location = got["manifest"]["files"][0]["location"].as_str().unwrap().to_string();
    let loc_path = location.trim_start_matches(&format!("http://127.0.0.1:{port}")).to_string();
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").into_bytes();
    assert_eq!(raw_status(port, &get(&loc_path)), 200);

    // Revoked: at once, its manifest and its locations.
    env.hrx(&anna).arg("-C").arg(env.record()).args(["share", "revoke", revoked_id]).assert().success();
    assert_eq!(open_as_receiver_with(&revoked_link, &ca, "La Fe", None, None)["status"], 404);
    assert_eq!(raw_status(port, &get(&loc_path)), 404, "a location dies with its link");

    // Only a manifest's POST and a location's GET are answered; nothing
    // else reaches the disk.
    let name = name_of(&short);
    let ok = "{\"recipient\":\"La Fe\"}";
    assert_eq!(raw_status(port, &post(&format!("/shl/{name}"), ok)), 200);
    for (what, request, want) in [
        ("a GET of a manifest", get(&format!("/shl/{name}")), 405),
        ("a link's file by its path", get(&format!("/shl/{name}/files/0.jwe")), 404),
        ("its link.json", get(&format!("/shl/{name}/link.json")), 404),
        ("a path out", post("/shl/../served", ok), 404),
        ("a path out, encoded", post(&format!("/shl/%2e%2e%2f{name}"), ok), 404),
        ("a name that is a path", post("/shl/..%2F..%2Fetc%2Fpasswd", ok), 404),
        ("outside the base", post(&format!("/other/{name}"), ok), 404),
        ("no recipient", post(&format!("/shl/{name}"), "{}"), 400),
        ("not JSON", post(&format!("/shl/{name}"), "recipient=me"), 400),
        (
            "a body over 16 KiB",
            post(&format!("/shl/{name}"), &format!("{{\"recipient\":\"{}\"}}", "x".repeat(20_000))),
            413,
        ),
    ] {
        assert_eq!(raw_status(port, &request), want, "{what}");
    }
    let text = format!(
        "POST /shl/{name} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ok}",
        ok.len()
    );
    assert_eq!(raw_status(port, text.as_bytes()), 415, "a body that is not JSON by its type");
    let huge_headers = format!("GET /shl/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {}\r\n\r\n", "a".repeat(40_000));
    let st = raw_status(port, huge_headers.as_bytes());
    assert!(st == 431 || st == 0, "headers over 16 KiB are refused (or the connection closed): {st}");
    // The server is still there after all that.
    assert_eq!(raw_status(port, &post(&format!("/shl/{name}"), ok)), 200);
    drop(server);

    // Over: a server whose clock is past the end answers 404.
    env.advance(2 * 86400);
    let _server = serve(&env, &anna, &root, port, &url, None);
    assert_eq!(open_as_receiver_with(&short, &ca, "La Fe", None, None)["status"], 404);
    // Plain HTTP only on loopback.
    let out = env
        .hrx(&anna)
        .args(["share", "serve"])
        .arg(&root)
        .args(["--listen", "0.0.0.0:0", "--url", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("plain HTTP only on a loopback address"), "{}", stderr(&out));
}

#[test]
fn a_served_link_opens_over_https_with_the_providers_certificate() {
    let Served { env, anna, root, port, url } = served(Holding::Note, "https");
    let (ca, cert, key) = test_ca(&env);
    let link = make_served(&env, &anna, &root, &url, &["--long-lived"]);
    let _server = serve(&env, &anna, &root, port, &url, Some((&cert, &key)));
    let got = open_as_receiver_with(&link, &ca, "La Fe", None, None);
    assert_eq!(got["status"], 200, "{got}");
    assert_eq!(got["payload"]["flag"], "L");
    assert!(got["manifest"]["files"][0]["location"].as_str().unwrap().starts_with("https://127.0.0.1:"));
    check_ips(&got["body"]);
    let before = got["body"]["entry"].as_array().unwrap().len();
    // Long-lived: the record grows, the same link gives the new summary.
    env.hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "allergy", "--code", "snomed:91936005", "--display", "Penicillin allergy"])
        .assert()
        .success();
    let list = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["share", "list", "--json"]).output().unwrap());
    let id = list["shares"][0]["share"]["id"].as_str().unwrap().to_string();
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["share", "update", &id, "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    crate::scripting::conforms("share-update", &json(&out));
    let again = open_as_receiver_with(&link, &ca, "La Fe", None, None);
    let after = again["body"]["entry"].as_array().unwrap();
    assert_eq!(after.len(), before + 1, "the new allergy is in it");
    assert!(serde_json::to_string(after).unwrap().contains("Penicillin allergy"));
    // A link that is not long-lived is not updated.
    let other = make_served(&env, &anna, &root, &url, &["--json"]);
    let other: Value = serde_json::from_str(&other).unwrap();
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["share", "update", other["share"]["share"]["id"].as_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
}

/// What a receiver gets for `link` (see .ci/node/open-shl.mjs).
fn open_as_receiver_with(
    link: &str,
    ca: &Path,
    recipient: &str,
    passcode: Option<&str>,
    embedded: Option<u64>,
) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/node");
    let mut c = std::process::Command::new("node");
    c.arg(dir.join("open-shl.mjs")).args([link, recipient, passcode.unwrap_or("")]);
    if let Some(e) = embedded {
        c.arg(e.to_string());
    }
    let out = c.env("NODE_EXTRA_CA_CERTS", ca).output().expect("node");
    assert!(out.status.success(), "the receiver failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn who_opened_a_served_link_is_recorded_signed_and_shown_in_the_audit() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let klein = env.party("Dr Klein", "DE", None);
    env.grant(&anna, &klein, "allergy", "read", &[]);
    env.hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "allergy", "--code", "snomed:91936005", "--display", "Penicillin allergy"])
        .assert()
        .success();
    let root = env.path().join("served");
    std::fs::create_dir(&root).unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/shl");
    let link = make_served(&env, &anna, &root, &url, &[]);
    let klein_link = make_served(&env, &klein, &root, &url, &["--categories", "allergy"]);
    let _server = serve(&env, &anna, &root, port, &url, None);
    let ca = env.path().join("no-ca.pem");
    std::fs::write(&ca, "").unwrap();
    for who in ["Hospital La Fe, Valencia", "Dr Ruiz \u{1b}[31m"] {
        assert_eq!(open_as_receiver_with(&link, &ca, who, None, None)["status"], 200);
    }
    let log = |who: &Party| env.hrx(who).arg("-C").arg(env.record()).args(["share", "log", "--json"]).output().unwrap();
    let out = log(&anna);
    assert!(out.status.success(), "{}", stderr(&out));
    let done = json(&out);
    crate::scripting::conforms("share-log", &done);
    assert_eq!(done["share-log"]["recorded"].as_array().unwrap().len(), 2, "{done}");
    assert!(done["share-log"]["commit"].is_string());
    // Recorded once: nothing new, no commit.
    let again = json(&log(&anna));
    assert!(again["share-log"]["recorded"].as_array().unwrap().is_empty() && again["share-log"]["commit"].is_null());
    // The patient sees who opened it, escapes shown escaped; the history verifies.
    let audit = env.hrx(&anna).arg("-C").arg(env.record()).args(["audit", "--json"]).output().unwrap();
    let text = stdout(&audit);
    assert!(text.contains("share-access") && text.contains("opened by Hospital La Fe, Valencia"), "{text}");
    let plain = stdout(&env.hrx(&anna).arg("-C").arg(env.record()).arg("audit").output().unwrap());
    assert!(plain.contains("opened by Dr Ruiz") && !plain.contains('\u{1b}'), "{plain}");
    assert!(env.verify(&anna).status.success());
    // A later opening is recorded on its own.
    assert_eq!(open_as_receiver_with(&link, &ca, "Hospital La Fe, Valencia", None, None)["status"], 200);
    let third = json(&log(&anna));
    assert_eq!(third["share-log"]["recorded"][0]["line"], 2, "{third}");

    // A provider records the openings of what it shared while it may read;
    // once its grant is revoked it records nothing more.
    assert_eq!(open_as_receiver_with(&klein_link, &ca, "Clinic", None, None)["status"], 200);
    let out = log(&klein);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["share-log"]["recorded"].as_array().unwrap().len(), 1);
    assert_eq!(open_as_receiver_with(&klein_link, &ca, "Clinic", None, None)["status"], 200);
    let grants = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["grants", "--json"]).output().unwrap());
    let gid = grants["grants"][0]["id"].as_str().unwrap().to_string();
    env.hrx(&anna).arg("-C").arg(env.record()).args(["revoke", &gid]).assert().success();
    let out = log(&klein);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("holds no grant to read in force"), "{}", stderr(&out));
    assert!(env.verify(&anna).status.success());
}

/// A served link made by `who`: (its share id, its link).
fn served_share(env: &TestEnv, who: &Party, root: &Path, url: &str, extra: &[&str]) -> (String, String) {
    let v: Value = serde_json::from_str(&make_served(env, who, root, url, &[&["--json"], extra].concat())).unwrap();
    (v["share"]["share"]["id"].as_str().unwrap().to_string(), v["share"]["link"].as_str().unwrap().to_string())
}

/// Whoever can write to the served directory (the host) plants links:
/// neither the patient's revoke nor the server removes or serves anything
/// but a link's own files.
#[test]
fn a_hosts_planted_links_delete_and_serve_nothing_outside_their_own_files() {
    let Served { env, anna, root, port, url } = served(Holding::Note, "http");
    let code = env.path().join("passcode.txt");
    std::fs::write(&code, "7391 blue\n").unwrap();
    let (first, _) = served_share(&env, &anna, &root, &url, &[]);
    let (_, second) =
        served_share(&env, &anna, &root, &url, &["--passcode-file", code.to_str().unwrap(), "--attempts", "1"]);
    // What the host points at: a directory like the keystore's secret/.
    let precious = env.path().join("precious");
    std::fs::create_dir(&precious).unwrap();
    std::fs::write(precious.join("0.jwe"), "keep").unwrap();
    std::fs::write(precious.join("KEY.pgp"), "keep").unwrap();
    let kept = || std::fs::read_dir(&precious).unwrap().count();
    let descriptors = TestEnv::files_under(&anna.home.join("shares"));
    let manifest_of = |id: &str| {
        let d = descriptors.iter().find(|p| p.to_string_lossy().contains(id)).unwrap();
        let v: Value = serde_json::from_slice(&std::fs::read(d).unwrap()).unwrap();
        PathBuf::from(v["manifest"].as_str().unwrap())
    };
    let swap = |dir: &Path| {
        std::fs::remove_dir_all(dir.join("files")).unwrap();
        std::os::unix::fs::symlink(&precious, dir.join("files")).unwrap();
    };
    // The patient revokes a link whose files/ now points elsewhere.
    swap(&manifest_of(&first));
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["share", "revoke", &first]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    env.hrx(&anna).arg("-C").arg(env.record()).args(["share", "list"]).assert().success();
    assert_eq!(kept(), 2, "revoke and list removed nothing outside the link");
    // The server ends a link at its last wrong passcode: its files/ points elsewhere.
    swap(&root.join(name_of(&second)));
    let _server = serve(&env, &anna, &root, port, &url, None);
    let ca = env.path().join("no-ca.pem");
    std::fs::write(&ca, "").unwrap();
    let got = open_as_receiver_with(&second, &ca, "Mallory", Some("wrong"), None);
    assert_eq!(got["status"], 404, "a link whose files are elsewhere is not served: {got}");
    assert_eq!(kept(), 2, "the server removed nothing outside the link");
    // A planted link.json naming files outside, and a link that is a link.
    let secret = env.path().join("secret.txt");
    std::fs::write(&secret, "the patient's secret").unwrap();
    for (i, name) in ["../../secret.txt", secret.to_str().unwrap(), "0.jwe/../../../secret.txt"].into_iter().enumerate()
    {
        let planted = root.join(format!("{}{i}", "P".repeat(42)));
        std::fs::create_dir_all(planted.join("files")).unwrap();
        let link = serde_json::json!({"v": 1, "share": "0123456789ab", "flag": "", "expires": null, "passcode": null,
            "attempts": 5, "files": [{"name": name, "contentType": "text/plain"}]});
        std::fs::write(planted.join("link.json"), link.to_string()).unwrap();
        let path = format!("/shl/{}", planted.file_name().unwrap().to_str().unwrap());
        let st = raw_status(port, &post(&path, "{\"recipient\":\"x\",\"embeddedLengthMax\":100000}"));
        assert_eq!(st, 404, "{name}");
    }
    let elsewhere = root.join("Q".repeat(43));
    std::os::unix::fs::symlink(root.join(name_of(&second)), &elsewhere).unwrap();
    assert_eq!(raw_status(port, &post(&format!("/shl/{}", "Q".repeat(43)), "{\"recipient\":\"x\"}")), 404);
}

/// The summary a link made with `--files DIR` holds: its one file there,
/// decrypted with the key in the link.
fn summary_in(link: &str, dir: &Path) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload: Value = serde_json::from_slice(&b64.decode(&link["shlink:/".len()..]).unwrap()).unwrap();
    let key: [u8; 32] = b64.decode(payload["key"].as_str().unwrap()).unwrap().try_into().unwrap();
    let files = files_in(dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let (_, plain) = hrx::crypto::jwe::decrypt(&std::fs::read_to_string(&files[0]).unwrap(), &key, 1 << 24).unwrap();
    String::from_utf8(plain).unwrap()
}

/// Attack: a provider whose grant to read the patient's demographics was
/// revoked, and who still reads her allergies, shares a summary: who the
/// patient is (name, birth date, address), which its old copy still
/// decrypts, goes with it. Rule: a grantee's summary holds only what a
/// read grant in force covers now, who the patient is included; the
/// patient's own summary, however narrowed, always says whose it is.
#[test]
fn a_grantee_shares_who_the_patient_is_only_while_it_may_read_it() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let yaml = env.path().join("patient.yaml");
    let example = env.hrx(&anna).args(["add", "patient", "--example"]).output().unwrap();
    std::fs::write(&yaml, &example.stdout).unwrap();
    let add = |args: &[&str]| {
        let out = env.hrx(&anna).arg("-C").arg(env.record()).arg("add").args(args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    add(&["patient", "--file", yaml.to_str().unwrap()]);
    add(&["allergy", "--code", "snomed:91936005", "--display", "Penicillin allergy"]);
    let doc = env.party("Dr Doc", "ES", None);
    let who = env.grant(&anna, &doc, "demographics", "read", &["--include-past"]);
    env.grant(&anna, &doc, "allergy", "read", &["--include-past"]);
    let shared = |by: &Party, name: &str, extra: &[&str]| {
        let dir = env.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        let out = share(
            &env,
            by,
            &[
                &["ips", "--files", dir.to_str().unwrap(), "--url", "https://doc.example.org/shl", "--no-qr", "--json"]
                    [..],
                extra,
            ]
            .concat(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        summary_in(json(&out)["share"]["link"].as_str().unwrap(), &dir)
    };
    let before = shared(&doc, "www1", &[]);
    assert!(before.contains("Penicillin") && before.contains("Weber") && before.contains("1984-05-17"), "{before}");
    env.hrx(&anna).arg("-C").arg(env.record()).args(["revoke", &who]).assert().success();
    let after = shared(&doc, "www2", &[]);
    assert!(after.contains("Penicillin"), "the allergy it still reads: {after}");
    for gone in ["Weber", "1984-05-17", "Hauptstrasse", "A123456789"] {
        assert!(!after.contains(gone), "{gone} went with the summary: {after}");
    }
    let own = shared(&anna, "www3", &["--categories", "allergy"]);
    assert!(own.contains("Penicillin") && own.contains("Weber"), "the patient's own says whose it is: {own}");
}

/// The patient keeps her record on two devices (a laptop and a phone, one
/// key), which both read the served directory and record its openings
/// before they sync: each line of the access log is then recorded on both.
/// The two lines still merge (the record takes a line recorded on both
/// forks, and counts each statement), and neither records it again.
#[test]
fn two_devices_that_log_the_same_openings_before_they_sync_still_merge() {
    let s = served(Holding::Note, "http");
    let (env, anna) = (&s.env, &s.anna);
    let (_, link) = served_share(env, anna, &s.root, &s.url, &[]);
    let hub = env.path().join("hub.git");
    let laptop = env.record();
    let run = |who: &Party, dir: &Path, args: &[&str]| {
        let out = env.hrx(who).arg("-C").arg(dir).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    };
    run(anna, &laptop, &["remote", "add", "hub", hub.to_str().unwrap(), "--create"]);
    run(anna, &laptop, &["sync"]);
    // The phone: the same key (its keystore copied) and a clone of the hub.
    let phone_home = env.path().join("phone-home");
    assert!(env.bare("cp").arg("-a").arg(&anna.home).arg(&phone_home).output().unwrap().status.success());
    let phone = Party { home: phone_home, ..anna.clone() };
    let phone_dir = env.path().join("phone");
    let out = env
        .hrx(&phone)
        .args(["clone", hub.to_str().unwrap()])
        .arg(&phone_dir)
        .args(["--trust-root", &anna.fpr])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: String = (0..3)
        .map(|i| {
            format!("{{\"at\":\"2026-03-01T09:00:3{i}Z\",\"recipient\":\"Hospital La Fe\",\"files\":[\"0.jwe\"]}}\n")
        })
        .collect();
    std::fs::write(s.root.join(name_of(&link)).join("access.jsonl"), lines).unwrap();
    let recorded = |who: &Party, dir: &Path| {
        json(&run(who, dir, &["share", "log", "--json"]))["share-log"]["recorded"].as_array().unwrap().len()
    };
    assert_eq!(recorded(anna, &laptop), 3);
    assert_eq!(recorded(&phone, &phone_dir), 3, "the phone's history lacks the laptop's records");
    run(anna, &laptop, &["sync"]);
    let out = run(&phone, &phone_dir, &["sync", "--json"]);
    assert_eq!(json(&out)["sync"][0]["outcome"], "merge", "{}", stdout(&out));
    run(anna, &laptop, &["sync"]);
    for (who, dir) in [(anna, &laptop), (&phone, &phone_dir)] {
        run(who, dir, &["verify"]);
        assert_eq!(recorded(who, dir), 0, "nothing recorded again");
    }
}

/// Attack: whoever can write to the served directory moves a link's
/// directory away and puts a symbolic link in its place while the patient
/// revokes the link, then moves it back, so that the link is still served
/// after `hrx share revoke` said it was ended. Rule: revoking ends a link
/// only in its own directory and says so when it could not (non-zero
/// exit); revoking again ends it.
#[test]
fn a_link_moved_away_while_it_is_revoked_is_not_said_to_be_ended() {
    let s = served(Holding::Note, "http");
    let (id, link) = served_share(&s.env, &s.anna, &s.root, &s.url, &[]);
    let dir = s.root.join(name_of(&link));
    let away = s.env.path().join("away");
    std::fs::rename(&dir, &away).unwrap();
    std::os::unix::fs::symlink(&away, &dir).unwrap();
    let revoke = || s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["share", "revoke", &id]).output().unwrap();
    let out = revoke();
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(stderr(&out).contains("could not be ended"), "{}", stderr(&out));
    assert!(!stdout(&out).contains("removed"), "{}", stdout(&out));
    std::fs::remove_file(&dir).unwrap();
    std::fs::rename(&away, &dir).unwrap();
    let _server = serve(&s.env, &s.anna, &s.root, s.port, &s.url, None);
    assert_eq!(ask(s.port, &name_of(&link), "").0, 200, "not ended yet, and hrx did not say it was");
    let out = revoke();
    assert!(out.status.success(), "revoking again ends it: {}", stderr(&out));
    assert!(stderr(&out).contains("is marked ended, and the server answers it no more"), "{}", stderr(&out));
    assert_eq!(ask(s.port, &name_of(&link), "").0, 404);
    let out = revoke();
    assert!(stderr(&out).contains("is revoked already"), "{}", stderr(&out));
}

/// A client that announces a body and never sends it is answered 408 and
/// let go; others are served meanwhile.
#[test]
fn a_request_that_never_sends_its_body_holds_no_connection() {
    use std::io::{Read, Write};
    let Served { env, anna, root, port, url } = served(Holding::Note, "http");
    let (_, link) = served_share(&env, &anna, &root, &url, &[]);
    let name = name_of(&link);
    let _server = serve(&env, &anna, &root, port, &url, None);
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    slow.write_all(
        format!("POST /shl/{name} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(raw_status(port, &post(&format!("/shl/{name}"), "{\"recipient\":\"La Fe\"}")), 200);
    let mut got = Vec::new();
    let _ = slow.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
}

/// The openings one participant records never stand in for another's: a
/// grantee that records "line 0 of the patient's share" leaves the
/// patient's own line 0 to be recorded.
#[test]
fn a_grantee_cannot_stand_in_for_the_patients_access_records() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let klein = env.party("Dr Klein", "DE", None);
    env.grant(&anna, &klein, "allergy", "read", &[]);
    env.hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "allergy", "--code", "snomed:91936005", "--display", "Penicillin allergy"])
        .assert()
        .success();
    let root = env.path().join("served");
    std::fs::create_dir(&root).unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/shl");
    let (annas, link) = served_share(&env, &anna, &root, &url, &[]);
    let (kleins, klein_link) = served_share(&env, &klein, &root, &url, &["--categories", "allergy"]);
    let _server = serve(&env, &anna, &root, port, &url, None);
    let ca = env.path().join("no-ca.pem");
    std::fs::write(&ca, "").unwrap();
    for l in [&link, &link, &klein_link] {
        assert_eq!(open_as_receiver_with(l, &ca, "La Fe", None, None)["status"], 200);
    }
    // Klein's device says its share is Anna's.
    let d = TestEnv::files_under(&klein.home.join("shares")).pop().unwrap();
    let text = std::fs::read_to_string(&d).unwrap().replace(&kleins, &annas);
    std::fs::write(&d, text).unwrap();
    let log = |who: &Party| {
        json(&env.hrx(who).arg("-C").arg(env.record()).args(["share", "log", "--json"]).output().unwrap())
    };
    assert_eq!(log(&klein)["share-log"]["recorded"][0]["share"], annas.as_str());
    let mine = log(&anna);
    let lines: Vec<u64> =
        mine["share-log"]["recorded"].as_array().unwrap().iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [0, 1], "Anna's own openings are all recorded: {mine}");
    assert!(env.verify(&anna).status.success());
}

/// A flooded access log (a link holder asking again and again, or a host
/// writing to it) is read only to its bound, said, and recorded in steps.
#[test]
fn a_flooded_access_log_is_said_and_recorded_in_bounded_steps() {
    let Served { env, anna, root, .. } = served(Holding::Note, "http");
    let (_, link) = served_share(&env, &anna, &root, "https://shl.example.org/shl", &[]);
    let access = root.join(name_of(&link)).join("access.jsonl");
    let mut flood = String::new();
    for i in 0..150 {
        flood.push_str(&format!(
            "{{\"at\":\"2026-03-01T09:00:30Z\",\"recipient\":\"asker {i}\",\"files\":[\"0.jwe\"]}}\n"
        ));
    }
    flood.push_str("not json\n");
    while flood.len() < (17 << 20) {
        flood.push_str(&format!("{}\n", "x".repeat(4000)));
    }
    std::fs::write(&access, flood).unwrap();
    let run = || {
        let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["share", "log", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)["share-log"].clone()
    };
    let first = run();
    assert_eq!(first["recorded"].as_array().unwrap().len(), 100, "at most 100 a run");
    let warnings = first["warnings"].to_string();
    assert!(warnings.contains("over 16 MiB") && warnings.contains("more than 100"), "{warnings}");
    let second = run();
    assert_eq!(second["recorded"].as_array().unwrap().len(), 50);
    assert_eq!(second["recorded"][49]["line"], 149);
    assert!(env.verify(&anna).status.success());
}

/// The status code and body of a raw HTTP/1.1 request to 127.0.0.1:`port`.
fn raw_response(port: u16, request: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    s.write_all(request).unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got).to_string();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// Attack: the holder of one link asks for its manifest over and over, to
/// push every other link's file locations out of the server's table (each
/// answer makes a new location). Rule: a link keeps at most 1,024
/// locations, its own oldest going first; other links' locations stay good.
#[test]
fn a_link_asked_over_and_over_ends_only_its_own_earlier_locations() {
    let Served { env, anna, root, port, url } = served(Holding::Note, "http");
    let (flooded, other) = (make_served(&env, &anna, &root, &url, &[]), make_served(&env, &anna, &root, &url, &[]));
    let _server = serve(&env, &anna, &root, port, &url, None);
    let location = |link: &str| {
        let (status, body) = raw_response(port, &post(&format!("/shl/{}", name_of(link)), "{\"recipient\":\"x\"}"));
        assert_eq!(status, 200, "{body}");
        let m: Value = serde_json::from_str(&body).unwrap();
        let l = m["files"][0]["location"].as_str().unwrap().to_string();
        l.trim_start_matches(&format!("http://127.0.0.1:{port}")).to_string()
    };
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").into_bytes();
    let kept = location(&other);
    let first = location(&flooded);
    let mut last = first.clone();
    for _ in 0..1100 {
        last = location(&flooded);
    }
    assert_eq!(raw_status(port, &get(&kept)), 200, "another link's location is still good");
    assert_eq!(raw_status(port, &get(&last)), 200, "the newest location is good");
    assert_eq!(raw_status(port, &get(&first)), 404, "the flooded link's oldest went");
}

/// A link holder opens a served link 1,050 times: `hrx share log` records
/// 100 a run, the record keeps at most 1,000 of one link, and then it says
/// so instead of writing more.
#[test]
fn a_link_opened_without_end_grows_the_record_only_so_far() {
    let Served { env, anna, root, .. } = served(Holding::Note, "http");
    let (_, link) = served_share(&env, &anna, &root, "https://shl.example.org/shl", &[]);
    // What the server logs as it answers (the server itself is exercised
    // in the tests above; here its log is what counts).
    let lines: String = (0..1050)
        .map(|i| format!("{{\"at\":\"2026-03-01T09:00:30Z\",\"recipient\":\"asker {i}\",\"files\":[\"0.jwe\"]}}\n"))
        .collect();
    std::fs::write(root.join(name_of(&link)).join("access.jsonl"), lines).unwrap();
    let run = || {
        let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["share", "log", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)["share-log"].clone()
    };
    let head = || stdout(&env.git(&["rev-parse", "HEAD"]));
    for _ in 0..10 {
        assert_eq!(run()["recorded"].as_array().unwrap().len(), 100);
    }
    let before = head();
    let last = run();
    assert_eq!(last["recorded"].as_array().unwrap().len(), 0);
    assert!(last["warnings"].to_string().contains("the most it keeps of one link"), "{last}");
    assert_eq!(head(), before, "nothing more is written");
    assert!(env.verify(&anna).status.success());
}

/// `--passcode` asks for it on the terminal, twice and without echo: two
/// that differ, or an empty one, share nothing; the one typed twice opens
/// the link, and another does not.
#[test]
fn a_passcode_asked_for_is_typed_twice_never_shown_and_never_empty() {
    let Served { env, anna, root, port, url } = served(Holding::Note, "http");
    let bin = assert_cmd::cargo::cargo_bin!("hrx");
    // A server of its own for each run: a session's end ends its server, and
    // a new one started at once on the same socket can meet it going away.
    let session = |n: usize| {
        let t = Tmux { env: &env, socket: env.path().join(format!("tmux{n}.sock")) };
        let cmd = format!(
            "env HRX_HOME={} HRX_NOW={} HOME={} GIT_CONFIG_GLOBAL={} {} -C {} share ips --serve {} --url {url} --passcode --no-qr; echo EXITED-$?; sleep 30",
            anna.home.display(),
            env.now(),
            env.path().join("userhome").display(),
            env.path().join("userhome/gitconfig").display(),
            bin.display(),
            env.record().display(),
            root.display()
        );
        let out = t.run(&["new-session", "-d", "-s", "hrx", "-x", "500", "-y", "40", &cmd]);
        assert!(out.status.success(), "tmux: {}", stderr(&out));
        t.wait_for("Passcode for the link");
        t
    };
    let typed = |t: &Tmux, text: &str| {
        t.keys(&["-l", text]);
        t.keys(&["Enter"]);
    };
    let links = || std::fs::read_dir(&root).unwrap().count();

    let t = session(1);
    typed(&t, "first try");
    t.wait_for("The same passcode again");
    typed(&t, "second try");
    let s = t.wait_for("EXITED-");
    assert!(s.contains("the two passcodes differ; nothing was shared") && s.contains("EXITED-2"), "{s}");
    assert_eq!(links(), 0);

    let t = session(2);
    typed(&t, "");
    let s = t.wait_for("EXITED-");
    assert!(s.contains("an empty passcode protects nothing") && s.contains("EXITED-2"), "{s}");
    assert_eq!(links(), 0);

    let t = session(3);
    typed(&t, "Valencia 2026");
    t.wait_for("The same passcode again");
    typed(&t, "Valencia 2026");
    let s = t.wait_for("EXITED-");
    assert!(s.contains("EXITED-0"), "{s}");
    assert!(!s.contains("Valencia 2026"), "the passcode is never shown: {s}");
    let link = s.lines().find(|l| l.starts_with("shlink:/")).unwrap_or_else(|| panic!("{s}")).trim().to_string();
    let _ = t.run(&["kill-session", "-t", "hrx"]);
    let _server = serve(&env, &anna, &root, port, &url, None);
    let name = name_of(&link);
    let ask = |code: &str| {
        raw_status(
            port,
            &post(&format!("/shl/{name}"), &format!("{{\"recipient\":\"La Fe\",\"passcode\":\"{code}\"}}")),
        )
    };
    assert_eq!(ask("Valencia 2025"), 401);
    assert_eq!(ask("Valencia 2026"), 200);
}

/// The passcode file of a served link made with `--passcode-file`.
fn with_passcode(s: &Served, extra: &[&str]) -> String {
    let code = s.env.path().join("passcode.txt");
    std::fs::write(&code, "Valencia 2026\n").unwrap();
    let mut args = vec!["--passcode-file", code.to_str().unwrap()];
    args.extend_from_slice(extra);
    make_served(&s.env, &s.anna, &s.root, &s.url, &args)
}

fn ask(port: u16, name: &str, passcode: &str) -> (u16, String) {
    raw_response(
        port,
        &post(&format!("/shl/{name}"), &format!("{{\"recipient\":\"La Fe\",\"passcode\":\"{passcode}\"}}")),
    )
}

/// Attack: the disk fills (a link holder flooding another link's log, or a
/// host making the count's file unwritable) so that wrong passcodes are no
/// longer counted, and guessing goes on without end. Rule: a wrong
/// passcode that cannot be counted is not checked at all: the server
/// answers 503 and hands nothing out, whatever the guess.
#[test]
fn a_passcode_that_cannot_be_counted_opens_nothing() {
    let s = served(Holding::Note, "http");
    let link = with_passcode(&s, &["--attempts", "3"]);
    let name = name_of(&link);
    std::fs::create_dir(s.root.join(&name).join("wrong")).unwrap();
    let _server = serve(&s.env, &s.anna, &s.root, s.port, &s.url, None);
    for guess in ["wrong 1", "wrong 2", "wrong 3", "wrong 4", "Valencia 2026"] {
        let (status, body) = ask(s.port, &name, guess);
        assert_eq!(status, 503, "{guess}: {body}");
        assert!(!body.contains("location") && !body.contains("embedded"), "{body}");
    }
}

/// Attack: on a full disk (nothing can be written, or only in place) a
/// guesser tries passcodes without end, or tells the right one from the
/// wrong ones by the answer while nothing is counted. Rule: with nothing
/// writable every guess, right or wrong, gets the same 503 and none is
/// checked; where the count can still be written in place, every wrong
/// guess is counted and the link ends at its limit as on any disk, the
/// right passcode then included (and after the disk has room again).
#[test]
fn a_full_disk_neither_lets_passcodes_be_guessed_without_end_nor_tells_the_right_one() {
    let s = served(Holding::Note, "http");
    let link = with_passcode(&s, &["--attempts", "3"]);
    let name = name_of(&link);
    let wrong = s.root.join(&name).join("wrong");
    let log = s.root.join(&name).join("access.jsonl");
    {
        let _server = serve_on_a_full_disk(&s.env, &s.anna, &s.root, s.port, &s.url, 0);
        let answers: Vec<(u16, String)> = ["wrong 1", "wrong 2", "wrong 3", "wrong 4", "Valencia 2026"]
            .iter()
            .map(|g| ask(s.port, &name, g))
            .collect();
        for (status, body) in &answers {
            assert_eq!(*status, 503, "{body}");
            assert!(!body.contains("location") && !body.contains("embedded"), "{body}");
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "one answer for every guess: {answers:?}");
    }
    assert_eq!(std::fs::metadata(&wrong).map(|m| m.len()).unwrap_or(0), 0, "no guess was counted");
    {
        // Room for the count (ten digits, in place) and nothing more: the
        // opening itself cannot be recorded.
        let _server = serve_on_a_full_disk(&s.env, &s.anna, &s.root, s.port, &s.url, 10);
        let (status, body) = ask(s.port, &name, "wrong 1");
        assert_eq!(status, 401, "counted: {body}");
        let (status, body) = ask(s.port, &name, "Valencia 2026");
        assert_eq!(status, 503, "the right one is not answered while it cannot be recorded: {body}");
        assert!(!body.contains("location") && !body.contains("embedded"), "{body}");
        for guess in ["wrong 2", "wrong 3"] {
            assert_eq!(ask(s.port, &name, guess).0, 401, "{guess}");
        }
        let (status, body) = ask(s.port, &name, "Valencia 2026");
        assert_eq!(status, 404, "three wrong guesses end the link: {body}");
    }
    assert_eq!(std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0), 0, "no line cut short is left");
    let _server = serve(&s.env, &s.anna, &s.root, s.port, &s.url, None);
    let (status, body) = ask(s.port, &name, "Valencia 2026");
    assert_eq!(status, 404, "ended for good: {body}");
}

/// Attack: a link holder asks a link without end, so that its access log
/// fills the host's disk (or, once the disk is full, openings go
/// unrecorded). Rule: a link's log holds at most 16 MiB; past that, and
/// whenever a line cannot be written, the server answers 503 and hands
/// nothing out: no opening goes unrecorded.
#[test]
fn a_link_whose_openings_cannot_be_recorded_is_not_answered() {
    let s = served(Holding::Note, "http");
    let link = make_served(&s.env, &s.anna, &s.root, &s.url, &[]);
    let name = name_of(&link);
    let log = s.root.join(&name).join("access.jsonl");
    let _server = serve(&s.env, &s.anna, &s.root, s.port, &s.url, None);
    assert_eq!(ask(s.port, &name, "").0, 200);
    let line = "{\"at\":\"2026-03-01T09:00:30Z\",\"recipient\":\"flood\",\"files\":[\"0.jwe\"]}\n";
    std::fs::write(&log, line.repeat((16 << 20) / line.len())).unwrap();
    let before = std::fs::metadata(&log).unwrap().len();
    let (status, body) = ask(s.port, &name, "");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("ask the patient for a new link") && !body.contains("location"), "{body}");
    assert_eq!(std::fs::metadata(&log).unwrap().len(), before, "the log grew no more");
}

/// Attack: a grantee whose grant was revoked shares what its old copy still
/// decrypts, by naming no category (all), or by updating a long-lived link
/// it made while it could read. Rule: what a grantee shares is what a read
/// grant in force lets it read now; with none, nothing (exit 6).
#[test]
fn a_revoked_grantee_shares_nothing() {
    let s = served(Holding::Allergy, "http");
    let doc = s.env.party("Dr Doc", "ES", None);
    let g = s.env.grant(&s.anna, &doc, "allergy", "read", &[]);
    let link = {
        let out = s
            .env
            .hrx(&doc)
            .arg("-C")
            .arg(s.env.record())
            .args([
                "share",
                "ips",
                "--serve",
                s.root.to_str().unwrap(),
                "--url",
                &s.url,
                "--long-lived",
                "--no-qr",
                "--json",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)
    };
    let id = link["share"]["share"]["id"].as_str().unwrap().to_string();
    s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["revoke", &g]).assert().success();
    let web = s.env.path().join("www");
    std::fs::create_dir(&web).unwrap();
    let out = s
        .env
        .hrx(&doc)
        .arg("-C")
        .arg(s.env.record())
        .args(["share", "ips", "--files", web.to_str().unwrap(), "--url", "https://doc.example.org/shl", "--no-qr"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("you hold no grant to read in this record in force"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&web).unwrap().count(), 0, "nothing written");
    let file = s.root.join(name_of(link["share"]["link"].as_str().unwrap())).join("files/0.jwe");
    let before = std::fs::read(&file).unwrap();
    let out = s.env.hrx(&doc).arg("-C").arg(s.env.record()).args(["share", "update", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).unwrap(), before, "the link's file is as it was");
}

/// Attack: the host writes a line whose recipient is only spaces (which
/// the record refuses) into a link's access log, so that every later
/// `hrx share log` fails and no opening of any link is recorded again.
/// Rule: a recipient is kept trimmed ("(not given)" for nothing), and an
/// opening the record would refuse, or a line that is no opening at all,
/// is said (by its number, never echoed) and left out, never stopping the
/// others.
#[test]
fn a_line_the_record_would_refuse_blocks_no_share_log() {
    let s = served(Holding::Note, "http");
    let (_, link) = served_share(&s.env, &s.anna, &s.root, "https://shl.example.org/shl", &[]);
    let lines = [
        "{\"at\":\"2026-03-01T09:00:30Z\",\"recipient\":\"   \",\"files\":[\"0.jwe\"]}",
        "\u{1b}]0;not an opening\u{7}",
        &format!("{{\"at\":\"2026-03-01T09:00:31Z\",\"recipient\":\"{}x\",\"files\":[\"0.jwe\"]}}", " ".repeat(300)),
        "{\"at\":\"2026-03-01T09:00:3",
        "{\"at\":\"2026-03-01T09:00:32Z\",\"recipient\":\"Hospital La Fe\",\"files\":[\"0.jwe\"]}",
    ];
    std::fs::write(s.root.join(name_of(&link)).join("access.jsonl"), lines.join("\n") + "\n").unwrap();
    let out = s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["share", "log", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let got: Vec<String> = json(&out)["share-log"]["recorded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["recipient"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, ["(not given)", "x", "Hospital La Fe"]);
    // The lines no server wrote are said, by number, never echoed.
    let err = stderr(&out);
    assert!(err.contains("2 line(s) of its access log do not read as an opening (line 2, 4)"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
    assert!(s.env.verify(&s.anna).status.success());
}

/// Attack: the host replaces a long-lived link's `files/` with a link to
/// another directory, so that `hrx share update` writes there. Rule: hrx
/// writes a link's file only into the link's own directories, which it
/// makes 0700 (no other user on the host learns the links' names).
#[test]
fn a_planted_link_takes_no_update_elsewhere() {
    use std::os::unix::fs::PermissionsExt;
    let s = served(Holding::Note, "http");
    let (id, link) = served_share(&s.env, &s.anna, &s.root, &s.url, &["--long-lived"]);
    let dir = s.root.join(name_of(&link));
    for d in [&dir, &dir.join("files")] {
        assert_eq!(std::fs::metadata(d).unwrap().permissions().mode() & 0o777, 0o700, "{}", d.display());
    }
    let elsewhere = s.env.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::rename(dir.join("files"), s.env.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("files")).unwrap();
    let out = s.env.hrx(&s.anna).arg("-C").arg(s.env.record()).args(["share", "update", &id]).output().unwrap();
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(stderr(&out).contains("is not a directory hrx made"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0, "nothing written through the link");
}

/// Attack: a link holder guesses a passcode through two servers on one
/// directory at once (one per address family), each counting for itself.
/// Rule: the count is kept under a lock on its file: over both servers
/// together, no more wrong guesses are answered than the link allows.
#[test]
fn two_servers_on_one_directory_count_one_passcode_limit() {
    let s = served(Holding::Note, "http");
    let link = with_passcode(&s, &["--attempts", "5"]);
    let name = name_of(&link);
    let other = free_port();
    let other_url = format!("http://127.0.0.1:{other}/shl");
    let _a = serve(&s.env, &s.anna, &s.root, s.port, &s.url, None);
    let _b = serve(&s.env, &s.anna, &s.root, other, &other_url, None);
    let answers: Vec<u16> = std::thread::scope(|t| {
        let asks: Vec<_> = (0..24)
            .map(|i| {
                let name = &name;
                t.spawn(move || ask(if i % 2 == 0 { s.port } else { other }, name, &format!("guess {i}")).0)
            })
            .collect();
        asks.into_iter().map(|a| a.join().unwrap()).collect()
    });
    assert_eq!(answers.iter().filter(|c| **c == 401).count(), 5, "{answers:?}");
    assert!(answers.iter().all(|c| *c == 401 || *c == 404), "{answers:?}");
    assert_eq!(ask(s.port, &name, "Valencia 2026").0, 404, "the link is dead");
}

/// Attack: one client opens and holds idle connections to a server that
/// faces the internet with its own certificate, until every slot is taken
/// (slowloris). Rule: over HTTPS one address holds at most 32 connections
/// at once; the rest are closed at once, and other addresses are served.
#[test]
fn one_address_holds_no_more_than_its_share_of_an_https_server() {
    use std::io::Read;
    let s = served(Holding::Note, "https");
    let (ca, cert, key) = test_ca(&s.env);
    let link = make_served(&s.env, &s.anna, &s.root, &s.url, &[]);
    let _server = serve(&s.env, &s.anna, &s.root, s.port, &s.url, Some((&cert, &key)));
    let held: Vec<std::net::TcpStream> =
        (0..32).map(|_| std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap()).collect();
    // The 33rd from 127.0.0.1 is closed without a word ...
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let mut extra = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        extra.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        if matches!(extra.read(&mut [0u8; 16]), Ok(0)) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "a 33rd connection is never closed");
    }
    // ... while one from 127.0.0.2 is taken (held, waiting for its TLS hello).
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    let mut other = rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        sock.connect(format!("127.0.0.1:{}", s.port).parse().unwrap()).await.unwrap().into_std().unwrap()
    });
    other.set_nonblocking(false).unwrap();
    other.set_read_timeout(Some(std::time::Duration::from_secs(2))).unwrap();
    let e = other.read(&mut [0u8; 16]).expect_err("held open, not closed");
    assert!(matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{e}");
    // Once the idle ones go, 127.0.0.1 is served again: a connection is
    // held, not closed, and then the receiver opens the link.
    drop(held);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let mut probe = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        probe.set_read_timeout(Some(std::time::Duration::from_secs(1))).unwrap();
        if probe.read(&mut [0u8; 16]).is_err() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "127.0.0.1 is never served again");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(open_as_receiver_with(&link, &ca, "La Fe", None, None)["status"], 200);
}
