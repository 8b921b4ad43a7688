#!/bin/bash
# tests/api-fcgi.sh: the real binary over FastCGI (cgi-fcgi on a unix socket
# in the temp dir, a real SQLite file): every endpoint and every error of
# api.md that exists without authentication. The shared case table
# (tests/api-cases.txt) covers statuses, error codes and "nothing changed";
# this script adds what a table cannot: exact JSON shapes and types, values
# read back, paging, the app quota, 413 at the exact limit, and 503 while the
# database cannot be opened.
export LC_ALL=C	# ${#body} must count bytes: it is the CONTENT_LENGTH
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need cgi-fcgi sqlite3 python3

start_fcgi -o body_limit=4096
run_cases fcgi api-cases.txt <"$abs_top_srcdir/tests/api-cases.txt"

# ckpt PROJECT APP STREAM PARTITION SEQUENCE [EXTRA-JSON-MEMBERS]
ckpt() {
	fcgi POST "/v2/$1/checkpoints" "{\"stream_name\":\"$3\",\"app_name\":\"$2\",\"partition_id\":$4,\"sequence_number\":$5,\"checkpoint_type\":\"LAST_READ\"${6:+,$6}}"
}
# query PROJECT APP STREAM PARTITION
query() {
	fcgi GET "/v2/$1/checkpoints?stream_name=$3&app_name=$2&partition_id=$4&checkpoint_type=LAST_READ"
}

# --- the example request of adding-a-checkpoint.txt, byte for byte ---
EXAMPLE='{
 "stream_name": "stream_name_test1",
  "app_name": "app_name1",
  "partition_id": "shardId-0000000000",
  "sequence_number": "10",
  "metadata": "metadata",
  "checkpoint_type": "LAST_READ"
}'
CONTEXT='example before its app:'
fcgi POST /v2/my-project/checkpoints "$EXAMPLE" CONTENT_TYPE=application/json
expect_error 400 DIS.4332
CONTEXT='example:'
fcgi POST /v2/my-project/apps '{"app_name": "app_name1"}' CONTENT_TYPE=application/json
expect_empty 201
fcgi POST /v2/my-project/checkpoints "$EXAMPLE" CONTENT_TYPE=application/json
expect_empty 201
query my-project app_name1 stream_name_test1 shardId-0000000000
expect_status 200
expect_header_line 'Content-Type: application/json'
expect_json 'j == {"sequence_number": "10", "metadata": "metadata"}'

# --- describe app: the exact object, create_time an integer in ms ---
CONTEXT='describe:'
t0=$(date +%s%3N)
fcgi POST /v2/pd/apps '{"app_name":"a1"}'
expect_empty 201
t1=$(date +%s%3N)
fcgi GET /v2/pd/apps/a1
expect_status 200
expect_header_line 'Content-Type: application/json'
expect_json 'sorted(j) == ["app_id", "app_name", "commit_checkpoint_stream_names", "create_time"]'
expect_json 'j["app_name"] == "a1" and j["commit_checkpoint_stream_names"] == []'
expect_json 'isinstance(j["app_id"], str) and len(j["app_id"]) > 0'
expect_json "is_int(j['create_time']) and $t0 - 1000 <= j['create_time'] <= $t1 + 1000"
APP_ID=$(json_value 'j["app_id"]')
DESCRIBED=$BODY
fcgi GET /v2/pd/apps/a1/
expect_body "$DESCRIBED"
fcgi GET /v2/pd/apps/a1 '' HTTP_X_PROJECT_ID=pd
expect_body "$DESCRIBED"

# commit_checkpoint_stream_names: sorted, the streams holding a checkpoint now
CONTEXT='stream names:'
ckpt pd a1 zeta '"0"' '"1"'
ckpt pd a1 alpha '"0"' '"1"'
ckpt pd a1 Mid '"0"' '"1"'
ckpt pd a1 mid '"0"' '"1"'
ckpt pd a1 alpha '"1"' '"1"'
expect_empty 201
fcgi GET /v2/pd/apps/a1
expect_json 'j["commit_checkpoint_stream_names"] == ["Mid", "alpha", "mid", "zeta"]'
expect_json "j['app_id'] == '$APP_ID'"
fcgi DELETE '/v2/pd/checkpoints?stream_name=zeta&app_name=a1&checkpoint_type=LAST_READ'
expect_empty 204
fcgi DELETE '/v2/pd/checkpoints?stream_name=alpha&app_name=a1&partition_id=0'
expect_empty 204
fcgi GET /v2/pd/apps/a1
expect_json 'j["commit_checkpoint_stream_names"] == ["Mid", "alpha", "mid"]'

