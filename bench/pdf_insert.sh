#!/usr/bin/env bash
# pdf_insert.sh - the insert route with a real document: POST /api/data/documents of a
# 20-page text PDF, one request at a time, on the real stack (deploy/local/pxtc-stack:
# embedded PostgreSQL, pxtc-setup, spawn-fcgi + multiwatch workers, nginx).
#
# Each request makes the reference app's worker extract the text (poppler), compute
# text, title, n_words and summary, split the document into ~500-token chunks (the
# `chunks` view: document_splitter "heading,token_limit", limit 500, overlap 50) and
# store the row and its chunks, in one transaction. The script:
#   1. writes a PAGES-page PDF of prose-like text (WORDS words a page) with groff -Tpdf
#      and checks the page count with pdfinfo;
#   2. installs pxtc into a temporary prefix (the workers run as user pxtc when root)
#      and starts the stack on a free 127.0.0.1 port with a fresh PIXELTABLE_HOME;
#   3. copies the PDF into the media store once per request, each under its own name,
#      so no request reads a file another one read;
#   4. sends WARMUP requests (printed, not counted: the first request of a worker loads
#      poppler), then REQUESTS timed ones (curl's time_total), and checks that every
#      answer is 200 with text, summary, the PDF's title, and an n_words within 10% of
#      what pdftotext counts;
#   5. counts each document's chunks (GET /api/data/documents/{uuid}/chunks);
#   6. prints min, p50, p90, p99, max and mean in ms against the target (p50 < 150 ms)
#      as Markdown (stdout, and -o FILE).
# The stack is stopped and the temporary folders removed on exit, pass or fail.
#
#   bench/pdf_insert.sh [-n REQUESTS] [-o REPORT.md] [--no-build] [--hold SECONDS]
#                       [--smoke]
# --smoke checks in seconds that it still works (a 2-page PDF, one warm-up and two
# timed requests, one worker).
# --hold keeps the stack up for SECONDS after the timed requests (perf, strace, curl by
# hand: the URL, the PDF copies and the worker PIDs are printed), then cleans up.
# Environment: REQUESTS (50), WARMUP (4), PAGES (20), WORDS (450 words a page),
# WORKERS (2), TARGET_MS (150), BUILD (build), STRICT=1 (exit 3 when the target is
# missed). Needs groff, pdfinfo and pdftotext (poppler-utils), curl, nginx, spawn-fcgi,
# multiwatch and cmake. Shares bench/lib.sh with the other scripts.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init pdf_insert.sh
REQUESTS=${REQUESTS:-50}
WARMUP=${WARMUP:-4}
PAGES=${PAGES:-20}
WORDS=${WORDS:-450}
WORKERS=${WORKERS:-2}
TARGET_MS=${TARGET_MS:-150}
PDF_TITLE="Annual Operations Review"
CMDLINE="bench/pdf_insert.sh $*"

smoke_settings() { REQUESTS=2 WARMUP=1 PAGES=2 WORKERS=1; }

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-n) REQUESTS=${2:?}; shift 2 ;;
		*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
		esac
	done
	need_int REQUESTS PAGES WORDS WORKERS TARGET_MS
	need_uint WARMUP HOLD
}

build_and_install() {
	need_tools groff pdfinfo pdftotext curl nginx spawn-fcgi multiwatch cmake timeout
	build_pxtc
	need_built app/pxtc-worker app/pxtc schema/pxtc-setup
	install_prefix
}

