//! The command line: clap definitions and dispatch. Each subcommand lives in
//! its own file with its arguments and a `run` function; all of them call
//! into [`crate::ops`].

pub mod add;
pub mod audit;
pub mod bundle;
pub mod clone;
pub mod complete;
pub mod delegate;
pub mod demo;
pub mod docs;
pub mod emergency;
pub mod examples;
pub mod exit;
pub mod export;
pub mod grant;
pub mod grants;
pub mod hook;
pub mod import;
pub mod init;
pub mod key;
pub mod log;
pub mod output;
pub mod passphrase;
pub mod progress;
pub mod recovery;
pub mod remote;
pub mod revoke;
pub mod schema;
pub mod share;
pub mod show;
pub mod status;
pub mod sync;
pub mod tui;
pub mod verify;

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::clock::Clock;
use crate::crypto::Keystore;
use crate::error::{Error, Result};
use crate::ops::Context;
use output::Out;

/// Signed, encrypted, append-only health records in git
#[derive(Parser, Debug)]
// No `help` subcommands: `--help` works everywhere, and the man pages
// name no page that is not there (hrx-help(1), hrx-key-help(1)).
#[command(name = "hrx", version, propagate_version = true, max_term_width = 100, disable_help_subcommand = true)]
#[command(long_about = "hrx keeps a patient's health record as one git repository: every entry is a \
YAML record, OpenPGP-encrypted to exactly the people allowed to read it and committed in a signed \
commit. Anyone with a copy can verify the whole history from its root.")]
pub struct Cli {
    /// Run as if started in DIR (the record's directory)
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Print machine-readable JSON (with a "version" field)
    #[arg(long, global = true)]
    pub json: bool,

    /// Act with this key (fingerprint) instead of the default one [env: HRX_KEY]
    #[arg(long, global = true, value_name = "FPR")]
    pub key: Option<String>,

    /// Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,

    /// Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Print nothing but results and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Never send long listings (log, audit, show) through a pager
    #[arg(long, global = true)]
    pub no_pager: bool,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Takes `--key`, `--passphrase-file` and `--home` from `HRX_KEY`,
    /// `HRX_PASSPHRASE_FILE` and `HRX_HOME` where the command line does not
    /// give them (an empty variable counts as unset). Read here rather than
    /// by clap, whose usage line in an error lists options set from the
    /// environment as if the user had typed them.
    fn fill_from_environment(&mut self) {
        let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty());
        if self.key.is_none() {
            self.key = var("HRX_KEY").map(|v| v.to_string_lossy().into_owned());
        }
        if self.passphrase_file.is_none() {
            self.passphrase_file = var("HRX_PASSPHRASE_FILE").map(PathBuf::from);
        }
        if self.home.is_none() {
            self.home = var("HRX_HOME").map(PathBuf::from);
        }
    }
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Manage your keys and the certificates of others
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Create a new patient record
    Init(init::Args),
    /// Add an entry to the record
    Add(add::Args),
    /// The fields of an entry kind: shapes, which are required, which hrx fills in
    Schema(schema::Args),
    /// List the record's entries in time order
    Log(log::Args),
    /// Show one entry in full
    Show(show::Args),
    /// Authenticate the record's whole history from its root
    #[command(after_long_help = crate::model::reason::help_text())]
    Verify(verify::Args),
    /// Your key and your standing in the record, with what needs doing
    Status(status::Args),
    /// Grant a participant rights on categories of the record
    Grant(grant::Args),
    /// Revoke a grant, or every grant of a participant
    Revoke(revoke::Args),
    /// List who holds which rights on the record
    Grants(grants::Args),
    /// Name a guardian who manages access for the patient
    Delegate(delegate::Args),
    /// Recovery of the patient's key by trustees, any k of n together
    #[command(subcommand)]
    Recovery(recovery::RecoveryCommand),
    /// Break-glass access to the emergency summary
    #[command(subcommand)]
    Emergency(emergency::EmergencyCommand),
    /// The audit trail: every commit, who signed it, what it did
    Audit(audit::Args),
    /// Get a copy of a record from a git URL or a bundle, verified from its root
    Clone(clone::Args),
    /// Manage the remote copies of the record
    #[command(subcommand)]
    Remote(remote::RemoteCommand),
    /// Exchange new commits with remotes: fetch, verify, merge, push
    Sync(sync::Args),
    /// A hub on a provider's git server: refuse every push that would not verify
    #[command(subcommand)]
    Hook(hook::HookCommand),
    /// Hand over the record as one file, with no network
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    /// Import health data from other systems (HL7 FHIR R4)
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export what you may read as HL7 FHIR R4 (an International Patient Summary, or everything)
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Share your summary with a clinic that has no hrx: a SMART Health Link and its QR code
    #[command(subcommand)]
    Share(share::ShareCommand),
    /// Browse the record in the terminal: timeline, entries, grants, audit
    Tui(tui::Args),
    /// Create a demo record (patient and provider) in a temporary place
    Demo(demo::Args),
    /// Write man pages and shell completions (for packagers)
    #[command(hide = true)]
    GenerateDocs(docs::Args),
    /// Values for shell completion (entry ids, fingerprints, grants, remotes), one per line
    #[command(hide = true)]
    Complete(complete::Args),
}

