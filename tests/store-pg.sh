#!/bin/bash
# tests/store-pg.sh: tests/check_store's cases, and its PostgreSQL-only
# ones, on a private PostgreSQL server (tests/pg-lib.sh).
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"
if ! pg_start; then
	echo "SKIP: no PostgreSQL server to start"
	exit 77
fi
pg_createdb store || exit 1
DIS_CHECKPOINT_TEST_PG=$(pg_conn store) "$abs_top_builddir/tests/check_store"
