#!/bin/bash
# tests/api-cgi.sh: the real binary as a plain CGI program (one process per
# request, env -i ... dis-checkpoint < body): most sections of the shared
# case table, then what only CGI has: CONTENT_LENGTH bounds the read of a
# stdin that need not end, REQUEST_METHOD may be missing, and the path may
# come as SCRIPT_NAME + PATH_INFO without REQUEST_URI.
export LC_ALL=C	# ${#body} must count bytes: it is the CONTENT_LENGTH
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need sqlite3 python3

# The table expects body_limit=4096.
cgi4k() {
	cgi "$1" "$2" "$3" DIS_CHECKPOINT_BODY_LIMIT=4096 "${@:4}"
}
run_cases cgi4k api-cases.txt \
    'every endpoint|404|405|4117|which error|bodies|query|delete checkpoint|apps ---|consumption|delete app' \
    <"$abs_top_srcdir/tests/api-cases.txt"

# raw_cgi VAR=VALUE...: the binary with exactly these variables, stdin from
# $TMP/in; sets STATUS, HEADERS, BODY and RC.
raw_cgi() {
	env -i DIS_CHECKPOINT_DATABASE="$DB" "$@" "$BIN" <"$TMP/in" \
	    >"$TMP/out" 2>>"$TMP/server.log"
	RC=$?
	parse_cgi_response
}

