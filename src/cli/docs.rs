//! `hrx generate-docs`: man pages and shell completions from the clap
//! definitions (committed under `man/` and `completions/`; a test fails when
//! they drift from the CLI).

use std::path::{Path, PathBuf};

use clap_complete::Shell;

use super::output::Out;
use crate::error::{Error, Result};

/// Arguments of `hrx generate-docs`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory to write man/ and completions/ into
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

fn exit_status_section() -> String {
    let mut s = String::from(".SH \"EXIT STATUS\"\n");
    for (code, what) in super::exit::TABLE {
        s.push_str(&format!(".TP\n\\fB{code}\\fR\n{what}\n"));
    }
    s
}

/// The SYNOPSIS section, with each option's value (clap_mangen's leaves
/// values out, `[-C ]`): `name [-C DIR] [--json] ... <COMMAND>`.
fn synopsis(cmd: &clap::Command, words: &str) -> String {
    let roff = |s: &str| s.replace('-', "\\-");
    let mut line = format!("\\fB{}\\fR", roff(words));
    for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let value = a
            .get_value_names()
            .and_then(|v| v.first())
            .map(|v| v.to_string())
            .unwrap_or_else(|| a.get_id().as_str().to_uppercase());
        let takes = a.get_num_args().is_some_and(|n| n.takes_values());
        let item = match (a.get_long(), a.get_short()) {
            (Some(l), _) if takes => format!("\\fB\\-\\-{}\\fR \\fI{}\\fR", roff(l), roff(&value)),
            (Some(l), _) => format!("\\fB\\-\\-{}\\fR", roff(l)),
            (None, Some(s)) if takes => format!("\\fB\\-{s}\\fR \\fI{}\\fR", roff(&value)),
            (None, Some(s)) => format!("\\fB\\-{s}\\fR"),
            (None, None) => format!("\\fI{}\\fR", roff(&value)),
        };
        line.push_str(&if a.is_required_set() { format!(" {item}") } else { format!(" [{item}]") });
    }
    if cmd.get_subcommands().any(|c| !c.is_hide_set()) {
        line.push_str(" <\\fICOMMAND\\fR>");
    }
    format!(".SH SYNOPSIS\n{line}\n")
}

fn man_page(cmd: &clap::Command, name: &str, words: &str, out: &Path, top: bool) -> Result<()> {
    let cmd = cmd.clone().name(name.to_string());
    let mut buf = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone())
        .date("")
        .source(format!("hrx {}", env!("CARGO_PKG_VERSION")))
        .manual("hrx manual");
    man.render_title(&mut buf).map_err(|e| Error::io(out, e))?;
    man.render_name_section(&mut buf).map_err(|e| Error::io(out, e))?;
    buf.extend_from_slice(synopsis(&cmd, words).as_bytes());
    man.render_description_section(&mut buf).map_err(|e| Error::io(out, e))?;
    man.render_options_section(&mut buf).map_err(|e| Error::io(out, e))?;
    if cmd.get_subcommands().any(|c| !c.is_hide_set()) {
        man.render_subcommands_section(&mut buf).map_err(|e| Error::io(out, e))?;
    }
    // What --help says after the options: the command's notes, then its
    // examples (a man page is not thinner than --help).
    if let Some(notes) = cmd.get_after_help() {
        let roff = notes.to_string().replace('\\', "\\e").replace('-', "\\-");
        buf.extend_from_slice(format!(".SH NOTES\n{}\n", roff.replace("\n\n", "\n.PP\n")).as_bytes());
    }
    if let Some(ex) = super::examples::man_section(words) {
        buf.extend_from_slice(ex.as_bytes());
    }
    if top {
        buf.extend_from_slice(exit_status_section().as_bytes());
        buf.extend_from_slice(
            b".SH ENVIRONMENT\n.TP\n\\fBHRX_HOME\\fR\nkeystore and configuration directory\n.TP\n\\fBHRX_KEY\\fR\nthe key to act with\n\
.TP\n\\fBHRX_PASSPHRASE_FILE\\fR\nfile holding the secret key's passphrase\n.TP\n\\fBHRX_NOW\\fR\n\
pin the clock to an RFC 3339 time; honoured only by debug (test) builds: a release build refuses it\n\
.TP\n\\fBNO_COLOR\\fR\nif set and not empty, the CLI prints and the TUI draws without colours (https://no-color.org)\n\
.TP\n\\fBHRX_PAGER\\fR, \\fBPAGER\\fR\n\
the pager for long listings (\\fBlog\\fR, \\fBaudit\\fR, \\fBshow\\fR) on a terminal, run by \\fBsh -c\\fR; \
default \\fBless\\fR with \\fBLESS=FRX\\fR unless \\fBLESS\\fR is set; empty or \\fBcat\\fR: none. \
Never used when the output is not a terminal, nor with \\fB--json\\fR or \\fB--no-pager\\fR\n\
.TP\n\\fBHRX_SSH_KEY\\fR\nthe ssh key file to offer (without a passphrase) when \\fBssh-agent\\fR (\\fBSSH_AUTH_SOCK\\fR) has none the server takes; \
default \\fB~/.ssh/id_ed25519\\fR, \\fBid_ecdsa\\fR, \\fBid_rsa\\fR. The server's host key must be in \\fB~/.ssh/known_hosts\\fR\n\
.TP\n\\fBHRX_NET_TIMEOUT\\fR\nseconds a network remote may keep hrx waiting for any answer (default 60)\n\
.TP\n\\fBGIT_CONFIG_GLOBAL\\fR, \\fBGIT_CONFIG_NOSYSTEM\\fR\nas for git: where git's credential helpers and \\fBhttp.sslCAInfo\\fR are read from \
(never from a record's own \\fB.git/config\\fR); \\fBSSL_CERT_FILE\\fR adds authorities for https\n.SH \"SEE ALSO\"\n\\fBhrx-repository\\fR(5), \\fBgit\\fR(1), \\fBgpg\\fR(1)\n",
        );
    }
    if top {
        man.render_version_section(&mut buf).map_err(|e| Error::io(out, e))?;
    }
    write(&out.join(format!("{name}.1")), &buf)?;
    // Every page the SUBCOMMANDS section names exists (hrx-help(1) too).
    for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
        man_page(sub, &format!("{name}-{}", sub.get_name()), &format!("{words} {}", sub.get_name()), out, false)?;
    }
    Ok(())
}

