#!/bin/bash
# crash-kill9.sh: kill -9 at random moments during sustained writes, many
# times in a row: first the service itself, then lighttpd in front of it
# (bin-path). Several writers, each on its own partition, commit rising
# sequence numbers and record every one that got a 201. After each kill
# the database must pass PRAGMA integrity_check and hold, for every
# writer, its last acknowledged sequence or a later one it sent.
#
# KILL_CYCLES (default 20) cycles for each of the two; each cycle waits for
# fresh acknowledgements before it kills, so it always kills mid-stream.
export LC_ALL=C
. "$abs_top_srcdir/tests/lib.sh"
need cgi-fcgi lighttpd curl sqlite3

CYCLES=${KILL_CYCLES:-20}
WRITERS=4
CLIENT=$abs_top_builddir/tests/fcgi-client

# send_fcgi WRITER SEQ: one commit over FastCGI; prints the status.
send_fcgi() {
	local body="{\"stream_name\":\"s1\",\"app_name\":\"a1\",\"partition_id\":\"$1\",\"sequence_number\":\"$2\",\"checkpoint_type\":\"LAST_READ\"}"
	printf '%s' "$body" | "$CLIENT" -b - "$SOCK" REQUEST_METHOD=POST \
	    REQUEST_URI=/v2/p1/checkpoints CONTENT_LENGTH=${#body} 2>/dev/null |
	    sed -n '1s/^Status: \([0-9]*\).*/\1/p'
}
# send_http WRITER SEQ: one commit through lighttpd.
send_http() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	    -H 'Content-Type: application/json' --data-binary \
	    "{\"stream_name\":\"s1\",\"app_name\":\"a1\",\"partition_id\":\"$1\",\"sequence_number\":\"$2\",\"checkpoint_type\":\"LAST_READ\"}" \
	    "http://127.0.0.1:$PORT/v2/p1/checkpoints" 2>/dev/null
}

# writer SEND W: commits W's sequence 1, 2, ... until $TMP/stop appears.
# sent.W is written before a request goes out, acked.W after its 201.
writer() {
	local send=$1 w=$2 seq=0 status
	while [ ! -e "$TMP/stop" ]; do
		seq=$((seq + 1))
		# Renamed into place, so a reader never sees it half written.
		echo "$seq" >"$TMP/sent.$w.new"
		mv "$TMP/sent.$w.new" "$TMP/sent.$w"
		status=$("$send" "$w" "$seq")
		if [ "$status" = 201 ]; then
			echo "$seq" >>"$TMP/acked.$w"
		else
			sleep 0.02	# down: do not spin
		fi
	done
}
acks() { cat "$TMP"/acked.* 2>/dev/null | wc -l; }
# Waits until n more acknowledgements than now arrived (60 s at most).
wait_acks() {
	local want=$(($(acks) + $1))
	for _ in $(seq 1200); do
		[ "$(acks)" -ge "$want" ] && return 0
		sleep 0.05
	done
	fail "$CONTEXT no writes acknowledged"
	return 1
}

# db SQL: $DB read with the sqlite3 shell. Behind lighttpd the orphaned
# service still commits while it is checked, for long under valgrind: so
# it waits for the lock up to 60 s (a bound for a hang), not lib.sh's 10.
db() {
	sqlite3 -cmd '.timeout 60000' "$DB" "$1" 2>&1
}

