//! Examples for each command, shown at the end of `--help` and as the
//! EXAMPLES section of its man page. A test parses every example with the
//! CLI's own definitions, so none drifts from what hrx accepts.
//!
//! `$ANNA`, `$KLEIN`, `$RUIZ` stand for fingerprints (as the README's
//! walkthrough keeps them in variables).

/// The examples of the command named by `words` (e.g. "hrx grant"): each
/// a comment line and a command line.
pub fn of(words: &str) -> &'static [(&'static str, &'static str)] {
    match words {
        "hrx init" => &[
            ("Make a new record in ./anna-record, signed by your default key", "hrx init anna-record"),
            ("The same, as the key of a given fingerprint", "hrx init anna-record --key $ANNA"),
        ],
        "hrx key generate" => &[
            ("A patient's key", "hrx key generate --name 'Anna Weber' --email anna@example.org --country DE"),
            (
                "A provider's key, with its organisation",
                "hrx key generate --name 'Dr. Ruiz' --organisation 'Hospital La Fe' --country ES",
            ),
        ],
        "hrx key import" => &[("Import a provider's public certificate", "hrx key import klein.asc")],
        "hrx key export" => &[("Give your certificate to the patient", "hrx key export $KLEIN > klein.asc")],
        "hrx key rotate" => {
            &[("A new key for the record's patient; old entries stay readable", "hrx -C anna-record key rotate")]
        }
        "hrx key revoke" => &[(
            "A stolen laptop: commits signed by its key after the theft count for nothing",
            "hrx -C anna-record key revoke $KLEIN --compromised --since 2026-11-30",
        )],
        "hrx key extend" => &[(
            "Extend your own key by two years and publish it into the record",
            "hrx -C anna-record key extend --for 2y",
        )],
        "hrx key update" => &[(
            "Bring a provider's renewed certificate into the record",
            "hrx -C anna-record key update klein-renewed.asc",
        )],
        "hrx add" => &[
            ("A note", "hrx add note --title 'Visit' --text 'BP 128/82, continue ramipril'"),
            (
                "An allergy, coded in SNOMED CT, with its criticality",
                "hrx add allergy --code snomed:91936005 --display 'Allergy to penicillin' --criticality high",
            ),
            (
                "A medication, in German",
                "hrx add medication --code atc:C09AA05 --display Ramipril --dosage '5 mg daily' --lang de",
            ),
            ("From a file: start from the example and edit it", "hrx add condition --example > c.yaml"),
            ("", "hrx add condition --file c.yaml"),
            ("A scanned discharge letter", "hrx add document --title 'Discharge letter' --attach letter.pdf"),
        ],
        "hrx log" => &[
            ("Everything you may read, newest first", "hrx log"),
            ("Allergies, with coded terms in Spanish where the record has them", "hrx log --kind allergy --lang es"),
            ("What happened in 2026, as JSON", "hrx log --since 2026 --until 2026 --json"),
        ],
        "hrx show" => &[("One entry, by a unique prefix of its id", "hrx show 7f3a")],
        "hrx grant" => &[
            (
                "The GP reads and writes general notes, allergies and medications for a year",
                "hrx grant $KLEIN --categories general,allergy,medication --rights read,write --until 2027-12-01",
            ),
            (
                "A hospital reads everything, including the entries already there",
                "hrx grant $RUIZ --categories all --include-past --until 2026-12-31",
            ),
            (
                "A contact point may open the record in an emergency",
                "hrx grant $NCP --categories all --purpose emergency",
            ),
        ],
        "hrx grants" => &[
            ("The grants in force, with who holds them", "hrx grants"),
            ("All of them, ended too, as JSON", "hrx grants --all --json"),
        ],
        "hrx revoke" => &[
            ("End every grant of a provider", "hrx revoke $RUIZ"),
            ("End one grant, by its id (from hrx grants)", "hrx revoke 3c5e9a"),
        ],
        "hrx delegate" => {
            &[("A parent manages a child's record", "hrx delegate $PARENT --categories all --until 2040-05-01")]
        }
        "hrx emergency open" => &[(
            "Break glass: read the emergency summary, and leave a signed trace of why",
            "hrx emergency open --reason 'Unconscious on admission, A&E Valencia'",
        )],
        "hrx remote add" => &[
            ("A hub the providers sync through", "hrx remote add hub ssh://git@hub.example.org/anna.git"),
            ("A USB stick", "hrx remote add stick /media/anna/STICK/anna.git"),
            (
                "A new hub on this machine that refuses every push that does not verify",
                "hrx remote add hub /srv/hrx/anna.git --create",
            ),
        ],
        "hrx remote rename" => &[("Give a remote a clearer name", "hrx remote rename hub berlin-hub")],
        "hrx remote set-url" => &[("The hub moved", "hrx remote set-url hub ssh://git@new-hub.example.org/anna.git")],
        "hrx hook install" => &[(
            "On the provider's git server, in a bare repository made with `git init --bare -b main`",
            "hrx -C /srv/git/anna.git hook install --patient $ANNA",
        )],
        "hrx sync" => &[
            ("Fetch, verify and integrate from every remote, then push", "hrx sync"),
            ("One remote, as JSON", "hrx sync hub --json"),
            (
                "Every patient's copy in a directory, four at a time, as JSON lines (a nightly job)",
                "hrx sync --records /srv/hrx/records --jobs 4 --json",
            ),
        ],
        "hrx clone" => &[
            (
                "A provider's first copy, checked against the patient's fingerprint",
                "hrx clone ssh://git@hub.example.org/anna.git anna-record --trust-root $ANNA",
            ),
            ("A copy from a bundle the patient brought", "hrx clone anna.bundle anna-record --trust-root $ANNA"),
        ],
        "hrx bundle create" => &[
            ("The whole record in one file, for a stick or email", "hrx bundle create anna.bundle"),
            ("Only what came after a commit the other side has", "hrx bundle create new.bundle --since 1a2b3c4d"),
        ],
        "hrx bundle import" => &[("Take in what a provider sent back", "hrx bundle import la-fe.bundle")],
        "hrx export ips" => &[(
            "The International Patient Summary in Spanish, for the hospital's EHR",
            "hrx export ips --lang es -o anna-ips.json",
        )],
        "hrx export summary" => &[
            ("The one-page emergency summary in Spanish, on the screen", "hrx export summary --lang es"),
            ("The same as a page to print from a browser", "hrx export summary --lang es -o anna-summary.html"),
        ],
        "hrx share ips" => &[
            (
                "A summary in Spanish, written into the web server's directory /srv/shl (at https://x.example/shl)",
                "hrx share ips --lang es --files /srv/shl --url https://x.example/shl",
            ),
            (
                "Only allergies and medications, the QR code printed too",
                "hrx share ips --categories allergy,medication --qr anna.png --files www --url https://x.org/s",
            ),
            ("A link that ends on 10 December", "hrx share ips --expires 2026-12-10 --files www --url https://x.org/s"),
            (
                "A link hrx share serve answers, with a passcode the receiver must type",
                "hrx share ips --serve /srv/shl --url https://x.org/shl --passcode",
            ),
        ],
        "hrx share list" => &[("The links you made, and which still open", "hrx share list")],
        "hrx share serve" => &[
            (
                "Serve links made with --serve /srv/shl behind nginx (proxy_pass to 127.0.0.1:8443)",
                "hrx share serve /srv/shl --listen 127.0.0.1:8443 --url https://x.org/shl",
            ),
            (
                "Serve HTTPS itself, with the provider's certificate",
                "hrx share serve /srv/shl --listen 0.0.0.0:443 --url https://x.org/shl --tls-cert c --tls-key k",
            ),
        ],
        "hrx share log" => {
            &[("Record who opened your served links, then see them in the audit trail", "hrx share log")]
        }
        "hrx share update" => &[("Publish a long-lived link's summary again", "hrx share update 6e7a88e939fb")],
        "hrx share show" => {
            &[("Show a link's QR code again, for the clinician to scan", "hrx share show 6e7a88e939fb")]
        }
        "hrx share revoke" => &[("End a link at once", "hrx share revoke 6e7a88e939fb")],
        "hrx export fhir" => {
            &[("Every entry you may read as a FHIR R4 collection bundle", "hrx export fhir -o anna.json")]
        }
        "hrx import fhir" => &[("A discharge summary from the hospital's EHR", "hrx import fhir discharge.json")],
        "hrx verify" => &[
            ("Every commit from the root, inner signatures of the entries you can read included", "hrx verify"),
            ("Without decrypting (an auditor without a key)", "hrx verify --no-decrypt --json"),
        ],
        "hrx audit" => &[("Who did what, when; emergency access marked !!", "hrx audit")],
        "hrx status" => &[("What this copy is, and what needs attention", "hrx status")],
        "hrx schema" => &[("The fields of an allergy record", "hrx schema allergy")],
        "hrx recovery setup" => &[(
            "Any two of three trustees can restore the patient's key",
            "hrx recovery setup --trustees $KLEIN,$SISTER,$NOTARY --threshold 2",
        )],
        _ => &[],
    }
}