/// The values `KIND` takes (checked, listed in help, completed).
pub(crate) fn kinds() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(crate::model::Kind::ALL.iter().map(|k| k.name()))
}

/// The values of a list of categories: each category, or `all`.
pub(crate) fn categories() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(crate::model::category::ALL.iter().copied().chain(["all"]))
}

/// A usage error without hidden subcommands (generate-docs, complete)
/// among its "similar subcommands": clap suggests them (clap-rs/clap#4853).
fn without_hidden_suggestions(mut e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue};
    let hidden: Vec<String> =
        command().get_subcommands().filter(|c| c.is_hide_set()).map(|c| c.get_name().to_string()).collect();
    if let Some(ContextValue::Strings(names)) = e.get(ContextKind::SuggestedSubcommand) {
        let shown: Vec<String> = names.iter().filter(|n| !hidden.contains(n)).cloned().collect();
        if shown.is_empty() {
            e.remove(ContextKind::SuggestedSubcommand);
        } else {
            e.insert(ContextKind::SuggestedSubcommand, ContextValue::Strings(shown));
        }
    }
    e
}

/// The clap command, for docs and completions.
pub fn command() -> clap::Command {
    with_examples(Cli::command(), "hrx")
}

/// Puts each command's examples ([`examples::of`]) at the end of its
/// `--help`, after its notes.
fn with_examples(mut cmd: clap::Command, words: &str) -> clap::Command {
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for n in names {
        cmd = cmd.mut_subcommand(&n, |s| with_examples(s, &format!("{words} {n}")));
    }
    if let Some(ex) = examples::help_text(words) {
        let notes = cmd.get_after_long_help().or(cmd.get_after_help()).map(|s| s.to_string());
        let text = match notes {
            Some(n) => format!("{n}\n\n{ex}"),
            None => ex,
        };
        cmd = cmd.after_long_help(text);
    }
    cmd
}

/// Runs hrx with the process's arguments; returns the exit code.
pub fn main() -> i32 {
    let mut cli = match command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) => {
            let e = without_hidden_suggestions(e);
            let _ = e.print();
            return if e.use_stderr() { exit::USAGE } else { exit::OK };
        }
    };
    cli.fill_from_environment();
    let out = Out::new(cli.json, cli.quiet, cli.no_pager);
    skip_tls_roots(&cli.command);
    no_library_backtraces();
    let result = run(cli, &out);
    // The user leaves the pager before anything else is said.
    out.finish();
    for w in crate::ops::after_commit_warnings() {
        eprintln!("hrx: warning: {}", crate::model::text::printable(&w));
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hrx: error: {}", crate::model::text::terminal_safe(&exit::message(&e)));
            if out.json {
                out.json("error", &exit::json(&e));
            }
            exit::code(&e)
        }
    }
}

