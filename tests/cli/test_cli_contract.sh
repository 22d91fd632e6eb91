#!/usr/bin/env bash
# The command-line contract (issue 16): global options before or after the command at any depth;
# an unknown command or option names itself and suggests the nearest one (exit 2); `tsign --help`
# groups the commands by who uses them; the bash completion and the man page cover every command
# and option; docs/cli.md names every command and option of --help, and only those.
source "$(dirname "$0")/lib.sh"
cd "$W"
export SAMPLE_PASS=tsign-sample CA_PASS=ca-pass-1234

# same_output DESCRIPTION CMD1 -- CMD2: both give the same exit code, stdout and stderr
same_output() {
  local d=$1; shift
  local a=() b=()
  while [ "$1" != -- ]; do a+=("$1"); shift; done; shift; b=("$@")
  run "${a[@]}"; local rc1=$RC; cp "$W/out" "$W/out1"; cp "$W/err" "$W/err1"
  run "${b[@]}"
  if [ "$rc1" -eq "$RC" ] && cmp -s "$W/out1" "$W/out" && cmp -s "$W/err1" "$W/err"; then ok "$d"
  else fail "$d: exit $rc1 vs $RC; $(diff "$W/out1" "$W/out" | head -5) $(diff "$W/err1" "$W/err" | head -5)"; fi
}

# expect_err_exactly TEXT DESCRIPTION: stderr is exactly TEXT
expect_err_exactly() {
  if [ "$(cat "$W/err")" = "$1" ]; then ok "$2"; else fail "$2: stderr is '$(cat "$W/err")', expected '$1'"; fi
}

# ---------------------------------------------------------------------------------------------------
# 1. global options (-v/--verbose, --calendar) before or after the command, at any depth
# ---------------------------------------------------------------------------------------------------
bash "$TSIGN_SOURCE/certs-sample/make-sample.sh" "$W/s" >/dev/null
S=$W/s
printf 'صورتجلسه کمیسیون مناقصه\n' >minutes.txt
run "$TSIGN" sign --key "$S/signer-ali-rezaei.key.pem" --cert "$S/signer-ali-rezaei.crt.pem" --pin-source env:SAMPLE_PASS \
  --chain "$S/intermediate.crt.pem" minutes.txt
expect_rc 0 "sign (for the verify cases)"
check "openssl cms accepts the signature" openssl cms -verify -binary -inform DER -in minutes.txt.p7s -content minutes.txt \
  -CAfile "$S/root.crt.pem" -purpose any -out /dev/null
V=(--trust "$S/root.crt.pem" --revocation off)
same_output "verify --calendar gregorian after the command = before it" \
  "$TSIGN" --calendar gregorian verify "${V[@]}" minutes.txt.p7s minutes.txt -- "$TSIGN" verify --calendar gregorian "${V[@]}" minutes.txt.p7s minutes.txt
expect_rc 0 "verify --calendar gregorian (after the command)"
if grep -qE 'UTC \(1[34][0-9]{2}/' "$W/out"; then fail "verify --calendar gregorian still shows Jalali dates"; else ok "verify --calendar gregorian: no Jalali dates"; fi
same_output "verify: --calendar at the end = before the command" \
  "$TSIGN" --calendar gregorian verify "${V[@]}" minutes.txt.p7s minutes.txt -- "$TSIGN" verify "${V[@]}" minutes.txt.p7s minutes.txt --calendar=gregorian
run "$TSIGN" verify "${V[@]}" minutes.txt.p7s minutes.txt
if grep -qE 'UTC \(1[34][0-9]{2}/' "$W/out"; then ok "verify without --calendar shows Jalali dates (the option has an effect)"; else fail "no Jalali date by default: $(head -c 300 "$W/out")"; fi
same_output "info --calendar gregorian after the command = before it" \
  "$TSIGN" --calendar gregorian info "$S/root.crt.pem" -- "$TSIGN" info "$S/root.crt.pem" --calendar gregorian
openssl x509 -in "$S/root.crt.pem" -outform DER | head -c 200 >trunc.der
same_output "-v after the command = before it (info on a truncated certificate)" \
  "$TSIGN" -v info trunc.der -- "$TSIGN" info -v trunc.der
