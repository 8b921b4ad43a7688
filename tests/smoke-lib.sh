# tests/smoke-lib.sh: the HTTP smoke suite every deployment test runs
# through its real web server. Source it after tests/lib.sh, then:
#
#   run_smoke http://127.0.0.1:$PORT        # the API mounted at the root
#   run_smoke http://127.0.0.1:$PORT/dis    # the API under /dis
#
# Each call uses its own project id (from the URL), so one database can
# serve both runs. Every request goes through curl and the web server; a
# failure names the configuration ($SMOKE_NAME) and the step.

SMOKE_RUNS=0

# A success without a body: nothing in it, no Content-Type, and
# Content-Length: 0. Apache's mod_cgi drops a CGI program's Content-Length
# and sends an empty chunked body instead; a test of it sets
# SMOKE_EMPTY_MAY_BE_CHUNKED=1 to accept that framing too.
expect_empty_success() {
	expect_body ''
	expect_no_header 'Content-Type:'
	if [ "${SMOKE_EMPTY_MAY_BE_CHUNKED:-0}" = 1 ] &&
	    printf '%s\n' "$HEADERS" | grep -qi '^Transfer-Encoding: chunked'; then
		pass
	else
		expect_header 'Content-Length: 0'
	fi
}

run_smoke() {
	local base=$1 project name big
	SMOKE_RUNS=$((SMOKE_RUNS + 1))
	project=smoke$SMOKE_RUNS
	name="${SMOKE_NAME:-smoke} $base"
	local v2=$base/v2/$project
	local cp="stream_name=s-1&app_name=a1&partition_id=0&checkpoint_type=LAST_READ"

	CONTEXT="$name health:"
	http GET "$base/health"
	expect_status 200
	expect_body '{"status":"ok"}'

	CONTEXT="$name create app:"
	http POST "$v2/apps" '{"app_name":"a1"}'
	expect_status 201
	expect_empty_success

	CONTEXT="$name create app again:"
	http POST "$v2/apps" '{"app_name":"a1"}'
	expect_status 400
	expect_code DIS.4330

	CONTEXT="$name add checkpoint:"
	http POST "$v2/checkpoints" '{"stream_name":"s-1","app_name":"a1","partition_id":"0","sequence_number":"10","metadata":"m 1","checkpoint_type":"LAST_READ"}'
	expect_status 201
	expect_empty_success

	CONTEXT="$name query checkpoint:"
	http GET "$v2/checkpoints?$cp"
	expect_status 200
	expect_header 'Content-Type: application/json'
	expect_body_has '"sequence_number":"10"'
	expect_body_has '"metadata":"m 1"'

	# Percent-encoded query values ("s-1", "a1", "shardId-0000000000") and a
	# percent-encoded path segment must reach the app undamaged.
	CONTEXT="$name percent-encoded query:"
	http GET "$v2/checkpoints?stream_name=s%2D1&app_name=%61%31&partition_id=shardId%2D0000000000&checkpoint_type=LAST%5FREAD"
	expect_status 200
	expect_body_has '"sequence_number":"10"'
	CONTEXT="$name percent-encoded path:"
	http GET "$v2/apps/%61%31"
	expect_status 200
	expect_body_has '"app_name":"a1"'

	CONTEXT="$name trailing slash:"
	http GET "$v2/apps/a1/"
	expect_status 200
	expect_body_has '"commit_checkpoint_stream_names":["s-1"]'

	CONTEXT="$name list apps:"
	http GET "$v2/apps?limit=10"
	expect_status 200
	expect_body_has '"total_number":1'
	expect_body_has '"app_name":"a1"'

	CONTEXT="$name consumption state:"
	http GET "$v2/apps/a1/streams/s-1?checkpoint_type=LAST_READ"
	expect_status 200
	expect_body_has '"partition_id":"shardId-0000000000"'

	# One error of each kind the web server could mangle.
	CONTEXT="$name 400 validation:"
	http POST "$v2/checkpoints" '{"stream_name":"s 1","app_name":"a1","partition_id":"0","sequence_number":"1","checkpoint_type":"LAST_READ"}'
	expect_status 400
	expect_code DIS.4200
	CONTEXT="$name 400 malformed JSON:"
	http POST "$v2/apps" '{"app_name":'
	expect_status 400
	expect_code DIS.4300
	CONTEXT="$name 400 empty body:"
	http POST "$v2/apps" '' -H 'Content-Type: application/json' -H 'Content-Length: 0'
	expect_status 400
	expect_code DIS.4202
	CONTEXT="$name 400 project id header:"
	http GET "$v2/apps" '' -H 'X-Project-Id: other'
	expect_status 400
	expect_code DIS.4117
	CONTEXT="$name 400 app not found:"
	http GET "$v2/apps/nosuchapp"
	expect_status 400
	expect_code DIS.4332
	CONTEXT="$name 404:"
	http GET "$v2/nothing-here"
	expect_status 404
	expect_code DIS.4200
	CONTEXT="$name 405:"
	http PUT "$v2/apps"
	expect_status 405
	expect_header 'Allow: GET, POST'
	expect_code DIS.4200
	CONTEXT="$name 413:"
	big=$(head -c 70000 /dev/zero | tr '\0' ' ')
	http POST "$v2/apps" "{\"app_name\":\"big\"$big}"
	expect_status 413
	expect_code DIS.4200

	CONTEXT="$name delete checkpoint:"
	http DELETE "$v2/checkpoints?$cp"
	expect_status 204
	expect_body ''
	http GET "$v2/checkpoints?$cp"
	expect_status 200
	expect_body_has '"sequence_number":"-1"'

	CONTEXT="$name delete app:"
	http DELETE "$v2/apps/a1"
	expect_status 204
	http GET "$v2/apps/a1"
	expect_status 400
	expect_code DIS.4332
	http GET "$v2/apps"
	expect_status 200
	expect_body_has '"total_number":0'
	CONTEXT=
}
