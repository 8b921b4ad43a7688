#!/bin/bash
# tests/pg-failover.sh: a primary and a synchronous standby (streaming
# replication, both private servers on unix sockets), the service on a
# multi-host connection string with target_session_attrs=read-write, four
# writers committing without pause. kill -9 of the primary and all its
# processes; the standby is promoted; the service follows the string to it
# by itself, without a restart, and every checkpoint that got a 201 is on
# the new primary.
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"

WRITER=$abs_top_builddir/tests/fcgi-writer
[ -x "$WRITER" ] || { echo "$WRITER: not built (make check builds it)"; exit 99; }
if ! pg_start; then
	echo "SKIP: no PostgreSQL server to start"
	exit 77
fi
pg_createdb ckpt || exit 1
CONTEXT="standby:"
pg_standby_start || { fail "$CONTEXT did not start"; cat "$PG_STANDBY_DIR/server.log"; finish; }
pg_psql postgres "ALTER SYSTEM SET synchronous_standby_names = '*'" &&
    pg_psql postgres "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 200); do
	state=$(pg_psql postgres "SELECT sync_state FROM pg_stat_replication")
	[ "$state" = sync ] && break
	sleep 0.05
done
expect_eq sync "$state"

CONNINFO="host=$PG_DIR,$PG_STANDBY_DIR dbname=ckpt user=dis target_session_attrs=read-write"
"$BIN" -s "$SOCK" -d "$CONNINFO" -t 4 2>>"$TMP/server.log" &
SERVER_PID=$!
wait_for_socket "$SOCK"
fcgi POST /v2/p1/apps '{"app_name":"a1"}'
expect_status 201

start_load "$SOCK" a1 s1 w
CONTEXT="failover:"
wait_for "all_acked 30"
pg_kill_primary
# Until the standby is promoted there is no primary to write to.
for _ in $(seq 100); do
	fcgi GET /health
	[ "$STATUS" = 503 ] && break
	sleep 0.02
done
expect_error 503 DIS.5000
expect_header_line 'Retry-After: 1'
start=$(date +%s%3N)
pg_promote_standby || fail "$CONTEXT the standby was not promoted"
wait_for all_recovered
echo "failover: writes answered 201 again $(($(date +%s%3N) - start)) ms after the promotion began"
fcgi GET /health
expect_status 200
stop_fcgi
expect_eq 0 $?
wait $LOAD_PIDS
PG_HOST=$PG_STANDBY_DIR
on_new_primary() {
	pg_psql ckpt "SELECT sequence FROM checkpoints WHERE project = 'p1'
	    AND app = 'a1' AND stream = 's1' AND partition = $1"
}
expect_load_kept on_new_primary
CONTEXT="the killed primary's shared memory:"
expect_eq "" "$(ipcs -m | awk -v id="$PG_KILLED_SHMID" '$2 == id')"
echo "failover: $(cat "$TMP"/w.* | grep -c ' 201$') writes acknowledged, $(cat "$TMP"/w.* | grep -c ' 503$') answered 503"
finish
