#!/usr/bin/env bash
# Drift detection of the setup binary: --dry-run exits 0 in sync, 2 on drift, 3 when
# applying would drop data; applying a destructive change needs --allow-destructive.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$PXTC_SETUP"
expect_exit 0 "$PXTC_SETUP" --dry-run

# a column missing from the catalog and the storage: additive drift
q "ALTER TABLE pxt_data.\"app/images\" DROP COLUMN \"timestamp\";
   DELETE FROM pxt_catalog.columns WHERE name = 'timestamp' AND table_id =
     (SELECT id FROM pxt_catalog.tables WHERE path = 'app/images')"
expect_exit 2 "$PXTC_SETUP" --dry-run
grep -q "would add column 'timestamp'" "$IT_WORK/out" || fail "dry-run output"
# the dry run changed nothing
[ "$(q "SELECT count(*) FROM pxt_catalog.columns WHERE name = 'timestamp'")" = 3 ] || fail "dry run applied"
expect_exit 0 "$PXTC_SETUP"
expect_exit 0 "$PXTC_SETUP" --dry-run

# a column nobody declares any more: dropping it loses data
q "ALTER TABLE pxt_data.\"app/images\" ADD COLUMN extra text;
   INSERT INTO pxt_catalog.columns (table_id, name, position, type, storage_name)
     SELECT id, 'extra', 99, 'String', 'extra' FROM pxt_catalog.tables WHERE path = 'app/images';
   INSERT INTO pxt_data.\"app/images\" (image, extra) VALUES ('/x.png', 'keep me')"
expect_exit 3 "$PXTC_SETUP" --dry-run
grep -q "drop column 'extra'" "$IT_WORK/out" || fail "destructive dry-run output"
expect_exit 3 "$PXTC_SETUP"
grep -q "allow-destructive" "$IT_WORK/out" || fail "refusal message"
[ "$(q "SELECT extra FROM pxt_data.\"app/images\"")" = "keep me" ] || fail "refused change applied"
expect_exit 2 "$PXTC_SETUP" --dry-run --allow-destructive
expect_exit 0 "$PXTC_SETUP" --allow-destructive
expect_exit 0 "$PXTC_SETUP" --dry-run
[ "$(q "SELECT count(*) FROM information_schema.columns WHERE column_name = 'extra'")" = 0 ] || fail "extra kept"

# a type changed behind the setup's back
q "UPDATE pxt_catalog.columns SET type = 'String' WHERE name = 'metadata' AND table_id =
     (SELECT id FROM pxt_catalog.tables WHERE path = 'app/documents')"
expect_exit 3 "$PXTC_SETUP" --dry-run
grep -q "column 'metadata' is Json here, String in the catalog" "$IT_WORK/out" || fail "type drift message"
expect_exit 0 "$PXTC_SETUP" --allow-destructive
expect_exit 0 "$PXTC_SETUP" --dry-run
expect_exit 1 "$PXTC_SETUP" --bogus