/// libgit2, built with OpenSSL for HTTPS remotes, parses the system's
/// certificate authorities when it starts (about 25 ms, most of a `hrx
/// add`). Commands that never reach a network (all but clone, sync and the
/// TUI, which syncs) point OpenSSL at no authorities instead, whatever the
/// environment says: nothing else uses them (Sequoia verifies nothing
/// against X.509), and the network commands keep the user's setting.
fn skip_tls_roots(command: &Command) {
    if matches!(command, Command::Clone(_) | Command::Sync(_) | Command::Tui(_)) {
        return;
    }
    if !std::path::Path::new("/dev/null").exists() {
        return;
    }
    // An empty file that exists: git2's probe for authorities keeps a
    // setting that points at something readable. (A directory of
    // authorities is looked up lazily, by hash, so it costs nothing.)
    // SAFETY: called from `main` before any thread is started and before
    // any library reads the environment.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", "/dev/null");
    }
}

/// Sequoia's parsers make `anyhow` errors on paths that are no failure
/// (the end of a certificate's packets, a subkey tried and passed over),
/// and with `RUST_BACKTRACE` set each captures a backtrace: a fifth of a
/// `hrx add`. hrx turns library errors into messages and never shows
/// their backtraces, so it asks for none (`RUST_LIB_BACKTRACE=0`, unless
/// set); a panic's backtrace still follows `RUST_BACKTRACE`.
fn no_library_backtraces() {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_some() {
        return;
    }
    // SAFETY: called from `main` before any thread is started and before
    // any library reads the environment.
    unsafe {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
}

/// Builds the context the operations need.
pub fn context(cli: &Cli) -> Result<Context> {
    let home = match &cli.home {
        Some(h) => h.clone(),
        None => Keystore::default_home()?,
    };
    let dir = match &cli.dir {
        Some(d) => d.clone(),
        None => std::env::current_dir().map_err(|e| Error::io(".", e))?,
    };
    Ok(Context {
        keystore: Keystore::open(&home),
        key: cli.key.clone(),
        clock: Clock::from_env()?,
        dir,
        passphrase: Box::new(passphrase::CliPassphrase::new(cli.passphrase_file.clone())),
        skip_unusable_recipients: false,
    })
}

fn run(cli: Cli, out: &Out) -> Result<i32> {
    // A hook runs on a server, as whatever user serves git: it has no
    // keystore, and needs none.
    if let Command::Hook(h) = &cli.command {
        return hook::run(cli.dir.as_deref(), h, out);
    }
    let mut ctx = context(&cli)?;
    match &cli.command {
        Command::Key(k) => key::run(&mut ctx, k, out),
        Command::Init(a) => init::run(&mut ctx, a, out),
        Command::Add(a) => add::run(&mut ctx, a, out),
        Command::Schema(a) => schema::run(a, out),
        Command::Log(a) => log::run(&mut ctx, a, out),
        Command::Show(a) => show::run(&mut ctx, a, out),
        Command::Verify(a) => verify::run(&mut ctx, a, out),
        Command::Status(a) => status::run(&mut ctx, a, out),
        Command::Grant(a) => grant::run(&mut ctx, a, out),
        Command::Revoke(a) => revoke::run(&mut ctx, a, out),
        Command::Grants(a) => grants::run(&mut ctx, a, out),
        Command::Delegate(a) => delegate::run(&mut ctx, a, out),
        Command::Emergency(c) => emergency::run(&mut ctx, c, out),
        Command::Recovery(c) => recovery::run(&mut ctx, c, out),
        Command::Audit(a) => audit::run(&mut ctx, a, out),
        Command::Clone(a) => clone::run(&mut ctx, a, out),
        Command::Remote(c) => remote::run(&mut ctx, c, out),
        Command::Sync(a) => sync::run(&mut ctx, a, out),
        Command::Hook(h) => hook::run(cli.dir.as_deref(), h, out),
        Command::Bundle(c) => bundle::run(&mut ctx, c, out),
        Command::Import(c) => import::run(&mut ctx, c, out),
        Command::Export(c) => export::run(&mut ctx, c, out),
        Command::Share(c) => share::run(&mut ctx, c, out),
        Command::Tui(a) => tui::run(&mut ctx, a, out),
        Command::Demo(a) => demo::run(&cli, a, out),
        Command::GenerateDocs(a) => docs::run(a, out),
        Command::Complete(a) => complete::run(&mut ctx, a),
    }
}
