//! Real git servers, started by the tests on 127.0.0.1 with their own
//! config: OpenSSH's sshd (a key file, an ssh agent, an unknown host key,
//! a key the server does not take; gitolite3 behind it), with hrx's hub
//! hook on the server.

use std::path::{Path, PathBuf};

use crate::common::*;

fn run(env: &TestEnv, who: &Party, dir: &Path, args: &[&str]) -> std::process::Output {
    env.hrx(who).arg("-C").arg(dir).args(args).output().unwrap()
}

fn ok(env: &TestEnv, who: &Party, dir: &Path, args: &[&str]) -> String {
    let out = run(env, who, dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn rev(env: &TestEnv, dir: &Path) -> String {
    let out = env.bare("git").arg("-C").arg(dir).args(["rev-parse", "main"]).output().unwrap();
    stdout(&out).trim().to_string()
}

/// Anna's record, with a hub at `url` (served from `served`) guarded by
/// hrx's hook on the server.
fn anna_with_guarded_hub(env: &TestEnv, url: String, served: PathBuf) -> (Party, PathBuf, String, PathBuf) {
    let anna = env.party("Anna Weber", "DE", None);
    let out =
        env.hrx_nobody().arg("-C").arg(&served).args(["hook", "install", "--patient", &anna.fpr]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let laptop = env.record();
    env.hrx(&anna).arg("init").arg(&laptop).assert().success();
    ok(env, &anna, &laptop, &["add", "note", "--text", "from Berlin"]);
    ok(env, &anna, &laptop, &["remote", "add", "hub", &url]);
    (anna, laptop, url, served)
}

fn anna_over_ssh(env: &TestEnv, sshd: &Sshd) -> (Party, PathBuf, String, PathBuf) {
    anna_with_guarded_hub(env, sshd.bare(env, "anna.git"), sshd.base.join("anna.git"))
}

/// Plain git, over `sshd` as the test's user, clones `url`, commits an
/// unsigned file and pushes it: the hub's hook refuses it, with hrx's
/// reason after `remote:`.
fn plain_git_push_meets_the_hook(env: &TestEnv, sshd: &Sshd, url: &str) {
    let t = env.path().join("mallory");
    let git = |dir: &Path, args: &[&str]| {
        env.bare("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=M", "-c", "user.email=m@example.org"])
            .args(args)
            .env("GIT_SSH_COMMAND", sshd.git_ssh_command(env))
            .output()
            .unwrap()
    };
    let out = git(env.path(), &["clone", "-q", url, "mallory"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(t.join("junk"), "x").unwrap();
    assert!(git(&t, &["add", "junk"]).status.success());
    assert!(git(&t, &["commit", "-q", "-m", "junk"]).status.success());
    let out = git(&t, &["push", "origin", "main"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("remote: hrx: error:"), "{}", stderr(&out));
}

#[test]
fn clone_sync_and_push_over_ssh_with_a_key_file() {
    let env = TestEnv::new();
    let sshd = Sshd::start(&env);
    let (anna, laptop, url, served) = anna_over_ssh(&env, &sshd);
    let out = run(&env, &anna, &laptop, &["sync", "--json"]);
    assert!(out.status.success(), "{}\nsshd: {}", stderr(&out), sshd.log());
    assert_eq!(json(&out)["sync"][0]["pushed"], true);
    assert_eq!(rev(&env, &served), rev(&env, &laptop), "pushed through sshd and the hook");
    // A provider in Valencia clones over ssh and writes back.
    let ruiz = env.party("Dr Ruiz", "ES", None);
    env.exchange_cert(&ruiz, &anna);
    ok(&env, &anna, &laptop, &["grant", &ruiz.fpr, "--categories", "general", "--rights", "read,write"]);
    ok(&env, &anna, &laptop, &["sync"]);
    let copy = env.path().join("valencia");
    let out = env.hrx(&ruiz).args(["clone", &url]).arg(&copy).args(["--trust-root", &anna.fpr]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    ok(&env, &ruiz, &copy, &["add", "note", "--text", "seen in Valencia"]);
    ok(&env, &ruiz, &copy, &["sync"]);
    let v = json(&run(&env, &anna, &laptop, &["sync", "--json"]));
    assert_eq!(v["sync"][0]["outcome"], "fast-forward", "{v}");
    assert_eq!(rev(&env, &laptop), rev(&env, &copy));
    // Plain git over the same ssh server meets the hook too.
    plain_git_push_meets_the_hook(&env, &sshd, &url);
    assert_eq!(rev(&env, &served), rev(&env, &laptop), "the hub did not move");
}

/// A hub on gitolite3, as a hospital's IT runs one: one repository per
/// patient, a key per provider, gitolite's shell behind sshd (here with
/// its own HOME), hrx's hook in the patient's repository. The patient
/// syncs through it, a provider with its own key clones and writes back,
/// a key gitolite does not know is refused and leaves nothing, and plain
/// git pushing an unsigned commit through gitolite meets hrx's hook.
#[test]
fn a_gitolite_hub_with_a_key_per_provider() {
    let env = TestEnv::new();
    let sshd = Sshd::start(&env);
    let g = env.path().join("gitolite");
    std::fs::create_dir_all(&g).unwrap();
    let gitolite = |args: &[&str]| {
        let out = env.bare("gitolite").args(args).env("HOME", &g).output().expect("gitolite3 (.ci/setup installs it)");
        assert!(out.status.success(), "gitolite {args:?}: {}", stderr(&out));
    };
    let admin = env.path().join("admin.pub");
    std::fs::copy(sshd.key.with_extension("pub"), &admin).unwrap();
    gitolite(&["setup", "-pk", admin.to_str().unwrap()]);
    let keygen = |name: &str| {
        let k = env.path().join(name);
        let out =
            env.bare("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"]).arg(&k).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        k
    };
    let (klein_key, stranger_key) = (keygen("klein"), keygen("stranger"));
    std::fs::copy(klein_key.with_extension("pub"), g.join(".gitolite/keydir/klein.pub")).unwrap();
    std::fs::write(
        g.join(".gitolite/conf/gitolite.conf"),
        "repo gitolite-admin\n    RW+ = admin\nrepo anna\n    RW = admin klein\n",
    )
    .unwrap();
    gitolite(&["compile"]);
    gitolite(&["trigger", "POST_COMPILE"]);
    let keys = std::fs::read_to_string(g.join(".ssh/authorized_keys")).unwrap();
    assert!(keys.contains("gitolite-shell klein"), "{keys}");
    sshd.authorize(&keys.replace("command=\"", &format!("command=\"env HOME={} ", g.display())));
    let url = format!("ssh://{}@127.0.0.1:{}/anna", sshd.user, sshd.port);
    let (anna, laptop, url, served) = anna_with_guarded_hub(&env, url, g.join("repositories/anna.git"));
    let out = run(&env, &anna, &laptop, &["sync", "--json"]);
    assert!(out.status.success(), "{}\nsshd: {}", stderr(&out), sshd.log());
    assert_eq!(json(&out)["sync"][0]["pushed"], true);
    assert_eq!(rev(&env, &served), rev(&env, &laptop), "pushed through gitolite and the hook");
    // The GP, with its own key.
    let klein = env.party("Dr Klein", "DE", None);
    env.exchange_cert(&klein, &anna);
    ok(&env, &anna, &laptop, &["grant", &klein.fpr, "--categories", "general", "--rights", "read,write"]);
    ok(&env, &anna, &laptop, &["sync"]);
    let copy = env.path().join("berlin");
    let as_klein = |key: &Path| {
        let mut c = env.hrx(&klein);
        c.env("HRX_SSH_KEY", key);
        c
    };
    let out = as_klein(&klein_key).args(["clone", &url]).arg(&copy).args(["--trust-root", &anna.fpr]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = as_klein(&klein_key)
        .arg("-C")
        .arg(&copy)
        .args(["add", "note", "--text", "blood pressure fine"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = as_klein(&klein_key).arg("-C").arg(&copy).args(["sync"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&run(&env, &anna, &laptop, &["sync", "--json"]));
    assert_eq!(v["sync"][0]["outcome"], "fast-forward", "{v}");
    // A key gitolite does not know.
    let nowhere = env.path().join("nowhere");
    let out =
        as_klein(&stranger_key).args(["clone", &url]).arg(&nowhere).args(["--trust-root", &anna.fpr]).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("the ssh server took no key hrx offered"), "{}", stderr(&out));
    assert!(!nowhere.exists(), "nothing left behind");
    // Plain git through gitolite meets the hook.
    plain_git_push_meets_the_hook(&env, &sshd, &url);
    assert_eq!(rev(&env, &served), rev(&env, &laptop), "the hub did not move");
    // Every access went through gitolite, as the user each key names.
    let logs: String = TestEnv::files_under(&g.join(".gitolite/logs"))
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap_or_default())
        .collect();
    for said in ["\tklein\t", "\tadmin\t", "git-receive-pack '/anna'"] {
        assert!(logs.contains(said), "gitolite's log: {said:?} in {logs}");
    }
}

#[test]
fn over_ssh_an_agent_holds_the_key() {
    let env = TestEnv::new();
    let sshd = Sshd::start(&env);
    let (anna, laptop, _, served) = anna_over_ssh(&env, &sshd);
    // The key lives only in an agent now.
    let sock = env.path().join("agent.sock");
    let mut agent = std::process::Command::new("ssh-agent")
        .args(["-D", "-a"])
        .arg(&sock)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("ssh-agent");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !sock.exists() {
        assert!(std::time::Instant::now() < deadline, "ssh-agent did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let added = std::process::Command::new("ssh-add").arg(&sshd.key).env("SSH_AUTH_SOCK", &sock).output().unwrap();
    assert!(added.status.success(), "{}", stderr(&added));
    let hidden = env.path().join("key-elsewhere");
    std::fs::rename(&sshd.key, &hidden).unwrap();
    let out =
        env.hrx(&anna).arg("-C").arg(&laptop).args(["sync", "--json"]).env("SSH_AUTH_SOCK", &sock).output().unwrap();
    let _ = agent.kill();
    let _ = agent.wait();
    assert!(out.status.success(), "{}\nsshd: {}", stderr(&out), sshd.log());
    assert_eq!(rev(&env, &served), rev(&env, &laptop));
    // Neither an agent nor a key: said plainly, nothing changed.
    ok(&env, &anna, &laptop, &["add", "note", "--text", "later"]);
    let before = rev(&env, &laptop);
    let out = run(&env, &anna, &laptop, &["sync"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("HRX_SSH_KEY"), "says how to give a key: {}", stderr(&out));
    assert_eq!(rev(&env, &laptop), before);
    // A key file named with HRX_SSH_KEY.
    let out = env.hrx(&anna).arg("-C").arg(&laptop).arg("sync").env("HRX_SSH_KEY", &hidden).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(rev(&env, &served), rev(&env, &laptop));
}

#[test]
fn over_ssh_an_unknown_host_key_and_a_refused_key_are_said_and_change_nothing() {
    let env = TestEnv::new();
    let sshd = Sshd::start(&env);
    let (anna, laptop, _, served) = anna_over_ssh(&env, &sshd);
    let before = rev(&env, &laptop);
    let known = env.path().join("userhome/.ssh/known_hosts");
    let kept = std::fs::read(&known).unwrap();
    // A server whose host key this machine does not know (a man in the middle, say).
    std::fs::write(&known, "").unwrap();
    let out = run(&env, &anna, &laptop, &["sync"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("known_hosts"), "{}", stderr(&out));
    assert_eq!(rev(&env, &laptop), before);
    let hub_main =
        env.bare("git").arg("-C").arg(&served).args(["rev-parse", "--verify", "-q", "main"]).output().unwrap();
    assert!(!hub_main.status.success(), "nothing reached the hub");
    std::fs::write(&known, kept).unwrap();
    // A key the server does not take.
    let other = env.path().join("other_key");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .output()
        .unwrap();
    assert!(made.status.success());
    let out = env.hrx(&anna).arg("-C").arg(&laptop).arg("sync").env("HRX_SSH_KEY", &other).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("took no key"), "{}", stderr(&out));
    assert_eq!(rev(&env, &laptop), before);
}

fn anna_over_https(env: &TestEnv, https: &Https) -> (Party, PathBuf, String, PathBuf) {
    anna_with_guarded_hub(env, https.bare(env, "anna.git"), https.base.join("anna.git"))
}

#[test]
fn clone_sync_and_push_over_https_with_a_credential_helper_and_a_test_ca() {
    let env = TestEnv::new();
    let https = Https::start(&env);
    let (anna, laptop, url, served) = anna_over_https(&env, &https);
    let out = run(&env, &anna, &laptop, &["sync", "--json"]);
    assert!(out.status.success(), "{}\nnginx: {}", stderr(&out), https.log());
    assert_eq!(json(&out)["sync"][0]["pushed"], true);
    assert_eq!(rev(&env, &served), rev(&env, &laptop), "pushed through nginx, http-backend and the hook");
    let ruiz = env.party("Dr Ruiz", "ES", None);
    env.exchange_cert(&ruiz, &anna);
    ok(&env, &anna, &laptop, &["grant", &ruiz.fpr, "--categories", "general", "--rights", "read,write"]);
    ok(&env, &anna, &laptop, &["sync"]);
    let copy = env.path().join("valencia");
    let out = env.hrx(&ruiz).args(["clone", &url]).arg(&copy).args(["--trust-root", &anna.fpr]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    ok(&env, &ruiz, &copy, &["add", "note", "--text", "seen in Valencia"]);
    ok(&env, &ruiz, &copy, &["sync"]);
    let v = json(&run(&env, &anna, &laptop, &["sync", "--json"]));
    assert_eq!(v["sync"][0]["outcome"], "fast-forward", "{v}");
    // Plain git over HTTPS meets the hook too.
    let git = |dir: &Path, args: &[&str]| {
        env.bare("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=M", "-c", "user.email=m@example.org"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = git(env.path(), &["clone", "-q", &url, "mallory"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let t = env.path().join("mallory");
    std::fs::write(t.join("junk"), "x").unwrap();
    assert!(git(&t, &["add", "junk"]).status.success());
    assert!(git(&t, &["commit", "-q", "-m", "junk"]).status.success());
    let out = git(&t, &["push", "origin", "main"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("remote: hrx: error:"), "{}", stderr(&out));
    assert_eq!(rev(&env, &served), rev(&env, &laptop), "the hub did not move");
}

#[test]
fn over_https_bad_credentials_an_unknown_ca_redirects_and_a_dropped_connection_change_nothing() {
    let env = TestEnv::new();
    let https = Https::start(&env);
    let (anna, laptop, url, served) = anna_over_https(&env, &https);
    ok(&env, &anna, &laptop, &["sync"]);
    let ruiz = env.party("Dr Ruiz", "ES", None);
    let copy = env.path().join("valencia");
    let out = env.hrx(&ruiz).args(["clone", &url]).arg(&copy).args(["--trust-root", &anna.fpr]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // New since the clone, and enough that its pack spans many TLS records.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let noise: String = (0..12_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("{:08x}", x as u32)
        })
        .collect();
    ok(&env, &anna, &laptop, &["add", "note", "--text", &noise]);
    ok(&env, &anna, &laptop, &["sync"]);
    let before = rev(&env, &copy);
    let packs = || TestEnv::files_under(&copy.join(".git/objects/pack"));
    let packs_before = packs();
    let unchanged = |what: &str, out: &std::process::Output, says: &str| {
        assert_eq!(packs(), packs_before, "{what}: no pack (or half of one) is left");
        assert!(!out.status.success(), "{what}: went through");
        assert!(stderr(out).contains(says), "{what}: says {says:?}: {}", stderr(out));
        assert_eq!(rev(&env, &copy), before, "{what}: the local record is unchanged");
        let refs = env.bare("git").arg("-C").arg(&copy).args(["for-each-ref", "refs/hrx/incoming"]).output().unwrap();
        assert_eq!(stdout(&refs), "", "{what}: nothing left waiting");
    };
    // Wrong password in the credential store.
    let right = std::fs::read_to_string(&https.credentials).unwrap();
    std::fs::write(&https.credentials, right.replace("battery", "staple")).unwrap();
    let out = run(&env, &ruiz, &copy, &["sync"]);
    unchanged("wrong password", &out, "credential");
    std::fs::write(&https.credentials, &right).unwrap();
    // A CA this machine does not trust.
    let gitconfig = env.path().join("userhome/gitconfig");
    let cfg = std::fs::read_to_string(&gitconfig).unwrap();
    std::fs::write(&gitconfig, cfg.replace("sslCAInfo", "sslCAInfoNot")).unwrap();
    let out = run(&env, &ruiz, &copy, &["sync"]);
    unchanged("unknown CA", &out, "authority");
    std::fs::write(&gitconfig, &cfg).unwrap();
    // A redirect to plain HTTP is not followed.
    let set = |u: &str| ok(&env, &ruiz, &copy, &["remote", "set-url", "origin", u]);
    set(&format!("https://{HTTPS_USER}@127.0.0.1:{}/plain/anna.git", https.port));
    let out = run(&env, &ruiz, &copy, &["sync"]);
    unchanged("redirect to http", &out, "fetching from");
    // A server that drops the connection mid-pack.
    let relay = dropping_relay(https.port, 12_000);
    set(&format!("https://{HTTPS_USER}@127.0.0.1:{relay}/git/anna.git"));
    let out = run(&env, &ruiz, &copy, &["sync"]);
    unchanged("dropped mid-pack", &out, "fetching from");
    // A redirect within the server is followed, and the sync completes.
    set(&format!("https://{HTTPS_USER}@127.0.0.1:{}/moved/anna.git", https.port));
    let out = run(&env, &ruiz, &copy, &["sync"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(rev(&env, &copy), rev(&env, &served));
}
