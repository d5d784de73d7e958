//! The test environment: a temporary directory holding every party's hrx
//! home, a pinned clock that ticks one second per command, and an environment
//! scrubbed of the developer's own HOME, git and GnuPG configuration.

#![allow(dead_code)]

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// Where the test's clock starts.
pub const EPOCH: i64 = 1_772_355_600; // 2026-03-01T09:00:00Z

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    now: Cell<i64>,
}

/// One person or organisation with their own hrx home.
#[derive(Clone, Debug)]
pub struct Party {
    pub name: String,
    pub home: PathBuf,
    pub fpr: String,
    pub passphrase_file: Option<PathBuf>,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::Builder::new().prefix("hrx-t").tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        std::fs::create_dir_all(dir.path().join("userhome")).unwrap();
        TestEnv { dir, now: Cell::new(EPOCH) }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The record directory used by most tests.
    pub fn record(&self) -> PathBuf {
        self.path().join("record")
    }

    /// The current test time, RFC 3339.
    pub fn now(&self) -> String {
        chrono::DateTime::from_timestamp(self.now.get(), 0).unwrap().to_rfc3339()
    }

    /// Moves the clock forward.
    pub fn advance(&self, secs: i64) {
        self.now.set(self.now.get() + secs);
    }

    /// A command with a clean environment; the clock ticks one second.
    pub fn bare(&self, program: &str) -> Command {
        let mut c = std::process::Command::new(program);
        self.scrub(&mut c);
        Command::from_std(c)
    }

    fn scrub(&self, c: &mut std::process::Command) {
        self.now.set(self.now.get() + 1);
        // Never the developer's working directory (hrx would take a git
        // repository there for a record).
        c.current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path().join("userhome"))
            .env("TMPDIR", self.path().join("tmp"))
            .env("GIT_CONFIG_GLOBAL", self.path().join("userhome/gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GNUPGHOME", self.path().join("gnupg"))
            .env("LC_ALL", "C")
            .env("HRX_NOW", self.now())
            // git's own commits are dated by the test's clock too (hrx
            // refuses a committer date far from the signature's time).
            .env("GIT_COMMITTER_DATE", format!("@{} +0000", self.now.get()))
            .env("GIT_AUTHOR_DATE", format!("@{} +0000", self.now.get()))
            .env("RUST_BACKTRACE", "0");
    }