/// The examples as text for `--help` (after the command's notes).
pub fn help_text(words: &str) -> Option<String> {
    let ex = of(words);
    if ex.is_empty() {
        return None;
    }
    let mut s = String::from("Examples:\n");
    for (what, cmd) in ex {
        if !what.is_empty() {
            s.push_str(&format!("  # {what}\n"));
        }
        s.push_str(&format!("  {cmd}\n"));
    }
    Some(s.trim_end().to_string())
}

/// The examples as a man page's EXAMPLES section (roff).
pub fn man_section(words: &str) -> Option<String> {
    let ex = of(words);
    if ex.is_empty() {
        return None;
    }
    let roff = |s: &str| s.replace('\\', "\\e").replace('-', "\\-");
    let mut s = String::from(".SH EXAMPLES\n");
    for (what, cmd) in ex {
        if !what.is_empty() {
            s.push_str(&format!(".PP\n{}\n", roff(what)));
        }
        s.push_str(&format!(".PP\n.RS 4\n.nf\n\\fB{}\\fR\n.fi\n.RE\n", roff(cmd)));
    }
    Some(s)
}

/// Splits an example into words as a shell would (single and double
/// quotes; `$VAR` and `>` redirections are left as words).
pub fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    let mut any = false;
    for c in cmd.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, ' ') => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (_, c) => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_as_a_shell_splits_them() {
        assert_eq!(
            words("hrx add note --title 'A visit' --text \"x y\""),
            ["hrx", "add", "note", "--title", "A visit", "--text", "x y"]
        );
        assert_eq!(words("hrx  grants"), ["hrx", "grants"]);
        assert_eq!(words("hrx x ''"), ["hrx", "x", ""]);
    }
}
