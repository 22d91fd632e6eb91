#!/usr/bin/env bash
# Compiles the Java test tools (PdfBoxVerify, PdfBoxSign: Apache PDFBox 2 + Bouncy Castle from
# Debian's libpdfbox2-java, libfontbox2-java, libbcprov-java, libbcpkix-java, libbcutil-java,
# libcommons-logging-java) into DIR and prints the class path to run them with:
#
#   CP=$(bash tests/tools/java.sh "$WORK/java")
#   java -cp "$CP" PdfBoxVerify x.pdf --expect 2
#
# Quiet on success (only the class path on stdout); on a missing javac or jar it says which and
# how to install it, on stderr, and exits 1.  Recompiles only when a .java file is newer than its class.
set -euo pipefail
DIR=${1:?usage: java.sh CLASS_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
JARDIR=${TSIGN_JAVA_JARS:-/usr/share/java}

die() { echo "java.sh: $*" >&2; exit 1; }
command -v javac >/dev/null || die "javac not found (apt-get install default-jdk-headless)"
command -v java >/dev/null || die "java not found (apt-get install default-jdk-headless)"

CP=
for jar in pdfbox2:libpdfbox2-java fontbox2:libfontbox2-java bcprov:libbcprov-java bcpkix:libbcpkix-java \
           bcutil:libbcutil-java commons-logging:libcommons-logging-java; do
  f=$JARDIR/${jar%%:*}.jar
  [ -r "$f" ] || die "$f missing (apt-get install ${jar#*:})"
  CP=${CP:+$CP:}$f
done

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
stale=
for src in PdfBoxVerify PdfBoxSign; do
  [ "$DIR/$src.class" -nt "$HERE/$src.java" ] || stale=1
done
if [ -n "$stale" ]; then
  if ! log=$(javac -encoding UTF-8 -nowarn -cp "$CP" -d "$DIR" "$HERE/PdfBoxVerify.java" "$HERE/PdfBoxSign.java" 2>&1); then
    printf '%s\n' "$log" >&2
    die "javac failed"
  fi
fi
echo "$CP:$DIR"