    /// `hrx` as `who`, as a plain process (to spawn and kill).
    pub fn hrx_std(&self, who: &Party) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin!("hrx"));
        self.scrub(&mut c);
        c.env("HRX_HOME", &who.home);
        if let Some(p) = &who.passphrase_file {
            c.env("HRX_PASSPHRASE_FILE", p);
        }
        c
    }

    /// `hrx` as `who`.
    pub fn hrx(&self, who: &Party) -> Command {
        Command::from_std(self.hrx_std(who))
    }

    /// `hrx` with no home of anyone's.
    pub fn hrx_nobody(&self) -> Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin!("hrx"));
        self.scrub(&mut c);
        c.env("HRX_HOME", self.path().join("nobody"));
        Command::from_std(c)
    }

    /// A party with a fresh key (no passphrase unless `passphrase` is given).
    pub fn party(&self, name: &str, country: &str, passphrase: Option<&str>) -> Party {
        let home = self.path().join(format!("home-{}", name.replace(' ', "-")));
        let mut p = Party { name: name.into(), home, fpr: String::new(), passphrase_file: None };
        let mut c = self.hrx(&p);
        c.args(["key", "generate", "--name", name, "--country", country, "--json"]);
        match passphrase {
            Some(pw) => {
                let f = self.path().join(format!("{}.pass", name.replace(' ', "-")));
                std::fs::write(&f, format!("{pw}\n")).unwrap();
                c.arg("--passphrase-file").arg(&f);
                p.passphrase_file = Some(f);
            }
            None => {
                c.arg("--no-passphrase");
            }
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "key generate: {}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        p.fpr = v["key"]["fingerprint"].as_str().unwrap().to_string();
        p
    }

    /// Gives `to` the certificate of `from` (as `hrx key export | import`).
    pub fn exchange_cert(&self, from: &Party, to: &Party) {
        let out = self.hrx(from).args(["key", "export", &from.fpr]).output().unwrap();
        assert!(out.status.success());
        let f = self.path().join(format!("{}.asc", from.fpr));
        std::fs::write(&f, &out.stdout).unwrap();
        self.hrx(to).args(["key", "import"]).arg(&f).assert().success();
    }

    /// A record for `patient` in `record()`.
    pub fn init(&self, patient: &Party) -> PathBuf {
        let r = self.record();
        self.hrx(patient).arg("init").arg(&r).assert().success();
        r
    }

    /// Adds a note as `who`; returns the entry id.
    pub fn note(&self, who: &Party, text: &str) -> String {
        let out = self.hrx(who).arg("-C").arg(self.record()).args(["add", "note", "--text", text]).output().unwrap();
        assert!(out.status.success(), "add note: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Grants `who` rights on categories; returns the grant id.
    pub fn grant(&self, patient: &Party, who: &Party, categories: &str, rights: &str, extra: &[&str]) -> String {
        self.exchange_cert(who, patient);
        let out = self
            .hrx(patient)
            .arg("-C")
            .arg(self.record())
            .args(["grant", &who.fpr, "--categories", categories, "--rights", rights])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "grant: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// `hrx verify --json` as `who`, returning the process output.
    pub fn verify(&self, who: &Party) -> Output {
        self.hrx(who).arg("-C").arg(self.record()).args(["verify"]).output().unwrap()
    }

    /// A git command in the record, with the test's environment.
    pub fn git(&self, args: &[&str]) -> Output {
        let out = self.bare("git").arg("-C").arg(self.record()).args(args).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// Every file under `dir`, recursively.
    pub fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = vec![];
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }

    /// A snapshot of every file's bytes under `dir`, to prove nothing changed.
    /// The readers' caches (`.git/hrx/read`: what a reader already opened,
    /// sealed to it) are left out: any command that reads entries may keep
    /// them there, a refused one too.
    pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        Self::files_under(dir)
            .into_iter()
            .filter(|p| !p.to_string_lossy().contains("/.git/hrx/read/"))
            .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
            .collect()
    }
}

/// stdout as a string.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// stderr as a string.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Parses stdout as JSON and checks the version field.
pub fn json(o: &Output) -> Value {
    assert!(o.status.success(), "command failed: {}", stderr(o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)));
    assert_eq!(v["version"], 1, "every --json document carries version 1");
    v
}

/// GnuPG in the test's own GNUPGHOME, for attacks made with stock git + gpg
/// and for interoperability checks.
pub struct Gpg<'a> {
    pub env: &'a TestEnv,
}

