//! The committed man pages and completions are what the CLI generates, and
//! the README's commands exist.

use crate::common::*;

#[test]
fn man_pages_and_completions_match_the_cli() {
    let env = TestEnv::new();
    let out = env.path().join("gen");
    env.hrx_nobody().args(["generate-docs", "--out"]).arg(&out).assert().success();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for dir in ["man", "completions"] {
        let generated = TestEnv::files_under(&out.join(dir));
        assert!(!generated.is_empty());
        for g in generated {
            let name = g.strip_prefix(&out).unwrap();
            let committed = std::fs::read(repo.join(name)).unwrap_or_default();
            assert!(
                committed == std::fs::read(&g).unwrap(),
                "{} is stale: run `cargo run -- generate-docs --out .` and commit",
                name.display()
            );
            checked += 1;
        }
    }
    // One page per subcommand, the top page, and the hand-written format page.
    for page in [
        "hrx.1",
        "hrx-init.1",
        "hrx-add.1",
        "hrx-log.1",
        "hrx-show.1",
        "hrx-verify.1",
        "hrx-key-generate.1",
        "hrx-grant.1",
    ] {
        assert!(repo.join("man").join(page).exists(), "{page}");
    }
    assert!(repo.join("man/hrx-repository.5").exists());
    let top = std::fs::read_to_string(repo.join("man/hrx.1")).unwrap();
    assert!(top.contains("EXIT STATUS"));
    assert!(checked > 10);
}

#[test]
fn schema_files_are_valid_json_schema_in_yaml() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<_> = TestEnv::files_under(&repo.join("records-schema"))
        .into_iter()
        .filter(|f| !f.starts_with(repo.join("records-schema/cli")))
        .collect();
    assert_eq!(files.len(), 12, "common + 11 kinds (the CLI's output schemas are in cli/)");
    for f in files {
        let v: serde_json::Value = serde_yaml_ng::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema", "{}", f.display());
    }
}

#[test]
fn demo_runs_and_tells_the_story() {
    let env = TestEnv::new();
    let dir = env.path().join("demo");
    let out = env.hrx_nobody().args(["demo", "--dir"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("verify    ok"), "{text}");
    assert!(text.contains("Penicillin"));
    // Break-glass shows the emergency summary, including entries older than the grant.
    let emergency = text.split("6. Emergency access").nth(1).unwrap().split("7. ").next().unwrap();
    assert!(emergency.contains("Penicillin") && emergency.contains("Ramipril"), "{emergency}");
    assert!(!emergency.contains("Hausbesuch"), "a visit note is not in the emergency summary");
    assert!(text.contains("!! Punto de Contacto Nacional"), "the audit shows the emergency access");
    // The GP cannot read the therapist's entry.
    let gp = text.split("hrx log as Praxis Dr. Klein:").nth(1).unwrap();
    assert!(gp.contains("not readable"));
    assert!(!gp.contains("Session 1"));
    let out = env.hrx_nobody().args(["demo", "--dir"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "refuses an existing directory");
}

/// The format page is the spec: every attack test it names exists, every
/// attack test in tests/trust.rs is named by a rule there, and every reason
/// code the verifier can give is in the page.
#[test]
fn the_format_page_names_the_attack_tests_and_reason_codes() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(repo.join("man/hrx-repository.5")).unwrap();
    let tests = std::fs::read_to_string(repo.join("tests/trust.rs")).unwrap();
    let defined: Vec<&str> = tests.split("#[test]\nfn ").skip(1).filter_map(|s| s.split('(').next()).collect();
    assert!(defined.len() >= 19, "{defined:?}");
    for t in &defined {
        assert!(page.contains(&format!("trust::{t}")), "hrx-repository(5) names no rule for the attack test {t}");
    }
    for named in page.split("trust::").skip(1) {
        let name: String = named.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        assert!(defined.contains(&name.as_str()), "hrx-repository(5) names trust::{name}, which does not exist");
    }
    // Every test the page names in another file of tests/ exists there too.
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut named = 0;
    for (i, _) in page.match_indices("::") {
        let module: String =
            page[..i].chars().rev().take_while(|c| word(*c)).collect::<String>().chars().rev().collect();
        let name: String = page[i + 2..].chars().take_while(|c| word(*c)).collect();
        let file = repo.join("tests").join(format!("{module}.rs"));
        if module.is_empty() || name.is_empty() || module == "trust" || !file.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains(&format!("fn {name}(")),
            "hrx-repository(5) names {module}::{name}, which tests/{module}.rs does not define"
        );
        named += 1;
    }
    assert!(named >= 10, "the page names tests of other files: {named}");
    // Reason codes (issue 16): the page's table is the one generated from
    // the verifier's enum, and every code a verdict can carry is asserted by
    // some test, so none is a rule nobody has seen enforced.
    assert!(
        page.contains(&hrx::model::reason::man_section()),
        "the REASON CODES table of hrx-repository(5) is stale: run `cargo run -- generate-docs --out .`"
    );
    let mut tests = String::new();
    for f in TestEnv::files_under(&repo.join("tests")) {
        if f.extension().is_some_and(|e| e == "rs") {
            tests.push_str(&std::fs::read_to_string(f).unwrap());
        }
    }
    for r in hrx::model::Reason::ALL.iter().filter(|r| r.is_verdict()) {
        let quoted = format!("\"{r}\"");
        assert!(tests.contains(&quoted), "no test asserts the reason code {r}");
    }
}