expect_rc 3 "info -v on a truncated certificate"
expect_err_contains "  caused by: " "info -v (after the command) shows the causes"
same_output "--verbose after the command = -v before it" "$TSIGN" -v info trunc.der -- "$TSIGN" info trunc.der --verbose
# two levels down: ca list
run "$TSIGN" ca init --dir ca --subject "/CN=Contract Test CA/C=IR" --key-type ec-p256 --pin-source env:CA_PASS
expect_rc 0 "ca init"
check "openssl reads the CA certificate" openssl x509 -in ca/ca.crt.pem -noout -subject
same_output "ca list -v --dir = -v ca list --dir" "$TSIGN" -v ca list --dir ca -- "$TSIGN" ca list -v --dir ca
expect_rc 0 "tsign ca list -v --dir ca"
same_output "ca list --calendar gregorian (after) = before" \
  "$TSIGN" --calendar gregorian ca list --dir ca -- "$TSIGN" ca list --dir ca --calendar gregorian
same_output "-v after a failing ca list = before it" "$TSIGN" -v ca list --dir nowhere -- "$TSIGN" ca list --dir nowhere -v
expect_rc 3 "ca list on a folder without a CA"
run "$TSIGN" ca list --dir ca --calendar persian
expect_rc 2 "--calendar after the command is still checked"
# a command that takes a document itself (timestamp DOC) must not swallow its subcommand's arguments
same_output "timestamp verify: --calendar after the command = before it" \
  "$TSIGN" --calendar gregorian timestamp verify --trust "$S/root.crt.pem" none.tsr minutes.txt -- \
  "$TSIGN" timestamp verify --trust "$S/root.crt.pem" none.tsr minutes.txt --calendar gregorian
expect_rc 3 "timestamp verify ... --calendar gregorian: the option is taken, the missing token is the error"
same_output "timestamp verify: -v after the command = before it" \
  "$TSIGN" -v timestamp verify --trust "$S/root.crt.pem" none.tsr minutes.txt -- "$TSIGN" timestamp verify -v --trust "$S/root.crt.pem" none.tsr minutes.txt
run "$TSIGN" timestamp verify --trust "$S/root.crt.pem" none.tsr minutes.txt extra
expect_rc 2 "timestamp verify TOKEN DOC EXTRA: the extra argument is refused, not taken as timestamp's DOC"
run "$TSIGN" timestamp verify --tsa http://127.0.0.1:9/ --trust "$S/root.crt.pem" none.tsr minutes.txt
expect_rc 2 "timestamp verify --tsa: an option of timestamp is not one of timestamp verify"
expect_err_exactly "tsign: error: unknown option '--tsa' for 'timestamp verify'
hint: did you mean '--tsa-name'?" "timestamp verify --tsa: named, nearest option suggested"
# --json stays an option of the commands that have it
run "$TSIGN" --json info "$S/root.crt.pem"
expect_rc 2 "--json before the command is not a global option"
expect_err_exactly "tsign: error: unknown option '--json'
hint: see 'tsign --help'" "--json before the command: named, with a hint"
run "$TSIGN" info "$S/root.crt.pem" --json
expect_rc 0 "info FILE --json"
check "info FILE --json prints JSON" jq -e '.type == "certificate"' "$W/out"