# --- checkpoints: values read back ---
CONTEXT='upsert:'
fcgi POST /v2/pd/apps '{"app_name":"c1"}'
ckpt pd c1 s '"shardId-0000000007"' '"10"' '"metadata":"first"'
expect_empty 201
query pd c1 s 7
expect_json 'j == {"sequence_number": "10", "metadata": "first"}'
ckpt pd c1 s '"7"' '"20"' '"metadata":"second"'
expect_empty 201
query pd c1 s shardId-0000000007
expect_json 'j == {"sequence_number": "20", "metadata": "second"}'
# a commit without metadata stores "" (it does not keep the old one)
ckpt pd c1 s '"7"' '"21"'
expect_empty 201
query pd c1 s 7
expect_json 'j == {"sequence_number": "21", "metadata": ""}'
# sequence numbers may go down: a commit replaces, whatever its value
ckpt pd c1 s '"7"' '"3"' '"metadata":"m"'
query pd c1 s 7
expect_json 'j == {"sequence_number": "3", "metadata": "m"}'
ckpt pd c1 s '"7"' '"4"' '"metadata":null'
query pd c1 s 7
expect_json 'j == {"sequence_number": "4", "metadata": ""}'
ckpt pd c1 s '"7"' '"5"' '"metadata":""'
query pd c1 s 7
expect_json 'j == {"sequence_number": "5", "metadata": ""}'
if db_is_pg; then
	stored="quote_literal(metadata), pg_typeof(metadata)"
else
	stored="quote(metadata), typeof(metadata)"
fi
expect_eq "''|text" "$(db_sql "SELECT $stored FROM checkpoints WHERE project='pd' AND app='c1'")"
# nothing committed for a partition, or a stream: -1 and ""
query pd c1 s 8
expect_json 'j == {"sequence_number": "-1", "metadata": ""}'
query pd c1 other 0
expect_json 'j == {"sequence_number": "-1", "metadata": ""}'

CONTEXT='coercion:'
ckpt pd c1 n 3 42
expect_empty 201
query pd c1 n shardId-0000000003
expect_json 'j == {"sequence_number": "42", "metadata": ""}'
ckpt pd c1 n '"0000000004"' '"0007"'
query pd c1 n 4
expect_json 'j == {"sequence_number": "7", "metadata": ""}'
ckpt pd c1 n 2147483647 9223372036854775807
expect_empty 201
query pd c1 n shardId-2147483647
expect_json 'j == {"sequence_number": "9223372036854775807", "metadata": ""}'
ckpt pd c1 n '"0"' '"0"'
query pd c1 n 0
expect_json 'j == {"sequence_number": "0", "metadata": ""}'
expect_eq "0|0 3|42 4|7 2147483647|9223372036854775807" "$(db_sql "SELECT partition || '|' || sequence FROM checkpoints WHERE project='pd' AND app='c1' AND stream='n' ORDER BY partition" | tr '\n' ' ' | sed 's/ $//')"

CONTEXT='metadata:'
U1000=$(expand_case @U1000@)
ckpt pd c1 meta '"1"' '"1"' "\"metadata\":\"$U1000\""
expect_empty 201
query pd c1 meta 1
expect_json 'j["metadata"] == "\u00e9" * 1000'
ckpt pd c1 meta '"2"' '"1"' '"metadata":"a\"b\\c\n\u00e9\u20ac\ud83d\ude00"'
expect_empty 201
query pd c1 meta 2
expect_json 'j["metadata"] == "a\"b\\c\n\u00e9\u20ac\U0001F600"'

