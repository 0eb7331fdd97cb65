#!/usr/bin/env bash
# The document and image functions on real files: a 3-page PDF with a title made with
# groff, PNG and JPEG images made with libvips, text, Markdown and HTML files. The C
# program (test_media_fn) checks extraction, splitting, image headers, thumbnails in the
# media store and the lazy loading of poppler and libvips; this script makes the files
# and checks the thumbnail it kept with vipsheader.
source "$(dirname "$0")/lib.sh"
: "${PXT_TEST_MEDIA_FN:?}"
for tool in groff pdfinfo vips vipsheader; do
	command -v "$tool" >/dev/null || fail "$tool is missing: run deploy/install-deps.sh"
done

F="$IT_WORK/files"
mkdir -p "$F"

# --- a PDF: 3 pages, a title in the document information -------------------------
cat >"$F/report.ms" <<'EOF'
.pdfinfo /Title The Quarterly Zebra Report
.LP
Alpha zebra paragraph on page one. It has two sentences.
.sp 2
Second paragraph of page one with marmalade.
.bp
.LP
Page two talks about giraffes.
.bp
.LP
Page three ends with pelicans.
EOF
groff -ms -Tpdf "$F/report.ms" >"$F/report.pdf" 2>"$IT_WORK/groff.err" ||
	{ cat "$IT_WORK/groff.err"; fail "groff"; }
pdfinfo "$F/report.pdf" >"$IT_WORK/pdfinfo"
grep -q '^Title: *The Quarterly Zebra Report$' "$IT_WORK/pdfinfo" || { cat "$IT_WORK/pdfinfo"; fail "PDF title"; }
grep -q '^Pages: *3$' "$IT_WORK/pdfinfo" || fail "PDF pages"
printf '%%PDF-1.4\nthis is not a PDF at all\n%%%%EOF\n' >"$F/corrupt.pdf"

# --- images: RGB and grey PNG, RGBA, grey + alpha, JPEG ------------------------------
vips gaussnoise "$F/noise.v" 640 480 --mean 128 --sigma 40
vips cast "$F/noise.v" "$F/grey8.v" uchar
vips copy "$F/grey8.v" "$F/grey.png" --interpretation b-w
vips bandjoin "$F/grey8.v $F/grey8.v $F/grey8.v" "$F/rgb.v"
vips copy "$F/rgb.v" "$F/rgb.png" --interpretation srgb
vips bandjoin_const "$F/rgb.png" "$F/rgba.png" 255
vips bandjoin_const "$F/grey.png" "$F/la.png" 255
vips copy "$F/rgb.png" "$F/photo.jpg"
# halves.png: 64 x 32, the left half red, the right half blue (pixel checks)
vips black "$F/halves.v" 64 32 --bands 3
vips draw_rect "$F/halves.v" "255 0 0" 0 0 32 32 --fill
vips draw_rect "$F/halves.v" "0 0 255" 32 0 32 32 --fill
vips copy "$F/halves.v" "$F/halves.png" --interpretation srgb
rm -f "$F"/*.v
vipsheader "$F/rgb.png" | grep -q '640x480 uchar, 3 bands' || fail "rgb.png"

# --- text, Markdown, HTML ------------------------------------------------------------
printf 'Plain text first paragraph\ncontinues here.\n\n\nSecond paragraph with a bad byte \377 here.\n' >"$F/notes.txt"
cat >"$F/guide.md" <<'EOF'
# Zebra Guide

Intro paragraph about zebras. Zebras have stripes! Do they sleep? Yes, standing up.

## Habitat

Zebras live in Africa. Mr. Smith saw them in Kenya.

Second habitat paragraph with eight words total here.

### Diet ###

one two three four five six seven eight nine ten eleven twelve
EOF
cat >"$F/page.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>Zebra
  Facts</title><style>.x { color: red }</style>
<script>var secret = "hidden";</script></head>
<body><h1>Main Zebra</h1><p>First <b>bold</b> paragraph.</p><div>Div text here</div>
<h2>Lists</h2><ul><li>item one</li><li>item two</li></ul>
<table><tr><td>cell A</td><td>cell B</td></tr></table>
<pre>pre  kept
  lines</pre></body></html>
EOF
printf 'hello sniffed text\n' >"$F/notes.data"
printf '<html><body><p>sniffed html</p></body></html>\n' >"$F/page.bin"
printf 'bin\0ary\0data' >"$F/blob.bin"
truncate -s 65M "$F/huge.txt"

MEDIA="$PIXELTABLE_HOME/media"
"$PXT_TEST_MEDIA_FN" "$F" "$MEDIA" >"$IT_WORK/out" 2>&1 || { cat "$IT_WORK/out"; fail "test_media_fn"; }
cat "$IT_WORK/out"

# the thumbnail the program kept is a 100x75 PNG under the media store
kept=$(sed -n 's/^KEPT //p' "$IT_WORK/out")
[ -n "$kept" ] || fail "no kept thumbnail reported"
case "$kept" in "$MEDIA"/gen/??/*.png) ;; *) fail "thumbnail outside the store: $kept" ;; esac
vipsheader "$kept" | grep -q ': 100x75 uchar, 3 bands, srgb, pngload' ||
	{ vipsheader "$kept"; fail "kept thumbnail header"; }
# nothing else is left in the store: dropped thumbnails and temporary files are gone
left=$(find "$MEDIA" -type f | grep -v -x -F "$kept" || true)
[ -z "$left" ] || fail "files left in the media store: $left"
