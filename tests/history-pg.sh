#!/bin/bash
# tests/history-pg.sh: tests/history.sh, same expectations, on PostgreSQL,
# whose history a trigger keeps.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"
pg_run_suite history.sh