# --- delete checkpoint: one partition, a whole stream, type defaulted ---
CONTEXT='delete checkpoint:'
fcgi POST /v2/pd/apps '{"app_name":"d1"}'
for p in 0 1 2; do ckpt pd d1 s "\"$p\"" "\"1$p\""; done
ckpt pd d1 t '"0"' '"5"'
fcgi DELETE '/v2/pd/checkpoints?stream_name=s&app_name=d1&partition_id=shardId-0000000001&checkpoint_type=LAST_READ'
expect_empty 204
query pd d1 s 1
expect_json 'j["sequence_number"] == "-1"'
query pd d1 s 2
expect_json 'j["sequence_number"] == "12"'
# an empty partition_id is invalid, not absent: it deletes nothing
fcgi DELETE '/v2/pd/checkpoints?stream_name=s&app_name=d1&checkpoint_type=LAST_READ&partition_id='
expect_error 400 DIS.4201
query pd d1 s 0
expect_json 'j["sequence_number"] == "10"'
query pd d1 s 2
expect_json 'j["sequence_number"] == "12"'
# no partition_id, no checkpoint_type (LAST_READ): the whole stream
fcgi DELETE '/v2/pd/checkpoints?stream_name=s&app_name=d1'
expect_empty 204
query pd d1 s 0
expect_json 'j["sequence_number"] == "-1"'
query pd d1 s 2
expect_json 'j["sequence_number"] == "-1"'
query pd d1 t 0
expect_json 'j["sequence_number"] == "5"'
fcgi DELETE '/v2/pd/checkpoints?stream_name=s&app_name=d1'
expect_empty 204

# --- delete app: its checkpoints go; a re-created app is a new app ---
CONTEXT='delete app:'
fcgi GET /v2/pd/apps/d1
OLD_ID=$(json_value 'j["app_id"]')
fcgi DELETE /v2/pd/apps/d1
expect_empty 204
fcgi GET /v2/pd/apps/d1
expect_error 400 DIS.4332
query pd d1 t 0
expect_error 400 DIS.4332
expect_eq 0 "$(db_sql "SELECT count(*) FROM checkpoints WHERE project='pd' AND app='d1'")"
fcgi POST /v2/pd/apps '{"app_name":"d1"}'
expect_empty 201
fcgi GET /v2/pd/apps/d1
expect_json "j['app_id'] != '$OLD_ID' and j['commit_checkpoint_stream_names'] == []"
query pd d1 t 0
expect_json 'j == {"sequence_number": "-1", "metadata": ""}'

# --- projects never see each other ---
CONTEXT='projects:'
fcgi GET /v2/pe/apps/a1
expect_error 400 DIS.4332
fcgi GET /v2/pe/apps
expect_json 'j == {"has_more_app": False, "apps": [], "total_number": 0}'
ckpt pe c1 s '"7"' '"1"'
expect_error 400 DIS.4332
fcgi POST /v2/pe/apps '{"app_name":"c1"}'
expect_empty 201
query pe c1 s 7
expect_json 'j == {"sequence_number": "-1", "metadata": ""}'
fcgi DELETE /v2/pe/apps/c1
query pd c1 s 7
expect_json 'j["sequence_number"] == "5"'
fcgi GET '/v2/PD/apps'
expect_json 'j["total_number"] == 0'

