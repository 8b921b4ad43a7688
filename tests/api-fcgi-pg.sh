#!/bin/bash
# tests/api-fcgi-pg.sh: tests/api-fcgi.sh, same expectations, on PostgreSQL.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"
pg_run_suite api-fcgi.sh
