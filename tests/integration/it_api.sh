#!/usr/bin/env bash
# The C API and the database layer against the embedded server (C test programs).
source "$(dirname "$0")/lib.sh"
: "${PXT_TEST_API:?}" "${PXT_TEST_DB:?}" "${PXT_TEST_EXPR:?}"

"$PXT_TEST_API"
"$PXT_TEST_DB"
"$PXT_TEST_EXPR"
