//! `hrx sync`.

use std::path::PathBuf;

use super::output::Out;
use super::progress::Progress;
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::ops::sync::{Outcome, RecordOutcome, Synced, records_in, sync, sync_many};

/// Arguments of `hrx sync`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Fetches, verifies every new commit from the pinned root, integrates (fast-forward, or a \
signed merge when both sides appended) and pushes. A remote whose history was rewritten or rolled back, or that \
carries anything that does not verify, is refused and the local record stays as it was.

With several remotes, each is synced even when another fails, and each has its result; the exit status is that of \
the first that failed. A failure that puts the local copy itself in doubt (exit 1) stops the sync.

With --records DIR (or --record-list FILE), every record there is synced with all its remotes, --jobs at a time, \
and one record's failure never stops the others. With --json, one line per record as it finishes, then a summary \
line; the exit status is that of the first record (by name) that failed. The key must be usable without a prompt \
for each record, or it is asked for once at the start.")]
pub struct Args {
    /// The remote [default: all remotes]
    #[arg(conflicts_with_all = ["records", "record_list"])]
    pub remote: Option<String>,
    /// Sync with every remote
    #[arg(long, conflicts_with = "remote")]
    pub all: bool,
    /// Accept commits that arrive more than 7 days after their signer's grant ended
    /// (offline work delivered late, or backdated: you decide)
    #[arg(long)]
    pub accept_late: bool,
    /// Sync every record in DIR (each subdirectory that is a copy of a record; a symbolic link to one is passed over, with a warning)
    #[arg(long, value_name = "DIR", conflicts_with = "record_list")]
    pub records: Option<PathBuf>,
    /// Sync the records listed in FILE, one directory per line (- for standard input)
    #[arg(long, value_name = "FILE")]
    pub record_list: Option<PathBuf>,
    /// How many records to sync at once [default: the cores, up to 8]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
}

/// Runs `hrx sync`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    if a.records.is_some() || a.record_list.is_some() {
        return run_many(ctx, a, out);
    }
    let mut p = Progress::new(out.quiet || out.json);
    let done =
        sync(ctx, if a.all { None } else { a.remote.as_deref() }, a.accept_late, &mut |w, d, t| p.report(w, d, t))?;
    drop(p);
    let code = done.iter().find_map(|o| o.result.as_ref().err()).map(super::exit::code).unwrap_or(super::exit::OK);
    if out.json {
        out.json("sync", &remotes_json(&done));
        return Ok(code);
    }
    for o in &done {
        print_remote(out, "", o);
    }
    let failed: Vec<&str> = done.iter().filter(|o| o.result.is_err()).map(|o| o.remote.as_str()).collect();
    if !failed.is_empty() {
        out.info(&format!(
            "synced with {} of {} remotes; failed: {}",
            done.len() - failed.len(),
            done.len(),
            failed.join(", ")
        ));
    }
    Ok(code)
}

/// Each remote's result as JSON: what `Synced` says, or `{remote, url,
/// error}` with the error as `--json` errors have it.
fn remotes_json(done: &[Outcome]) -> Vec<serde_json::Value> {
    done.iter()
        .map(|o| match &o.result {
            Ok(s) => serde_json::to_value(s).expect("json"),
            Err(e) => serde_json::json!({ "remote": o.remote, "url": o.url, "error": super::exit::json(e) }),
        })
        .collect()
}

fn print_remote(out: &Out, prefix: &str, o: &Outcome) {
    match &o.result {
        Ok(s) => print_synced(out, prefix, s),
        Err(e) => out.line(&format!("{prefix}{}: FAILED: {}", o.remote, super::exit::message(e))),
    }
}

fn print_synced(out: &Out, prefix: &str, s: &Synced) {
    out.line(&format!("{prefix}{}: {}{}", s.remote, s.integrated.describe(), if s.pushed { "; pushed" } else { "" }));
    for f in &s.integrated.forks {
        out.line(&format!(
            "{prefix}FORK: {} ({}) signed both {} (here) and {} ({}), which do not contain each other",
            f.name,
            f.signer,
            &f.local[..12],
            &f.remote[..12],
            s.remote
        ));
    }
}

