#!/bin/bash
# tests/lighttpd.sh: the binary behind Debian's lighttpd on 127.0.0.1, with
# lighttpd spawning it (bin-path, check-local disable, the database given in
# bin-environment), served at the root (/v2/...) and under a prefix
# (/dis/v2/..., DIS_CHECKPOINT_BASE_PATH=/dis), both on one SQLite file.
# curl goes through every endpoint once and one error of each kind, and
# the requests lighttpd itself would refuse (tests/lighttpd-lib.sh) with the
# server.http-parseopts of the shipped deploy/lighttpd/socket.conf.
export LC_ALL=C
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lighttpd-lib.sh"
need lighttpd curl sqlite3 python3

write_lighttpd_conf '(
	"/dis/" => ((
		"socket" => "'"$TMP"'/prefix.sock",
		"bin-path" => "'"$BIN"'",
		"bin-environment" => (
			"DIS_CHECKPOINT_DATABASE" => "'"$DB"'",
			"DIS_CHECKPOINT_BASE_PATH" => "/dis"
		),
		"max-procs" => 1,
		"check-local" => "disable"
	)),
	"/" => ((
		"socket" => "'"$TMP"'/root.sock",
		"bin-path" => "'"$BIN"'",
		"bin-environment" => ( "DIS_CHECKPOINT_DATABASE" => "'"$DB"'" ),
		"max-procs" => 1,
		"check-local" => "disable"
	))
)'
sed -n '/^server.http-parseopts/,/^)/p' "$abs_top_srcdir/deploy/lighttpd/socket.conf" \
    >>"$TMP/lighttpd.conf"
URL=http://127.0.0.1:$PORT
CONTEXT='lighttpd -tt:'
if grep -q method-get-body "$TMP/lighttpd.conf"; then pass; else
	fail "$CONTEXT no server.http-parseopts in deploy/lighttpd/socket.conf"
fi
if lighttpd -tt -f "$TMP/lighttpd.conf" >"$TMP/config-check" 2>&1; then pass; else
	fail "$CONTEXT $(cat "$TMP/config-check")"
fi
run_lighttpd || { cat "$TMP/lighttpd-error.log" >&2; exit 1; }

EXAMPLE='{
 "stream_name": "stream_name_test1",
  "app_name": "app_name1",
  "partition_id": "shardId-0000000000",
  "sequence_number": "10",
  "metadata": "metadata",
  "checkpoint_type": "LAST_READ"
}'
Q='stream_name=stream_name_test1&app_name=app_name1&partition_id=shardId-0000000000&checkpoint_type=LAST_READ'

