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
    let files = TestEnv::files_under(&repo.join("records-schema"));
    assert_eq!(files.len(), 12, "common + 11 kinds");
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