# --- CONTENT_LENGTH bounds the read ---
CONTEXT='CONTENT_LENGTH shorter than stdin:'
body='{"app_name":"cl1"}'
printf '%s' "$body trailing garbage" >"$TMP/in"
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=${#body}
expect_empty 201
expect_eq 0 "$RC"
expect_eq 1 "$(sqlite3 "$DB" "SELECT count(*) FROM apps WHERE project='p1' AND name='cl1'")"

CONTEXT='stdin left open:'
mkfifo "$TMP/fifo"
exec 5<>"$TMP/fifo"	# a writer that never closes: no EOF ever comes
body='{"app_name":"cl2"}'
printf '%s' "$body" >&5
start=$SECONDS
env -i DIS_CHECKPOINT_DATABASE="$DB" REQUEST_METHOD=POST \
    REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=${#body} \
    timeout 10 "$BIN" <"$TMP/fifo" >"$TMP/out" 2>>"$TMP/server.log"
RC=$?
exec 5>&-
parse_cgi_response
expect_eq 0 "$RC"
expect_empty 201
if [ $((SECONDS - start)) -lt 5 ]; then pass; else fail "$CONTEXT waited for EOF"; fi
expect_eq 1 "$(sqlite3 "$DB" "SELECT count(*) FROM apps WHERE project='p1' AND name='cl2'")"

CONTEXT='CONTENT_LENGTH cuts the JSON:'
before=$(db_dump)
printf '%s' '{"app_name":"cl3"}' >"$TMP/in"
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=10
expect_error 400 DIS.4300
CONTEXT='CONTENT_LENGTH 0:'
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=0
expect_error 400 DIS.4202
CONTEXT='CONTENT_LENGTH empty:'
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=
expect_error 400 DIS.4202
CONTEXT='CONTENT_LENGTH missing:'
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps
expect_error 400 DIS.4202
CONTEXT='CONTENT_LENGTH over the limit:'
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=65537
expect_error 413 DIS.4200
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=19 \
    DIS_CHECKPOINT_BODY_LIMIT=18
expect_error 413 DIS.4200
CONTEXT='CONTENT_LENGTH longer than stdin:'
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=40
expect_status 400
expect_eq "$before" "$(db_dump)"
CONTEXT='CONTENT_LENGTH at the limit:'
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=18 \
    DIS_CHECKPOINT_BODY_LIMIT=18
expect_empty 201

# --- REQUEST_METHOD missing ---
CONTEXT='no REQUEST_METHOD:'
before=$(db_dump)
printf '%s' '{"app_name":"nm1"}' >"$TMP/in"
raw_cgi REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=18
expect_error 405 DIS.4200
expect_header_line 'Allow: GET, POST'
raw_cgi REQUEST_URI=/nothing
expect_error 404 DIS.4200
raw_cgi REQUEST_METHOD= REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=18
expect_error 405 DIS.4200
expect_eq "$before" "$(db_dump)"

# --- SCRIPT_NAME + PATH_INFO without REQUEST_URI ---
: >"$TMP/in"
CONTEXT='SCRIPT_NAME + PATH_INFO:'
raw_cgi REQUEST_METHOD=GET SCRIPT_NAME=/v2 PATH_INFO=/p1/apps/app1
expect_status 200
expect_json 'j["app_name"] == "app1"'
raw_cgi REQUEST_METHOD=GET SCRIPT_NAME= PATH_INFO=/v2/p1/apps/app1/
expect_status 200
expect_json 'j["app_name"] == "app1"'
raw_cgi REQUEST_METHOD=GET PATH_INFO=/v2/p1/checkpoints \
    QUERY_STRING='stream_name=s1&app_name=app1&partition_id=0&checkpoint_type=LAST_READ'
expect_status 200
expect_json 'j == {"sequence_number": "10", "metadata": "m"}'
raw_cgi REQUEST_METHOD=GET SCRIPT_NAME=/v2/p1/apps/app1
expect_status 200
raw_cgi REQUEST_METHOD=GET SCRIPT_NAME=/cgi-bin/dis-checkpoint PATH_INFO=/v2/p1/apps \
    DIS_CHECKPOINT_BASE_PATH=/cgi-bin/dis-checkpoint
expect_status 200
expect_json '"app1" in [a["app_name"] for a in j["apps"]]'
raw_cgi REQUEST_METHOD=GET SCRIPT_NAME=/cgi-bin/dis-checkpoint PATH_INFO=/v2/p1/apps
expect_error 404 DIS.4200
raw_cgi REQUEST_METHOD=GET SCRIPT_NAME=/v2 PATH_INFO=/p1/apps/nope
expect_error 400 DIS.4332
raw_cgi REQUEST_METHOD=GET
expect_error 404 DIS.4200
CONTEXT='REQUEST_URI wins:'
raw_cgi REQUEST_METHOD=GET REQUEST_URI=/v2/p1/apps/app1 SCRIPT_NAME=/v2 PATH_INFO=/p1/apps/app2
expect_status 200
expect_json 'j["app_name"] == "app1"'
raw_cgi REQUEST_METHOD=GET REQUEST_URI='/v2/p1/checkpoints?stream_name=s1&app_name=app1&partition_id=0&checkpoint_type=LAST_READ' \
    SCRIPT_NAME=/v2/p1/checkpoints
expect_json 'j["sequence_number"] == "10"'
CONTEXT='base path:'
raw_cgi REQUEST_METHOD=GET REQUEST_URI=/dis/v2/p1/apps/app1 DIS_CHECKPOINT_BASE_PATH=/dis
expect_json 'j["app_name"] == "app1"'
raw_cgi REQUEST_METHOD=GET REQUEST_URI=/dis/v2/p1/apps/app1 DIS_CHECKPOINT_BASE_PATH=/dis/
expect_json 'j["app_name"] == "app1"'
raw_cgi REQUEST_METHOD=GET REQUEST_URI=/dis/v2/p1/apps/app1
expect_error 404 DIS.4200
raw_cgi REQUEST_METHOD=GET REQUEST_URI=/disx/v2/p1/apps/app1 DIS_CHECKPOINT_BASE_PATH=/dis
expect_error 404 DIS.4200

# --- metadata counts code points: 1000 surrogate pairs are 1000 ---
CONTEXT='metadata of astral characters:'
emoji=$(printf '\\ud83d\\ude00%.0s' {1..1000})
cgi POST /v2/p1/checkpoints "{\"stream_name\":\"e1\",\"app_name\":\"app1\",\"partition_id\":\"0\",\"sequence_number\":\"1\",\"metadata\":\"$emoji\",\"checkpoint_type\":\"LAST_READ\"}"
expect_empty 201
cgi GET '/v2/p1/checkpoints?stream_name=e1&app_name=app1&partition_id=0&checkpoint_type=LAST_READ'
expect_json 'j["metadata"] == "\U0001F600" * 1000'
cgi POST /v2/p1/checkpoints "{\"stream_name\":\"e1\",\"app_name\":\"app1\",\"partition_id\":\"0\",\"sequence_number\":\"1\",\"metadata\":\"$emoji\\ud83d\\ude00\",\"checkpoint_type\":\"LAST_READ\"}"
expect_error 400 DIS.4200
expect_body_has metadata

# --- the database unavailable: 503, and a 4xx still exits 0 ---
CONTEXT='CGI database missing:'
DB=$TMP/missing/checkpoints.db
raw_cgi REQUEST_METHOD=GET REQUEST_URI=/v2/p1/apps
expect_error 503 DIS.5000
expect_header_line 'Retry-After: 1'
mkdir "$TMP/missing"
printf '%s' '{"app_name":"m1"}' >"$TMP/in"
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=17
expect_empty 201
expect_eq 0 "$RC"
raw_cgi REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=17
expect_error 400 DIS.4330
expect_eq 0 "$RC"

finish
