#!/bin/bash
# sigterm-load.sh: SIGTERM while requests are in flight. Twelve clients
# each send half a checkpoint and hold it there, so four are being served
# by the service's four threads and eight wait in the listen queue. Then
# SIGTERM, and once the service has taken the signal, the clients finish
# their bodies. Every one must get its 201 (no connection error), every
# checkpoint must be stored, and the service must exit 0. Then the same
# under plain load: writers in a loop, SIGTERM at a random moment, nothing
# acknowledged lost.
export LC_ALL=C
. "$abs_top_srcdir/tests/lib.sh"
need cgi-fcgi sqlite3

CLIENT=$abs_top_builddir/tests/fcgi-client
N=12

body() {
	printf '{"stream_name":"s1","app_name":"a1","partition_id":"%s","sequence_number":"%s","checkpoint_type":"LAST_READ"}' "$1" "$2"
}
stored() {
	sqlite3 "$DB" "SELECT sequence FROM checkpoints WHERE project = 'p1'
	    AND app = 'a1' AND partition = $1" 2>&1
}

# --- Requests held in flight across the signal.
start_fcgi -t 4
fcgi POST /v2/p1/apps '{"app_name":"a1"}'; expect_status 201
pids=
for i in $(seq $N); do
	body "$i" "$((i * 10))" >"$TMP/body.$i"
	"$CLIENT" -b "$TMP/body.$i" -s 40 -w "$TMP/go" -r "$TMP/ready.$i" \
	    "$SOCK" REQUEST_METHOD=POST REQUEST_URI=/v2/p1/checkpoints \
	    CONTENT_LENGTH="$(wc -c <"$TMP/body.$i")" >"$TMP/out.$i" 2>&1 &
	pids="$pids $!"
done
CLEANUP_PIDS="$CLEANUP_PIDS $pids"
# Every client connected and sent its first 40 bytes.
for _ in $(seq 600); do
	[ "$(ls "$TMP"/ready.* 2>/dev/null | wc -l)" -eq $N ] && break
	sleep 0.05
done
expect_eq $N "$(ls "$TMP"/ready.* | wc -l)"
kill -TERM "$SERVER_PID"
# The service logs the signal as it takes it: only then may bodies go on.
for _ in $(seq 600); do
	grep -q 'finishing the requests in flight' "$TMP/server.log" && break
	sleep 0.05
done
grep -q 'finishing the requests in flight' "$TMP/server.log"
expect_eq 0 $?
touch "$TMP/go"
i=0
for pid in $pids; do
	i=$((i + 1))
	wait "$pid"
	CONTEXT="held request $i:"
	expect_eq 0 $?
	expect_eq "Status: 201 Created" "$(head -1 "$TMP/out.$i" | tr -d '\r')"
done
CONTEXT=
wait "$SERVER_PID"
expect_eq 0 $?
SERVER_PID=
for i in $(seq $N); do
	CONTEXT="held request $i:"
	expect_eq "$((i * 10))" "$(stored "$i")"
done
CONTEXT=
expect_eq ok "$(sqlite3 "$DB" 'PRAGMA integrity_check')"

# --- SIGTERM under sustained writes: every 201 is on disk afterwards.
writer() {
	local w=$1 seq=0 b status
	while [ ! -e "$TMP/stop" ]; do
		seq=$((seq + 1))
		b=$(body "$w" "$seq")
		status=$(printf '%s' "$b" | "$CLIENT" -b - "$SOCK" \
		    REQUEST_METHOD=POST REQUEST_URI=/v2/p1/checkpoints \
		    CONTENT_LENGTH=${#b} 2>/dev/null |
		    sed -n '1s/^Status: \([0-9]*\).*/\1/p')
		[ "$status" = 201 ] && echo "$seq" >>"$TMP/acked.$w"
		# Once the service is gone, connecting fails: stop there.
		[ -z "$status" ] && break
	done
}
start_fcgi -t 4
pids=
for w in 100 101 102 103 104 105; do
	writer "$w" &
	pids="$pids $!"
done
CLEANUP_PIDS="$CLEANUP_PIDS $pids"
for _ in $(seq 600); do
	[ "$(cat "$TMP"/acked.* 2>/dev/null | wc -l)" -ge 30 ] && break
	sleep 0.05
done
sleep "0.$(printf '%03d' $((RANDOM % 300)))"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
expect_eq 0 $?
SERVER_PID=
touch "$TMP/stop"
# shellcheck disable=SC2086
wait $pids
for w in 100 101 102 103 104 105; do
	CONTEXT="writer $w:"
	acked=$(tail -1 "$TMP/acked.$w" 2>/dev/null)
	if [ -n "$acked" ] && [ "$(stored "$w")" -ge "$acked" ]; then pass; else
		fail "$CONTEXT acknowledged '$acked', stored '$(stored "$w")'"
	fi
done
CONTEXT=
expect_eq ok "$(sqlite3 "$DB" 'PRAGMA integrity_check')"
finish