/// Everyday use (issue 17, item 9): completions offer the values a user
/// types (entry kinds, categories, rights, purposes, criticality), not
/// file names, and not the packagers' hidden command; a wrong value is
/// refused with the list of right ones.
#[test]
fn completions_offer_values_and_hide_the_packagers_command() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for f in ["hrx.bash", "_hrx", "hrx.fish"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(!text.contains("generate-docs"), "{f} offers generate-docs");
        for v in ["advance-directive", "mental-health", "unable-to-assess", "research"] {
            assert!(text.contains(v), "{f} does not complete {v}");
        }
    }
    let bash = std::fs::read_to_string(dir.join("hrx.bash")).unwrap();
    assert!(bash.contains(r#"compgen -W "low high unable-to-assess""#), "criticality values");
    let env = crate::common::TestEnv::new();
    let anna = env.party("Anna", "DE", None);
    let out = env.hrx(&anna).args(["add", "alergy", "--example"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("possible values") && err.contains("allergy"), "{err}");
}

/// Everyday use (issue 17, item 10): every page a man page names exists,
/// the SYNOPSIS shows each option's value (`-C DIR`, not `-C `), and the
/// environment the TUI reads is documented.
#[test]
fn man_pages_name_only_pages_that_exist_and_show_values() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let mut named = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("(1)") {
            let before = &rest[..i];
            let start =
                before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '\\')).map_or(0, |p| p + 1);
            let name = before[start..].replace("\\-", "-").replace("\\fB", "").replace("\\fR", "");
            if name.starts_with("hrx") {
                named += 1;
                assert!(
                    dir.join(format!("{name}.1")).exists(),
                    "{} names {name}(1), which is not there",
                    e.path().display()
                );
            }
            rest = &rest[i + 3..];
        }
    }
    assert!(named > 20, "{named} references found");
    let top = std::fs::read_to_string(dir.join("hrx.1")).unwrap();
    assert!(top.contains(r"[\fB\-C\fR \fIDIR\fR]") && !top.contains(r"[\fB\-C \fR]"), "synopsis");
    assert!(top.contains(r"\fBNO_COLOR\fR"), "NO_COLOR under ENVIRONMENT");
}