# --- list apps: paging, total_number, stream filter, byte order ---
CONTEXT='list apps:'
for a in b3 b1 b5 b2 b4; do fcgi POST /v2/pl/apps "{\"app_name\":\"$a\"}"; done
ckpt pl b2 f1 '"0"' '"1"'
ckpt pl b4 f1 '"0"' '"1"'
ckpt pl b4 f2 '"0"' '"1"'
fcgi GET /v2/pl/apps
expect_json '[a["app_name"] for a in j["apps"]] == ["b1", "b2", "b3", "b4", "b5"]'
expect_json 'j["has_more_app"] is False and j["total_number"] == 5 and sorted(j) == ["apps", "has_more_app", "total_number"]'
expect_json 'all(sorted(a) == ["app_id", "app_name", "commit_checkpoint_stream_names", "create_time"] and is_int(a["create_time"]) for a in j["apps"])'
expect_json '[a["commit_checkpoint_stream_names"] for a in j["apps"]] == [[], ["f1"], [], ["f1", "f2"], []]'
LISTED=$(json_value 'json.dumps([a for a in j["apps"] if a["app_name"] == "b4"][0], sort_keys=True)')
fcgi GET /v2/pl/apps/b4
expect_json "json.dumps(j, sort_keys=True) == '''$LISTED'''"
fcgi GET '/v2/pl/apps?limit=2'
expect_json '[a["app_name"] for a in j["apps"]] == ["b1", "b2"] and j["has_more_app"] is True and j["total_number"] == 5'
fcgi GET '/v2/pl/apps?limit=2&start_app_name=b2'
expect_json '[a["app_name"] for a in j["apps"]] == ["b3", "b4"] and j["has_more_app"] is True and j["total_number"] == 5'
fcgi GET '/v2/pl/apps?start_app_name=b3&limit=2'
expect_json '[a["app_name"] for a in j["apps"]] == ["b4", "b5"] and j["has_more_app"] is False and j["total_number"] == 5'
fcgi GET '/v2/pl/apps?start_app_name=b4&limit=1'
expect_json '[a["app_name"] for a in j["apps"]] == ["b5"] and j["has_more_app"] is False and j["total_number"] == 5'
fcgi GET '/v2/pl/apps?limit=5'
expect_json 'len(j["apps"]) == 5 and j["has_more_app"] is False'
fcgi GET '/v2/pl/apps?limit=4'
expect_json 'len(j["apps"]) == 4 and j["has_more_app"] is True'
fcgi GET '/v2/pl/apps?start_app_name=b5'
expect_json 'j == {"has_more_app": False, "apps": [], "total_number": 5}'
fcgi GET '/v2/pl/apps?start_app_name=b0&limit=1'
expect_json '[a["app_name"] for a in j["apps"]] == ["b1"] and j["has_more_app"] is True'
fcgi GET '/v2/pl/apps?start_app_name=b2x'
expect_json '[a["app_name"] for a in j["apps"]] == ["b3", "b4", "b5"]'
fcgi GET '/v2/pl/apps?stream_name=f1'
expect_json '[a["app_name"] for a in j["apps"]] == ["b2", "b4"] and j["has_more_app"] is False and j["total_number"] == 2'
fcgi GET '/v2/pl/apps?stream_name=f1&limit=1'
expect_json '[a["app_name"] for a in j["apps"]] == ["b2"] and j["has_more_app"] is True and j["total_number"] == 2'
fcgi GET '/v2/pl/apps?stream_name=f1&start_app_name=b2'
expect_json '[a["app_name"] for a in j["apps"]] == ["b4"] and j["has_more_app"] is False and j["total_number"] == 2'
fcgi GET '/v2/pl/apps?stream_name=f2'
expect_json '[a["app_name"] for a in j["apps"]] == ["b4"] and j["total_number"] == 1'
fcgi GET '/v2/pl/apps?stream_name=none&timestamp=0'
expect_json 'j == {"has_more_app": False, "apps": [], "total_number": 0}'
# default limit 10; names in byte order
for a in Z9 _x -y a B c0 c1 c2 c3; do fcgi POST /v2/pl/apps "{\"app_name\":\"$a\"}"; done
fcgi GET /v2/pl/apps
expect_json '[a["app_name"] for a in j["apps"]] == ["-y", "B", "Z9", "_x", "a", "b1", "b2", "b3", "b4", "b5"]'
expect_json 'j["has_more_app"] is True and j["total_number"] == 14'
fcgi GET '/v2/pl/apps?start_app_name=b5'
expect_json '[a["app_name"] for a in j["apps"]] == ["c0", "c1", "c2", "c3"] and j["has_more_app"] is False and j["total_number"] == 14'
fcgi GET '/v2/pl/apps?limit=100'
expect_json 'len(j["apps"]) == 14 and j["has_more_app"] is False'

