#!/bin/bash
# tests/api-fcgi-pg.sh: tests/api-fcgi.sh with the same expectations on
# PostgreSQL: a private server (tests/pg-lib.sh), a database of its own
# for every database the script would use on SQLite.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"
if ! pg_start; then
	echo "SKIP: no PostgreSQL server to start"
	exit 77
fi
DIS_TEST_PG_HOST=$PG_HOST bash "$abs_top_srcdir/tests/api-fcgi.sh"
