#!/usr/bin/env bash
# Search through the C API and through the real stack (embedded PostgreSQL, spawn-fcgi +
# multiwatch workers, nginx). First test_search: ranking, filters, limits, scores,
# snippets, index maintenance, refusals and if_exists on a table and a view, with the
# back-end the server allows (exact without pgvector). Then the reference app over HTTP:
# three Markdown documents inserted through POST /api/data/documents and found by
# POST /api/search/chunks in each mode (the right document's chunk first, with its
# document, score and snippet), filters and limits, images found by the text of their
# metadata (POST /api/search/images, the starter kit's contract: {"query_text"} -> {"rows"}
# with sim), 422 for each kind of bad body, GET /api/data/chunks/similar (the chunk of
# the right document first, 422 for bad parameters), and the two workers agreeing: a document is
# found by every one of 20 searches right after its insert, and by none after its
# delete (the exact back-end's file is shared and synced from the change log).
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_SEARCH:?}"
command -v python3 >/dev/null || fail "python3 is missing"

# ---- the C API, on the embedded server --------------------------------------------
"$PXTC" db start >/dev/null || fail "db start"
backend=exact
[ "$(q "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")" = 0 ] ||
	backend=pgvector
echo "embedding back-end: $backend"
"$PXT_TEST_SEARCH" "$backend" >"$IT_WORK/c.out" 2>&1 || { grep -v '^NOTICE' "$IT_WORK/c.out"; fail "test_search"; }
tail -n1 "$IT_WORK/c.out"
# the driver's index files belong to its user; the workers make their own
rm -rf "$PIXELTABLE_HOME/index"

# ---- the real stack -----------------------------------------------------------------
STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2
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
expect() { [ "$code" = "$1" ] || fail "$2: got $code, expected $1: $body"; }
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] if not k.isdigit() else v[int(k)] for k in sys.argv[2].split(".")]; print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$body" "$1"; }
# check MODE WANT_ID [TITLE]: the search answer in $body lists results best first, the
# first one of document WANT_ID ("-": no result at all; "!ID": ID nowhere), each
# with the chunk's columns, its document, a score, and a snippet unless semantic
check() {
	python3 - "$body" "$@" <<-'EOF' || fail "search answer ($1 $2): ${last_query:-} -> $body"
	import base64, json, sys
	r, mode, want = json.loads(sys.argv[1])["results"], sys.argv[2], sys.argv[3]
	title = sys.argv[4] if len(sys.argv) > 4 else None
	if want == "-":
	    assert r == [], "expected no result"
	    sys.exit(0)
	if want.startswith("!"):
	    assert all(x["document"]["uuid"] != want[1:] for x in r), "a deleted document"
	    sys.exit(0)
	assert r, "no result"
	for x in r:
	    assert {"uuid", "pos", "text", "heading", "page", "score", "document"} <= set(x), x
	    assert set(x["document"]) == {"uuid", "title"}, x["document"]
	    assert x["uuid"] == x["document"]["uuid"], "a chunk's document"
	    assert isinstance(x["score"], (int, float)), x["score"]
	    assert ("snippet" in x) == (mode != "semantic"), "snippet in %s" % mode
	assert all(a["score"] >= b["score"] for a, b in zip(r, r[1:])), "scores out of order"
	assert r[0]["document"]["uuid"] == want, "first is %s" % r[0]["document"]["title"]
	if title is not None:
	    assert r[0]["document"]["title"] == title, r[0]["document"]["title"]
	if mode != "semantic":
	    assert "<b>" in r[0]["snippet"] and "</b>" in r[0]["snippet"], r[0]["snippet"]
	EOF
}
search() { last_query=$2; req POST "/api/search/$1" "$2"; expect 200 "search $2"; }

# ---- three Markdown documents on distinct topics --------------------------------------
media="$PIXELTABLE_HOME/media"
cat >"$media/bees.md" <<'EOF'
# Keeping Honeybees

A colony of honeybees lives in a wooden hive with removable frames. Worker bees collect
nectar and pollen from flowers and turn the nectar into honey.

## The beekeeper's year