/// The README's walkthrough, run as written (issue 17, item 14): the block
/// after its `walkthrough` marker, by bash with `-euo pipefail`, in a new
/// directory with `hrx` (this build) on the PATH and a passphrase file for
/// the prompts. (Its install step, `cargo install`, is a block of its own
/// and not run: it would build hrx again.) Then what the story says is
/// checked in what it left behind.
#[test]
fn the_readme_walkthrough_runs_as_written() {
    let env = TestEnv::new();
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let block = readme
        .split("<!-- walkthrough:")
        .nth(1)
        .and_then(|r| r.split("```sh\n").nth(1))
        .and_then(|r| r.split("\n```").next())
        .expect("a walkthrough block in the README");
    assert!(block.contains("ANNA=$(anna key generate"), "{block}");
    let script = env.path().join("walkthrough.sh");
    std::fs::write(&script, format!("set -euo pipefail\n{block}\n")).unwrap();
    let pass = env.path().join("passphrase");
    std::fs::write(&pass, "a long passphrase for the walkthrough\n").unwrap();
    let bin = assert_cmd::cargo::cargo_bin!("hrx");
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    std::fs::create_dir_all(env.path().join("userhome")).unwrap();
    let out = env
        .bare("bash")
        .arg(&script)
        .env("PATH", path)
        .env("HRX_PASSPHRASE_FILE", &pass)
        // The real clock: the walkthrough's dates are relative to today.
        .env_remove("HRX_NOW")
        .output()
        .unwrap();
    assert!(out.status.success(), "the walkthrough failed:\n{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    // The hospital saw the GP's allergy; Anna's copy got the hospital's note.
    let at_ruiz = text.split("Appendicitis").next().unwrap();
    assert!(at_ruiz.contains("Penicillin"), "{text}");
    assert!(text.contains("Emergency admission") && text.contains("Dr. Ruiz (Hospital La Fe, ES)"), "{text}");
    assert!(text.contains("verified") || text.contains("ok"), "{text}");
    // The IPS names the real patient, in Spanish.
    let w = env.path().join("hrx-walkthrough");
    let ips: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.join("ips-es.json")).unwrap()).unwrap();
    assert_eq!(ips["entry"][0]["resource"]["language"], "es", "{ips}");
    let patient = ips["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Patient")
        .expect("a Patient");
    assert_eq!(patient["resource"]["name"][0]["family"], "Weber", "{patient}");
    assert_eq!(patient["resource"]["birthDate"], "1984-05-17", "{patient}");
    let allergies = ips.to_string();
    assert!(allergies.contains("764146007"), "the GP's allergy is in the summary");
    // The hospital's grant is revoked, and the record verifies on all copies.
    let anna_home = w.join("anna");
    let grants = env
        .bare(bin.to_str().unwrap())
        .env("HRX_HOME", &anna_home)
        .env("HRX_PASSPHRASE_FILE", &pass)
        .env_remove("HRX_NOW")
        .arg("-C")
        .arg(w.join("anna-record"))
        .args(["grants", "--all", "--json"])
        .output()
        .unwrap();
    let g = json(&grants);
    let ruiz = g["grants"].as_array().unwrap().iter().find(|g| g["grantee"]["name"] == "Dr. Ruiz").expect("ruiz");
    assert!(ruiz["revoked"].is_object() || ruiz["revoked"] == true || ruiz["status"] == "revoked", "{ruiz}");
}

/// CI runs exactly the test command the README's first screen gives (the
/// tests, then `cargo fmt --check` and clippy with warnings as errors).
#[test]
fn ci_runs_the_readme_test_command() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let ci = std::fs::read_to_string(repo.join(".ci/run")).unwrap();
    let command = ci.lines().rev().find(|l| !l.trim().is_empty()).unwrap().trim();
    assert!(command.starts_with("cargo test --locked"), "{command}");
    assert!(command.contains("cargo fmt --check") && command.contains("-D warnings"), "{command}");
    let first_screen: String = readme.lines().take(24).collect::<Vec<_>>().join("\n");
    assert!(
        first_screen.lines().any(|l| l.split('#').next().unwrap().trim() == command),
        "the README's first screen gives {command:?}"
    );
}