# ---------------------------------------------------------------------------------------------------
# 2. unknown commands and options: named, with the nearest known one; exit 2
# ---------------------------------------------------------------------------------------------------
run "$TSIGN" verfy x
expect_rc 2 "tsign verfy x"
expect_err_exactly "tsign: error: unknown command 'verfy'
hint: did you mean 'verify'?" "tsign verfy: names it, suggests verify"
run "$TSIGN" ca isue
expect_rc 2 "tsign ca isue"
expect_err_exactly "tsign: error: unknown command 'ca isue'
hint: did you mean 'ca issue'?" "tsign ca isue: suggests ca issue"
run "$TSIGN" tender sael --tender t x
expect_rc 2 "tsign tender sael"
expect_err_exactly "tsign: error: unknown command 'tender sael'
hint: did you mean 'tender seal'?" "tsign tender sael: suggests tender seal (swapped letters)"
run "$TSIGN" timestamp verfy a b
expect_rc 2 "tsign timestamp verfy a b"
expect_err_exactly "tsign: error: unknown command 'timestamp verfy'
hint: did you mean 'timestamp verify'?" "a command that also takes a document: suggests timestamp verify"
run "$TSIGN" sign --chian x minutes.txt
expect_rc 2 "tsign sign --chian"
expect_err_exactly "tsign: error: unknown option '--chian' for 'sign'
hint: did you mean '--chain'?" "tsign sign --chian: suggests --chain"
run "$TSIGN" ca revoke --dir ca --serail 01
expect_rc 2 "tsign ca revoke --serail"
expect_err_exactly "tsign: error: unknown option '--serail' for 'ca revoke'
hint: did you mean '--serial'?" "tsign ca revoke --serail: suggests --serial"
run "$TSIGN" --verbos info x
expect_rc 2 "tsign --verbos"
expect_err_exactly "tsign: error: unknown option '--verbos'
hint: did you mean '--verbose'?" "tsign --verbos: suggests --verbose"
run "$TSIGN" ca list --dir ca --calender gregorian
expect_rc 2 "a misspelt global option after the command"
expect_err_exactly "tsign: error: unknown option '--calender' for 'ca list'
hint: did you mean '--calendar'?" "ca list --calender: suggests the global --calendar"
run "$TSIGN" sign --zzzzzz minutes.txt
expect_rc 2 "an option nothing is close to"
expect_err_exactly "tsign: error: unknown option '--zzzzzz' for 'sign'
hint: see 'tsign sign --help'" "nothing close: points to the command's --help"
run "$TSIGN" frobnicate
expect_rc 2 "a command nothing is close to"
expect_err_exactly "tsign: error: unknown command 'frobnicate'
hint: the commands are: sign, cosign, verify, extend, info, timestamp, roster, token, batch, ca, cert, key, csr, policy, tsa, ocsp, tender" \
  "nothing close: the commands are listed"
run "$TSIGN" ca frobnicate
expect_err_exactly "tsign: error: unknown command 'ca frobnicate'
hint: the commands of 'tsign ca' are: init, issue, revoke, unrevoke, crl, list, audit" "nothing close under ca: ca's commands are listed"
run "$TSIGN" -v --calendar gregorian ca isue
expect_err_exactly "tsign: error: unknown command 'ca isue'
hint: did you mean 'ca issue'?" "global options before a misspelt subcommand: still named"
run "$TSIGN" -v tender
expect_rc 2 "tsign -v tender (no subcommand)"
expect_err_exactly "tsign: error: no command given after 'tsign tender'
hint: the commands of 'tsign tender' are: init, show, seal, receive, serve, verify-receipt, close, verify-list, unseal, open" \
  "a group without its subcommand lists its commands"
run "$TSIGN"
expect_rc 2 "tsign without a command"
expect_err_exactly "tsign: error: no command given
hint: the commands are listed by 'tsign --help'" "tsign without a command: one line and a hint"
run "$TSIGN" sign
expect_rc 2 "a missing required option is still CLI11's message"
expect_one_line_error "tsign sign without arguments"

# ---------------------------------------------------------------------------------------------------
# 3. tsign --help groups the commands by who uses them; every command exactly once
# ---------------------------------------------------------------------------------------------------
run "$TSIGN" --help
expect_rc 0 "tsign --help"
cp "$W/out" roothelp.txt
declare -A WANT_GROUP=(
  [sign]="Commands for commission members" [cosign]="Commands for commission members" [verify]="Commands for commission members"
  [extend]="Commands for commission members" [info]="Commands for commission members" [timestamp]="Commands for commission members"
  [roster]="Commands for commission members" [token]="Commands for commission members"
  [batch]="Commands for finance"
  [ca]="Commands for CA admins" [cert]="Commands for CA admins" [key]="Commands for CA admins" [csr]="Commands for CA admins"
  [policy]="Commands for CA admins"
  [tsa]="Commands for operators (servers)" [ocsp]="Commands for operators (servers)"
  [tender]="Commands for bidders and the tender office")
# command<TAB>group, for every command line under a heading
awk '/^(Subcommands|Commands[^:]*):$/ { g = substr($0, 1, length($0) - 1); next } /^$/ { g = "" } g != "" && /^  [a-z]/ { print $1 "\t" g }' roothelp.txt >groups.tsv
check "no ungrouped 'Subcommands:' list in tsign --help" test "$(grep -c '^Subcommands:' roothelp.txt)" = 0
want_headings=$'Commands for commission members\nCommands for finance\nCommands for CA admins\nCommands for operators (servers)\nCommands for bidders and the tender office'
check "the groups, in this order" test "$(grep '^Commands for' roothelp.txt | sed 's/:$//')" = "$want_headings"
for c in "${!WANT_GROUP[@]}"; do
  n=$(awk -F'\t' -v c="$c" '$1 == c' groups.tsv | wc -l)
  g=$(awk -F'\t' -v c="$c" '$1 == c { print $2 }' groups.tsv)
  if [ "$n" -eq 1 ] && [ "$g" = "${WANT_GROUP[$c]}" ]; then ok "tsign --help: $c once, under '$g'"
  else fail "tsign --help: $c listed $n times, under '$g' (want '${WANT_GROUP[$c]}')"; fi
