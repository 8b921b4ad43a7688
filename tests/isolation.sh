#!/bin/bash
# isolation.sh: projects that use the same app, stream and partition names
# never see or change each other's apps or checkpoints, through every
# endpoint. pa and pb are the two projects; PA differs from pa only in case
# and must be a third, separate project. Quota is per project (2 here).
export LC_ALL=C
. "$abs_top_srcdir/tests/lib.sh"
need cgi-fcgi sqlite3

start_fcgi -o app_quota=2

ck() {	# PROJECT APP STREAM PARTITION SEQUENCE
	fcgi POST "/v2/$1/checkpoints" "{\"stream_name\":\"$3\",\"app_name\":\"$2\",\"partition_id\":\"$4\",\"sequence_number\":\"$5\",\"metadata\":\"$1\",\"checkpoint_type\":\"LAST_READ\"}"
}
get() {	# PROJECT APP STREAM PARTITION
	fcgi GET "/v2/$1/checkpoints?stream_name=$3&app_name=$2&partition_id=$4&checkpoint_type=LAST_READ"
}
app_id() { printf '%s' "$BODY" | sed -n 's/.*"app_id":"\([^"]*\)".*/\1/p'; }

# --- Create: the same name in each project, no "already exists".
for p in pa pb PA; do
	CONTEXT="create a1 in $p:"
	fcgi POST "/v2/$p/apps" '{"app_name":"a1"}'; expect_status 201
done
CONTEXT="create a2 in pa only:"
fcgi POST /v2/pa/apps '{"app_name":"a2"}'; expect_status 201
CONTEXT="quota is per project:"
fcgi POST /v2/pa/apps '{"app_name":"a3"}'; expect_status 400; expect_code DIS.4329
fcgi POST /v2/pb/apps '{"app_name":"a1"}'; expect_status 400; expect_code DIS.4330

# --- Add: the same key in each project, different values.
CONTEXT="add:"
ck pa a1 s1 0 10; expect_status 201
ck pa a1 s1 1 11; expect_status 201
ck pa a1 s2 0 12; expect_status 201
ck pb a1 s1 0 20; expect_status 201
ck PA a1 s1 0 30; expect_status 201
CONTEXT="add to an app of another project:"
ck pb a2 s1 0 99; expect_status 400; expect_code DIS.4332

# --- Query: each project reads its own.
CONTEXT="query:"
get pa a1 s1 0; expect_body '{"sequence_number":"10","metadata":"pa"}'
get pb a1 s1 0; expect_body '{"sequence_number":"20","metadata":"pb"}'
get PA a1 s1 0; expect_body '{"sequence_number":"30","metadata":"PA"}'
get pb a1 s1 1; expect_body '{"sequence_number":"-1","metadata":""}'
get pb a1 s2 0; expect_body '{"sequence_number":"-1","metadata":""}'
get pb a2 s1 0; expect_status 400; expect_code DIS.4332

# --- Describe: own app_id, own streams.
CONTEXT="describe:"
fcgi GET /v2/pa/apps/a1; expect_status 200
expect_body_has '"commit_checkpoint_stream_names":["s1","s2"]'
id_a=$(app_id)
fcgi GET /v2/pb/apps/a1; expect_status 200
expect_body_has '"commit_checkpoint_stream_names":["s1"]'
id_b=$(app_id)
if [ -n "$id_a" ] && [ "$id_a" != "$id_b" ]; then pass; else
	fail "$CONTEXT app ids '$id_a' and '$id_b' must differ"
fi
fcgi GET /v2/pb/apps/a2; expect_status 400; expect_code DIS.4332

# --- List: own apps, own totals, stream filter within the project.
CONTEXT="list:"
fcgi GET /v2/pa/apps; expect_body_has '"total_number":2'
fcgi GET /v2/pb/apps; expect_body_has '"total_number":1'
expect_body_has '"apps":[{"app_name":"a1"'
fcgi GET '/v2/pb/apps?stream_name=s2'; expect_body_has '"total_number":0'
expect_body_has '"apps":[]'
fcgi GET '/v2/pa/apps?stream_name=s2'; expect_body_has '"total_number":1'
fcgi GET /v2/pc/apps; expect_body '{"has_more_app":false,"apps":[],"total_number":0}'

# --- Consumption state: own partitions.
CONTEXT="consumption state:"
fcgi GET '/v2/pa/apps/a1/streams/s1?checkpoint_type=LAST_READ'
expect_body_has '"partition_id":"shardId-0000000001","sequence_number":"11"'
fcgi GET '/v2/pb/apps/a1/streams/s1?checkpoint_type=LAST_READ'
expect_body '{"has_more":false,"stream_name":"s1","app_name":"a1","partition_consuming_states":[{"partition_id":"shardId-0000000000","sequence_number":"20","checkpoint_type":"LAST_READ","status":"ACTIVE"}]}'
fcgi GET '/v2/pb/apps/a2/streams/s1?checkpoint_type=LAST_READ'
expect_status 400; expect_code DIS.4332

# --- Delete one checkpoint, then a whole stream, in pb: pa keeps its own.
CONTEXT="delete checkpoint:"
fcgi DELETE '/v2/pb/checkpoints?stream_name=s1&app_name=a1&partition_id=0'
expect_status 204
get pb a1 s1 0; expect_body '{"sequence_number":"-1","metadata":""}'
get pa a1 s1 0; expect_body '{"sequence_number":"10","metadata":"pa"}'
get PA a1 s1 0; expect_body '{"sequence_number":"30","metadata":"PA"}'
ck pb a1 s1 5 25; expect_status 201
fcgi DELETE '/v2/pb/checkpoints?stream_name=s1&app_name=a1'; expect_status 204
get pa a1 s1 1; expect_body '{"sequence_number":"11","metadata":"pa"}'
fcgi DELETE '/v2/pb/checkpoints?stream_name=s1&app_name=a2'
expect_status 400; expect_code DIS.4332

# --- Delete the app in pb: pa's app and checkpoints stay.
CONTEXT="delete app:"
fcgi DELETE /v2/pb/apps/a1; expect_status 204
fcgi GET /v2/pb/apps/a1; expect_status 400; expect_code DIS.4332
fcgi GET /v2/pa/apps/a1; expect_status 200
get pa a1 s2 0; expect_body '{"sequence_number":"12","metadata":"pa"}'
get PA a1 s1 0; expect_body '{"sequence_number":"30","metadata":"PA"}'
fcgi DELETE /v2/pb/apps/a2; expect_status 400; expect_code DIS.4332
fcgi GET /v2/pa/apps/a2; expect_status 200

# --- What is on disk: every row where it belongs.
CONTEXT="database:"
expect_eq "PA|1
pa|2" "$(sqlite3 "$DB" 'SELECT project, count(*) FROM apps GROUP BY project ORDER BY project')"
expect_eq "PA|a1|s1|0|30
pa|a1|s1|0|10
pa|a1|s1|1|11
pa|a1|s2|0|12" "$(sqlite3 "$DB" 'SELECT project, app, stream, partition, sequence FROM checkpoints ORDER BY project, app, stream, partition')"
stop_fcgi; expect_eq 0 $?
finish