impl<'a> Gpg<'a> {
    pub fn new(env: &'a TestEnv) -> Gpg<'a> {
        let home = env.path().join("gnupg");
        std::fs::create_dir_all(&home).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        Gpg { env }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let epoch = chrono::DateTime::parse_from_rfc3339(&self.env.now()).unwrap().timestamp();
        self.env
            .bare("gpg")
            .args(["--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""])
            .arg(format!("--faked-system-time={epoch}!"))
            .args(args)
            .output()
            .unwrap()
    }

    /// Imports a party's secret key (exported by hrx) into GnuPG.
    pub fn import_secret(&self, who: &Party) {
        let out = self.env.hrx(who).args(["key", "export", "--secret", &who.fpr]).output().unwrap();
        assert!(out.status.success());
        let f = self.env.path().join(format!("{}.sec.asc", who.fpr));
        std::fs::write(&f, &out.stdout).unwrap();
        let o = self.run(&["--import", f.to_str().unwrap()]);
        assert!(o.status.success(), "gpg import: {}", stderr(&o));
    }

    /// Commits the work tree's staged changes with a GnuPG signature by
    /// `fpr`, made at the test clock's time (gpg's --faked-system-time).
    pub fn commit_signed(&self, fpr: &str, message: &str) {
        self.commit_signed_in(&self.env.record(), fpr, message)
    }

    /// The same, in another work tree.
    pub fn commit_signed_in(&self, dir: &Path, fpr: &str, message: &str) {
        let key = format!("user.signingkey={fpr}");
        let wrapper = self.env.path().join("gpg-at-test-time");
        std::fs::write(&wrapper, "#!/bin/sh\nexec gpg --faked-system-time \"$HRX_TEST_EPOCH!\" \"$@\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let program = format!("gpg.program={}", wrapper.display());
        let mut cmd = self.env.bare("git");
        let epoch = chrono::DateTime::parse_from_rfc3339(&self.env.now()).unwrap().timestamp();
        let out = cmd
            .env("HRX_TEST_EPOCH", epoch.to_string())
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=Someone", "-c", "user.email=someone@example.org", "-c", &key, "-c", &program])
            .args(["commit", "-q", "-S", "-m", message])
            .output()
            .unwrap();
        assert!(out.status.success(), "git commit -S: {}", stderr(&out));
    }
}

impl Drop for Gpg<'_> {
    fn drop(&mut self) {
        let _ = self.env.bare("gpgconf").args(["--kill", "all"]).output();
    }
}

/// Library access for attacks that stock tools cannot make (a commit
/// signed by a key with crafted content).
pub mod forge {
    use hrx::crypto::{Keystore, NoPassphrase, Unlocked};

    use super::Party;

    pub fn unlock(p: &Party) -> Unlocked {
        Keystore::open(&p.home).unlock(&p.fpr, &mut NoPassphrase).expect("unlock")
    }

    pub fn cert(p: &Party) -> sequoia_openpgp::Cert {
        Keystore::open(&p.home).cert(&p.fpr).unwrap()
    }
}

/// A real `git daemon` on 127.0.0.1 serving (and accepting pushes to) the
/// bare repositories under `base`. Stopped when dropped.
pub struct Daemon {
    child: std::process::Child,
    pub port: u16,
    pub base: PathBuf,
}

impl Daemon {
    pub fn start(env: &TestEnv) -> Daemon {
        let base = env.path().join("served");
        std::fs::create_dir_all(&base).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut c = std::process::Command::new("git");
        // Never the developer's working directory (hrx would take a git
        // repository there for a record).
        c.current_dir(env.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", env.path().join("userhome"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", env.path().join("userhome/gitconfig"))
            .args(["daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", "--listen=127.0.0.1"])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg(&base)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut c, 0);
        let child = c.spawn().expect("git daemon");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "git daemon did not start");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Daemon { child, port, base }
    }

    /// A new, empty bare repository served as `name`; returns its git:// URL.
    pub fn bare(&self, env: &TestEnv, name: &str) -> String {
        let out =
            env.bare("git").args(["init", "-q", "--bare", "-b", "main"]).arg(self.base.join(name)).output().unwrap();
        assert!(out.status.success());
        format!("git://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // `git daemon` runs git-daemon as a child of its own: the whole
        // process group goes, or every test run leaves daemons behind.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real terminal: tmux runs a command, sends it keys and reads its
/// screen with capture-pane.
pub struct Tmux<'a> {
    pub env: &'a TestEnv,
    pub socket: std::path::PathBuf,
}

impl Tmux<'_> {
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.env.bare("tmux").env("TERM", "xterm-256color").arg("-S").arg(&self.socket).args(args).output().unwrap()
    }

    pub fn screen(&self) -> String {
        stdout(&self.run(&["capture-pane", "-p", "-t", "hrx"]))
    }

    /// Waits until the screen shows `text`.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_all(&[text])
    }

