//! `hrx share ips|list|show|revoke`.

use std::path::PathBuf;

use clap::Subcommand;

use super::output::Out;
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::ops::share::{self, Host, Request, Share};
use crate::qr::{Ink, blocks, encode, write_image};

/// Share subcommands.
#[derive(Subcommand, Debug)]
pub enum ShareCommand {
    /// Share your summary as a SMART Health Link: an encrypted file for a web server, a link and its QR code
    #[command(after_help = "The International Patient Summary you may read (as `hrx export ips` makes it) is \
encrypted with a new random key (JWE, AES-256-GCM) and written, as ciphertext only and under a random name, \
into --files, the directory your web server publishes at --url. The link (shlink:/...) holds the file's address \
and the key: whoever holds the link can read the summary until it ends, so show its QR code only to the clinic \
you mean. A static web server cannot end a link by itself: the file of a link that was revoked or has ended is \
removed from --files whenever hrx share runs on this device; remove any copy you made elsewhere yourself.")]
    Ips {
        /// Display language of codes and narrative, where translations exist (en, de, fr, es, it, ...)
        #[arg(long, default_value = "en", value_hint = clap::ValueHint::Other)]
        lang: String,
        /// Only these categories (comma-separated), or `all`; who the patient is goes with the patient's own (a provider's holds only what a read grant in force covers)
        #[arg(long, value_delimiter = ',', value_name = "CATEGORIES", value_parser = super::categories(), default_value = "all")]
        categories: Vec<String>,
        /// When the link ends (YYYY-MM-DD or RFC 3339), or `never` [default: in 7 days]
        #[arg(long, value_name = "WHEN")]
        expires: Option<String>,
        /// What the receiver sees before opening it (at most 80 characters)
        #[arg(long)]
        label: Option<String>,
        /// The directory your web server publishes: one encrypted file, fetched directly (flag U)
        #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath, group = "host")]
        files: Option<PathBuf>,
        /// The directory `hrx share serve` serves: a manifest, with a passcode or updates if asked
        #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath, group = "host")]
        serve: Option<PathBuf>,
        /// The https:// address --files is published at (or hrx share serve answers at)
        #[arg(long, value_name = "URL", value_hint = clap::ValueHint::Url)]
        url: String,
        /// The receiver must give a passcode (flag P; asked for, twice): tell it apart from the link
        #[arg(long, requires = "serve")]
        passcode: bool,
        /// Read the passcode from the first line of FILE instead of asking
        #[arg(long, value_name = "FILE", requires = "serve")]
        passcode_file: Option<PathBuf>,
        /// Wrong passcodes allowed over the link's whole life; then it is dead
        #[arg(long, value_name = "N", default_value_t = 5, requires = "serve")]
        attempts: u32,
        /// The link follows the record: hrx share update ID publishes the summary again (flag L)
        #[arg(long, requires = "serve")]
        long_lived: bool,
        /// Also write the QR code to FILE (.png or .svg), for printing
        #[arg(short = 'o', long, value_name = "FILE")]
        qr: Option<PathBuf>,
        /// Print the link only, no QR code
        #[arg(long)]
        no_qr: bool,
    },
    /// The shares this device made of the record, and where each stands
    List,
    /// A share's link and QR code again (it asks for your key)
    Show {
        /// The share's id (from `hrx share list`)
        id: String,
        /// Also write the QR code to FILE (.png or .svg)
        #[arg(short = 'o', long, value_name = "FILE")]
        qr: Option<PathBuf>,
        /// Print the link only, no QR code
        #[arg(long)]
        no_qr: bool,
    },
    /// Record in the record who opened your served links (signed access events, shown by hrx audit)
    #[command(after_help = "Reads the access log hrx share serve keeps next to each link this device made \
(DIR/NAME/access.jsonl) and appends, in one signed commit, a share-access statement for every answered \
request the record does not hold yet: the share, when, who the requester said it was, how many files. \
hrx sync then carries them to every copy; hrx audit and the TUI show them. Run it where the served \
directory is (or a copy of it). A run records at most 100 openings of a link, and a record keeps at \
most 1,000 of one link: a link opened more often than that is one to revoke, and the rest stay in \
its access log (hrx share log warns).")]
    Log,
    /// Publish a long-lived link's summary again, as the record is now (same link, same key)
    Update {
        /// The share's id (from `hrx share list`)
        id: String,
    },
    /// End a share at once: its file is removed from the directory it was written to
    Revoke {
        /// The share's id (from `hrx share list`)
        id: String,
    },
    /// Serve links made with --serve DIR: the SMART Health Links manifest protocol, over HTTPS or loopback HTTP
    #[command(
        after_help = "Answers POST URL/NAME (the manifest: {\"recipient\", \"passcode\"?, \"embeddedLengthMax\"?}) \
and GET URL/file/TOKEN (a file a manifest pointed to, for an hour) and nothing else; 404 once a link is revoked, \
over, or out of passcode tries. Every answered manifest request is logged in DIR/NAME/access.jsonl (who said \
it asked, when, which files) before anything is handed out; one that cannot be logged (a full disk, a log of \
16 MiB) or a wrong passcode that cannot be counted gets 503 and nothing. Serving HTTPS itself, it takes at most \
32 connections from one address at once. Without --tls-cert and --tls-key it listens only on a loopback address, for a proxy in \
front that adds TLS (nginx: location /shl/ { proxy_pass http://127.0.0.1:PORT/shl/; }). It prints `listening \
on ADDRESS` once it takes connections, and serves until stopped."
    )]
    Serve {
        /// The directory of served links (what hrx share ips --serve wrote into)
        #[arg(value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        root: PathBuf,
        /// Where to listen (port 0: any free port, printed)
        #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1:8443")]
        listen: std::net::SocketAddr,
        /// The address the links were made with (--url of hrx share ips)
        #[arg(long, value_name = "URL", value_hint = clap::ValueHint::Url)]
        url: String,
        /// Serve HTTPS with this certificate chain (PEM)
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM)
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
}

