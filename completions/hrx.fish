# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_hrx_global_optspecs
    string join \n C= json key= passphrase-file= home= q/quiet no-pager h/help V/version
end

function __fish_hrx_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_hrx_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_hrx_using_subcommand
    set -l cmd (__fish_hrx_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c hrx -n "__fish_hrx_needs_command" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_needs_command" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_needs_command" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_needs_command" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_needs_command" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_needs_command" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_needs_command" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_needs_command" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_needs_command" -s V -l version -d 'Print version'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "key" -d 'Manage your keys and the certificates of others'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "init" -d 'Create a new patient record'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "add" -d 'Add an entry to the record'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "schema" -d 'The fields of an entry kind: shapes, which are required, which hrx fills in'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "log" -d 'List the record\'s entries in time order'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "show" -d 'Show one entry in full'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "verify" -d 'Authenticate the record\'s whole history from its root'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "status" -d 'Your key and your standing in the record, with what needs doing'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "grant" -d 'Grant a participant rights on categories of the record'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "revoke" -d 'Revoke a grant, or every grant of a participant'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "grants" -d 'List who holds which rights on the record'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "delegate" -d 'Name a guardian who manages access for the patient'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "recovery" -d 'Recovery of the patient\'s key by trustees, any k of n together'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "emergency" -d 'Break-glass access to the emergency summary'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "audit" -d 'The audit trail: every commit, who signed it, what it did'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "clone" -d 'Get a copy of a record from a git URL or a bundle, verified from its root'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "remote" -d 'Manage the remote copies of the record'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "sync" -d 'Exchange new commits with remotes: fetch, verify, merge, push'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "hook" -d 'A hub on a provider\'s git server: refuse every push that would not verify'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "bundle" -d 'Hand over the record as one file, with no network'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "import" -d 'Import health data from other systems (HL7 FHIR R4)'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "export" -d 'Export what you may read as HL7 FHIR R4 (an International Patient Summary, or everything)'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "share" -d 'Share your summary with a clinic that has no hrx: a SMART Health Link and its QR code'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "tui" -d 'Browse the record in the terminal: timeline, entries, grants, audit'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "demo" -d 'Create a demo record (patient and provider) in a temporary place'
complete -c hrx -n "__fish_hrx_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "generate" -d 'Generate a new key (Ed25519 signing, Cv25519 encryption) in your keystore'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "list" -d 'List the keys and certificates in your keystore'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "export" -d 'Print a certificate (or, with --secret, the secret key), armoured'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "backup" -d 'Write a paper backup of your secret key: lines to type back and a QR code'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "restore" -d 'Restore your secret key from a paper backup (typed back, or the QR code\'s text)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "import" -d 'Import certificates or secret keys (armoured or binary, e.g. from gpg)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "to-agent" -d 'Move your secret key from hrx\'s keystore into gpg-agent'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "passwd" -d 'Change the passphrase of your key in the keystore'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "update" -d 'Add a participant\'s newer certificate to the record (extended expiry, new subkeys, revocations), as an appended keys/FPR/ID.asc'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "revoke" -d 'Revoke a key (your own, or, as the patient, a participant\'s) and publish the revocation into the record'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "rotate" -d 'Replace your key with a new one, keeping your place in the record'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "extend" -d 'Set when your key expires (an expired key too), and publish the refreshed certificate into the record when run in one'
complete -c hrx -n "__fish_hrx_using_subcommand key; and not __fish_seen_subcommand_from generate list export backup restore import to-agent passwd update revoke rotate extend help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -l name -d 'Your name, or the name of the practice or hospital' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -l email -d 'Email address' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -l organisation -d 'Organisation (practice, hospital, contact point)' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -l country -d 'Country, ISO 3166-1 alpha-2 (e.g. DE, ES)' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -l no-passphrase -d 'Store the secret key without a passphrase'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from list" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from list" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from list" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from list" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from list" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to FILE (mode 0600) instead of standard output; a secret key is never printed on a terminal' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from export" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from export" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from export" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from export" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from export" -l secret -d 'Export the secret key too (still protected by its passphrase)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from export" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from export" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from backup" -s o -l output -d 'Where to write it (mode 0600; .svg for a printable page)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from backup" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from backup" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from backup" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from backup" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from backup" -l paper -d 'A paper backup (the only kind)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from backup" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from backup" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from backup" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from restore" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from restore" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from restore" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from restore" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from restore" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from restore" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from restore" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from import" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from import" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from import" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from import" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from import" -l gpg-agent -d 'The secret keys stay in gpg-agent; FILE is the certificate'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from import" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from import" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from to-agent" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from to-agent" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from to-agent" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from to-agent" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from to-agent" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from to-agent" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from to-agent" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from to-agent" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from passwd" -l new-passphrase-file -d 'Read the new passphrase from the first line of FILE (scripts)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from passwd" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from passwd" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from passwd" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from passwd" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from passwd" -l no-passphrase -d 'Store the key without a passphrase from now on'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from passwd" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from passwd" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from passwd" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from passwd" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from update" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from update" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from update" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from update" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from update" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from update" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from update" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -l since -d 'With --compromised: from when the key may have been in other hands (YYYY-MM-DD or RFC 3339); what it signed from then on is void' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -l reason -d 'Why, in a few words (kept in the revocation, public)' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -l compromised -d 'The key may be in someone else\'s hands'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -l retired -d 'The key is no longer used'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from rotate" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from rotate" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from rotate" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from rotate" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from rotate" -l no-passphrase -d 'Store the new secret key without a passphrase'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from rotate" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from rotate" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -l until -d 'The new expiry: a date (YYYY-MM-DD) or RFC 3339 time' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -l for -d 'The new expiry from now: N followed by d, w, m or y (e.g. 2y)' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -l never -d 'Never expire'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from extend" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "generate" -d 'Generate a new key (Ed25519 signing, Cv25519 encryption) in your keystore'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the keys and certificates in your keystore'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print a certificate (or, with --secret, the secret key), armoured'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Write a paper backup of your secret key: lines to type back and a QR code'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Restore your secret key from a paper backup (typed back, or the QR code\'s text)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import certificates or secret keys (armoured or binary, e.g. from gpg)'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "to-agent" -d 'Move your secret key from hrx\'s keystore into gpg-agent'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "passwd" -d 'Change the passphrase of your key in the keystore'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "update" -d 'Add a participant\'s newer certificate to the record (extended expiry, new subkeys, revocations), as an appended keys/FPR/ID.asc'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a key (your own, or, as the patient, a participant\'s) and publish the revocation into the record'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Replace your key with a new one, keeping your place in the record'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "extend" -d 'Set when your key expires (an expired key too), and publish the refreshed certificate into the record when run in one'
complete -c hrx -n "__fish_hrx_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand init" -l patient -d 'The patient\'s certificate fingerprint (a key in your keystore) [default: your key]' -r
complete -c hrx -n "__fish_hrx_using_subcommand init" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand init" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand init" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand init" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand init" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand init" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand init" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand add" -s f -l file -d 'Read the record from FILE (YAML), or - for standard input' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand add" -l text -d 'Free text (note: the note\'s text)' -r
complete -c hrx -n "__fish_hrx_using_subcommand add" -l title -d 'Title (note)' -r
complete -c hrx -n "__fish_hrx_using_subcommand add" -l code -d 'Coded term SYSTEM:CODE, e.g. snomed:91936005, atc:J01CA04, icd10:J45' -r
complete -c hrx -n "__fish_hrx_using_subcommand add" -l display -d 'Display of the coded term (in --lang)' -r
complete -c hrx -n "__fish_hrx_using_subcommand add" -l lang -d 'Language of --display and --text' -r -f
complete -c hrx -n "__fish_hrx_using_subcommand add" -l category -d 'Category, if not the kind\'s default (e.g. mental-health)' -r -f -a "demographics\t''
general\t''
allergy\t''
medication\t''
problem\t''
immunization\t''
results\t''
procedure\t''
device\t''
document\t''
advance-directive\t''
mental-health\t''
sexual-health\t''
genetic\t''"
complete -c hrx -n "__fish_hrx_using_subcommand add" -l date -l effective -d 'When it happened, as precisely as known: YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339 (default: not said; listed by when it was recorded)' -r
complete -c hrx -n "__fish_hrx_using_subcommand add" -l criticality -d 'Allergy criticality: low, high, unable-to-assess' -r -f -a "low\t''
high\t''
unable-to-assess\t''"
complete -c hrx -n "__fish_hrx_using_subcommand add" -l dosage -d 'Medication dosage, free text' -r
complete -c hrx -n "__fish_hrx_using_subcommand add" -l attach -d 'Document: the file to attach (PDF, image, ...); it is stored encrypted' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand add" -l content-type -d 'Document: media type of --attach [default: from the file name]' -r
complete -c hrx -n "__fish_hrx_using_subcommand add" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand add" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand add" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand add" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand add" -l example -d 'Print a complete example record of KIND (YAML to edit and give with --file), and add nothing'
complete -c hrx -n "__fish_hrx_using_subcommand add" -l skip-unusable-recipients -d 'Write even if a reader\'s certificate has expired or was revoked, leaving that reader out (named on stderr); never the patient or you'
complete -c hrx -n "__fish_hrx_using_subcommand add" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand add" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand add" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand schema" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand schema" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand schema" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand schema" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand schema" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand schema" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand schema" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand log" -l kind -d 'Only entries of this kind' -r -f -a "patient\t''
note\t''
allergy\t''
condition\t''
medication\t''
immunization\t''
observation\t''
procedure\t''
document\t''
device\t''
advance-directive\t''"
complete -c hrx -n "__fish_hrx_using_subcommand log" -l since -d 'Only entries that happened (in part) on or after this: YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339' -r
complete -c hrx -n "__fish_hrx_using_subcommand log" -l until -d 'Only entries that happened (in part) up to the end of this: YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339' -r
complete -c hrx -n "__fish_hrx_using_subcommand log" -l lang -d 'Show coded terms in this language where the record has it (else English, else the original)' -r -f
complete -c hrx -n "__fish_hrx_using_subcommand log" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand log" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand log" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand log" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand log" -l recorded -d 'Order and filter by the time entries were recorded, not the time they happened'
complete -c hrx -n "__fish_hrx_using_subcommand log" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand log" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand log" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand show" -l lang -d 'Show coded terms in this language where the record has it (else English, else the original)' -r -f
complete -c hrx -n "__fish_hrx_using_subcommand show" -l save-attachment -d 'Write the entry\'s attached file to PATH (decrypted: you choose where)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand show" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand show" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand show" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand show" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand show" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand show" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand show" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand verify" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand verify" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand verify" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand verify" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand verify" -l no-decrypt -d 'Do not decrypt entries to check their inner signatures'
complete -c hrx -n "__fish_hrx_using_subcommand verify" -l accept-rollback -d 'Accept a history older than the one this device verified in this copy before (an old backup restored on purpose)'
complete -c hrx -n "__fish_hrx_using_subcommand verify" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand verify" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand verify" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand status" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand status" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand status" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand status" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand status" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand status" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand status" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l categories -d 'Categories, comma-separated, or `all`: required (for --purpose emergency the default is the emergency summary)' -r -f -a "demographics\t''
general\t''
allergy\t''
medication\t''
problem\t''
immunization\t''
results\t''
procedure\t''
device\t''
document\t''
advance-directive\t''
mental-health\t''
sexual-health\t''
genetic\t''
all\t''"
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l rights -d 'Rights: read, read,write, or write (write alone: adds entries in these categories, reads only its own)' -r -f -a "read\t''
write\t''"
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l purpose -d 'Purpose: treatment, emergency or research' -r -f -a "treatment\t''
emergency\t''
research\t''"
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l from -d 'Valid from (YYYY-MM-DD or RFC 3339) [default: now]' -r
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l until -d 'Valid until, exclusive (YYYY-MM-DD or RFC 3339) [default: open-ended]' -r
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l note -d 'A note for your own reference (stored in plain text)' -r
complete -c hrx -n "__fish_hrx_using_subcommand grant" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l include-past -d 'Also let the grantee read the existing entries in scope (always, for emergency grants)'
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand grant" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand grant" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand grant" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand revoke" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand revoke" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand revoke" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand revoke" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand revoke" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand revoke" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand revoke" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand grants" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand grants" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand grants" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand grants" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand grants" -l all -d 'Include expired and revoked grants'
complete -c hrx -n "__fish_hrx_using_subcommand grants" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand grants" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand grants" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand grants" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -l role -d 'The delegate\'s role' -r
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -l categories -d 'Categories in scope, comma-separated, or `all`' -r -f -a "demographics\t''
general\t''
allergy\t''
medication\t''
problem\t''
immunization\t''
results\t''
procedure\t''
device\t''
document\t''
advance-directive\t''
mental-health\t''
sexual-health\t''
genetic\t''
all\t''"
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -l until -d 'Valid until, exclusive (YYYY-MM-DD or RFC 3339) [default: open-ended]' -r
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -l include-past -d 'Also let the delegate read the existing entries in scope'
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand delegate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -f -a "setup" -d 'Let trustees recover your key together (the patient, once)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -f -a "status" -d 'Who holds shares of the patient\'s key, and whether the set-up is current'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -f -a "start" -d 'On a new device with a copy of the record: ask the trustees for the patient\'s key'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -f -a "approve" -d 'As a trustee: approve a recovery request with your share'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -f -a "finish" -d 'Finish a recovery with the trustees\' approvals: the patient\'s key is back in this keystore'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and not __fish_seen_subcommand_from setup status start approve finish help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -l trustees -d 'The trustees\' fingerprints (or unique prefixes), comma-separated: participants, or certificates in your keystore' -r
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -l threshold -d 'How many trustees must approve a recovery (at least 2)' -r
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -l no-rotate -d 'When it replaces a set-up of your key: keep the key instead of replacing it (the earlier trustees\' shares then still open it)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -l no-passphrase -d 'Store the new secret key of the rotation without a passphrase'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from status" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from status" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from status" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from status" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from status" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from status" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from start" -s o -l output -d 'Where to write the request' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from start" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from start" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from start" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from start" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from start" -l no-passphrase -d 'Keep the one-time key without a passphrase (and the recovered key, later)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from start" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from start" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from start" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from approve" -s o -l output -d 'Where to write the approval, for the requester' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from approve" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from approve" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from approve" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from approve" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from approve" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from approve" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from approve" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from approve" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from finish" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from finish" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from finish" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from finish" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from finish" -l no-passphrase -d 'Keep the recovered key without a passphrase'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from finish" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from finish" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from finish" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from finish" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from help" -f -a "setup" -d 'Let trustees recover your key together (the patient, once)'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from help" -f -a "status" -d 'Who holds shares of the patient\'s key, and whether the set-up is current'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from help" -f -a "start" -d 'On a new device with a copy of the record: ask the trustees for the patient\'s key'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from help" -f -a "approve" -d 'As a trustee: approve a recovery request with your share'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from help" -f -a "finish" -d 'Finish a recovery with the trustees\' approvals: the patient\'s key is back in this keystore'
complete -c hrx -n "__fish_hrx_using_subcommand recovery; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and not __fish_seen_subcommand_from open help" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and not __fish_seen_subcommand_from open help" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and not __fish_seen_subcommand_from open help" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and not __fish_seen_subcommand_from open help" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and not __fish_seen_subcommand_from open help" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and not __fish_seen_subcommand_from open help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and not __fish_seen_subcommand_from open help" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and not __fish_seen_subcommand_from open help" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and not __fish_seen_subcommand_from open help" -f -a "open" -d 'Break the glass: record a signed access event, then show the emergency summary'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and not __fish_seen_subcommand_from open help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from open" -l reason -d 'Why: required, it is the accountability (stored in plain text in the record: keep it short, no diagnosis)' -r
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from open" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from open" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from open" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from open" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from open" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from open" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from open" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from open" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from help" -f -a "open" -d 'Break the glass: record a signed access event, then show the emergency summary'
complete -c hrx -n "__fish_hrx_using_subcommand emergency; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand audit" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand audit" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand audit" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand audit" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand audit" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand audit" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand audit" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand clone" -l trust-root -d 'The patient\'s fingerprint or the root commit, as the patient reads it out' -r
complete -c hrx -n "__fish_hrx_using_subcommand clone" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand clone" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand clone" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand clone" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand clone" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand clone" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand clone" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand clone" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -f -a "add" -d 'Add a remote copy of the record (any git URL)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -f -a "list" -d 'List the remotes'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -f -a "remove" -d 'Remove a remote (and what this device remembers of it)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -f -a "rename" -d 'Rename a remote (it is still held to what was verified from it)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -f -a "set-url" -d 'Point a remote at a new URL (it must still hold what was verified from it)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and not __fish_seen_subcommand_from add list remove rename set-url help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from add" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from add" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from add" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from add" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from add" -l create -d 'Make a new hub there first (a path on this machine): a bare repository that refuses every push that does not verify'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from add" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from add" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from list" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from list" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from list" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from list" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from list" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from remove" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from remove" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from remove" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from remove" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from remove" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from remove" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from rename" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from rename" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from rename" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from rename" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from rename" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from rename" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from rename" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from set-url" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from set-url" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from set-url" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from set-url" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from set-url" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from set-url" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from set-url" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from set-url" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a remote copy of the record (any git URL)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the remotes'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a remote (and what this device remembers of it)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from help" -f -a "rename" -d 'Rename a remote (it is still held to what was verified from it)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from help" -f -a "set-url" -d 'Point a remote at a new URL (it must still hold what was verified from it)'
complete -c hrx -n "__fish_hrx_using_subcommand remote; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand sync" -l records -d 'Sync every record in DIR (each subdirectory that is a copy of a record; a symbolic link to one is passed over, with a warning)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand sync" -l record-list -d 'Sync the records listed in FILE, one directory per line (- for standard input)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand sync" -l jobs -d 'How many records to sync at once [default: the cores, up to 8]' -r
complete -c hrx -n "__fish_hrx_using_subcommand sync" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand sync" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand sync" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand sync" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand sync" -l all -d 'Sync with every remote'
complete -c hrx -n "__fish_hrx_using_subcommand sync" -l accept-late -d 'Accept commits that arrive more than 7 days after their signer\'s grant ended (offline work delivered late, or backdated: you decide)'
complete -c hrx -n "__fish_hrx_using_subcommand sync" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand sync" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand sync" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -f -a "install" -d 'Make a bare repository (-C DIR) a hub that refuses every push that would not verify'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -f -a "pre-receive" -d 'Judge a push (run by git\'s receive-pack, reading "OLD NEW REF" lines)'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and not __fish_seen_subcommand_from install pre-receive help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from install" -l patient -d 'The patient whose record the hub holds (fingerprint): the first push must be hers' -r
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from install" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from install" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from install" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from install" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from install" -l force -d 'Replace a pre-receive hook that is not hrx\'s'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from install" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from install" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from install" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from pre-receive" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from pre-receive" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from pre-receive" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from pre-receive" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from pre-receive" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from pre-receive" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from pre-receive" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from pre-receive" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "install" -d 'Make a bare repository (-C DIR) a hub that refuses every push that would not verify'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "pre-receive" -d 'Judge a push (run by git\'s receive-pack, reading "OLD NEW REF" lines)'
complete -c hrx -n "__fish_hrx_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -f -a "create" -d 'Write the record (or what is new since REF) to one file, e.g. on a USB stick'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -f -a "import" -d 'Verify a bundle and integrate it, like a sync'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and not __fish_seen_subcommand_from create import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from create" -l since -d 'Only what is new since this commit (the receiver must have it)' -r
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from create" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from create" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from create" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from create" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from create" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from create" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from import" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from import" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from import" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from import" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from import" -l accept-late -d 'Accept commits that arrive more than 7 days after their signer\'s grant ended'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from import" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from import" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "create" -d 'Write the record (or what is new since REF) to one file, e.g. on a USB stick'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "import" -d 'Verify a bundle and integrate it, like a sync'
complete -c hrx -n "__fish_hrx_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand import; and not __fish_seen_subcommand_from fhir help" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand import; and not __fish_seen_subcommand_from fhir help" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand import; and not __fish_seen_subcommand_from fhir help" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand import; and not __fish_seen_subcommand_from fhir help" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand import; and not __fish_seen_subcommand_from fhir help" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand import; and not __fish_seen_subcommand_from fhir help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand import; and not __fish_seen_subcommand_from fhir help" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand import; and not __fish_seen_subcommand_from fhir help" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand import; and not __fish_seen_subcommand_from fhir help" -f -a "fhir" -d 'Import HL7 FHIR R4 JSON: Bundles (document/IPS, transaction, collection, searchset) or single resources'
complete -c hrx -n "__fish_hrx_using_subcommand import; and not __fish_seen_subcommand_from fhir help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from fhir" -l lang -d 'Language of displays when a file names none' -r
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from fhir" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from fhir" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from fhir" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from fhir" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from fhir" -l dry-run -d 'Show what would be imported, and write nothing'
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from fhir" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from fhir" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from fhir" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from fhir" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "fhir" -d 'Import HL7 FHIR R4 JSON: Bundles (document/IPS, transaction, collection, searchset) or single resources'
complete -c hrx -n "__fish_hrx_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -f -a "ips" -d 'An International Patient Summary (FHIR R4 document Bundle) of everything you may read'
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -f -a "research" -d 'A de-identified export for research (the patient, or a holder of a research grant)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -f -a "summary" -d 'A one-page emergency summary to print or show: allergies first, problems, medications, contacts'
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -f -a "fhir" -d 'Everything you may read as a FHIR R4 collection Bundle (imported resources verbatim)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and not __fish_seen_subcommand_from ips research summary fhir help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from ips" -l lang -d 'Display language of codes and narrative, where translations exist (en, de, fr, es, it, ...)' -r -f
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from ips" -s o -l output -d 'Write to FILE instead of standard output (it holds health data in plain text)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from ips" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from ips" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from ips" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from ips" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from ips" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from ips" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from ips" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from ips" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -l out -d 'Directory to write (must not exist or be empty)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -l dates -d 'shift (default): move every date by one random offset; year: keep years only' -r -f -a "shift\t''
year\t''"
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -l keep-text -d 'Keep free text (it may name people and places: only on explicit request)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from research" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -l lang -d 'Language of titles and terms (en, de, fr, es, it)' -r -f
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -s o -l output -d 'Write to FILE (.txt, .html or .pdf) instead of standard output (it holds health data in plain text)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -l format -d 'text, html or pdf [default: from the file\'s extension, else text]' -r -f -a "text\t''
html\t''
pdf\t''"
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from summary" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from fhir" -s o -l output -d 'Write to FILE instead of standard output (it holds health data in plain text)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from fhir" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from fhir" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from fhir" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from fhir" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from fhir" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from fhir" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from fhir" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from fhir" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "ips" -d 'An International Patient Summary (FHIR R4 document Bundle) of everything you may read'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "research" -d 'A de-identified export for research (the patient, or a holder of a research grant)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "summary" -d 'A one-page emergency summary to print or show: allergies first, problems, medications, contacts'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "fhir" -d 'Everything you may read as a FHIR R4 collection Bundle (imported resources verbatim)'
complete -c hrx -n "__fish_hrx_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -f -a "ips" -d 'Share your summary as a SMART Health Link: an encrypted file for a web server, a link and its QR code'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -f -a "list" -d 'The shares this device made of the record, and where each stands'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -f -a "show" -d 'A share\'s link and QR code again (it asks for your key)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -f -a "log" -d 'Record in the record who opened your served links (signed access events, shown by hrx audit)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -f -a "update" -d 'Publish a long-lived link\'s summary again, as the record is now (same link, same key)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -f -a "revoke" -d 'End a share at once: its file is removed from the directory it was written to'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -f -a "serve" -d 'Serve links made with --serve DIR: the SMART Health Links manifest protocol, over HTTPS or loopback HTTP'
complete -c hrx -n "__fish_hrx_using_subcommand share; and not __fish_seen_subcommand_from ips list show log update revoke serve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l lang -d 'Display language of codes and narrative, where translations exist (en, de, fr, es, it, ...)' -r -f
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l categories -d 'Only these categories (comma-separated), or `all`; who the patient is goes with the patient\'s own (a provider\'s holds only what a read grant in force covers)' -r -f -a "demographics\t''
general\t''
allergy\t''
medication\t''
problem\t''
immunization\t''
results\t''
procedure\t''
device\t''
document\t''
advance-directive\t''
mental-health\t''
sexual-health\t''
genetic\t''
all\t''"
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l expires -d 'When the link ends (YYYY-MM-DD or RFC 3339), or `never` [default: in 7 days]' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l label -d 'What the receiver sees before opening it (at most 80 characters)' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l files -d 'The directory your web server publishes: one encrypted file, fetched directly (flag U)' -r -f -a "(__fish_complete_directories)"
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l serve -d 'The directory `hrx share serve` serves: a manifest, with a passcode or updates if asked' -r -f -a "(__fish_complete_directories)"
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l url -d 'The https:// address --files is published at (or hrx share serve answers at)' -r -f
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l passcode-file -d 'Read the passcode from the first line of FILE instead of asking' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l attempts -d 'Wrong passcodes allowed over the link\'s whole life; then it is dead' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -s o -l qr -d 'Also write the QR code to FILE (.png or .svg), for printing' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l passcode -d 'The receiver must give a passcode (flag P; asked for, twice): tell it apart from the link'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l long-lived -d 'The link follows the record: hrx share update ID publishes the summary again (flag L)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l no-qr -d 'Print the link only, no QR code'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from ips" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from list" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from list" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from list" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from list" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from list" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from show" -s o -l qr -d 'Also write the QR code to FILE (.png or .svg)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from show" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from show" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from show" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from show" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from show" -l no-qr -d 'Print the link only, no QR code'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from show" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from show" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from log" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from log" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from log" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from log" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from log" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from log" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from log" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from update" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from update" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from update" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from update" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from update" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from update" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from update" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from revoke" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from revoke" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from revoke" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from revoke" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from revoke" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from revoke" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -l listen -d 'Where to listen (port 0: any free port, printed)' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -l url -d 'The address the links were made with (--url of hrx share ips)' -r -f
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -l tls-cert -d 'Serve HTTPS with this certificate chain (PEM)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -l tls-key -d 'The certificate\'s private key (PEM)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "ips" -d 'Share your summary as a SMART Health Link: an encrypted file for a web server, a link and its QR code'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "list" -d 'The shares this device made of the record, and where each stands'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "show" -d 'A share\'s link and QR code again (it asks for your key)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "log" -d 'Record in the record who opened your served links (signed access events, shown by hrx audit)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "update" -d 'Publish a long-lived link\'s summary again, as the record is now (same link, same key)'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'End a share at once: its file is removed from the directory it was written to'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve links made with --serve DIR: the SMART Health Links manifest protocol, over HTTPS or loopback HTTP'
complete -c hrx -n "__fish_hrx_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand tui" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand tui" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand tui" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand tui" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand tui" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand tui" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand tui" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand tui" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand demo" -l dir -d 'Where to create the demo (must not exist) [default: a new temporary directory]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand demo" -s C -d 'Run as if started in DIR (the record\'s directory)' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand demo" -l key -d 'Act with this key (fingerprint) instead of the default one [env: HRX_KEY]' -r
complete -c hrx -n "__fish_hrx_using_subcommand demo" -l passphrase-file -d 'Read the passphrase of the secret key from FILE [env: HRX_PASSPHRASE_FILE]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand demo" -l home -d 'Keystore and configuration directory [default: $XDG_DATA_HOME/hrx] [env: HRX_HOME]' -r -F
complete -c hrx -n "__fish_hrx_using_subcommand demo" -l json -d 'Print machine-readable JSON (with a "version" field)'
complete -c hrx -n "__fish_hrx_using_subcommand demo" -s q -l quiet -d 'Print nothing but results and errors'
complete -c hrx -n "__fish_hrx_using_subcommand demo" -l no-pager -d 'Never send long listings (log, audit, show) through a pager'
complete -c hrx -n "__fish_hrx_using_subcommand demo" -s h -l help -d 'Print help'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "key" -d 'Manage your keys and the certificates of others'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "init" -d 'Create a new patient record'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "add" -d 'Add an entry to the record'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "schema" -d 'The fields of an entry kind: shapes, which are required, which hrx fills in'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "log" -d 'List the record\'s entries in time order'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "show" -d 'Show one entry in full'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "verify" -d 'Authenticate the record\'s whole history from its root'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "status" -d 'Your key and your standing in the record, with what needs doing'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "grant" -d 'Grant a participant rights on categories of the record'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "revoke" -d 'Revoke a grant, or every grant of a participant'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "grants" -d 'List who holds which rights on the record'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "delegate" -d 'Name a guardian who manages access for the patient'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "recovery" -d 'Recovery of the patient\'s key by trustees, any k of n together'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "emergency" -d 'Break-glass access to the emergency summary'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "audit" -d 'The audit trail: every commit, who signed it, what it did'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "clone" -d 'Get a copy of a record from a git URL or a bundle, verified from its root'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "remote" -d 'Manage the remote copies of the record'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "sync" -d 'Exchange new commits with remotes: fetch, verify, merge, push'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "hook" -d 'A hub on a provider\'s git server: refuse every push that would not verify'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "bundle" -d 'Hand over the record as one file, with no network'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "import" -d 'Import health data from other systems (HL7 FHIR R4)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "export" -d 'Export what you may read as HL7 FHIR R4 (an International Patient Summary, or everything)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "share" -d 'Share your summary with a clinic that has no hrx: a SMART Health Link and its QR code'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "tui" -d 'Browse the record in the terminal: timeline, entries, grants, audit'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "demo" -d 'Create a demo record (patient and provider) in a temporary place'
complete -c hrx -n "__fish_hrx_using_subcommand help; and not __fish_seen_subcommand_from key init add schema log show verify status grant revoke grants delegate recovery emergency audit clone remote sync hook bundle import export share tui demo help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "generate" -d 'Generate a new key (Ed25519 signing, Cv25519 encryption) in your keystore'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "list" -d 'List the keys and certificates in your keystore'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "export" -d 'Print a certificate (or, with --secret, the secret key), armoured'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "backup" -d 'Write a paper backup of your secret key: lines to type back and a QR code'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "restore" -d 'Restore your secret key from a paper backup (typed back, or the QR code\'s text)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "import" -d 'Import certificates or secret keys (armoured or binary, e.g. from gpg)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "to-agent" -d 'Move your secret key from hrx\'s keystore into gpg-agent'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "passwd" -d 'Change the passphrase of your key in the keystore'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "update" -d 'Add a participant\'s newer certificate to the record (extended expiry, new subkeys, revocations), as an appended keys/FPR/ID.asc'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "revoke" -d 'Revoke a key (your own, or, as the patient, a participant\'s) and publish the revocation into the record'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "rotate" -d 'Replace your key with a new one, keeping your place in the record'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "extend" -d 'Set when your key expires (an expired key too), and publish the refreshed certificate into the record when run in one'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from recovery" -f -a "setup" -d 'Let trustees recover your key together (the patient, once)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from recovery" -f -a "status" -d 'Who holds shares of the patient\'s key, and whether the set-up is current'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from recovery" -f -a "start" -d 'On a new device with a copy of the record: ask the trustees for the patient\'s key'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from recovery" -f -a "approve" -d 'As a trustee: approve a recovery request with your share'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from recovery" -f -a "finish" -d 'Finish a recovery with the trustees\' approvals: the patient\'s key is back in this keystore'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from emergency" -f -a "open" -d 'Break the glass: record a signed access event, then show the emergency summary'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from remote" -f -a "add" -d 'Add a remote copy of the record (any git URL)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from remote" -f -a "list" -d 'List the remotes'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from remote" -f -a "remove" -d 'Remove a remote (and what this device remembers of it)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from remote" -f -a "rename" -d 'Rename a remote (it is still held to what was verified from it)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from remote" -f -a "set-url" -d 'Point a remote at a new URL (it must still hold what was verified from it)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "install" -d 'Make a bare repository (-C DIR) a hub that refuses every push that would not verify'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "pre-receive" -d 'Judge a push (run by git\'s receive-pack, reading "OLD NEW REF" lines)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from bundle" -f -a "create" -d 'Write the record (or what is new since REF) to one file, e.g. on a USB stick'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from bundle" -f -a "import" -d 'Verify a bundle and integrate it, like a sync'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from import" -f -a "fhir" -d 'Import HL7 FHIR R4 JSON: Bundles (document/IPS, transaction, collection, searchset) or single resources'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "ips" -d 'An International Patient Summary (FHIR R4 document Bundle) of everything you may read'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "research" -d 'A de-identified export for research (the patient, or a holder of a research grant)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "summary" -d 'A one-page emergency summary to print or show: allergies first, problems, medications, contacts'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "fhir" -d 'Everything you may read as a FHIR R4 collection Bundle (imported resources verbatim)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from share" -f -a "ips" -d 'Share your summary as a SMART Health Link: an encrypted file for a web server, a link and its QR code'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from share" -f -a "list" -d 'The shares this device made of the record, and where each stands'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from share" -f -a "show" -d 'A share\'s link and QR code again (it asks for your key)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from share" -f -a "log" -d 'Record in the record who opened your served links (signed access events, shown by hrx audit)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from share" -f -a "update" -d 'Publish a long-lived link\'s summary again, as the record is now (same link, same key)'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from share" -f -a "revoke" -d 'End a share at once: its file is removed from the directory it was written to'
complete -c hrx -n "__fish_hrx_using_subcommand help; and __fish_seen_subcommand_from share" -f -a "serve" -d 'Serve links made with --serve DIR: the SMART Health Links manifest protocol, over HTTPS or loopback HTTP'

# Values only the record and the keystore know, from `hrx complete` (it
# never decrypts and never asks for a passphrase).
complete -c hrx -n "__fish_seen_subcommand_from show" -f -a "(hrx complete entries 2>/dev/null)"
complete -c hrx -n "__fish_seen_subcommand_from revoke" -f -a "(hrx complete grants 2>/dev/null)"
complete -c hrx -n "__fish_seen_subcommand_from grant delegate" -f -a "(hrx complete fingerprints 2>/dev/null)"
complete -c hrx -n "__fish_seen_subcommand_from sync" -f -a "(hrx complete remotes 2>/dev/null)"
complete -c hrx -l key -x -a "(hrx complete keys 2>/dev/null)"
complete -c hrx -l lang -x -a "(hrx complete languages 2>/dev/null)"