    /// Waits until the screen shows every one of `texts` at once: the exact
    /// state a test then asserts (entries are opened in the background, so
    /// a header can show before its rows are filled in).
    pub fn wait_for_all(&self, texts: &[&str]) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let s = self.screen();
            if texts.iter().all(|t| s.contains(t)) {
                return s;
            }
            assert!(std::time::Instant::now() < deadline, "the screen never showed all of {texts:?}:\n{s}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "hrx"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }
}

impl Drop for Tmux<'_> {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// Runs `program args` and asserts it succeeded.
fn must(program: &str, args: &[&std::ffi::OsStr]) {
    let out = std::process::Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The name of the user running the tests.
fn user_name() -> String {
    // SAFETY: getpwuid returns a pointer into static storage, read at once
    // and on this thread only.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        assert!(!pw.is_null(), "no passwd entry for this user");
        std::ffi::CStr::from_ptr((*pw).pw_name).to_string_lossy().into_owned()
    }
}

/// A real OpenSSH server on 127.0.0.1 with its own host key and config,
/// letting the test's user in with one key only; git runs on its side as
/// over any ssh server. The client side (the test's `HOME`) knows the
/// host key and holds the user key at `~/.ssh/id_ed25519`. Stopped when
/// dropped.
pub struct Sshd {
    child: std::process::Child,
    pub port: u16,
    /// Where the served repositories are.
    pub base: PathBuf,
    /// The user key (private), also in the client's `~/.ssh`.
    pub key: PathBuf,
    pub user: String,
    dir: PathBuf,
}

impl Sshd {
    pub fn start(env: &TestEnv) -> Sshd {
        let dir = env.path().join("sshd");
        let base = env.path().join("served-ssh");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(&base).unwrap();
        let host = dir.join("host_ed25519");
        must(
            "ssh-keygen",
            &["-q", "-t", "ed25519", "-N", "", "-f"]
                .map(std::ffi::OsStr::new)
                .iter()
                .copied()
                .chain([host.as_os_str()])
                .collect::<Vec<_>>(),
        );
        let ssh = env.path().join("userhome/.ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        let key = ssh.join("id_ed25519");
        must(
            "ssh-keygen",
            &["-q", "-t", "ed25519", "-N", "", "-C", "hrx-test", "-f"]
                .map(std::ffi::OsStr::new)
                .iter()
                .copied()
                .chain([key.as_os_str()])
                .collect::<Vec<_>>(),
        );
        std::fs::copy(key.with_extension("pub"), dir.join("authorized_keys")).unwrap();
        // As root, sshd wants its privilege-separation directory.
        if unsafe { libc::getuid() } == 0 {
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let user = user_name();
        let config = dir.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nPidFile {dir}/sshd.pid\nAuthorizedKeysFile {dir}/authorized_keys\n\
                 StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
                 PermitRootLogin prohibit-password\nAllowUsers {user}\nMaxStartups 50\nPrintMotd no\n\
                 SetEnv GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL={home}/gitconfig\n",
                host = host.display(),
                dir = dir.display(),
                home = env.path().join("userhome").display(),
            ),
        )
        .unwrap();
        let pub_host = std::fs::read_to_string(host.with_extension("pub")).unwrap();
        let known = pub_host.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        std::fs::write(ssh.join("known_hosts"), format!("[127.0.0.1]:{port} {known}\n")).unwrap();
        let log = std::fs::File::create(dir.join("sshd.log")).unwrap();
        let mut c = std::process::Command::new("/usr/sbin/sshd");
        c.args(["-D", "-e", "-f"]).arg(&config).stdout(std::process::Stdio::null()).stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut c, 0);
        let child = c.spawn().expect("sshd (openssh-server; .ci/setup installs it)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "sshd did not start: {}",
                std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Sshd { child, port, base, key, user, dir }
    }

    /// A new, empty bare repository served as `name`; returns its ssh:// URL.
    pub fn bare(&self, env: &TestEnv, name: &str) -> String {
        let out =
            env.bare("git").args(["init", "-q", "--bare", "-b", "main"]).arg(self.base.join(name)).output().unwrap();
        assert!(out.status.success());
        self.url(name)
    }

    pub fn url(&self, name: &str) -> String {
        format!("ssh://{}@127.0.0.1:{}{}", self.user, self.port, self.base.join(name).display())
    }

    /// Replaces the keys sshd takes (and what each runs) with `lines`, in
    /// `authorized_keys` form.
    pub fn authorize(&self, lines: &str) {
        std::fs::write(self.dir.join("authorized_keys"), lines).unwrap();
    }

    /// What sshd logged, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }

