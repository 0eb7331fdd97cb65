#!/usr/bin/env bash
# The media files the store made go with what owned them once the change commits, and
# stay when it fails or rolls back (test_media_cleanup: dropped columns, tables and
# views, view rows deleted or replaced through the table routes, recomputed cells).
# Afterwards nothing is left under the store's gen/ and uploads/ folders, and the
# files given by path are untouched.
source "$(dirname "$0")/lib.sh"
: "${PXT_TEST_MEDIA_CLEANUP:?}" "${PXT_TEST_UDFS:?}"
command -v vips >/dev/null || fail "vips is missing: run deploy/install-deps.sh"

# as_image() of the test UDF module, alone (its second build conflicts with it)
mkdir -p "$IT_WORK/udfs" "$IT_WORK/src"
cp "$PXT_TEST_UDFS/testfns.so" "$IT_WORK/udfs/"
export PIXELTABLE_UDF_DIR="$IT_WORK/udfs"
vips black "$IT_WORK/src/a.png" 64 48
vips black "$IT_WORK/src/b.png" 40 80
vips black "$IT_WORK/src/c.png" 30 30

"$PXT_TEST_MEDIA_CLEANUP" "$IT_WORK/src" || fail "test_media_cleanup"

media="$PIXELTABLE_HOME/media"
left=$(find "$media/gen" "$media/uploads" -type f 2>/dev/null || true)
[ -z "$left" ] || fail "files left in the media store: $left"
for f in a.png b.png c.png given.txt; do
	[ -f "$IT_WORK/src/$f" ] || fail "a file the store did not make was removed: $f"
done
