#!/usr/bin/env bash
# Makes the example PDF of the tender minute from its Persian text (UTF-8, right to left):
#
#   bash scripts/make-minute-pdf.sh [--xref-stream] [OUT.pdf]     (default: examples/tender-minute.pdf)
#
# pango-view (Debian pango1.0-tools) shapes the text with HarfBuzz in "Noto Naskh Arabic"
# (fonts-noto-core; "Nazli" from fonts-farsiweb as the fallback) on an A4 page (595 x 842 pt),
# right to left, right-aligned, and cairo writes the PDF; qpdf (Debian qpdf) then rewrites it.
# The text layer is real: `pdftotext OUT.pdf -` gives the Persian words back (subpixel glyph
# positions keep poppler from splitting words).
#
# The output is deterministic: cairo's CreationDate is replaced by a fixed one ($SOURCE_DATE_EPOCH
# when set, else the meeting, 1405/09/02 09:30 Tehran = 2026-11-23T06:00:00Z) and qpdf writes a
# /ID computed from the content.  The cross-reference is a classic xref table by default;
# --xref-stream writes an object stream + cross-reference stream variant instead (for testing
# incremental signing of such files).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

XREF=table
OUT=
for a in "$@"; do
  case $a in
    --xref-stream) XREF=stream ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "make-minute-pdf.sh: unknown option $a" >&2; exit 2 ;;
    *) [ -z "$OUT" ] || { echo "make-minute-pdf.sh: one output file only" >&2; exit 2; }; OUT=$a ;;
  esac
done
OUT=${OUT:-$ROOT/examples/tender-minute.pdf}
TXT=$ROOT/examples/tender-minute.txt

for tool in pango-view qpdf pdfinfo fc-list perl; do
  command -v "$tool" >/dev/null || {
    echo "make-minute-pdf.sh: $tool not found (apt-get install pango1.0-tools qpdf poppler-utils fontconfig perl)" >&2
    exit 1
  }
done
FONT=
for family in "Noto Naskh Arabic" "Nazli"; do
  if fc-list ":family=$family" family | grep -q .; then FONT=$family; break; fi
done
[ -n "$FONT" ] || { echo "make-minute-pdf.sh: no Persian font (apt-get install fonts-noto-core or fonts-farsiweb)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/minute-pdf-XXXXXX")
trap 'rm -rf "$W"' EXIT

PAGE_W=595 PAGE_H=842 MARGIN=56   # A4 in points; 56 pt (~2 cm) margins
render() {  # render BOTTOM_MARGIN OUT: one page, 72 dpi so that one pango-view "pixel" is one point
  # (--margin is "top left+right bottom": pango-view 1.50 refuses four values)
  TZ=UTC pango-view --no-display --backend=cairo --dpi=72 \
    --font="$FONT 13" --language=fa --rtl --wrap=word \
    --width=$((PAGE_W - 2 * MARGIN)) --margin="$MARGIN $MARGIN $1" \
    --hinting=none --hint-metrics=off --subpixel-positions \
    --output="$2" "$TXT"
}
# pango-view sizes the page to the text: render once, then again with the bottom margin that
# makes the page A4 high (a longer text just gets a taller page).
render "$MARGIN" "$W/pass1.pdf"
H=$(pdfinfo "$W/pass1.pdf" | sed -n 's/^Page size: *[0-9.]* x \([0-9.]*\) pts.*/\1/p')
H=${H%.*}
BOTTOM=$MARGIN
if [ -n "$H" ] && [ "$H" -lt "$PAGE_H" ]; then BOTTOM=$((MARGIN + PAGE_H - H)); fi
render "$BOTTOM" "$W/pass2.pdf"

# a fixed CreationDate, same length as cairo's so that no offset moves (cairo writes UTC as ...Z
# under TZ=UTC); qpdf re-checks and rewrites the file anyway.
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
  DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S)
else
  DATE=20261123060000
fi
DATE=$DATE LC_ALL=C perl -0777 -pe \
  's{/CreationDate \(D:\d{14}Z\)}{/CreationDate (D:$ENV{DATE}Z)}g or die "no cairo CreationDate found\n"' \
  "$W/pass2.pdf" >"$W/pass3.pdf"

if [ "$XREF" = stream ]; then OS=generate; else OS=disable; fi
qpdf --deterministic-id --object-streams=$OS "$W/pass3.pdf" "$W/out.pdf"
qpdf --check "$W/out.pdf" >/dev/null
mkdir -p "$(dirname "$OUT")"
cp "$W/out.pdf" "$OUT.tmp.$$"
mv -f "$OUT.tmp.$$" "$OUT"
echo "wrote $OUT ($(wc -c <"$OUT") bytes, font $FONT, xref $XREF)"
