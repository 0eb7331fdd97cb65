#!/usr/bin/env bash
# Named queries as Pixeltable writes them: the C API first (test_query: the SQL each
# form compiles to, and its answers in process), then through the stack.
source "$(dirname "$0")/lib.sh"
: "${PXT_TEST_QUERY:?}"

"$PXT_TEST_QUERY" || fail "test_query"
