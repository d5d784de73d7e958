//! `hrx share ips|list|show|revoke`.

use std::path::PathBuf;

use clap::Subcommand;

use super::output::Out;
use crate::error::Result;
use crate::ops::Context;
use crate::ops::share::{self, Request, Share};
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
        /// Only these categories (comma-separated), or `all`; who the patient is always goes with it
        #[arg(long, value_delimiter = ',', value_name = "CATEGORIES", value_parser = super::categories(), default_value = "all")]
        categories: Vec<String>,
        /// When the link ends (YYYY-MM-DD or RFC 3339), or `never` [default: in 7 days]
        #[arg(long, value_name = "WHEN")]
        expires: Option<String>,
        /// What the receiver sees before opening it (at most 80 characters)
        #[arg(long)]
        label: Option<String>,
        /// The link's kind: U, one encrypted file fetched directly (the only kind yet)
        #[arg(long, default_value = "U", value_parser = ["U"])]
        flag: String,
        /// The directory your web server publishes (the encrypted file is written there)
        #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        files: PathBuf,
        /// The https:// address --dir is published at
        #[arg(long, value_name = "URL", value_hint = clap::ValueHint::Url)]
        url: String,
        /// Also write the QR code to FILE (.png or .svg), for printing
        #[arg(long, value_name = "FILE")]
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
        #[arg(long, value_name = "FILE")]
        qr: Option<PathBuf>,
        /// Print the link only, no QR code
        #[arg(long)]
        no_qr: bool,
    },
    /// End a share at once: its file is removed from the directory it was written to
    Revoke {
        /// The share's id (from `hrx share list`)
        id: String,
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
        ShareCommand::Ips { lang, categories, expires, label, flag: _, files, url, qr, no_qr } => {
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
            let req = Request {
                lang: lang.clone(),
                categories,
                expires,
                label: label.clone(),
                dir: files.clone(),
                url: url.clone(),
            };
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
        ShareCommand::Revoke { id } => {
            let s = share::revoke(ctx, id)?;
            if out.json {
                out.json("share-revoked", &s.public());
            } else {
                out.info(&format!(
                    "share {} revoked: {} removed; remove any copy of it you put elsewhere",
                    s.id,
                    s.file.display()
                ));
            }
        }
    }
    Ok(super::exit::OK)
}
