#!/bin/bash
# tests/pg-processes.sh: two dis-checkpoint processes on one PostgreSQL
# database (a private server, tests/pg-lib.sh), as two hosts would run
# them: concurrent writes through both all kept, the last value wins per
# key; creating one app, filling the app quota and the stream bound at once
# through both admit exactly what the limits allow and answer the rest with
# their DIS codes; commits racing an app's delete leave no checkpoint of a
# deleted app. Then the server is stopped and started under load: 503 with
# Retry-After while it is down, 201 again after, nothing acknowledged lost.
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"

WRITER=$abs_top_builddir/tests/fcgi-writer
[ -x "$WRITER" ] || { echo "$WRITER: not built (make check builds it)"; exit 99; }
if ! pg_start; then
	echo "SKIP: no PostgreSQL server to start"
	exit 77
fi
export DIS_TEST_PG_HOST=$PG_HOST
CLIENTS=8
WRITES=25
SOCK2=$TMP/fcgi2.sock

stored() {
	db_sql "SELECT sequence FROM checkpoints WHERE project = 'p1'
	    AND app = '$1' AND stream = '$2' AND partition = $3"
}

# at_once N SOCKETS METHOD URI BODY...: N requests at the same moment,
# request i to socket i mod #SOCKETS with body i (BODY with @ for i);
# prints the status and DIS code of each, one a line, sorted.
at_once() {
	local n=$1 socks=($2) method=$3 uri=$4 body=$5 i
	for i in $(seq 1 "$n"); do
		(
			b=${body//@/$i}
			env -i REQUEST_METHOD="$method" REQUEST_URI="$uri" \
			    CONTENT_LENGTH="${#b}" cgi-fcgi -bind -connect \
			    "${socks[$((i % ${#socks[@]}))]}" <<<"$b" \
			    >"$TMP/race.$i" 2>&1
		) &
	done
	wait
	for i in $(seq 1 "$n"); do
		echo $(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$TMP/race.$i" | tr -d '\r') \
		    $(grep -o '"errorCode":"[^"]*"' "$TMP/race.$i" | cut -d'"' -f4)
	done | sort | uniq -c | sed 's/^ *//'
}

start_fcgi -t 4 -o app_quota=5 -o app_stream_limit=4
"$BIN" -s "$SOCK2" -d "$(db_setting)" -t 4 -o app_quota=5 \
    -o app_stream_limit=4 2>>"$TMP/server2.log" &
PID2=$!
CLEANUP_PIDS=$PID2
wait_for_socket "$SOCK2"
fcgi POST /v2/p1/apps '{"app_name":"own"}'
expect_status 201
fcgi POST /v2/p1/apps '{"app_name":"shared"}'
expect_status 201

# Each client's requests alternate between the two processes.
CONTEXT="two processes:"
pids=
for i in $(seq 1 $CLIENTS); do
	"$WRITER" -n $WRITES -s shared "$SOCK,$SOCK2" own s1 "$i" \
	    >"$TMP/log.$i" &
	pids="$pids $!"
done
wait $pids
last_values=
for i in $(seq 1 $CLIENTS); do
	expect_eq "" "$(awk '$3 != 201' "$TMP/log.$i")"
	expect_eq $WRITES "$(stored own s1 "$i")"
	last_values="$last_values $((i * 1000000 + WRITES))"
done
# Every client's last write to the one shared key got 201: it holds one.
shared=$(stored shared s1 0)
case " $last_values " in
*" $shared "*) pass ;;
*) fail "shared checkpoint holds '$shared', not one of the last values:$last_values" ;;
esac
SOCK_SAVED=$SOCK
SOCK=$SOCK2
fcgi GET "/v2/p1/checkpoints?app_name=own&stream_name=s1&partition_id=3&checkpoint_type=LAST_READ"
expect_body_has "\"sequence_number\":\"$WRITES\""
SOCK=$SOCK_SAVED

CONTEXT="races:"
# One app created ten times at once: one 201, nine 4330.
expect_eq "1 201
9 400 DIS.4330" "$(at_once 10 "$SOCK $SOCK2" POST /v2/pr/apps '{"app_name":"same"}')"
# Twelve apps at once against a quota of 5 (one exists): four get in.
expect_eq "4 201
8 400 DIS.4329" "$(at_once 12 "$SOCK $SOCK2" POST /v2/pr/apps '{"app_name":"q@"}')"
expect_eq 5 "$(db_sql "SELECT count(*) FROM apps WHERE project = 'pr'")"
# Twelve new streams at once against a bound of 4: four get in.
expect_eq "4 201
8 400 DIS.4200" "$(at_once 12 "$SOCK $SOCK2" POST /v2/pr/checkpoints '{"app_name":"same","stream_name":"n@","partition_id":"0","sequence_number":"1","checkpoint_type":"LAST_READ"}')"
expect_eq 4 "$(db_sql "SELECT count(DISTINCT stream) FROM checkpoints WHERE project = 'pr'")"
# Commits racing the app's delete: each is 201 or 4332, and what stays
# belongs to an app that exists.
fcgi POST /v2/p1/apps '{"app_name":"doomed"}'
pids=
for i in 1 2 3 4; do
	"$WRITER" -n 40 "$SOCK,$SOCK2" doomed s1 "$i" >"$TMP/doomed.$i" &
	pids="$pids $!"
done
sleep 0.1
fcgi DELETE /v2/p1/apps/doomed
expect_empty 204
wait $pids
expect_eq "" "$(cat "$TMP"/doomed.* | awk '$3 != 201 && $3 != 400')"
expect_eq 0 "$(db_sql "SELECT count(*) FROM checkpoints c WHERE NOT EXISTS
    (SELECT 1 FROM apps a WHERE a.project = c.project AND a.name = c.app)")"
expect_eq "" "$(grep 'database: ' "$TMP/server.log" "$TMP/server2.log")"
kill -TERM "$PID2"
wait "$PID2"
expect_eq 0 $?
CLEANUP_PIDS=

# --- the server stopped and started under load ---
CONTEXT="server restarted:"
start_load "$SOCK" own load load
wait_for "all_acked 20"
pg_server stop
fcgi GET /health
expect_error 503 DIS.5000
expect_header_line 'Retry-After: 1'
fcgi GET "/v2/p1/checkpoints?app_name=own&stream_name=load&partition_id=1&checkpoint_type=LAST_READ"
expect_error 503 DIS.5000
sleep 0.5
pg_server start
wait_for all_recovered
fcgi GET /health
expect_status 200
stop_fcgi
expect_eq 0 $?
wait $LOAD_PIDS
own_load() { stored own load "$1"; }
expect_load_kept own_load
echo "server restarted: $(cat "$TMP"/load.* | grep -c ' 503$') requests got 503 while it was down"
finish