    /// `GIT_SSH_COMMAND` for plain git as the test's user.
    pub fn git_ssh_command(&self, env: &TestEnv) -> String {
        format!(
            "ssh -i {} -o UserKnownHostsFile={} -o IdentitiesOnly=yes -o BatchMode=yes",
            self.key.display(),
            env.path().join("userhome/.ssh/known_hosts").display()
        )
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real HTTPS git server on 127.0.0.1: nginx (TLS with a certificate
/// from a test CA, basic auth for one user) in front of `git
/// http-backend` through fcgiwrap, each with its own config. The client
/// side (the test's git config) trusts the CA through `http.sslCAInfo`
/// and finds the password through git's `store` credential helper.
/// Stopped when dropped.
pub struct Https {
    nginx: std::process::Child,
    fcgi: std::process::Child,
    pub port: u16,
    /// Where the served repositories are.
    pub base: PathBuf,
    /// The test CA's certificate.
    pub ca: PathBuf,
    /// Where git's credential store keeps the password.
    pub credentials: PathBuf,
    dir: PathBuf,
}

pub const HTTPS_USER: &str = "anna";
pub const HTTPS_PASSWORD: &str = "correct horse battery";

/// A test CA (`DIR/ca.crt`) and a certificate it issued for 127.0.0.1
/// (`DIR/server.crt`, key `DIR/server.key`), made with openssl.
fn make_ca(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    let mut a = vec!["req", "-x509", "-days", "30", "-subj", "/CN=hrx test CA", "-keyout", "ca.key", "-out", "ca.crt"];
    a.extend(ec);
    openssl(dir, &a);
    let mut a = vec!["req", "-new", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"];
    a.extend(ec);
    openssl(dir, &a);
    std::fs::write(dir.join("ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-days",
            "30",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-extfile",
            "ext",
            "-out",
            "server.crt",
        ],
    );
}

/// [`make_ca`] in its own directory: (CA, certificate, key).
pub fn test_ca(env: &TestEnv) -> (PathBuf, PathBuf, PathBuf) {
    let dir = env.path().join("tls");
    std::fs::create_dir_all(&dir).unwrap();
    make_ca(&dir);
    (dir.join("ca.crt"), dir.join("server.crt"), dir.join("server.key"))
}

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new("openssl").current_dir(dir).args(args).output().expect("openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

impl Https {
    pub fn start(env: &TestEnv) -> Https {
        let dir = env.path().join("https");
        let base = env.path().join("served-https");
        for d in ["", "tmp"] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        std::fs::create_dir_all(&base).unwrap();
        make_ca(&dir);
        let hash = String::from_utf8(openssl(&dir, &["passwd", "-apr1", HTTPS_PASSWORD])).unwrap();
        std::fs::write(dir.join("htpasswd"), format!("{HTTPS_USER}:{}\n", hash.trim())).unwrap();
        let sock = dir.join("fcgi.sock");
        let mut f = std::process::Command::new("fcgiwrap");
        f.arg("-s").arg(format!("unix:{}", sock.display())).stdout(std::process::Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut f, 0);
        let fcgi = f.spawn().expect("fcgiwrap (.ci/setup installs it)");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let home = env.path().join("userhome");
        let root = unsafe { libc::getuid() } == 0;
        let d = dir.display();
        let conf = format!(
            "{user}worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 64; }}\n\
             http {{\n access_log {d}/access.log;\n client_body_temp_path {d}/tmp/body;\n proxy_temp_path {d}/tmp/proxy;\n\
             fastcgi_temp_path {d}/tmp/fcgi;\n uwsgi_temp_path {d}/tmp/uwsgi;\n scgi_temp_path {d}/tmp/scgi;\n client_max_body_size 0;\n\
             server {{\n  listen 127.0.0.1:{port} ssl;\n  ssl_certificate {d}/server.crt;\n  ssl_certificate_key {d}/server.key;\n\
               location /shl/ {{ alias {base}/shl/; default_type application/jose; }}\n\
               location /moved/ {{ rewrite ^/moved/(.*)$ https://127.0.0.1:{port}/git/$1 permanent; }}\n\
               location /plain/ {{ rewrite ^/plain/(.*)$ http://127.0.0.1:{port}/git/$1 permanent; }}\n\
               location ~ ^/git(/.*)$ {{\n   auth_basic \"hrx test\";\n   auth_basic_user_file {d}/htpasswd;\n\
                fastcgi_pass unix:{sock};\n   fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;\n\
                fastcgi_param PATH_INFO $1;\n   fastcgi_param QUERY_STRING $query_string;\n   fastcgi_param REQUEST_METHOD $request_method;\n\
                fastcgi_param CONTENT_TYPE $content_type;\n   fastcgi_param CONTENT_LENGTH $content_length;\n\
                fastcgi_param REMOTE_USER $remote_user;\n   fastcgi_param GIT_PROJECT_ROOT {base};\n   fastcgi_param GIT_HTTP_EXPORT_ALL \"\";\n\
                fastcgi_param GIT_CONFIG_NOSYSTEM 1;\n   fastcgi_param GIT_CONFIG_GLOBAL {home}/gitconfig;\n   fastcgi_param HOME {home};\n\
                fastcgi_param PATH /usr/bin:/bin;\n  }}\n }}\n}}\n",
            user = if root { "user root;\n" } else { "" },
            sock = sock.display(),
            base = base.display(),
            home = home.display(),
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let mut n = std::process::Command::new("nginx");
        n.arg("-p").arg(&dir).arg("-c").arg(dir.join("nginx.conf")).arg("-e").arg(dir.join("error.log"));
        n.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut n, 0);
        let nginx = n.spawn().expect("nginx (.ci/setup installs it)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() || !sock.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "nginx or fcgiwrap did not start: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // The client: trusts the test CA, and has the password in git's
        // credential store.
        let credentials = home.join("git-credentials");
        std::fs::write(
            &credentials,
            format!("https://{HTTPS_USER}:{}@127.0.0.1:{port}\n", HTTPS_PASSWORD.replace(' ', "%20")),
        )
        .unwrap();
        let gitconfig = home.join("gitconfig");
        let mut cfg = std::fs::read_to_string(&gitconfig).unwrap_or_default();
        cfg.push_str(&format!(
            "[http]\n\tsslCAInfo = {}\n[credential]\n\thelper = store --file {}\n",
            dir.join("ca.crt").display(),
            credentials.display()
        ));
        std::fs::write(&gitconfig, cfg).unwrap();
        Https { nginx, fcgi, port, base, ca: dir.join("ca.crt"), credentials, dir }
    }

    /// A new, empty bare repository served as `name`; returns its https:// URL.
    pub fn bare(&self, env: &TestEnv, name: &str) -> String {
        let out =
            env.bare("git").args(["init", "-q", "--bare", "-b", "main"]).arg(self.base.join(name)).output().unwrap();
        assert!(out.status.success());
        self.url(name)
    }

    pub fn url(&self, name: &str) -> String {
        format!("https://{HTTPS_USER}@127.0.0.1:{}/git/{name}", self.port)
    }

    /// What nginx logged, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    /// The requests nginx served (its access log).
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("access.log")).unwrap_or_default()
    }

    /// The directory served as static files at `https://127.0.0.1:PORT/shl/`
    /// (made if need be), and that address.
    pub fn static_dir(&self) -> (PathBuf, String) {
        let d = self.base.join("shl");
        std::fs::create_dir_all(&d).unwrap();
        (d, format!("https://127.0.0.1:{}/shl/", self.port))
    }
}

impl Drop for Https {
    fn drop(&mut self) {
        for c in [&mut self.nginx, &mut self.fcgi] {
            unsafe { libc::kill(-(c.id() as i32), libc::SIGKILL) };
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A TCP relay to 127.0.0.1:`to` that passes each connection's first
/// `limit` bytes from the server and then drops it: a server that goes
/// away mid-pack. Runs until the test ends.
pub fn dropping_relay(to: u16, limit: usize) -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            std::thread::spawn(move || {
                let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", to)) else { return };
                let (mut c2, mut s2) = (c.try_clone().unwrap(), s.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut s2);
                });
                let mut sent = 0;
                let mut buf = [0u8; 4096];
                let mut s = s;
                let mut c = c;
                while sent < limit {
                    match std::io::Read::read(&mut s, &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let n = n.min(limit - sent);
                            if std::io::Write::write_all(&mut c, &buf[..n]).is_err() {
                                break;
                            }
                            sent += n;
                        }
                    }
                }
                let _ = c.shutdown(std::net::Shutdown::Both);
                let _ = s.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    port
}