/// Puts the REASON CODES table, generated from [`crate::model::Reason`],
/// into the hand-written format page under `man`, if it is there.
fn reason_codes(man: &Path) -> Result<()> {
    let page = man.join("hrx-repository.5");
    let Ok(text) = std::fs::read_to_string(&page) else { return Ok(()) };
    let head = ".SH REASON CODES\n";
    let start = text
        .find(head)
        .ok_or_else(|| Error::Invalid(format!("{} has no REASON CODES section to fill", page.display())))?;
    let end = text[start + head.len()..].find("\n.SH ").map_or(text.len(), |n| start + head.len() + n + 1);
    let new = format!("{}{}{}", &text[..start], crate::model::reason::man_section(), &text[end..]);
    write(&page, new.as_bytes())
}

/// Bash: values only the record and the keystore know, asked of the
/// hidden `hrx complete` (which never decrypts nor asks for a passphrase);
/// everything else is clap's completion (`_hrx`).
const BASH_VALUES: &str = r#"
# Values only the record and the keystore know (entry ids, grants,
# fingerprints, remotes, display languages), from `hrx complete`, which
# never decrypts and never asks for a passphrase. The rest is _hrx's.
_hrx_values() {
    local dir=() i
    for ((i = 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == -C ]] && dir=(-C "${COMP_WORDS[i+1]}")
    done
    command hrx "${dir[@]}" complete "$1" 2>/dev/null
}
_hrx_dynamic() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} what="" words=() i
    case "$prev" in
        --key) what=keys ;;
        --lang) what=languages ;;
        --trust-root) what=fingerprints ;;
    esac
    if [[ -z $what && $cur != -* ]]; then
        # The subcommand's words so far, without options and their values.
        for ((i = 1; i < COMP_CWORD; i++)); do
            case ${COMP_WORDS[i]} in
                -C | --key | --home | --passphrase-file) ((i++)) ;;
                -*) ;;
                *) words+=("${COMP_WORDS[i]}") ;;
            esac
        done
        case "${words[*]}" in
            show) what=entries ;;
            revoke) what=grants ;;
            grant | delegate | "key export" | "key revoke") what=fingerprints ;;
            sync) what=remotes ;;
        esac
    fi
    if [[ -n $what ]]; then
        COMPREPLY=($(compgen -W "$(_hrx_values "$what")" -- "$cur"))
        return 0
    fi
    _hrx "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _hrx_dynamic -o nosort -o bashdefault -o default hrx
else
    complete -F _hrx_dynamic -o bashdefault -o default hrx
fi
"#;