In spring the beekeeper inspects the frames for the queen's eggs. In late summer the
honey is harvested with a centrifugal extractor, and the colony is fed sugar syrup
before winter.
EOF
cat >"$media/stars.md" <<'EOF'
# Watching the Night Sky

Astronomers measure the distance to faraway galaxies through large telescopes. A
supernova explosion shines brighter than its whole galaxy for a few weeks.

## Redshift

The light of receding galaxies is stretched towards red: the redshift tells how fast
they move away, and the expansion of the universe follows from it.
EOF
cat >"$media/bread.md" <<'EOF'
# Baking Sourdough Bread

Knead the dough for ten minutes until it is smooth and elastic. A sourdough starter of
wild yeast leavens the loaf slowly overnight.

## In the oven

Bake the loaf in a hot oven with steam, so that the crust turns golden brown and
crackles as the bread cools on a rack.
EOF
[ "$(id -u)" = 0 ] && chown pxtc: "$media"/*.md
declare -A doc
for f in bees stars bread; do
	req POST /api/data/documents "{\"document\": \"$media/$f.md\", \"metadata\": {\"file\": \"$f\"}}"
	expect 200 "insert $f"
	doc[$f]=$(field uuid)
done

# ---- each mode: the right document's chunk first --------------------------------------
for mode in semantic keyword hybrid; do
	case $mode in
	semantic) qb="how beekeepers harvest honey from the hive"
		qs="telescopes observing distant galaxies"
		qr="baking a loaf of sourdough bread in the oven" ;;
	keyword) qb="honey extractor"; qs="supernova redshift"; qr="knead dough" ;;
	hybrid) qb="harvesting honey"; qs="redshift of receding galaxies"; qr="sourdough loaf" ;;
	esac
	search chunks "{\"query\": \"$qb\", \"mode\": \"$mode\"}"; check $mode "${doc[bees]}" "Keeping Honeybees"
	search chunks "{\"query\": \"$qs\", \"mode\": \"$mode\"}"; check $mode "${doc[stars]}" "Watching the Night Sky"
	search chunks "{\"query\": \"$qr\", \"mode\": \"$mode\"}"; check $mode "${doc[bread]}" "Baking Sourdough Bread"
done
# hybrid is the default mode
search chunks '{"query": "supernova"}'; check hybrid "${doc[stars]}"
# keyword: nothing matches, an empty list
search chunks '{"query": "xylophone zeppelin", "mode": "keyword"}'; check keyword -
# limit and filters
search chunks '{"query": "honey galaxies bread", "mode": "semantic", "limit": 1}'
[ "$(field results | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] || fail "limit 1: $body"
search chunks '{"query": "honey galaxies bread", "mode": "semantic", "limit": 100}'
n_all=$(field results | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n_all" -ge 3 ] || fail "all chunks: $body"
search chunks "{\"query\": \"honey\", \"mode\": \"semantic\", \"filters\": {\"uuid\": \"${doc[stars]}\"}}"
check semantic "${doc[stars]}"
python3 -c 'import json,sys; r=json.loads(sys.argv[1])["results"]; assert r and all(x["uuid"]==sys.argv[2] for x in r)' "$body" "${doc[stars]}" ||
	fail "filter on uuid: $body"
search chunks '{"query": "honey", "mode": "keyword", "filters": {"heading": "Redshift"}}'; check keyword -
search chunks '{"query": "galaxies", "mode": "keyword", "filters": {"heading": "Redshift", "pos": 1}}'
check keyword "${doc[stars]}"
[ "$(field results.0.heading)" = Redshift ] || fail "filter on heading: $body"

# ---- GET /api/data/chunks/similar: similarity in a named query (routers/data.c) ------
# similar ARGS...: GET the route with each ARG (name=value) URL-encoded
similar() {
	local a args=()
	for a in "$@"; do args+=(--data-urlencode "$a"); done
	code=$(curl -s -G -o "$IT_WORK/body" -w '%{http_code}' "${args[@]}" \
	    "$URL/api/data/chunks/similar")
	body=$(cat "$IT_WORK/body")
}
# check_similar WANT_ID HEADING MAX: rows best first (at most MAX), each with the
# query's columns and a score, the first one the chunk of document WANT_ID under HEADING
check_similar() {
	python3 - "$body" "$@" <<-'EOF' || fail "similar chunks ($1 $2): $body"
	import json, sys
	r, want, heading, most = json.loads(sys.argv[1])["rows"], sys.argv[2], sys.argv[3], int(sys.argv[4])
	assert 1 <= len(r) <= most, "%d rows" % len(r)
	for x in r:
	    assert set(x) == {"uuid", "pos", "text", "heading", "score"}, x
	    assert isinstance(x["score"], (int, float)), x["score"]
	assert all(a["score"] >= b["score"] for a, b in zip(r, r[1:])), "scores out of order"
	assert r[0]["uuid"] == want and r[0]["heading"] == heading, "first is %s" % r[0]
	EOF
}
similar "query=how beekeepers harvest honey from the hive" limit=3; expect 200 "similar bees"
check_similar "${doc[bees]}" "The beekeeper's year" 3
similar "query=telescopes observing distant galaxies" limit=2; expect 200 "similar stars"
check_similar "${doc[stars]}" "Watching the Night Sky" 2
similar "query=baking a loaf of sourdough bread in the oven"; expect 200 "similar bread"
check_similar "${doc[bread]}" "In the oven" 10
n_sim=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["rows"]))' "$body")
[ "$n_sim" -ge 6 ] || fail "all chunks without a limit: $body"
# bad parameters: 422 validation_error (no query, an empty or blank one, a limit out of
# 0..100 or not a number, a negative offset)
for args in "" "query=" "query=x limit=-1" "query=x limit=101" "query=x limit=abc" "query=x offset=-1"; do
	similar $args
	[ "$code" = 422 ] || fail "similar '$args': got $code, expected 422: $body"
	[ "$(field detail.error_code)" = validation_error ] || fail "similar '$args': $body"
done
similar "query=  	 "
[ "$code" = 422 ] || fail "similar with a blank query: got $code, expected 422: $body"
grep -q "is empty" <<<"$body" || fail "similar with a blank query: $body"

# ---- images, by the text of their metadata ---------------------------------------------
vips black "$media/a.png" 64 48
vips black "$media/b.png" 32 32
vips black "$media/c.png" 48 64
[ "$(id -u)" = 0 ] && chown pxtc: "$media"/*.png
declare -A img
req POST /api/data/images "{\"image\": \"$media/a.png\", \"metadata\": {\"caption\": \"a red sunset over the fishing harbour\", \"place\": \"Brittany\"}}"
expect 200 "image a"; img[a]=$(field uuid)
req POST /api/data/images "{\"image\": \"$media/b.png\", \"metadata\": {\"caption\": \"snowy mountain peaks above a glacier\", \"place\": \"Alps\"}}"
expect 200 "image b"; img[b]=$(field uuid)
req POST /api/data/images "{\"image\": \"$media/c.png\", \"metadata\": {\"caption\": \"a tabby cat asleep on a sofa\", \"place\": \"home\"}}"
expect 200 "image c"; img[c]=$(field uuid)
# first row's uuid, in the starter kit's contract: check_img MODE ID
check_img() {
	python3 - "$body" "$@" <<-'EOF' || fail "images ($1 $2): $body"
	import base64, json, re, sys
	r, mode, want = json.loads(sys.argv[1])["rows"], sys.argv[2], sys.argv[3]
	assert r and r[0]["uuid"] == want, "first: %s" % (r[0] if r else None)
	assert {"uuid", "sim", "thumbnail", "source"} <= set(r[0]), r[0]
	assert re.match(r"(https?|file)://", r[0]["source"]), r[0]["source"]
	assert base64.b64decode(r[0]["thumbnail"]).startswith(b"\x89PNG"), r[0]["thumbnail"][:40]
	assert ("snippet" in r[0]) == (mode != "semantic")
	assert mode != "semantic" or -1 <= r[0]["sim"] <= 1, r[0]["sim"]
	EOF
}
for mode in semantic keyword hybrid; do
	search images "{\"query_text\": \"sunset over a harbour\", \"mode\": \"$mode\"}"; check_img $mode "${img[a]}"
	search images "{\"query_text\": \"glacier and mountain peaks\", \"mode\": \"$mode\"}"; check_img $mode "${img[b]}"
	search images "{\"query_text\": \"sleeping cat\", \"mode\": \"$mode\"}"; check_img $mode "${img[c]}"
done
# semantic unless asked: no snippet
search images '{"query_text": "sleeping cat"}'; check_img semantic "${img[c]}"
search images '{"query_text": "Brittany", "mode": "keyword"}'; check_img keyword "${img[a]}"
search images "{\"query_text\": \"cat\", \"filters\": {\"metadata.place\": \"Alps\"}}"
python3 -c 'import json,sys; r=json.loads(sys.argv[1])["rows"]; assert [x["uuid"] for x in r] in ([], [sys.argv[2]])' "$body" "${img[b]}" ||
	fail "images filtered on metadata.place: $body"

# ---- bad bodies: 422 naming the field ---------------------------------------------------
bad() {
	req POST /api/search/chunks "$1"
	[ "$code" = 422 ] || fail "body $1: got $code, expected 422: $body"
	[ "$(field detail.error_code)" = validation_error ] || fail "body $1: $body"
	[ -z "${2:-}" ] || grep -q "$2" <<<"$(field detail.message)" || fail "body $1: message: $body"
}
bad '{}' 'query must be a non-empty string'
bad '{"query": ""}' 'query must be a non-empty string'
bad '{"query": 5}' 'query must be a non-empty string'
bad '{"query": "x", "limit": 0}' 'limit must be an integer from 1 to 100'
bad '{"query": "x", "limit": 101}' 'limit must be an integer from 1 to 100'
bad '{"query": "x", "limit": "5"}' 'limit must be'
bad '{"query": "x", "limit": 2.5}' 'limit must be'
bad '{"query": "x", "mode": "x"}' 'mode must be'
bad '{"query": "x", "mode": 1}' 'mode must be'
bad '{"query": "x", "colour": "red"}' "unknown field 'colour'"
bad '{"query": "x", "filters": []}' 'filters must be an object'
bad '{"query": "x", "filters": "id"}' 'filters must be an object'
bad '{"query": "x", "filters": {"heading": {"a": 1}}}' 'the value must be'
bad '{"query": "x", "filters": {"colour": "red"}}' "unknown column 'colour'"
bad '[]' 'must be a JSON object'
req POST /api/search/images '{"query_text": "x", "mode": "fuzzy"}'; expect 422 "images mode"
req POST /api/search/chunks '{"query": '; expect 400 "malformed JSON"
req GET /api/search/chunks; expect 405 "GET"
req POST /api/search/chunks 'query=x' 
[ "$code" = 415 ] || [ "$code" = 400 ] || [ "$code" = 422 ] || fail "form body: $code"

# ---- the workers agree: insert, then search at once; delete, then never again ------
cat >"$media/glass.md" <<'EOF'
# Glassblowing Basics

The gaffer gathers molten glass on a blowpipe from the furnace, then inflates a parison
and shapes it on the marver before annealing it slowly in the lehr.
EOF
[ "$(id -u)" = 0 ] && chown pxtc: "$media/glass.md"
# burst MODE QUERY...: one search per QUERY, all at once, with as many health probes
# (so both workers are busy); answers in $IT_WORK/burst.N, the workers' pids noted
declare -A pids
burst() {
	local mode=$1 i=0 q
	shift
	burst_queries=("$@")
	for q in "$@"; do
		i=$((i + 1))
		curl -s -o "$IT_WORK/burst.$i" -w '%{http_code}' -X POST \
		    -H 'Content-Type: application/json' --data-binary \
		    "{\"query\": \"$q\", \"mode\": \"$mode\", \"limit\": 100}" \
		    "$URL/api/search/chunks" >"$IT_WORK/burst.$i.code" &
		curl -s -o "$IT_WORK/health.$i" "$URL/api/health" &
	done
	wait
	burst_end=$(date +%s%N)
	nburst=$i
	for i in $(seq "$nburst"); do
		pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["worker"]["pid"])' "$IT_WORK/health.$i") &&
			pids[$pid]=1
	done
}
# burst_check MODE WANT: every answer of the last burst passes check
burst_check() {
	for i in $(seq "$nburst"); do
		code=$(cat "$IT_WORK/burst.$i.code"); body=$(cat "$IT_WORK/burst.$i")
		last_query="$1 '${burst_queries[$((i - 1))]}'"
		expect 200 "search $i of a burst"
		check "$1" "$2"
	done
}
req POST /api/data/documents "{\"document\": \"$media/glass.md\"}"; expect 200 "insert glass"
glass=$(field uuid)
t0=$(date +%s%N)
burst keyword "parison marver lehr" "gaffer blowpipe" "annealing lehr" "molten glass parison" \
	"marver" "blowpipe furnace" "gathers glass"
t1=$burst_end
burst_check keyword "$glass"
burst semantic "blowing molten glass on a blowpipe" "glassblowing basics" \
	"the gaffer inflates a parison" "annealing glass in the lehr" \
	"shaping molten glass on the marver" "a gaffer at the glass furnace" "glassblowers"
burst_check semantic "$glass"
burst hybrid "glassblowing furnace" "molten glass blowpipe" "parison" "gaffer" \
	"annealing in the lehr" "marver shaping"
burst_check hybrid "$glass"
# until both workers took part (a quick machine may serve a burst with one)
for _ in $(seq 10); do
	[ "${#pids[@]}" -lt 2 ] || break
	burst keyword "parison" "marver" "lehr" "blowpipe" "gaffer" "furnace"
	burst_check keyword "$glass"
done
echo "20 searches right after the insert; the first 7 answered $(( (t1 - t0) / 1000000 )) ms after it; workers: ${!pids[*]}"
# a property, not a speed: the searches see the row at once (a loaded machine may take
# seconds to answer them; the benchmark measures the time)
[ $(( (t1 - t0) / 1000000 )) -lt 10000 ] || fail "the first searches took $(( (t1 - t0) / 1000000 )) ms"
[ "${#pids[@]}" -ge 2 ] || fail "only one worker answered the bursts: ${!pids[*]}"
# a new version of the document: the old chunks leave the index, the new ones join it
cat >"$media/glass2.md" <<'EOF'
# Stained Glass Windows

Lead cames hold pieces of coloured glass; the glazier solders the joints and cements
the panel so that rain stays out of the cathedral.
EOF
[ "$(id -u)" = 0 ] && chown pxtc: "$media/glass2.md"
req POST /api/data/documents/update "{\"uuid\": \"$glass\", \"document\": \"$media/glass2.md\"}"
expect 200 "update glass"
for i in $(seq 6); do
	search chunks '{"query": "parison marver lehr", "mode": "keyword"}'; check keyword -
	search chunks '{"query": "glazier solders lead cames", "mode": "keyword"}'; check keyword "$glass" "Stained Glass Windows"
	search chunks '{"query": "coloured glass in cathedral windows", "mode": "semantic"}'; check semantic "$glass"
done
req POST /api/data/documents/delete "{\"uuid\": \"$glass\"}"; expect 200 "delete glass"
pids=()
burst keyword "glazier solders lead cames" "stained glass" "cathedral" "lead cames" \
	"glazier" "coloured glass panel" "solders joints"
burst_check keyword -
burst semantic "coloured glass in cathedral windows" "stained glass windows" \
	"a glazier solders lead cames" "rain stays out of the cathedral" "glass panels" \
	"stained glass" "lead cames and coloured glass"
burst_check semantic "!$glass"
burst hybrid "stained glass cathedral" "glazier" "lead cames" "coloured glass" \
	"cathedral windows" "solders the joints"
burst_check hybrid "!$glass"
for _ in $(seq 10); do
	[ "${#pids[@]}" -lt 2 ] || break
	burst keyword "glazier" "cathedral" "cames" "solders" "stained" "panel"
	burst_check keyword -
done
[ "${#pids[@]}" -ge 2 ] || fail "only one worker answered the bursts after the delete"
# the others are still there, and only they
search chunks '{"query": "honey galaxies bread", "mode": "semantic", "limit": 100}'
[ "$(field results | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$n_all" ] ||
	fail "chunks after the delete: $body"
search chunks '{"query": "knead dough"}'; check hybrid "${doc[bread]}"
