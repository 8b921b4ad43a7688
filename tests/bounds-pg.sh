#!/bin/bash
# tests/bounds-pg.sh: tests/bounds.sh, same expectations, on PostgreSQL.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"
pg_run_suite bounds.sh