# make_pdf OUT.pdf: PAGES pages of prose-like text, WORDS words a page, one section
# heading a page, a title in the document information. Deterministic (fixed seed).
make_pdf() {
	local out=$1 ms=$WORK/doc.ms pages
	awk -v pages="$PAGES" -v words="$WORDS" -v title="$PDF_TITLE" 'BEGIN {
		srand(20261123)
		ns = split("the committee|our team|the new storage layer|every reviewer|the quarterly report|a small group of engineers|the finance department|the customer|this proposal|the previous release|the regional office|each of the pilot sites|the steering board|the support desk|a careful reader", S, "|")
		nv = split("reviewed|described|measured|questioned|improved|postponed|summarized|compared|rejected|approved|documented|simplified|tested|estimated|discussed", V, "|")
		no = split("the cost of the migration|the time it takes to answer a request|the plan for the next two quarters|most of the open questions|the results of the first trial|the way documents are stored|the budget for hardware and travel|several pages of older notes|the schedule agreed in March|the risks nobody had written down|a handful of slow queries|the main findings of the audit|the training material for new staff|what the users asked for|the figures from last year", O, "|")
		nc = split("because the old process was slow|after a long discussion|although nobody expected it|in the second half of the year|before the deadline in June|with help from two volunteers|while the servers were being moved|as the survey had suggested|without changing the overall budget|once the numbers were checked twice|so that the next team can start earlier|despite a difficult first month", C, "|")
		nt = split("Background|Method|Storage|Costs|Schedule|Risks|Findings|Staffing|Customers|Operations|Security|Training|Hardware|Quality|Outlook|Budget|Migration|Support|Review|Summary", T, "|")
		print ".pdfinfo /Title " title
		print ".TL"
		print title
		for (p = 1; p <= pages; p++) {
			if (p > 1) print ".bp"
			print ".SH"
			printf "%d. %s\n", p, T[1 + (p - 1) % nt]
			n = 0
			while (n < words) {
				print ".PP"
				ns_par = 4 + int(rand() * 3)
				line = ""
				for (k = 0; k < ns_par && n < words; k++) {
					s = S[1 + int(rand() * ns)] " " V[1 + int(rand() * nv)] " " O[1 + int(rand() * no)]
					if (rand() < 0.6) s = s " " C[1 + int(rand() * nc)]
					if (rand() < 0.15) s = s ", and " S[1 + int(rand() * ns)] " " V[1 + int(rand() * nv)] " it again in " (2010 + int(rand() * 16))
					s = toupper(substr(s, 1, 1)) substr(s, 2) "."
					n += split(s, tmp, " ")
					line = line (k ? " " : "") s
				}
				print line
			}
		}
	}' > "$ms"
	groff -ms -Tpdf "$ms" > "$out" 2> "$WORK/groff.err" || { cat "$WORK/groff.err" >&2; die "groff failed"; }
	pages=$(pdfinfo "$out" | awk '/^Pages:/ { print $2 }')
	[ "$pages" = "$PAGES" ] || die "the PDF has ${pages:-no} pages, not $PAGES (fewer WORDS a page?)"
	PDF_WORDS=$(pdftotext "$out" - | wc -w)
	PDF_BYTES=$(stat -c %s "$out")
	log "PDF: $pages pages, $PDF_WORDS words (pdftotext), $PDF_BYTES bytes"
}

start_stack() {
	stack_env
	stack_start
	WORKERS_PIDS=$(pgrep -P "$(cat "$PXT_HOME/run/workers.pid")" | tr '\n' ' ' || true)
}

# copy_pdfs: one copy of the PDF per request, each under its own name.
copy_pdfs() {
	local i dir=$PXT_HOME/media/bench-pdf
	mkdir -p "$dir"
	for i in $(seq 1 $((WARMUP + REQUESTS))); do
		cp "$WORK/doc.pdf" "$dir/report-$i.pdf"
	done
	chmod 0755 "$dir"
	chmod 0644 "$dir"/*.pdf
	if is_root; then chown -R pxtc:pxtc "$dir"; fi
	MEDIA_DIR=$dir
}

# post I: POST copy I; prints "CODE SECONDS", the answer in $WORK/answer-I.json.
post() {
	local i=$1
	printf '{"document": "%s/report-%d.pdf", "metadata": {"source": "bench", "seq": %d, "pages": %d}}' \
	    "$MEDIA_DIR" "$i" "$i" "$PAGES" > "$WORK/body-$i.json"
	curl -sS --max-time 120 -o "$WORK/answer-$i.json" -w '%{http_code} %{time_total}\n' \
	    -H 'Content-Type: application/json' --data-binary "@$WORK/body-$i.json" "$URL/api/data/documents"
}

# json_num KEY FILE / json_str KEY FILE: a top-level value of a flat answer.
json_num() { grep -o "\"$1\": *-\{0,1\}[0-9][0-9]*" "$2" | head -n1 | sed 's/.*: *//'; }
json_str() { grep -o "\"$1\": *\"[^\"]*\"" "$2" | head -n1 | sed 's/^[^:]*: *"//; s/"$//'; }

check_answer() {
	local i=$1 code=$2 f=$WORK/answer-$1.json k n
	[ "$code" = 200 ] || { head -c 600 "$f" >&2; echo >&2; die "request $i answered $code"; }
	for k in text title n_words summary uuid; do
		grep -q "\"$k\":" "$f" || { head -c 600 "$f" >&2; echo >&2; die "answer $i has no $k"; }
	done
	n=$(json_num n_words "$f")
	[ -n "$n" ] || { head -c 600 "$f" >&2; echo >&2; die "answer $i: n_words is not a number"; }
	# pdftotext's count differs a little (page numbers, hyphenation), never by 10%
	[ "$n" -ge $((PDF_WORDS * 9 / 10)) ] || die "answer $i: n_words $n, but the PDF has about $PDF_WORDS words"
	[ "$(json_str title "$f")" = "$PDF_TITLE" ] || die "answer $i: title '$(json_str title "$f")', not '$PDF_TITLE'"
	json_str uuid "$f" >> "$WORK/ids.txt"
}

run_requests() {
	local i line code secs
	: > "$WORK/times.txt"
	: > "$WORK/ids.txt"
	WARM_MS=
	for i in $(seq 1 "$WARMUP"); do
		line=$(post "$i") || die "curl failed on warm-up request $i"
		read -r code secs <<<"$line"
		check_answer "$i" "$code"
		WARM_MS="$WARM_MS $(awk -v s="$secs" 'BEGIN { printf "%.0f", s * 1000 }')"
	done
	[ -z "$WARM_MS" ] || log "warm-up requests (ms, not counted):$WARM_MS"
	for i in $(seq $((WARMUP + 1)) $((WARMUP + REQUESTS))); do
		line=$(post "$i") || die "curl failed on request $i"
		read -r code secs <<<"$line"
		check_answer "$i" "$code"
		awk -v s="$secs" 'BEGIN { printf "%.3f\n", s * 1000 }' >> "$WORK/times.txt"
	done
	log "$REQUESTS timed requests done"
	local f=$WORK/answer-$((WARMUP + 1)).json
	N_WORDS=$(json_num n_words "$f")
	TITLE=$(json_str title "$f")
	TEXT_CHARS=$(grep -o '"text": *"\([^"\\]\|\\.\)*"' "$f" | head -n1 | wc -c)
	ANSWER_BYTES=$(wc -c < "$f")
}

# count_chunks: chunks of every inserted document; they must all have the same count.
count_chunks() {
	local id n
	: > "$WORK/chunks.txt"
	while read -r id; do
		curl -sS --fail --max-time 30 -o "$WORK/chunks.json" "$URL/api/data/documents/$id/chunks" ||
		    die "GET /api/data/documents/$id/chunks failed"
		n=$(grep -o '"pos":' "$WORK/chunks.json" | wc -l)
		echo "$n" >> "$WORK/chunks.txt"
	done < "$WORK/ids.txt"
	CHUNKS=$(sort -n "$WORK/chunks.txt" | uniq | paste -sd/)
	[ "$(sort -u "$WORK/chunks.txt" | wc -l)" = 1 ] ||
	    log "warning: the documents have different chunk counts: $CHUNKS"
	# the last document's chunks, for the report: pages and words of each
	# (paragraphs are joined by "\n\n" escapes: make them spaces before counting)
	CHUNK_WORDS=$(sed 's/},{/}\n{/g' "$WORK/chunks.json" | grep -o '"text": *"\([^"\\]\|\\.\)*"' |
	    sed 's/\\[nrt]/ /g' | awk '{ print NF - 1 }' | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR) printf "%d-%d", v[1], v[NR] }')
	log "chunks per document: $CHUNKS (words per chunk $CHUNK_WORDS)"
	[ "${CHUNK_WORDS#*-}" -le 500 ] 2>/dev/null ||
	    log "warning: a chunk has more than 500 words ($CHUNK_WORDS): is the token limit applied?"
}