# Checks the database file as a restart would find it.
verify() {
	local w acked sent stored
	expect_eq ok "$(db 'PRAGMA integrity_check')"
	for w in $(seq 0 $((WRITERS - 1))); do
		[ -s "$TMP/acked.$w" ] || continue
		acked=$(tail -1 "$TMP/acked.$w")
		sent=$(cat "$TMP/sent.$w")
		stored=$(db "SELECT sequence FROM checkpoints WHERE
		    project = 'p1' AND app = 'a1' AND stream = 's1' AND
		    partition = $w")
		if [ -n "$stored" ] && [ "$stored" -ge "$acked" ] &&
		    [ "$stored" -le "$sent" ]; then pass; else
			fail "$CONTEXT writer $w: acknowledged $acked, sent up to $sent, stored '$stored'"
		fi
	done
}

start_writers() {
	local w
	rm -f "$TMP/stop" "$TMP"/acked.* "$TMP"/sent.*
	WRITER_PIDS=
	for w in $(seq 0 $((WRITERS - 1))); do
		writer "$1" "$w" &
		WRITER_PIDS="$WRITER_PIDS $!"
	done
	CLEANUP_PIDS="$CLEANUP_PIDS $WRITER_PIDS"
}
stop_writers() {
	touch "$TMP/stop"
	# shellcheck disable=SC2086
	wait $WRITER_PIDS
}
# A random moment: 0 to 0.3 s after fresh writes were seen.
random_pause() { sleep "0.$(printf '%03d' $((RANDOM % 300)))"; }

# --- kill -9 the service.
CONTEXT="service kill:"
start_fcgi
fcgi POST /v2/p1/apps '{"app_name":"a1"}'; expect_status 201
start_writers send_fcgi
survived=0
for cycle in $(seq "$CYCLES"); do
	CONTEXT="service kill $cycle:"
	wait_acks 5 || break
	random_pause
	kill -9 "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
	verify
	start_fcgi
	survived=$((survived + 1))
done
wait_acks 5
stop_writers
CONTEXT="service kill, at the end:"
stop_fcgi; expect_eq 0 $?
verify
expect_eq "$CYCLES" "$survived"
echo "service: $survived kill -9 cycles survived in $SECONDS s"

# --- kill -9 lighttpd, which spawned the service (bin-path).
CONTEXT="lighttpd kill:"
DB=$TMP/behind-lighttpd.db
write_lighttpd_conf '(
	"/" => ((
		"socket" => "'"$TMP"'/lighttpd.sock",
		"bin-path" => "'"$BIN -d $DB"'",
		"max-procs" => 1,
		"check-local" => "disable"
	))
)'
# The services lighttpd spawned: found by their exact command line, which
# names this test's own database, so nothing else is ever touched.
spawned() {
	pgrep -x -f -- "$BIN -d $DB"
}
# Not our child once lighttpd is gone, and a zombie until reaped: alive
# means running, not merely listed.
alive() {
	[ -e "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}
# Stops the services lighttpd spawned with SIGTERM and waits until they
# are gone (a service finishing its last commit still holds the file).
stop_spawned() {
	local pid
	for pid in $(spawned); do
		kill -TERM "$pid"
		# A bound for a hang, not a timing check: 60 s.
		for _ in $(seq 1200); do
			alive "$pid" || break
			sleep 0.05
		done
		if alive "$pid"; then
			fail "$CONTEXT service $pid did not stop on SIGTERM"
			kill -9 "$pid"
		else
			pass
		fi
	done
}
run_lighttpd || { cat "$TMP/lighttpd-error.log" >&2; finish; }
http POST "http://127.0.0.1:$PORT/v2/p1/apps" '{"app_name":"a1"}'
expect_status 201
start_writers send_http
survived=0
for cycle in $(seq "$CYCLES"); do
	CONTEXT="lighttpd kill $cycle:"
	wait_acks 5 || break
	random_pause
	kill -9 "$LIGHTTPD_PID"
	wait "$LIGHTTPD_PID" 2>/dev/null
	verify
	# Its orphaned service is stopped the way lighttpd would stop it, and
	# must exit cleanly; the next lighttpd spawns a new one.
	stop_spawned
	run_lighttpd || break
	survived=$((survived + 1))
done
wait_acks 5
stop_writers
CONTEXT="lighttpd kill, at the end:"
kill -TERM "$LIGHTTPD_PID"
wait "$LIGHTTPD_PID" 2>/dev/null
# Checked once the service has exited: it was still committing, and then
# closing (the last connection checkpoints under an exclusive lock).
CONTEXT="lighttpd kill, at the end:"
stop_spawned
verify
expect_eq "$CYCLES" "$survived"
echo "lighttpd: $survived kill -9 cycles survived, $SECONDS s in all"
finish
