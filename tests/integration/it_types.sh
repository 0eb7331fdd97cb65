#!/usr/bin/env bash
# The 14 column types through the real stack (embedded PostgreSQL, spawn-fcgi +
# multiwatch workers, nginx): test_types makes test/types (a declared String key, one
# column of each type, b64_encode(thumbnail(image, [320, 320])) and width(image)
# computed) and checks a row written with the C API; the types router serves it. A
# row inserted as JSON and one as multipart (Binary as raw bytes) are read back
# through the query route: Date as YYYY-MM-DD, Binary as base64, Audio and Video as
# references to real files (a WAV tone, a one-frame MJPEG AVI), the thumbnail a
# base64 PNG of at most 320 x 320. A bad value of each type answers 422 naming the
# column, and OpenAPI describes Binary as base64.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_TEST_ROUTERS:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_TYPES:?}"
command -v vipsheader >/dev/null || fail "vipsheader is missing: run deploy/install-deps.sh"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
cp "$PXT_TEST_ROUTERS/types.so" "$prefix/lib/pxtc/routers/"
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2
export SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers" SERVER_ROUTERS="data.so,types.so"

# ---- real media files in the media folder: an image, a WAV tone, an MJPEG AVI, text
media="$PIXELTABLE_HOME/media"
mkdir -p "$media"
vips black "$IT_WORK/pic.v" 640 400 --bands 3
vips draw_rect "$IT_WORK/pic.v" "200 30 30" 0 0 320 400 --fill
vips copy "$IT_WORK/pic.v" "$media/pic.png" --interpretation srgb
vips copy "$media/pic.png" "$IT_WORK/frame.jpg"
echo "notes for the Document column" >"$media/notes.txt"
python3 - "$media/tone.wav" "$media/clip.avi" "$IT_WORK/frame.jpg" <<'PY'
import math, struct, sys, wave
# a 0.2 s 440 Hz tone, 16-bit mono PCM at 8 kHz
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(1600)))
# a one-frame Motion-JPEG AVI (RIFF AVI with avih, strh, strf, movi, idx1)
jpg = open(sys.argv[3], "rb").read()
def chunk(tag, data):
    return tag + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
def lst(kind, data):
    return chunk(b"LIST", kind + data)
W, H = 640, 400
avih = struct.pack("<IIIIIIIIII4I", 40000, len(jpg) * 25, 0, 0x10, 1, 0, 1, len(jpg), W, H, 0, 0, 0, 0)
strh = b"vidsMJPG" + struct.pack("<IHHIIIIIIIIhhhh", 0, 0, 0, 0, 1, 25, 0, 1, len(jpg), 0xFFFFFFFF, 0, 0, 0, W, H)
strf = struct.pack("<IiiHHIIiiII", 40, W, H, 1, 24, 0x47504A4D, W * H * 3, 0, 0, 0, 0)
hdrl = lst(b"hdrl", chunk(b"avih", avih) + lst(b"strl", chunk(b"strh", strh) + chunk(b"strf", strf)))
movi = lst(b"movi", chunk(b"00dc", jpg))
idx1 = chunk(b"idx1", b"00dc" + struct.pack("<III", 0x10, 4, len(jpg)))
body = b"AVI " + hdrl + movi + idx1
open(sys.argv[2], "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
PY
file -b "$media/tone.wav" | grep -q 'WAVE audio' || fail "tone.wav is not a WAV: $(file -b "$media/tone.wav")"
file -b "$media/clip.avi" | grep -q 'AVI' || fail "clip.avi is not an AVI: $(file -b "$media/clip.avi")"

# the C API half, and the table the types router serves
"$PXT_TEST_TYPES" "$media" || fail "test_types"

SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; true; }
stack_start

req() {
	code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -X "$1" \
	    -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$URL$2")
	body=$(cat "$IT_WORK/body")
}
expect() { [ "$code" = "$1" ] || fail "got $code, expected $1: $body"; }
# field PATH [JSON]: the value at a dotted path of the body (or JSON), as text
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] if not k.isdigit() else v[int(k)] for k in sys.argv[2].split(".") if k]; print(v if not isinstance(v,(dict,list,bool)) or v is None else json.dumps(v))' "${2:-$body}" "$1"; }

# row JSON with the value of column $1 replaced by the JSON $2 and key $3
row() {
	python3 -c 'import json,sys
r = {"k": "http", "s": "héllo", "i": -42, "f": 2.5, "b": True,
     "ts": "2024-02-29T12:34:56Z", "d": "2024-02-29",
     "u": "0190a0b4-7c1e-7d3a-9f00-123456789abc", "j": {"a": [1, 2]}, "a": [1, 2, 3],
     "image": sys.argv[4] + "/pic.png", "video": sys.argv[4] + "/clip.avi",
     "audio": sys.argv[4] + "/tone.wav", "doc": sys.argv[4] + "/notes.txt",
     "bin": "AAEC/w=="}
if sys.argv[1]: r[sys.argv[1]] = json.loads(sys.argv[2])
r["k"] = sys.argv[3]
print(json.dumps(r))' "$1" "$2" "$3" "$media"
}