report() {
	local min p50 p90 p99 max mean verdict
	read -r min p50 p90 p99 max mean <<<"$(stats 1 < "$WORK/times.txt")"
	verdict=$(verdict "$p50" lt "$TARGET_MS")
	MISSED=0
	[ "$verdict" = met ] || MISSED=1
	{
		echo "## pxtc PDF insert, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		machine_line
		echo "- command: \`$CMDLINE\` (REQUESTS=$REQUESTS WARMUP=$WARMUP PAGES=$PAGES WORDS=$WORDS WORKERS=$WORKERS)"
		echo "- document: $PAGES-page PDF from groff -Tpdf, $PDF_BYTES bytes, $PDF_WORDS words (pdftotext); title \"$TITLE\", n_words $N_WORDS, text $TEXT_CHARS chars, answer $ANSWER_BYTES bytes"
		echo "- chunks per document: $CHUNKS (words per chunk in the last one: $CHUNK_WORDS)"
		echo "- warm-up requests (ms, not counted):${WARM_MS:- none}"
		echo "- every timed request in order (ms): $(awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }' "$WORK/times.txt")"
		load_line
		echo
		echo "| POST /api/data/documents, $REQUESTS requests one at a time | min | p50 | p90 | p99 | max | mean |"
		echo "|---|---:|---:|---:|---:|---:|---:|"
		echo "| ms (curl time_total) | $min | $p50 | $p90 | $p99 | $max | $mean |"
		echo
		echo "Target: under $TARGET_MS ms (p50): **$verdict**; $(awk -v t="$TARGET_MS" '$1 < t { n++ } END { print n + 0 }' "$WORK/times.txt") of $REQUESTS requests took under $TARGET_MS ms (max $max ms)."
	} > "$WORK/report.md"
	report_out
}

hold() {
	[ "$HOLD" = 0 ] || log "$URL up (workers $WORKERS_PIDS), PIXELTABLE_HOME=$PXT_HOME, PDF copies in $MEDIA_DIR"
}

main() {
	parse_args "$@"
	bench_begin pdf	# WORK: the workers (user pxtc) run from it and read the prefix
	build_and_install
	make_pdf "$WORK/doc.pdf"
	start_stack
	copy_pdfs
	run_requests
	count_chunks
	report
	hold
	bench_end
}

# run unless sourced (sourcing gives the functions, for trying pieces by hand)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