done
for c in $(cut -f1 groups.tsv); do
  [ -n "${WANT_GROUP[$c]-}" ] || fail "tsign --help lists '$c', which has no group in this test (add it to a group in cli/main.cpp and here)"
  run "$TSIGN" "$c" --help
  [ "$RC" -eq 0 ] || fail "tsign $c --help: exit $RC"
done
check "tsign --help says global options may come after the command" grep -q "may come before or after the command" roothelp.txt

# ---------------------------------------------------------------------------------------------------
# 4. the man page and the bash completion cover every command and option
# ---------------------------------------------------------------------------------------------------
# the command tree, walked from --help as a user would: one line per command path
subcommands_of() { sed -n '/^\(Subcommands\|Commands[^:]*\):$/,/^$/p' | awk '/^  [a-z]/ { print $1 }'; }
options_of() { awk '/^  -/ { n = split($1, a, ","); for (i = 1; i <= n; i++) if (a[i] ~ /^--/) print a[i] }'; }
walk() {  # walk WORDS...: prints "WORDS" for this command and every command below it
  echo "$*"
  local s
  for s in $("$TSIGN" "$@" --help | subcommands_of); do walk "$@" "$s"; done
}
walk >tree.txt
ncmd=$(grep -c . tree.txt)
if [ "$ncmd" -ge 45 ]; then ok "the command tree has $ncmd commands"; else fail "the command tree has only $ncmd commands: $(tr '\n' ',' <tree.txt)"; fi
for c in "ca revoke" "ocsp check" "tender verify-list" "token import-cert" "timestamp verify" "key gen"; do
  check "the walk reaches tsign $c" grep -qxF "$c" tree.txt
done

# the man page, written as the build writes it
SOURCE_DATE_EPOCH=1700000000 bash "$TSIGN_SOURCE/packaging/make-man.sh" "$TSIGN" >tsign.1 2>man.err
check "make-man.sh runs without errors" test ! -s man.err
check "the man page's date comes from SOURCE_DATE_EPOCH" grep -q '^.TH TSIGN 1 "2023-11-14"' tsign.1
check "groff renders the man page without warnings" bash -c "groff -k -man -Tutf8 -ww -z tsign.1 2>&1 | (! grep .)"
MANWIDTH=200 man -l tsign.1 >man.txt 2>/dev/null
check "man -l renders the man page" grep -q "GLOBAL OPTIONS" man.txt
check "the rendered man page has tsign ca revoke" grep -q "tsign ca revoke" man.txt
BUILT_MAN=$(dirname "$TSIGN")/tsign.1.gz
# man_section PATH: the source of the man page's subsection for one command
man_section() { awk -v h=".SS \"tsign $1\"" '$0 == h { on = 1; next } /^\.S[SH] / { on = 0 } on' tsign.1; }

# the completion, as bash runs it
COMPLETION=$TSIGN_SOURCE/packaging/tsign.bash-completion
mkdir -p bin && ln -sf "$TSIGN" bin/tsign
complete_words() {  # complete_words WORD...: the candidates for the last WORD
  PATH="$W/bin:$PATH" bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tsign; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$COMPLETION" "$@" </dev/null
}
missing_man=() missing_comp=()
while read -r path; do
  # shellcheck disable=SC2086
  help=$("$TSIGN" $path --help </dev/null)
  label=${path:-(tsign)}
  if [ -n "$path" ]; then
    if grep -qxF ".SS \"tsign $path\"" tsign.1; then :; else missing_man+=("$label: no section"); fi
  fi
  sect=$( if [ -n "$path" ]; then man_section "$path"; else cat tsign.1; fi )
  # shellcheck disable=SC2086
  cands=$(complete_words tsign $path --)
  for o in $(options_of <<<"$help"); do
    grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|\$)" <<<"$sect" || missing_man+=("$label $o")
    grep -qxF -- "$o" <<<"$cands" || missing_comp+=("$label $o")
  done
  for o in --verbose --calendar; do grep -qxF -- "$o" <<<"$cands" || missing_comp+=("$label $o (global)"); done
  subs=$(subcommands_of <<<"$help")
  if [ -n "$subs" ]; then
    # shellcheck disable=SC2086
    scands=$(complete_words tsign $path '')
    for s in $subs; do grep -qxF -- "$s" <<<"$scands" || missing_comp+=("$label: subcommand $s"); done
  fi