/// Issue 17, item 10: every everyday command has examples at the end of
/// its `--help` and in its man page, and every example is a command line
/// hrx accepts (parsed with its own definitions), of that command.
#[test]
fn every_example_is_a_command_hrx_accepts() {
    use hrx::cli::examples;
    fn walk(cmd: &clap::Command, words: &str, found: &mut Vec<String>) {
        if !examples::of(words).is_empty() {
            found.push(words.to_string());
        }
        for s in cmd.get_subcommands() {
            walk(s, &format!("{words} {}", s.get_name()), found);
        }
    }
    let cmd = hrx::cli::command();
    let mut found = Vec::new();
    walk(&cmd, "hrx", &mut found);
    for everyday in ["hrx init", "hrx add", "hrx log", "hrx grant", "hrx revoke", "hrx sync", "hrx clone", "hrx verify"]
    {
        assert!(found.iter().any(|f| f == everyday), "{everyday} has examples");
    }
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for words in &found {
        let page = std::fs::read_to_string(repo.join("man").join(format!("{}.1", words.replace(' ', "-")))).unwrap();
        assert!(page.contains(".SH EXAMPLES"), "{words}(1) has its examples");
        let mut help = Vec::new();
        let mut c = hrx::cli::command();
        let mut sub = &mut c;
        for w in words.split(' ').skip(1) {
            sub = sub.find_subcommand_mut(w).unwrap();
        }
        sub.write_long_help(&mut help).unwrap();
        let help = String::from_utf8(help).unwrap();
        for (_, line) in examples::of(words) {
            assert!(help.contains(line), "{words} --help shows {line}");
            let mut argv = examples::words(line);
            if let Some(at) = argv.iter().position(|w| w == ">") {
                argv.truncate(at);
            }
            // The command's own words, after global options (-C DIR).
            let mut rest: Vec<&str> = argv.iter().map(String::as_str).collect();
            if rest.get(1) == Some(&"-C") {
                rest.drain(1..3);
            }
            assert!(rest.join(" ").starts_with(words.as_str()), "{line:?} is an example of {words}");
            if let Err(e) = hrx::cli::command().try_get_matches_from(&argv) {
                panic!("{line:?} is not a command hrx accepts: {e}");
            }
        }
    }
}

