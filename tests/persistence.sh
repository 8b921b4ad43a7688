#!/bin/bash
# tests/persistence.sh: what the FastCGI server wrote is there after a clean
# stop (SIGTERM, exit 0) and a restart on the same file, and a checkpoint
# answered with 201 survives kill -9 right after the answer.
export LC_ALL=C
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need cgi-fcgi sqlite3 python3

ckpt() {	# APP STREAM PARTITION SEQUENCE METADATA
	fcgi POST /v2/p1/checkpoints "{\"stream_name\":\"$2\",\"app_name\":\"$1\",\"partition_id\":\"$3\",\"sequence_number\":\"$4\",\"metadata\":\"$5\",\"checkpoint_type\":\"LAST_READ\"}"
	expect_empty 201
}
query() {	# APP STREAM PARTITION
	fcgi GET "/v2/p1/checkpoints?stream_name=$2&app_name=$1&partition_id=$3&checkpoint_type=LAST_READ"
	expect_status 200
}

# kill -9, as a crash would; the socket file stays behind, so remove it
# before the next start waits for it.
crash() {
	{ kill -KILL "$SERVER_PID"; wait "$SERVER_PID"; } 2>/dev/null
	SERVER_PID=
	rm -f "$SOCK"
}

# --- write, stop cleanly, start again, read back ---
CONTEXT='before restart:'
start_fcgi
fcgi POST /v2/p1/apps '{"app_name":"a1"}'
expect_empty 201
fcgi POST /v2/p1/apps '{"app_name":"a2"}'
expect_empty 201
fcgi POST /v2/p1/apps '{"app_name":"gone"}'
expect_empty 201
ckpt a1 s1 0 10 first
ckpt a1 s1 1 11 ''
ckpt a1 s2 shardId-0000000003 9223372036854775807 "$(expand_case @U100@)"
ckpt a2 s1 0 5 x
ckpt a1 s1 0 12 second
fcgi DELETE /v2/p1/apps/gone
expect_empty 204
fcgi GET /v2/p1/apps
APPS=$BODY
expect_json '[a["app_name"] for a in j["apps"]] == ["a1", "a2"]'
fcgi GET /v2/p1/apps/a1/streams/s1?checkpoint_type=LAST_READ
STATE=$BODY
stop_fcgi
expect_eq 0 $?
if [ ! -e "$SOCK" ]; then pass; else fail "socket left behind"; fi

CONTEXT='after restart:'
start_fcgi
query a1 s1 0
expect_json 'j == {"sequence_number": "12", "metadata": "second"}'
query a1 s1 1
expect_json 'j == {"sequence_number": "11", "metadata": ""}'
query a1 s2 3
expect_json 'j == {"sequence_number": "9223372036854775807", "metadata": "\u00e9" * 100}'
query a2 s1 0
expect_json 'j == {"sequence_number": "5", "metadata": "x"}'
fcgi GET /v2/p1/apps
expect_body "$APPS"
fcgi GET /v2/p1/apps/a1/streams/s1?checkpoint_type=LAST_READ
expect_body "$STATE"
fcgi GET /v2/p1/apps/gone
expect_error 400 DIS.4332
fcgi POST /v2/p1/apps '{"app_name":"a1"}'
expect_error 400 DIS.4330

# --- kill -9 right after the 201 ---
CONTEXT='kill -9:'
ckpt a1 s3 7 77 durable
crash
expect_eq 1 "$(sqlite3 "$DB" "SELECT count(*) FROM checkpoints WHERE app='a1' AND stream='s3' AND partition=7 AND sequence=77")"
start_fcgi
query a1 s3 7
expect_json 'j == {"sequence_number": "77", "metadata": "durable"}'
# again with a burst: every 201 answered before the kill is kept
for i in 1 2 3 4 5; do ckpt a2 burst "$i" "$((i * 100))" "m$i"; done
fcgi POST /v2/p1/apps '{"app_name":"a3"}'
expect_empty 201
crash
start_fcgi
fcgi GET /v2/p1/apps/a2/streams/burst?checkpoint_type=LAST_READ
expect_json '[(s["partition_id"], s["sequence_number"]) for s in j["partition_consuming_states"]] == [("shardId-%010d" % i, str(i * 100)) for i in range(1, 6)]'
fcgi GET /v2/p1/apps/a3
expect_status 200
stop_fcgi
expect_eq 0 $?

# --- the same file through CGI, and a server started on it afterwards ---
CONTEXT='CGI then FastCGI:'
cgi POST /v2/p1/checkpoints '{"stream_name":"s4","app_name":"a3","partition_id":"0","sequence_number":"4","checkpoint_type":"LAST_READ"}'
expect_empty 201
start_fcgi
query a3 s4 0
expect_json 'j == {"sequence_number": "4", "metadata": ""}'
stop_fcgi
expect_eq 0 $?

# --- wal_autocheckpoint from the command line bounds the WAL: the file is
# reused after each checkpoint, so its size is the most it held; 250
# commits would leave 250 pages or more without it ---
CONTEXT='wal_autocheckpoint = 100:'
start_fcgi -o wal_autocheckpoint=100
created=0
for i in $(seq 1 250); do
	fcgi POST /v2/p1/checkpoints "{\"stream_name\":\"wal\",\"app_name\":\"a1\",\"partition_id\":\"$((i % 20))\",\"sequence_number\":\"$i\",\"checkpoint_type\":\"LAST_READ\"}"
	[ "$STATUS" = 201 ] && created=$((created + 1))
done
expect_eq 250 "$created"
frames=$(($(stat -c %s "$DB-wal") / (4096 + 24)))
if [ "$frames" -ge 90 ] && [ "$frames" -le 110 ]; then pass
else fail "$CONTEXT the WAL held $frames pages"; fi
stop_fcgi
expect_eq 0 $?

finish
