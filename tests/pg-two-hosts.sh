#!/bin/bash
# tests/pg-two-hosts.sh: two "hosts" on one PostgreSQL database (a private
# server): two dis-checkpoint processes, each behind a lighttpd of its own
# on its own port, as two web hosts behind a load balancer. Four HTTP
# clients write overlapping keys, each request to the other host than the
# one before: every write answers 201, every key holds the last value
# acknowledged for it, both hosts read the same, and two projects with the
# same names never see each other's rows.
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"
if ! pg_start; then
	echo "SKIP: no PostgreSQL server to start"
	exit 77
fi
export DIS_TEST_PG_HOST=$PG_HOST
WRITERS=4
WRITES=30
SOCK2=$TMP/fcgi2.sock

# host SOCKET: a lighttpd in front of SOCKET, on a port of its own: URL.
host() {
	write_lighttpd_conf '( "/" => ((
		"socket" => "'"$1"'",
		"check-local" => "disable"
	)) )'
	mv "$TMP/lighttpd.conf" "$TMP/lighttpd.$PORT.conf"
	lighttpd -D -f "$TMP/lighttpd.$PORT.conf" 2>>"$TMP/lighttpd-error.log" &
	CLEANUP_PIDS="$CLEANUP_PIDS $!"
	URL=http://127.0.0.1:$PORT
	wait_for_port "$PORT"
}

start_fcgi -t 4
"$BIN" -s "$SOCK2" -d "$(db_setting)" -t 4 2>>"$TMP/server2.log" &
PID2=$!
CLEANUP_PIDS="$CLEANUP_PIDS $PID2"
wait_for_socket "$SOCK2"
host "$SOCK" || exit 1
A=$URL
host "$SOCK2" || exit 1
B=$URL

CONTEXT="setup:"
for p in p1 p2; do
	for app in own shared; do
		http POST "$A/v2/$p/apps" "{\"app_name\":\"$app\"}"
		expect_status 201
	done
done

# writer W: WRITES commits of its own key (own, partition W) and of the
# shared key (shared, partition 0), alternating hosts; "value status"
# lines for the shared key in $TMP/shared.W.
writer() {
	local w=$1 n url status body
	for n in $(seq 1 $WRITES); do
		if [ $(((n + w) % 2)) -eq 0 ]; then url=$A; else url=$B; fi
		body="{\"stream_name\":\"s1\",\"app_name\":\"own\",\"partition_id\":\"$w\",\"sequence_number\":\"$n\",\"checkpoint_type\":\"LAST_READ\"}"
		status=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "$body" \
		    -H 'Content-Type: application/json' "$url/v2/p1/checkpoints")
		echo "$n $status" >>"$TMP/own.$w"
		if [ $(((n + w) % 2)) -eq 0 ]; then url=$B; else url=$A; fi
		body="{\"stream_name\":\"s1\",\"app_name\":\"shared\",\"partition_id\":\"0\",\"sequence_number\":\"$((w * 1000 + n))\",\"checkpoint_type\":\"LAST_READ\"}"
		status=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "$body" \
		    -H 'Content-Type: application/json' "$url/v2/p1/checkpoints")
		echo "$((w * 1000 + n)) $status" >>"$TMP/shared.$w"
	done
}
pids=
for w in $(seq 1 $WRITERS); do
	writer "$w" &
	pids="$pids $!"
done
# Meanwhile p2, with the same names, through the other host.
for n in $(seq 1 10); do
	http POST "$B/v2/p2/checkpoints" "{\"stream_name\":\"s1\",\"app_name\":\"own\",\"partition_id\":\"1\",\"sequence_number\":\"$((900 + n))\",\"checkpoint_type\":\"LAST_READ\"}"
	[ "$STATUS" = 201 ] || fail "p2 write $n: $STATUS"
done
wait $pids

query() {
	http GET "$1/v2/$2/checkpoints?stream_name=s1&app_name=$3&partition_id=$4&checkpoint_type=LAST_READ"
}
CONTEXT="two hosts:"
for w in $(seq 1 $WRITERS); do
	expect_eq "" "$(awk '$2 != 201' "$TMP/own.$w" "$TMP/shared.$w")"
	expect_eq $WRITES "$(wc -l <"$TMP/own.$w")"
	for url in $A $B; do
		query "$url" p1 own "$w"
		expect_body "{\"sequence_number\":\"$WRITES\",\"metadata\":\"\"}"
	done
done
# The shared key holds the value of the last 201 for it: one of the
# writers' last values, and both hosts say the same.
query "$A" p1 shared 0
shared_a=$BODY
query "$B" p1 shared 0
expect_eq "$shared_a" "$BODY"
last=" $(for w in $(seq 1 $WRITERS); do printf '%s ' $((w * 1000 + WRITES)); done)"
value=$(printf '%s' "$BODY" | sed -n 's/.*"sequence_number":"\([0-9]*\)".*/\1/p')
case "$last" in
*" $value "*) pass ;;
*) fail "$CONTEXT shared key holds '$value', not one of the last values:$last" ;;
esac

CONTEXT="projects apart:"
query "$A" p2 own 1
expect_body '{"sequence_number":"910","metadata":""}'
query "$A" p2 own 2
expect_body '{"sequence_number":"-1","metadata":""}'
query "$B" p1 own 1
expect_body "{\"sequence_number\":\"$WRITES\",\"metadata\":\"\"}"
http GET "$B/v2/p2/apps/own"
expect_status 200
expect_json 'j["commit_checkpoint_stream_names"] == ["s1"]'
http GET "$A/v2/p2/apps/shared"
expect_json 'j["commit_checkpoint_stream_names"] == []'
expect_eq "" "$(grep 'database: ' "$TMP/server.log" "$TMP/server2.log")"
stop_fcgi
expect_eq 0 $?
kill -TERM "$PID2"
wait "$PID2"
expect_eq 0 $?
CLEANUP_PIDS=${CLEANUP_PIDS/$PID2/}
finish