# ---- a JSON insert answers the row as stored
req POST /api/types/rows "$(row "" "" http)"; expect 200
[ "$(field d)" = "2024-02-29" ] || fail "Date: $(field d)"
[ "$(field bin)" = "AAEC/w==" ] || fail "Binary: $(field bin)"
[ "$(field i) $(field f) $(field b) $(field s)" = "-42 2.5 true héllo" ] || fail "scalars: $body"
[ "$(field u)" = "0190a0b4-7c1e-7d3a-9f00-123456789abc" ] || fail "UUID: $(field u)"
case $(field ts) in 2024-02-29T12:34:56*) ;; *) fail "Timestamp: $(field ts)" ;; esac
[ "$(field j)" = '{"a": [1, 2]}' ] && [ "$(field a)" = '[1, 2, 3]' ] || fail "Json, Array: $body"
# media answer as references: files of the media folder as absolute signed /media/
# URLs that nginx serves byte for byte
for c in image:pic.png video:clip.avi audio:tone.wav doc:notes.txt; do
	ref=$(field "${c%%:*}")
	case $ref in "$URL/media/"[0-9]*"/${c#*:}") ;; *) fail "${c%%:*} reference: $ref" ;; esac
	curl -s -o "$IT_WORK/served" "$ref" && cmp -s "$IT_WORK/served" "$media/${c#*:}" ||
		fail "${c%%:*}: $ref does not serve ${c#*:}"
done
[ "$(field w)" = 640 ] || fail "width(image): $(field w)"
# the thumbnail column: a base64 PNG of at most 320 x 320 (here 320 x 200), no file
field thumb | base64 -d >"$IT_WORK/thumb.png" || fail "thumb is not base64"
[ "$(vipsheader -f format "$IT_WORK/thumb.png" 2>/dev/null)" != "" ] || fail "thumb is no image"
file -b "$IT_WORK/thumb.png" | grep -q '^PNG image data, 320 x 200' ||
	fail "thumb: $(file -b "$IT_WORK/thumb.png")"
[ -z "$(find "$media" -path '*/gen/*' -type f 2>/dev/null)" ] || fail "b64_encode(thumbnail()) wrote a file"

# ---- multipart: Binary as the raw bytes of a file part (and of a plain field)
printf '\000\001binary\377' >"$IT_WORK/raw.bin"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -F k=mp -F d=2023-01-02 \
    -F "bin=@$IT_WORK/raw.bin;type=application/octet-stream" "$URL/api/types/rows")
body=$(cat "$IT_WORK/body")
expect 200
[ "$(field bin)" = "$(base64 -w0 <"$IT_WORK/raw.bin")" ] || fail "multipart Binary: $(field bin)"
[ "$(field d)" = "2023-01-02" ] || fail "multipart Date: $(field d)"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -F k=mp2 -F 'bin=plain bytes' \
    "$URL/api/types/rows")
body=$(cat "$IT_WORK/body")
expect 200
[ "$(field bin)" = "$(printf 'plain bytes' | base64 -w0)" ] || fail "multipart field Binary: $(field bin)"

# ---- the query route reads the rows back, the C API's among them
req GET /api/types/rows; expect 200
[ "$(field rows.0.k) $(field rows.1.k) $(field rows.2.k) $(field rows.3.k)" = "c-api http mp mp2" ] ||
	fail "rows: $body"
for n in 0 1; do
	[ "$(field rows.$n.bin)" = "AAEC/w==" ] && [ "$(field rows.$n.d)" = "2024-02-29" ] ||
		fail "row $n Binary/Date: $body"
	case "$(field rows.$n.audio) $(field rows.$n.video)" in
	"$URL/media/"*"/tone.wav $URL/media/"*"/clip.avi") ;;
	*) fail "row $n Audio/Video: $body" ;;
	esac
	[ "$(field rows.$n.w)" = 640 ] || fail "row $n width"
	field rows.$n.thumb | base64 -d >"$IT_WORK/t$n.png" || fail "row $n thumb"
	[ "$(vipsheader -f width "$IT_WORK/t$n.png") $(vipsheader -f height "$IT_WORK/t$n.png")" = "320 200" ] ||
		fail "row $n thumb size"
done

# ---- a bad value of each type: 422 naming the column
bad() {
	req POST /api/types/rows "$(row "$1" "$2" "bad-$1")"
	expect 422
	grep -q "'$1'\|\"$1\"" "$IT_WORK/body" || fail "the 422 for $1 does not name it: $body"
}
bad s 5
bad i '"x"'
bad f '"x"'
bad b '"yes"'
bad ts '"yesterday"'
bad d '"29/02/2024"'
bad u '"not-a-uuid"'
bad j '"a\u0000b"'
bad a '["x"]'
bad image '"/nonexistent/pic.png"'
bad video '"ftp://host/clip.avi"'
bad audio '"relative/tone.wav"'
bad doc '""'
bad bin '"not base64!"'
req GET /api/types/rows; expect 200
[ "$(field rows | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 4 ] ||
	fail "a refused row was stored: $body"

# ---- OpenAPI: Binary is base64
req GET /api/openapi.json; expect 200
python3 - "$IT_WORK/body" <<'PY' || fail "OpenAPI Binary"
import json, sys
doc = json.load(open(sys.argv[1]))
found = []
def walk(v):
    if isinstance(v, dict):
        if v.get("x-pxt-type") == "Binary":
            found.append(v)
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(doc)
assert found and all(f.get("contentEncoding") == "base64" and f.get("format") == "byte" for f in found), found
PY

"$STACK" stop >/dev/null 2>&1 || fail "stack stop"
echo "it_types: ok"