/// Prints a link and, unless `no_qr`, its QR code; writes the code to `qr`.
fn link(link: &str, qr: &Option<PathBuf>, no_qr: bool, out: &Out) -> Result<()> {
    let code = encode(link, "the link")?;
    if let Some(p) = qr {
        write_image(&code, p)?;
    }
    if out.json {
        return Ok(());
    }
    out.line(link);
    if !no_qr {
        out.line(blocks(&code, Ink::Screen { ansi: out.color }).trim_end());
    }
    if let Some(p) = qr {
        out.info(&format!("wrote the QR code to {}", p.display()));
    }
    Ok(())
}

fn ends(s: &Share) -> String {
    s.expires.map_or("never ends".into(), |e| format!("ends {}", e.format("%Y-%m-%d %H:%M UTC")))
}

/// Runs a share subcommand.
pub fn run(ctx: &mut Context, cmd: &ShareCommand, out: &Out) -> Result<i32> {
    match cmd {
        ShareCommand::Ips {
            lang,
            categories,
            expires,
            label,
            files,
            serve,
            url,
            passcode,
            passcode_file,
            attempts,
            long_lived,
            qr,
            no_qr,
        } => {
            if let Some(p) = qr {
                crate::qr::image_file(p)?;
            }
            let expires = match expires.as_deref() {
                Some("never") => None,
                Some(t) => Some(crate::model::parse::time(t)?),
                None => Some(share::default_expiry(ctx.clock.now())),
            };
            let categories = match crate::model::parse::scope(categories)? {
                crate::model::statement::Scope::All(_) => None,
                crate::model::statement::Scope::Some(cs) => Some(cs),
            };
            let host = match (files, serve) {
                (Some(d), None) => Host::Files(d.clone()),
                (None, Some(d)) => {
                    let code = match (passcode_file, passcode) {
                        (Some(f), _) => Some(read_passcode(f)?),
                        (None, true) => Some(ask_passcode()?),
                        (None, false) => None,
                    };
                    Host::Serve { dir: d.clone(), passcode: code, attempts: *attempts, long_lived: *long_lived }
                }
                _ => {
                    return Err(Error::Usage(
                        "say where the link is published: --files DIR (a static web server) or --serve DIR (hrx share serve)".into(),
                    ));
                }
            };
            let req = Request { lang: lang.clone(), categories, expires, label: label.clone(), host, url: url.clone() };
            let made = share::ips(ctx, &req)?;
            for l in &made.left_out {
                out.info(&format!(
                    "warning: entry {} was left out: it is not authentic ({}: {})",
                    l.id, l.code, l.problem
                ));
            }
            if out.json {
                out.json(
                    "share",
                    &serde_json::json!({ "share": made.share.public(), "link": made.link, "left_out": made.left_out }),
                );
            } else {
                out.info(&format!(
                    "share {}: a summary of {} resources, {}; encrypted file {}",
                    made.share.id,
                    made.share.resources,
                    ends(&made.share),
                    made.share.file.display()
                ));
            }
            link(&made.link, qr, *no_qr, out)?;
        }
        ShareCommand::List => {
            let now = ctx.clock.now();
            let shares = share::list(ctx)?;
            if out.json {
                let items: Vec<_> = shares
                    .iter()
                    .map(|s| serde_json::json!({ "share": s.public(), "status": s.status(now) }))
                    .collect();
                out.json("shares", &items);
            } else if shares.is_empty() {
                out.info("no shares of this record on this device");
            } else {
                for s in &shares {
                    let label = s.label.as_deref().map(crate::model::text::printable).unwrap_or_default();
                    out.line(&format!(
                        "{}  {:<8} made {}, {}  {} resources  {}",
                        s.id,
                        format!("{:?}", s.status(now)).to_lowercase(),
                        s.created.format("%Y-%m-%d %H:%M"),
                        ends(s),
                        s.resources,
                        label
                    ));
                }
            }
        }
        ShareCommand::Show { id, qr, no_qr } => {
            if let Some(p) = qr {
                crate::qr::image_file(p)?;
            }
            let (s, l) = share::show(ctx, id)?;
            if out.json {
                out.json("share", &serde_json::json!({ "share": s.public(), "link": l, "left_out": [] }));
            }
            link(&l, qr, *no_qr, out)?;
        }
        ShareCommand::Serve { root, listen, url, tls_cert, tls_key } => {
            let config = crate::ops::serve::Config {
                root: root.clone(),
                listen: *listen,
                url: url.clone(),
                tls: tls_cert.clone().zip(tls_key.clone()),
                clock: ctx.clock,
            };
            crate::ops::serve::serve(config, |addr| {
                use std::io::Write;
                let mut o = std::io::stdout().lock();
                let _ = writeln!(o, "listening on {addr}");
                let _ = o.flush();
            })?;
        }
        ShareCommand::Log => {
            let (logged, commit, warnings) = share::log(ctx)?;
            for w in &warnings {
                out.info(&format!("warning: {w}"));
            }
            if out.json {
                out.json(
                    "share-log",
                    &serde_json::json!({ "recorded": logged, "commit": commit, "warnings": warnings }),
                );
            } else if logged.is_empty() {
                out.info("no new openings of your served links to record");
            } else {
                for l in &logged {
                    out.line(&format!(
                        "share {} opened by {} on {} ({} files)",
                        l.share,
                        crate::model::text::printable(&l.recipient),
                        l.at.format("%Y-%m-%d %H:%M UTC"),
                        l.files
                    ));
                }
                if let Some(c) = commit {
                    out.info(&format!("recorded {} in commit {}", logged.len(), &c[..12]));
                }
            }
        }
        ShareCommand::Update { id } => {
            let s = share::update(ctx, id)?;
            if out.json {
                out.json("share-updated", &s.public());
            } else {
                out.info(&format!("share {}: the summary now holds {} resources", s.id, s.resources));
            }
        }
        ShareCommand::Revoke { id } => {
            let s = share::revoke(ctx, id)?;
            if out.json {
                out.json("share-revoked", &s.public());
            } else {
                match &s.manifest {
                    Some(m) => out.info(&format!(
                        "share {} revoked: its link at {} is marked ended, and the server answers it no more; a copy the host made elsewhere is not ended",
                        s.id,
                        m.display()
                    )),
                    None => out.info(&format!(
                        "share {} revoked: {} is gone from where hrx wrote it; remove any copy of it you put elsewhere (a static host cannot end a link: it serves what it holds)",
                        s.id,
                        s.file.display()
                    )),
                }
            }
        }
    }
    Ok(super::exit::OK)
}

/// The passcode in the first line of `path`.
fn read_passcode(path: &std::path::Path) -> Result<String> {
    let text = crate::fsutil::read_input_text(path, 4096, "a passcode file is one short line")?;
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err(Error::Usage(format!("{}: the first line is empty; write the passcode there", path.display())));
    }
    Ok(line)
}

/// Asks for a new passcode twice, without echo.
fn ask_passcode() -> Result<String> {
    let a = rpassword::prompt_password("Passcode for the link (the receiver types it): ")
        .map_err(|e| Error::io("terminal", e))?;
    if a.trim().is_empty() {
        return Err(Error::Usage(
            "an empty passcode protects nothing; nothing was shared (type one to tell the receiver apart from the link)"
                .into(),
        ));
    }
    let b = rpassword::prompt_password("The same passcode again: ").map_err(|e| Error::io("terminal", e))?;
    if a != b {
        return Err(Error::Usage("the two passcodes differ; nothing was shared".into()));
    }
    Ok(a)
}