/// A record's directory as a line of text shows it: a name is the host's
/// to choose, and one with a newline (or an escape) would forge lines of
/// hrx's report.
fn shown(dir: &std::path::Path) -> String {
    crate::model::text::printable(&dir.display().to_string()).into_owned()
}

fn listed(file: &std::path::Path) -> Result<Vec<PathBuf>> {
    let text = if file == std::path::Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(std::io::stdin(), 16 << 20), &mut s)
            .map_err(|e| Error::io("standard input", e))?;
        s
    } else {
        crate::fsutil::read_input_text(file, 16 << 20, "a list of records")?
    };
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(PathBuf::from).collect())
}

fn run_many(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let records = match (&a.records, &a.record_list) {
        (Some(dir), _) => {
            let (records, passed) = records_in(dir)?;
            for (p, why) in passed {
                out.info(&format!("warning: {} passed over: {why}", shown(&p)));
            }
            records
        }
        (None, Some(f)) => listed(f)?,
        _ => unreachable!("checked by the caller"),
    };
    if records.is_empty() {
        return Err(Error::NotFound(match &a.records {
            Some(d) => format!("{} holds no copy of a record (no subdirectory with a .git)", shown(d)),
            None => "the list names no record".into(),
        }));
    }
    // Asked once here, if the key needs it; every record's context passes it on.
    let password = crate::ops::detached::remember_passphrase(ctx)?;
    let template = crate::ops::detached::Detached::of(ctx, password);
    let jobs = a.jobs.map(usize::from).unwrap_or_else(crate::cores::count);
    let total = records.len();
    let mut p = Progress::new(out.quiet || out.json);
    let (mut failed, mut changed) = (Vec::<(PathBuf, i32)>::new(), 0usize);
    sync_many(&template, &records, jobs, a.accept_late, &mut |o: RecordOutcome, n| {
        if let Some(e) = o.failure() {
            failed.push((o.dir.clone(), super::exit::code(e)));
        }
        if let Ok(rs) = &o.result
            && rs.iter().any(|r| {
                r.result
                    .as_ref()
                    .is_ok_and(|s| s.pushed || s.integrated.outcome != crate::ops::sync::Integration::UpToDate)
            })
        {
            changed += 1;
        }
        let path = o.dir.display().to_string();
        let shown_path = shown(&o.dir);
        if out.json {
            let doc = match &o.result {
                Ok(rs) => serde_json::json!({ "path": path, "sync": remotes_json(rs) }),
                Err(e) => serde_json::json!({ "path": path, "error": super::exit::json(e) }),
            };
            out.json_line("sync-record", &doc);
        } else {
            match &o.result {
                Ok(rs) => rs.iter().for_each(|r| print_remote(out, &format!("{shown_path}: "), r)),
                // The message shows what it quotes escaped (exit::message).
                Err(e) => out.line(&format!("{shown_path}: FAILED: {}", super::exit::message(e))),
            }
        }
        p.report("syncing records", n, total);
    });
    drop(p);
    failed.sort();
    let summary = serde_json::json!({
        "records": total,
        "synced": total - failed.len(),
        "changed": changed,
        "failed": failed.iter().map(|(d, _)| d.display().to_string()).collect::<Vec<_>>(),
    });
    if out.json {
        out.json_line("sync-summary", &summary);
    } else {
        out.info(&format!(
            "{total} records: {} synced ({changed} changed), {} failed{}",
            total - failed.len(),
            failed.len(),
            if failed.is_empty() {
                String::new()
            } else {
                format!(": {}", failed.iter().map(|(d, _)| shown(d)).collect::<Vec<_>>().join(", "))
            }
        ));
    }
    Ok(failed.first().map(|(_, c)| *c).unwrap_or(super::exit::OK))
}