# --- consumption state ---
CONTEXT='consumption state:'
fcgi POST /v2/pc/apps '{"app_name":"c1"}'
ckpt pc c1 s '"shardId-0000000005"' '"50"'
ckpt pc c1 s 0 '"0"'
ckpt pc c1 s '"2"' '"20"'
ckpt pc c1 s '"1"' '"10"'
ckpt pc c1 t '"3"' '"30"'
state='{"partition_id": "shardId-%010d", "sequence_number": "%s", "checkpoint_type": "LAST_READ", "status": "ACTIVE"}'
s0=$(printf "$state" 0 0) s1=$(printf "$state" 1 10) s2=$(printf "$state" 2 20) s5=$(printf "$state" 5 50)
fcgi GET '/v2/pc/apps/c1/streams/s?checkpoint_type=LAST_READ'
expect_status 200
expect_json "j == {'has_more': False, 'stream_name': 's', 'app_name': 'c1', 'partition_consuming_states': [$s0, $s1, $s2, $s5]}"
fcgi GET '/v2/pc/apps/c1/streams/s?checkpoint_type=LAST_READ&limit=2'
expect_json "j['partition_consuming_states'] == [$s0, $s1] and j['has_more'] is True"
fcgi GET '/v2/pc/apps/c1/streams/s?checkpoint_type=LAST_READ&limit=2&start_partition_id=shardId-0000000001'
expect_json "j['partition_consuming_states'] == [$s2, $s5] and j['has_more'] is False"
fcgi GET '/v2/pc/apps/c1/streams/s?checkpoint_type=LAST_READ&start_partition_id=1&limit=2'
expect_json "j['partition_consuming_states'] == [$s2, $s5] and j['has_more'] is False"
fcgi GET '/v2/pc/apps/c1/streams/s?checkpoint_type=LAST_READ&start_partition_id=2&limit=1'
expect_json "j['partition_consuming_states'] == [$s5] and j['has_more'] is False"
fcgi GET '/v2/pc/apps/c1/streams/s?checkpoint_type=LAST_READ&start_partition_id=3'
expect_json "j['partition_consuming_states'] == [$s5]"
fcgi GET '/v2/pc/apps/c1/streams/s?checkpoint_type=LAST_READ&start_partition_id=shardId-0000000005'
expect_json "j == {'has_more': False, 'stream_name': 's', 'app_name': 'c1', 'partition_consuming_states': []}"
fcgi GET '/v2/pc/apps/c1/streams/s?checkpoint_type=LAST_READ&limit=3'
expect_json "j['partition_consuming_states'] == [$s0, $s1, $s2] and j['has_more'] is True"
fcgi GET '/v2/pc/apps/c1/streams/s?checkpoint_type=LAST_READ&limit=4'
expect_json "len(j['partition_consuming_states']) == 4 and j['has_more'] is False"
fcgi GET '/v2/pc/apps/c1/streams/t/?checkpoint_type=LAST_READ'
expect_json "j['partition_consuming_states'] == [$(printf "$state" 3 30)] and j['stream_name'] == 't'"
fcgi GET '/v2/pc/apps/c1/streams/none?checkpoint_type=LAST_READ'
expect_json "j == {'has_more': False, 'stream_name': 'none', 'app_name': 'c1', 'partition_consuming_states': []}"
# default limit 100: 100 checkpoints written straight into the file (100
# requests would take seconds), the 101st through the API
db_sql "WITH RECURSIVE n(p) AS (SELECT 10 UNION ALL SELECT p + 1 FROM n WHERE p < 109)
    INSERT INTO checkpoints (project, app, stream, type, partition, sequence, metadata)
    SELECT 'pc', 'c1', 'many', 'LAST_READ', p, 1, '' FROM n"
fcgi GET '/v2/pc/apps/c1/streams/many?checkpoint_type=LAST_READ'
expect_json "len(j['partition_consuming_states']) == 100 and j['has_more'] is False"
ckpt pc c1 many '"110"' '"1"'
fcgi GET '/v2/pc/apps/c1/streams/many?checkpoint_type=LAST_READ'
expect_json "len(j['partition_consuming_states']) == 100 and j['has_more'] is True"
expect_json "j['partition_consuming_states'][-1]['partition_id'] == 'shardId-0000000109'"
fcgi GET '/v2/pc/apps/c1/streams/many?checkpoint_type=LAST_READ&start_partition_id=109'
expect_json "[s['partition_id'] for s in j['partition_consuming_states']] == ['shardId-0000000110'] and j['has_more'] is False"

# --- health ---
CONTEXT='health:'
fcgi GET /health
expect_status 200
expect_header_line 'Content-Type: application/json'
expect_json 'isinstance(j, dict)'

# --- body limit: 4096 bytes pass, 4097 do not ---
CONTEXT='body limit:'
fcgi POST /v2/pb/apps '{"app_name":"a1"}'
head='{"stream_name":"s","app_name":"a1","partition_id":"0","sequence_number":"1","checkpoint_type":"LAST_READ","pad":"'
pad=$(expand_case "@X$((4096 - ${#head} - 2))@")
fcgi POST /v2/pb/checkpoints "$head$pad\"}"
expect_empty 201
before=$(db_dump)
fcgi POST /v2/pb/checkpoints "$head${pad}x\"}"
expect_error 413 DIS.4200
expect_eq "$before" "$(db_dump)"
stop_fcgi
expect_eq 0 $?

