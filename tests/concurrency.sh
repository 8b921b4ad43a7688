#!/usr/bin/env bash
# tests/concurrency.sh: correctness of group commit through the real binary
# over FastCGI, with a real SQLite file. The clients are tests/fcgi-writer.
#
# 1. Many clients at once, each committing its own checkpoint with
#    sequence numbers 1..N one request after the other (so "the last
#    acknowledged value" is well defined), and all of them writing one
#    shared checkpoint. Afterwards each own checkpoint holds its client's
#    last acknowledged value, and the shared one holds some client's last
#    value: an older value there would be a lost or reordered write.
# 2. No request is answered before its commit: clients write until the
#    service is killed with SIGKILL at an arbitrary moment; every value
#    acknowledged with 201 (or the write in flight after it) must be in
#    the file. Three rounds.
# 3. Out of file descriptors: with room for a few connections only, accept
#    fails (EMFILE) while clients wait in the backlog and writes wait for
#    their commit. The service pauses and accepts them later instead of
#    losing its threads: every write answered 201 and stored.
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need cgi-fcgi sqlite3 prlimit

WRITER=$abs_top_builddir/tests/fcgi-writer
[ -x "$WRITER" ] || { echo "$WRITER: not built (make check builds it)"; exit 99; }
CLIENTS=16
WRITES=30

stored() {
	sqlite3 "$DB" "SELECT sequence FROM checkpoints WHERE project = 'p1'
	    AND app = '$1' AND stream = '$2' AND partition = $3"
}

start_fcgi -t 8
fcgi POST /v2/p1/apps '{"app_name":"own"}'
expect_status 201
fcgi POST /v2/p1/apps '{"app_name":"shared"}'
expect_status 201

# Client i owns partition i of app "own" and writes partition 0 of app
# "shared" after each of its own writes.
pids=
for i in $(seq 1 $CLIENTS); do
	"$WRITER" -n $WRITES -s shared "$SOCK" own s1 "$i" >"$TMP/log.$i" &
	pids="$pids $!"
done
wait $pids

CONTEXT="concurrent writers:"
last_values=
for i in $(seq 1 $CLIENTS); do
	expect_eq "" "$(awk '$3 != 201' "$TMP/log.$i")"
	# Acknowledgements came back in the order the client sent them.
	expect_eq "$(seq 1 $WRITES | tr '\n' ' ')" \
	    "$(awk '$1 == "own" && $3 == 201 { printf "%s ", $2 }' "$TMP/log.$i")"
	expect_eq $WRITES "$(stored own s1 "$i")"
	fcgi GET "/v2/p1/checkpoints?app_name=own&stream_name=s1&partition_id=$i&checkpoint_type=LAST_READ"
	expect_body_has "\"sequence_number\":\"$WRITES\""
	last_values="$last_values $((i * 1000000 + WRITES))"
done
shared=$(stored shared s1 0)
case " $last_values " in
*" $shared "*) pass ;;
*) fail "shared checkpoint holds '$shared', not one of the last values:$last_values" ;;
esac
stop_fcgi
expect_eq 0 $?

acked() {
	awk '$3 == 201 { n = $2 } END { print n }' "$1"
}

for r in 1 2 3; do
	CONTEXT="kill -9 round $r:"
	start_fcgi -t 8
	pids=
	for i in $(seq 1 $CLIENTS); do
		: >"$TMP/kill.$r.$i"
		"$WRITER" "$SOCK" own "k$r" "$i" >"$TMP/kill.$r.$i" &
		pids="$pids $!"
	done
	# Kill once every client had a few writes acknowledged, after a
	# pause that differs from round to round.
	for _ in $(seq 600); do
		ready=0
		for i in $(seq 1 $CLIENTS); do
			[ "$(wc -l <"$TMP/kill.$r.$i")" -ge 5 ] && ready=$((ready + 1))
		done
		[ $ready -eq $CLIENTS ] && break
		sleep 0.02
	done
	sleep "0.$((RANDOM % 300 + 100))"
	kill -KILL "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
	wait $pids
	for i in $(seq 1 $CLIENTS); do
		a=$(acked "$TMP/kill.$r.$i")
		have=$(stored own "k$r" "$i")
		# The stored value is the last acknowledged one, or the write
		# in flight when the service died (committed, not answered).
		if [ -n "$a" ] && [ -n "$have" ] &&
		    { [ "$have" -eq "$a" ] || [ "$have" -eq $((a + 1)) ]; }
		then pass; else
			fail "$CONTEXT client $i: acknowledged '$a', stored '$have'"
		fi
	done
	rm -f "$SOCK"
done

# The service opens the file the killed ones left, and writes on.
CONTEXT="after the kills:"
start_fcgi
fcgi POST /v2/p1/checkpoints '{"app_name":"own","stream_name":"k1","partition_id":"1","sequence_number":"99999","checkpoint_type":"LAST_READ"}'
expect_status 201
expect_eq 99999 "$(stored own k1 1)"
stop_fcgi

# The running service's limit is set to room for 7 more descriptors above
# the lowest free one (below it: stdio, the socket, the wake-up pipe, 5
# SQLite connections; valgrind's own and inherited ones sit far above and
# stay open). While sqlite3 holds the write lock, every
# client's first write waits for its commit with its connection open, so
# 24 clients are sure to run the service out of descriptors; then the lock
# goes.
CONTEXT="out of descriptors:"
start_fcgi -t 4 -o busy_timeout=60000
# The socket is there before every thread has opened its connection (under
# valgrind, long before): wait for the 5 (4 threads and the writer).
for _ in $(seq 600); do
	[ "$(ls -l "/proc/$SERVER_PID/fd" | grep -c "$DB\$")" -ge 5 ] && break
	sleep 0.05
done
free=$(ls "/proc/$SERVER_PID/fd" | sort -n | awk '$1 == n { n++ } END { print n }')
prlimit --pid "$SERVER_PID" --nofile=$((free + 7)):$((free + 7))
expect_eq 0 $?
hold_write_lock
expect_eq 0 $?
pids=
for i in $(seq 1 24); do
	timeout 60 "$WRITER" -n 10 "$SOCK" own fd "$i" >"$TMP/fd.$i" 7>&- &
	pids="$pids $!"
done
for _ in $(seq 600); do
	grep -q 'accept: Too many open files' "$TMP/server.log" && break
	sleep 0.05
done
# Proof that the test reached the shortage it is about.
expect_eq 1 "$(grep -c -m1 'accept: Too many open files' "$TMP/server.log")"
release_write_lock
wait $pids
for i in $(seq 1 24); do
	CONTEXT="out of descriptors, client $i (201s, last acknowledged, stored):"
	expect_eq "10 10 10" "$(grep -c ' 201$' "$TMP/fd.$i") \
$(acked "$TMP/fd.$i") $(stored own fd "$i")"
done
CONTEXT="out of descriptors:"
# And it still has threads to serve with (bounded: one that lost them hangs).
expect_eq "own 1 201" "$(timeout 10 "$WRITER" -n 1 "$SOCK" own fd 99)"
finish