/// Zsh: clap's `_hrx` becomes `_hrx_clap`, and `_hrx` first offers the
/// values of [`BASH_VALUES`] where they belong.
fn zsh_with_values(clap: &[u8]) -> Result<Vec<u8>> {
    let text = String::from_utf8_lossy(clap);
    let dispatch = "if [ \"$funcstack[1]\" = \"_hrx\" ]; then";
    let (body, _) = text
        .split_once(dispatch)
        .ok_or_else(|| Error::Invalid("clap's zsh completion no longer ends as expected".into()))?;
    let body = body.replacen("\n_hrx() {\n", "\n_hrx_clap() {\n", 1);
    Ok(format!("{body}{ZSH_VALUES}").into_bytes())
}

const ZSH_VALUES: &str = r#"# Values only the record and the keystore know (entry ids, grants,
# fingerprints, remotes, display languages), from `hrx complete`, which
# never decrypts and never asks for a passphrase. The rest is _hrx_clap's.
_hrx_values() {
    local -a dir
    local i
    for ((i = 2; i < CURRENT; i++)); do
        [[ ${words[i]} == -C ]] && dir=(-C "${words[i+1]}")
    done
    command hrx "${dir[@]}" complete "$1" 2>/dev/null
}

_hrx() {
    local what="" prev=${words[CURRENT-1]} cur=${words[CURRENT]} i
    local -a cmd values
    case $prev in
        --key) what=keys ;;
        --lang) what=languages ;;
        --trust-root) what=fingerprints ;;
    esac
    if [[ -z $what && $cur != -* ]]; then
        for ((i = 2; i < CURRENT; i++)); do
            case ${words[i]} in
                -C|--key|--home|--passphrase-file) ((i++)) ;;
                -*) ;;
                *) cmd+=("${words[i]}") ;;
            esac
        done
        case "${cmd[*]}" in
            show) what=entries ;;
            revoke) what=grants ;;
            grant|delegate|"key export"|"key revoke") what=fingerprints ;;
            sync) what=remotes ;;
        esac
    fi
    if [[ -n $what ]]; then
        values=(${(f)"$(_hrx_values $what)"})
        compadd -a values
        return
    fi
    _hrx_clap "$@"
}

if [ "$funcstack[1]" = "_hrx" ]; then
    _hrx "$@"
else
    compdef _hrx hrx
fi
"#;

/// Fish: the same values as [`BASH_VALUES`].
const FISH_VALUES: &str = r#"
# Values only the record and the keystore know, from `hrx complete` (it
# never decrypts and never asks for a passphrase).
complete -c hrx -n "__fish_seen_subcommand_from show" -f -a "(hrx complete entries 2>/dev/null)"
complete -c hrx -n "__fish_seen_subcommand_from revoke" -f -a "(hrx complete grants 2>/dev/null)"
complete -c hrx -n "__fish_seen_subcommand_from grant delegate" -f -a "(hrx complete fingerprints 2>/dev/null)"
complete -c hrx -n "__fish_seen_subcommand_from sync" -f -a "(hrx complete remotes 2>/dev/null)"
complete -c hrx -l key -x -a "(hrx complete keys 2>/dev/null)"
complete -c hrx -l lang -x -a "(hrx complete languages 2>/dev/null)"
"#;

/// Writes every man page and completion script under `out`, and fills the
/// generated table of the format page there.
pub fn generate(out: &Path) -> Result<()> {
    let man = out.join("man");
    let comp = out.join("completions");
    for d in [&man, &comp] {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    let mut cmd = super::command();
    cmd.build();
    man_page(&cmd, "hrx", "hrx", &man, true)?;
    reason_codes(&man)?;
    // Completions offer what a user types: not the packagers' hidden
    // command (clap_complete lists hidden subcommands).
    let base = super::command();
    let mut shown = clap::Command::new("hrx")
        .version(base.get_version().unwrap_or_default().to_string())
        .args(base.get_arguments().cloned())
        .subcommands(base.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    shown.build();
    for (shell, file) in [(Shell::Bash, "hrx.bash"), (Shell::Zsh, "_hrx"), (Shell::Fish, "hrx.fish")] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut shown.clone(), "hrx", &mut buf);
        match shell {
            Shell::Bash => buf.extend_from_slice(BASH_VALUES.as_bytes()),
            Shell::Fish => buf.extend_from_slice(FISH_VALUES.as_bytes()),
            Shell::Zsh => buf = zsh_with_values(&buf)?,
            _ => {}
        }
        write(&comp.join(file), &buf)?;
    }
    Ok(())
}

/// Runs `hrx generate-docs`.
pub fn run(a: &Args, out: &Out) -> Result<i32> {
    generate(&a.out)?;
    out.info(&format!("wrote man/ and completions/ under {}", a.out.display()));
    Ok(super::exit::OK)
}