# --- the app quota (-o app_quota=2): duplicate is checked first ---
CONTEXT='quota:'
DB=$TMP/quota.db
start_fcgi -o app_quota=2
fcgi POST /v2/pq/apps '{"app_name":"q1"}'
expect_empty 201
fcgi POST /v2/pq/apps '{"app_name":"q2"}'
expect_empty 201
before=$(db_dump)
fcgi POST /v2/pq/apps '{"app_name":"q3"}'
expect_error 400 DIS.4329
fcgi POST /v2/pq/apps '{"app_name":"q1"}'
expect_error 400 DIS.4330
fcgi POST /v2/pq/apps '{"app_name":"bad!"}'
expect_error 400 DIS.4200
expect_eq "$before" "$(db_dump)"
fcgi GET /v2/pq/apps
expect_json 'j["total_number"] == 2'
fcgi POST /v2/pq2/apps '{"app_name":"q3"}'
expect_empty 201
fcgi DELETE /v2/pq/apps/q1
expect_empty 204
fcgi POST /v2/pq/apps '{"app_name":"q3"}'
expect_empty 201
stop_fcgi
expect_eq 0 $?

# --- 503 while the database cannot be reached; it answers once it can ---
# SQLite: its directory is missing; PostgreSQL: the server is stopped.
CONTEXT='database missing:'
if db_is_pg; then
	. "$abs_top_srcdir/tests/pg-lib.sh"
	PG_DIR=$DIS_TEST_PG_HOST PG_HOST=$DIS_TEST_PG_HOST
	DB=$TMP/later.db
	start_fcgi
	pg_server stop
else
	DB=$TMP/later/dir/checkpoints.db
	start_fcgi
fi
fcgi POST /v2/pu/apps '{"app_name":"u1"}'
expect_error 503 DIS.5000
expect_header_line 'Retry-After: 1'
fcgi GET /v2/pu/apps
expect_error 503 DIS.5000
expect_header_line 'Retry-After: 1'
fcgi GET /health
expect_error 503 DIS.5000
expect_header_line 'Retry-After: 1'
# validation still comes first
fcgi POST /v2/pu/apps '{"app_name":"bad!"}'
expect_error 400 DIS.4200
expect_no_header 'Retry-After'
if db_is_pg; then pg_server start; else mkdir -p "$TMP/later/dir"; fi
fcgi POST /v2/pu/apps '{"app_name":"u1"}'
expect_empty 201
fcgi GET /v2/pu/apps/u1
expect_status 200
fcgi GET /health
expect_status 200
expect_no_header 'Retry-After'

# SQLite: a read-only directory: chmod as a user; root writes anyway, so
# /proc. PostgreSQL: a read-only database, as a standby would be.
CONTEXT='database read-only:'
if db_is_pg; then
	# (from another database: the setting applies to this session too)
	ro_sql() {
		pg_psql postgres "ALTER DATABASE $(db_pg_name) SET default_transaction_read_only = $1" &&
		pg_psql postgres "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		    WHERE application_name = 'dis-checkpoint'" >/dev/null
	}
	ro_sql on
	restore() { ro_sql off; }
elif [ "$(id -u)" -ne 0 ]; then
	ro=$TMP/ro
	mkdir "$ro"
	chmod a-w "$ro"
	restore() { chmod u+w "$ro"; }
else
	ro=/proc
	restore() { :; }
fi
if ! db_is_pg; then
	stop_fcgi
	expect_eq 0 $?
	DB=$ro/checkpoints.db
	start_fcgi -o retry_after=1
fi
fcgi POST /v2/pu/apps '{"app_name":"u2"}'
expect_error 503 DIS.5000
expect_header_line 'Retry-After: 1'
fcgi GET /v2/pu/apps/u2
expect_error 503 DIS.5000
restore
if db_is_pg || [ "$(id -u)" -ne 0 ]; then
	fcgi POST /v2/pu/apps '{"app_name":"u2"}'
	expect_empty 201
fi
stop_fcgi
expect_eq 0 $?

finish