/// Issue 17, item 10: with HRX_HOME and HRX_PASSPHRASE_FILE set (as they
/// are in every test), a usage error's usage line does not list them as if
/// typed, and the variables still take effect.
#[test]
fn options_from_the_environment_are_not_shown_as_typed() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let out = env.hrx(&anna).arg("grant").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("Usage: hrx grant <GRANTEE>"), "{err}");
    assert!(!err.contains("--home") && !err.contains("--passphrase-file"), "{err}");
    // HRX_HOME is read: the key list is this party's.
    let out = env.hrx(&anna).args(["key", "list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&anna.fpr), "{}", stdout(&out));
    // An empty variable is no setting, and the option still wins over it.
    let other = env.path().join("other-home");
    let out =
        env.hrx(&anna).env("HRX_KEY", "").arg("--home").arg(&other).args(["key", "list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains(&anna.fpr), "--home wins over HRX_HOME: {}", stdout(&out));
}

/// Issue 16, item 4: the layers stay layers. Nothing below the CLI (the
/// TUI, the operations, the model, storage, crypto, the verifier) uses the
/// CLI's code; and every file in tests/ is compiled into the test binary
/// (a test file nobody declares would never run).
#[test]
fn the_layers_stay_apart_and_every_test_file_runs() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let below_cli =
        ["src/tui", "src/ops", "src/model", "src/repo", "src/crypto", "src/fhir", "src/verify.rs", "src/policy.rs"];
    for part in below_cli {
        let at = repo.join(part);
        let files = if at.is_file() { vec![at] } else { TestEnv::files_under(&at) };
        assert!(!files.is_empty(), "{part}");
        for f in files.into_iter().filter(|f| f.extension().is_some_and(|e| e == "rs")) {
            let text = std::fs::read_to_string(&f).unwrap();
            assert!(!text.contains("crate::cli"), "{} uses the CLI's code", f.display());
        }
    }
    let runner = std::fs::read_to_string(repo.join("tests/runner.rs")).unwrap();
    for f in std::fs::read_dir(repo.join("tests")).unwrap().flatten() {
        let name = f.file_name().to_string_lossy().to_string();
        if let Some(module) = name.strip_suffix(".rs").filter(|m| *m != "runner") {
            assert!(runner.contains(&format!("mod {module};")), "tests/{name} is declared in tests/runner.rs");
        }
    }
}

/// Issue 17, item 9: bash completion offers what only the record and the
/// keystore know (entry ids for show, grant ids for revoke, fingerprints
/// for grant, remotes for sync, languages for --lang), from the record
/// named with -C too, and clap's completion for everything else. Run in a
/// real bash with the committed completion script.
#[test]
fn shell_completion_offers_the_records_own_values() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let rec = env.init(&anna);
    let id = env.note(&anna, "a note");
    let grant = env.grant(&anna, &klein, "general", "read", &[]);
    let hub = env.path().join("hub.git");
    assert!(env.bare("git").args(["init", "-q", "--bare"]).arg(&hub).output().unwrap().status.success());
    env.hrx(&anna).arg("-C").arg(&rec).args(["remote", "add", "hub"]).arg(&hub).assert().success();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/hrx.bash");
    let bin = std::path::Path::new(assert_cmd::cargo::cargo_bin!("hrx")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let complete = |cwd: &std::path::Path, words: &[&str]| -> Vec<String> {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let line = format!(
            // As bash calls a completion function: the command, the word
            // being completed, the word before it.
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _hrx_dynamic hrx {} {}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            quoted.join(" "),
            words.len() - 1,
            quoted[words.len() - 1],
            quoted[words.len() - 2]
        );
        let out = env
            .bare("bash")
            .env("PATH", &path)
            .env("HRX_HOME", &anna.home)
            .current_dir(cwd)
            .args(["-c", &line])
            .output()
            .unwrap();
        assert!(out.status.success(), "{words:?}: {}", stderr(&out));
        stdout(&out).lines().map(str::to_string).collect()
    };
    assert!(complete(&rec, &["hrx", "show", ""]).contains(&id), "entry ids");
    assert_eq!(complete(&rec, &["hrx", "show", &id[..id.len() - 2]]), vec![id.clone()], "filtered by what is typed");
    assert!(complete(&rec, &["hrx", "revoke", ""]).contains(&grant), "grant ids");
    assert!(complete(&rec, &["hrx", "grant", ""]).contains(&klein.fpr), "fingerprints");
    assert_eq!(complete(&rec, &["hrx", "sync", ""]), vec!["hub".to_string()], "remotes");
    assert!(complete(&rec, &["hrx", "export", "ips", "--lang", "e"]).contains(&"es".to_string()), "languages");
    let elsewhere = env.path();
    assert!(
        complete(elsewhere, &["hrx", "-C", rec.to_str().unwrap(), "show", ""]).contains(&id),
        "the record -C names"
    );
    assert!(complete(&rec, &["hrx", "sh"]).contains(&"show".to_string()), "clap's completion for the rest");
}

/// Issue 17, item 9: zsh completes the record's own values too (and
/// clap's completion for the rest), in a real zsh in a real terminal.
#[test]
fn zsh_completion_offers_the_records_own_values_too() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    let id = env.note(&anna, "a note");
    let completions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let bin = std::path::Path::new(assert_cmd::cargo::cargo_bin!("hrx")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let t = Tmux { env: &env, socket: env.path().join("tmux.sock") };
    let shell = format!("env PATH='{path}' HRX_HOME='{}' HRX_NOW='{}' zsh -f", anna.home.display(), env.now());
    assert!(t.run(&["new-session", "-d", "-s", "hrx", "-x", "150", "-y", "20", &shell]).status.success());
    t.keys(&[
        "-l",
        &format!(
            "fpath=('{}' $fpath); autoload -U compinit; compinit -u; cd '{}'; echo READY",
            completions.display(),
            rec.display()
        ),
    ]);
    t.keys(&["Enter"]);
    t.wait_for("\nREADY");
    t.keys(&["-l", &format!("hrx show {}", &id[..8])]);
    t.keys(&["Tab"]);
    t.wait_for(&format!("hrx show {id}"));
    t.keys(&["C-u"]);
    t.keys(&["-l", "hrx revo"]);
    t.keys(&["Tab"]);
    t.wait_for("hrx revoke");
}

/// Issue 17, item 9: the hidden commands (generate-docs for packagers,
/// complete for the completion scripts) are offered neither by completion
/// nor by typo hints; the public ones still are.
#[test]
fn hidden_commands_are_not_offered() {
    let env = TestEnv::new();
    for (typo, hidden, public) in [("generate-doc", "generate-docs", Some("grant")), ("complet", "complete", None)] {
        let out = env.hrx_nobody().arg(typo).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(!err.contains(&format!("'{hidden}'")), "{err}");
        if let Some(p) = public {
            assert!(err.contains(&format!("'{p}'")), "{err}");
        }
    }
    let out = env.hrx_nobody().arg("grnat").output().unwrap();
    assert!(stderr(&out).contains("'grant'"), "{}", stderr(&out));
    let bash =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/hrx.bash")).unwrap();
    let top = bash.lines().find(|l| l.contains("opts=\"") && l.contains(" key init add ")).unwrap();
    assert!(!top.contains("generate-docs") && !top.contains(" complete "), "{top}");
}