for base in "" /dis; do
	P=$base/v2/proj-1
	# --- every endpoint once ---
	CONTEXT="[$base] health:"
	http GET "$URL$base/health"
	expect_status 200
	expect_header_line 'Content-Type: application/json'
	CONTEXT="[$base] create app:"
	http POST "$URL$P/apps" '{"app_name":"app_name1"}'
	expect_empty 201
	CONTEXT="[$base] add checkpoint:"
	http POST "$URL$P/checkpoints" "$EXAMPLE"
	expect_empty 201
	CONTEXT="[$base] query checkpoint:"
	http GET "$URL$P/checkpoints?$Q"
	expect_status 200
	expect_header_line 'Content-Type: application/json'
	expect_json 'j == {"sequence_number": "10", "metadata": "metadata"}'
	CONTEXT="[$base] describe app:"
	http GET "$URL$P/apps/app_name1"
	expect_status 200
	expect_json 'j["app_name"] == "app_name1" and is_int(j["create_time"]) and j["commit_checkpoint_stream_names"] == ["stream_name_test1"]'
	CONTEXT="[$base] list apps:"
	http GET "$URL$P/apps?limit=1"
	expect_status 200
	expect_json 'j["has_more_app"] is False and j["total_number"] == 1 and [a["app_name"] for a in j["apps"]] == ["app_name1"]'
	CONTEXT="[$base] consumption state:"
	http GET "$URL$P/apps/app_name1/streams/stream_name_test1?checkpoint_type=LAST_READ"
	expect_status 200
	expect_json 'j == {"has_more": False, "stream_name": "stream_name_test1", "app_name": "app_name1", "partition_consuming_states": [{"partition_id": "shardId-0000000000", "sequence_number": "10", "checkpoint_type": "LAST_READ", "status": "ACTIVE"}]}'
	CONTEXT="[$base] trailing slash:"
	http GET "$URL$P/apps/app_name1/"
	expect_status 200
	expect_json 'j["app_name"] == "app_name1"'
	CONTEXT="[$base] percent-encoded value:"
	http GET "$URL$P/checkpoints/?stream_name=stream%5Fname%5Ftest1&app_name=app_name%31&partition_id=shardId%2D0000000000&checkpoint_type=LAST_READ&timestamp=0"
	expect_status 200
	expect_json 'j == {"sequence_number": "10", "metadata": "metadata"}'
	CONTEXT="[$base] delete checkpoint:"
	http DELETE "$URL$P/checkpoints?stream_name=stream_name_test1&app_name=app_name1"
	expect_empty 204
	http GET "$URL$P/checkpoints?$Q"
	expect_json 'j == {"sequence_number": "-1", "metadata": ""}'

	# --- one error of each kind; none changes the database ---
	before=$(db_dump)
	CONTEXT="[$base] 404:"
	http GET "$URL$P/nothing"
	expect_error 404 DIS.4200
	http GET "$URL$base/v2/proj-1//apps"
	expect_error 404 DIS.4200
	CONTEXT="[$base] 405:"
	http PUT "$URL$P/apps/app_name1"
	expect_error 405 DIS.4200
	expect_header_line 'Allow: GET, DELETE'
	CONTEXT="[$base] 4117:"
	http GET "$URL$base/v2/proj!1/apps"
	expect_error 400 DIS.4117
	CONTEXT="[$base] 4117 X-Project-Id:"
	http GET "$URL$P/apps" '' -H 'X-Project-Id: proj-2'
	expect_error 400 DIS.4117
	http GET "$URL$P/apps" '' -H 'X-Project-Id: proj-1'
	expect_status 200
	CONTEXT="[$base] 4200:"
	http POST "$URL$P/apps" '{"app_name":"bad name"}'
	expect_error 400 DIS.4200
	CONTEXT="[$base] 4200 %2F:"
	http GET "$URL$P/apps/app%2Fname1"
	expect_error 400 DIS.4200
	CONTEXT="[$base] 4201:"
	http GET "$URL$P/checkpoints?stream_name=s&app_name=app_name1&partition_id=shardId-1&checkpoint_type=LAST_READ"
	expect_error 400 DIS.4201
	CONTEXT="[$base] 4202:"
	http POST "$URL$P/checkpoints" '' --data-binary '' \
	    -H 'Content-Type: application/json'
	expect_error 400 DIS.4202
	CONTEXT="[$base] 4224:"
	http POST "$URL$P/checkpoints" '{"stream_name":"s","app_name":"app_name1","partition_id":"0","sequence_number":"9223372036854775808","checkpoint_type":"LAST_READ"}'
	expect_error 400 DIS.4224
	CONTEXT="[$base] 4300:"
	http POST "$URL$P/checkpoints" '{"stream_name":'
	expect_error 400 DIS.4300
	CONTEXT="[$base] 4330:"
	http POST "$URL$P/apps" '{"app_name":"app_name1"}'
	expect_error 400 DIS.4330
	CONTEXT="[$base] 4332:"
	http GET "$URL$P/apps/nope"
	expect_error 400 DIS.4332
	CONTEXT="[$base] 413:"
	http POST "$URL$P/checkpoints" "{\"pad\":\"$(expand_case @X70000@)\"}"
	expect_error 413 DIS.4200
	lighttpd_edges "$URL$base"
	CONTEXT="[$base] errors:"
	expect_eq "$before" "$(db_dump)"

	CONTEXT="[$base] delete app:"
	http DELETE "$URL$P/apps/app_name1/"
	expect_empty 204
	http GET "$URL$P/apps/app_name1"
	expect_error 400 DIS.4332
done

# --- both mounts share one database ---
CONTEXT='shared file:'
http POST "$URL/dis/v2/proj-1/apps" '{"app_name":"shared"}'
expect_empty 201
http GET "$URL/v2/proj-1/apps/shared"
expect_status 200
http GET "$URL/v2/proj-1/apps/shared" '' -H 'X-Project-Id: proj-1'
expect_status 200
http GET "$URL/dis/v2/proj-1/apps/shared" '' -H 'X-Project-Id: other'
expect_error 400 DIS.4117
# the prefix is cut only where the backend was told so
http GET "$URL/v2/dis/v2/proj-1/apps"
expect_error 404 DIS.4200

# --- shutdown: lighttpd stops the backends it spawned ---
CONTEXT='shutdown:'
BACKENDS=$(pgrep -P "$LIGHTTPD_PID" | tr '\n' ' ')
expect_eq 2 "$(echo $BACKENDS | wc -w)"
kill -TERM "$LIGHTTPD_PID"
wait "$LIGHTTPD_PID"
expect_eq 0 $?
for _ in $(seq 50); do
	alive=
	for pid in $BACKENDS; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
	[ -z "$alive" ] && break
	sleep 0.1
done
expect_eq '' "$alive"
# Start-up lines, the warning that authentication is off, and one line per
# request all reach lighttpd's error log, whatever it did with stderr.
CONTEXT='logs:'
for line in 'dis-checkpoint: serving FastCGI' 'WARNING: authentication is off' \
    'GET "/dis/v2/proj-1/apps/shared" 400 '; do
	if grep -qF "$line" "$TMP/lighttpd-error.log"; then pass; else
		fail "no '$line' in the log: $(cat "$TMP/lighttpd-error.log")"
	fi
done

finish
