#!/usr/bin/env bash
# Writes the tsign(1) man page from the command's own --help texts (every command and
# subcommand), so that the manual says what the program says. Usage: make-man.sh TSIGN > tsign.1
set -euo pipefail
T=${1:?usage: make-man.sh TSIGN}
VERSION=$("$T" --version | head -1 | awk '{print $2}')
esc() { sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"; }
# the subcommands listed in a --help text: under "Subcommands:" or a "Commands for ...:" group (as the
# bash completion reads them)
subcommands() { "$T" "$@" --help | sed -n '/^\(Subcommands\|Commands[^:]*\):$/,/^$/p' | awk '/^  [a-z]/ { print $1 }'; }
section() {  # section WORDS...: one subsection per command, recursively
  printf '.SS "tsign %s"\n.nf\n' "$*"
  "$T" "$@" --help | esc
  printf '.fi\n'
  local sub
  for sub in $(subcommands "$@"); do section "$@" "$sub"; done
}
cat <<HEAD
.TH TSIGN 1 "$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)" "tsign $VERSION" "User Commands"
.SH NAME
tsign \- sign, co-sign, timestamp and verify documents; run a CA, an OCSP responder and a TSA
.SH SYNOPSIS
.B tsign
[\fIOPTIONS\fR] \fICOMMAND\fR [\fIARGS\fR]...
.SH DESCRIPTION
.nf
HEAD
"$T" --help | esc
printf '.fi\n.SH GLOBAL OPTIONS\n'
printf 'The options of \\fBtsign\\fR itself (\\fB\\-v\\fR, \\fB\\-\\-verbose\\fR, \\fB\\-\\-calendar\\fR) may come before or after\n'
printf 'the command: \\fBtsign \\-v ca list \\-\\-dir CA\\fR and \\fBtsign ca list \\-\\-dir CA \\-v\\fR are the same.\n'
printf '.SH COMMANDS\n'
for c in $(subcommands); do section "$c"; done
cat <<'TAIL'
.SH ENVIRONMENT
.TP
.B TSIGN_PKCS11_MODULE
the PKCS#11 module to load (default: the p11-kit proxy)
.TP
.B TSIGN_CONFIG
the configuration file (default: ~/.config/tsign/config.yaml, then /etc/tsign/config.yaml)
.TP
.B TSIGN_OFFLINE
when set (not 0), never fetch CRLs or ask OCSP responders
.TP
.B TSIGN_CACHE_DIR
where fetched CRLs are kept until their nextUpdate (default: ~/.cache/tsign)
.SH EXIT STATUS
0 success, 1 not valid, 2 usage, 3 input, 4 key or token, 5 network, 6 internal.
.SH SECURITY
PINs and passphrases are never taken from the command line; use \fB\-\-pin\-source\fR
prompt, env:VAR, file:PATH or fd:N.
.SH SEE ALSO
The command-line contract (every command and option, exit codes, output shapes): docs/cli.md in the
tsign source.
TAIL