done <tree.txt
if [ ${#missing_man[@]} -eq 0 ]; then ok "the man page has every command and, in its section, every option ($ncmd commands)"
else fail "missing in the man page: ${missing_man[*]}"; fi
if [ ${#missing_comp[@]} -eq 0 ]; then ok "the completion offers every subcommand and option, and the global options at every level"
else fail "missing in the completion: ${missing_comp[*]}"; fi
if [ -f "$BUILT_MAN" ]; then
  check "the built man page has a section for every command" bash -c 'gzip -dc "$1" >built.1 && while read -r p; do [ -z "$p" ] || grep -qxF ".SS \"tsign $p\"" built.1 || { echo "$p"; exit 1; }; done <tree.txt' _ "$BUILT_MAN"
fi
# completion details
cands=$(complete_words tsign --verbose ca '')
check "after a global flag, tsign --verbose ca <TAB> completes ca's commands" grep -qxF revoke <<<"$cands"
cands=$(complete_words tsign -v --calendar gregorian ca revoke --dir ca --se)
check "tsign -v --calendar gregorian ca revoke --dir ca --se<TAB> gives --serial" test "$cands" = --serial
cands=$(complete_words tsign --calendar '')
check "--calendar <TAB> offers the allowed values" test "$(sort <<<"$cands" | tr '\n' ' ')" = "gregorian jalali "
cands=$(complete_words tsign ca list --dir ca --status '')
check "ca list --status <TAB> offers valid, revoked, expired" test "$(sort <<<"$cands" | tr '\n' ' ')" = "expired revoked valid "
cands=$(complete_words tsign ca revoke --reason key)
check "ca revoke --reason key<TAB> gives keyCompromise" test "$cands" = keyCompromise
cands=$(complete_words tsign timestamp min)
check "tsign timestamp <TAB> completes files (it takes a document)" grep -qxF minutes.txt <<<"$cands"
cands=$(complete_words tsign timestamp ver)
check "tsign timestamp ver<TAB> gives verify" grep -qxF verify <<<"$cands"
cands=$(complete_words tsign sign --force min)
check "after a flag (--force), a document is completed" grep -qxF minutes.txt <<<"$cands"
cands=$(complete_words tsign ca --)
check "tsign ca --<TAB> offers no option of other commands" test "$(tr '\n' ' ' <<<"$cands")" = "--calendar --help --verbose --version "

# ---------------------------------------------------------------------------------------------------
# 5. docs/cli.md names every command and option of --help, and only those
# ---------------------------------------------------------------------------------------------------
while read -r path; do
  # shellcheck disable=SC2086
  "$TSIGN" $path --help >"help.$(tr ' ' _ <<<"${path:-ROOT}").txt"
done <tree.txt
python3 - "$TSIGN_SOURCE/docs/cli.md" tree.txt "$W" >contract.txt <<'PY'
import os, re, sys
doc_path, tree_path, wdir = sys.argv[1:4]
paths = [l.rstrip('\n') for l in open(tree_path)]
helps = {p: open(os.path.join(wdir, 'help.%s.txt' % (p.replace(' ', '_') or 'ROOT'))).read() for p in paths}

def options(text):   # the long options in the name column of --help
    out = set()
    for l in text.splitlines():
        if l.startswith('  -'):
            out.update(n for n in l.split()[0].split(',') if n.startswith('--'))
    return out

def value_options(text):  # those followed by a type (TEXT, INT, ...): they take a value
    return {m.group(1) for m in re.finditer(r'^  (?:-\w,)?(--[a-z0-9-]+) [A-Z]', text, re.M)}

def subcommands(text):
    out, on = [], False
    for l in text.splitlines():
        if re.match(r'^(Subcommands|Commands[^:]*):$', l): on = True; continue
        if not l.strip(): on = False; continue
        if on and re.match(r'^  [a-z]', l): out.append(l.split()[0])
    return out

opts = {p: options(h) for p, h in helps.items()}
vals = {p: value_options(h) for p, h in helps.items()}
subs = {p: subcommands(h) for p, h in helps.items()}
haspos = {p: 'Positionals:' in h for p, h in helps.items()}
GLOBAL = opts['']
anywhere = set().union(*opts.values())
OPT = re.compile(r'(?<![A-Za-z0-9-])--[a-z0-9][a-z0-9-]*')
problems = []
documented = {p: set() for p in paths}   # options of p that the page names under p
entries = set()                           # commands with their own entry

def resolve(span, where):  # a code span 'tsign ...': the command it names, walked as the parser does
    toks = span.split()[1:]
    path, i = '', 0
    while i < len(toks):
        t = toks[i]
        if t.startswith('-'):
            if '=' not in t and (t in vals[path] or t in vals['']): i += 1
        elif t in subs[path]:
            path = (path + ' ' + t).strip()
        else:
            if re.fullmatch(r'[a-z][a-z0-9-]*', t) and subs[path] and not haspos[path]:
                problems.append("%s: `%s`: no command 'tsign %s'" % (where, span, (path + ' ' + t).strip()))
            break
        i += 1
    return path

def claim(path, opt, where):  # the page says OPT is an option of PATH
    if opt in opts[path] or opt in GLOBAL:
        documented[path].add(opt)
    else:
        problems.append("%s: %s is not an option of 'tsign %s'" % (where, opt, path))

lines = open(doc_path, encoding='utf-8').read().split('\n')
entry_cmds, global_section = None, False
for n, line in enumerate(lines, 1):
    where = 'docs/cli.md:%d' % n
    if line.startswith('#'):
        entry_cmds, global_section = None, 'every command' in line
        continue
    if not line.strip() or line.startswith('- '):
        entry_cmds = None
    rest = line
    if line.startswith('- `tsign ') or line.startswith('- `tsign`'):
        first = re.match(r'- `([^`]*)`', line).group(1)
        entry_cmds = [resolve(first, where)]
        entries.add(entry_cmds[0])
    elif line.startswith('- **'):
        m = re.match(r'- \*\*[^*]+\*\* \(([^)]*)\)?', line)
        head = m.group(1) if m else ''
        block = head
        k = n
        while ')' not in block and k < len(lines):   # the list of commands may go on over lines
            block += ' ' + lines[k]; k += 1
        block = block.split(')')[0]
        entry_cmds = [resolve(s, where) for s in re.findall(r'`(tsign [^`]*)`', block)]
    # code spans: 'tsign ...' spans name their own command; messages are skipped
    for span in re.findall(r'`([^`]*)`', line):
        if span.startswith('tsign:') or span.startswith('hint:'):
            rest = rest.replace('`%s`' % span, ' ', 1)
        elif span == 'tsign' or span.startswith('tsign '):
            p = resolve(span, where)
            for o in OPT.findall(span):
                claim(p, o, where)
            rest = rest.replace('`%s`' % span, ' ', 1)
    for o in OPT.findall(rest):
        if entry_cmds:
            for p in entry_cmds:
                claim(p, o, where)
        elif o not in anywhere:
            problems.append("%s: %s is no option of any command" % (where, o))
        elif global_section and o in GLOBAL:
            for p in paths:
                documented[p].add(o)

for p in paths:   # the global options named at the top level are named for every command
    documented[p] |= documented[''] & GLOBAL
for p in paths:
    own = opts[p] - GLOBAL
    if p and (own or not subs[p]) and p not in entries:
        problems.append("docs/cli.md has no entry (a list item starting with `tsign %s`)" % p)
    for o in sorted(opts[p] - documented[p]):
        problems.append("docs/cli.md does not name %s of 'tsign %s'" % (o, p) if p else "docs/cli.md does not name the global %s" % o)
for p in problems:
    print('FAIL\t' + p)
print('COUNT\t%d\t%d' % (len(paths), sum(len(v) for v in opts.values())))
PY
check "the contract checker ran" test -s contract.txt
if grep -q '^FAIL' contract.txt; then
  while IFS=$'\t' read -r kind what; do [ "$kind" = FAIL ] && fail "$what"; done <contract.txt
else
  read -r _ np no < <(grep '^COUNT' contract.txt)
  ok "docs/cli.md and --help agree both ways ($np commands, $no command options)"
fi
check "README links to docs/cli.md" grep -q '(docs/cli.md)' "$TSIGN_SOURCE/README.md"

finish
