#!/usr/bin/env bash
# tests/two-processes.sh: two dis-checkpoint processes on one database
# file, as lighttpd max-procs or mod_fcgid run them. Concurrent writes
# through both are all kept and none gets a 5xx; a writer that cannot get
# the write lock before busy_timeout answers 503 DIS.5000 with Retry-After,
# and writes again once the lock is free.
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need cgi-fcgi sqlite3

WRITER=$abs_top_builddir/tests/fcgi-writer
[ -x "$WRITER" ] || { echo "$WRITER: not built (make check builds it)"; exit 99; }
CLIENTS=8
WRITES=25
SOCK2=$TMP/fcgi2.sock

stored() {
	sqlite3 "$DB" "SELECT sequence FROM checkpoints WHERE project = 'p1'
	    AND app = '$1' AND stream = '$2' AND partition = $3"
}

start_fcgi -t 4
"$BIN" -s "$SOCK2" -d "$DB" -t 4 2>>"$TMP/server2.log" &
PID2=$!
CLEANUP_PIDS=$PID2
wait_for_socket "$SOCK2"
fcgi POST /v2/p1/apps '{"app_name":"own"}'
expect_status 201
fcgi POST /v2/p1/apps '{"app_name":"shared"}'
expect_status 201

# Each client's requests alternate between the two processes.
pids=
for i in $(seq 1 $CLIENTS); do
	"$WRITER" -n $WRITES -s shared "$SOCK,$SOCK2" own s1 "$i" \
	    >"$TMP/log.$i" &
	pids="$pids $!"
done
wait $pids

CONTEXT="two processes:"
last_values=
for i in $(seq 1 $CLIENTS); do
	expect_eq "" "$(awk '$3 != 201' "$TMP/log.$i")"
	expect_eq $WRITES "$(stored own s1 "$i")"
	last_values="$last_values $((i * 1000000 + WRITES))"
done
shared=$(stored shared s1 0)
case " $last_values " in
*" $shared "*) pass ;;
*) fail "shared checkpoint holds '$shared', not one of the last values:$last_values" ;;
esac
# What one process committed, the other reads.
SOCK_SAVED=$SOCK
SOCK=$SOCK2
fcgi GET "/v2/p1/checkpoints?app_name=own&stream_name=s1&partition_id=3&checkpoint_type=LAST_READ"
expect_body_has "\"sequence_number\":\"$WRITES\""
SOCK=$SOCK_SAVED
expect_eq "" "$(grep 'database: ' "$TMP/server.log" "$TMP/server2.log")"

# A third process with a short busy_timeout, while sqlite3 holds the
# write lock through a fifo it reads its statements from.
CONTEXT="write lock held elsewhere:"
stop_fcgi
start_fcgi -t 2 -o busy_timeout=300 -o retry_after=7
hold_write_lock
expect_eq 0 $?
body='{"app_name":"own","stream_name":"s1","partition_id":"1","sequence_number":"777","checkpoint_type":"LAST_READ"}'
fcgi POST /v2/p1/checkpoints "$body"
expect_status 503
expect_code DIS.5000
expect_header "Retry-After: 7"
# Reads go on: WAL readers do not wait for the writer.
fcgi GET "/v2/p1/checkpoints?app_name=own&stream_name=s1&partition_id=1&checkpoint_type=LAST_READ"
expect_status 200
expect_body_has "\"sequence_number\":\"$WRITES\""
# The other process, with the default 2 s, waits and then gets in.
SOCK=$SOCK2
fcgi POST /v2/p1/checkpoints "$body" 7>&- &
waiting=$!
sleep 0.2
release_write_lock
wait "$waiting"
SOCK=$SOCK_SAVED
parse_cgi_response
expect_status 201
CONTEXT="lock released:"
fcgi POST /v2/p1/checkpoints "${body/777/778}"
expect_status 201
expect_eq 778 "$(stored own s1 1)"
stop_fcgi
expect_eq 0 $?
kill -TERM "$PID2"
wait "$PID2"
expect_eq 0 $?
CLEANUP_PIDS=
finish
