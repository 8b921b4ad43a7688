#!/bin/bash
# tests/auth-lighttpd.sh: authentication end to end, through a real lighttpd
# in front of the real binary: token and AK/SK requests (signed by
# tests/sign.sh with openssl) for every endpoint, the DIS Go SDK's way of
# signing (and a body changed whatever X-Sdk-Content-Sha256 says), a credential of one
# project refused on another, the check order around authentication,
# secrets kept out of the logs, and the credentials file rewritten under
# load without one request failing that should pass.
. "$abs_top_srcdir/tests/lib.sh"
need lighttpd curl openssl sqlite3
SIGN=$abs_top_srcdir/tests/sign.sh

AK_A=AKPROJECTA0000000001 SK_A='skA/secret+Key=0123456789'
AK_B=AKPROJECTB0000000002 SK_B=skB-secret-0123456789
AK_ALL=AKEVERYTHING00000003 SK_ALL=skAll-secret-0123456789
TOK_A=tokA-0123456789abcdefghijklmnop
TOK_B=tokB-0123456789abcdefghijklmnop
REGION=local-1
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
CREDS=$TMP/credentials

write_credentials() {
	cat <<CREDS
# written by auth-lighttpd.sh
aksk $AK_A $SK_A proj-a
aksk $AK_B $SK_B proj-b
aksk $AK_ALL $SK_ALL *
token $TOK_A proj-a
token $TOK_B proj-b
${1:-}
CREDS
}
write_credentials >"$CREDS"
chmod 600 "$CREDS"

# The signer first: it must reproduce the SDKs' own signatures (vectors 0,
# 10 and the Go SDK's 12).
CONTEXT="sign.sh vector 0"
expect_eq "SDK-HMAC-SHA256 Credential=AKEXAMPLE0000000001/20261127/local-1/dis/sdk_request, SignedHeaders=host;x-sdk-date, Signature=d327c918ea20d5dcbc11be37241b76d6e457601e2771a36d94fe4d7795a59af4" \
    "$("$SIGN" POST /v2/proj-1/checkpoints/ '' '{"stream_name": "s1", "app_name": "a1", "partition_id": "shardId-0000000000", "sequence_number": "10", "metadata": "", "checkpoint_type": "LAST_READ"}' 127.0.0.1 20261127T120000Z AKEXAMPLE0000000001 'skExample/Secret+Key0123456789abcdefghij' local-1)"
CONTEXT="sign.sh vector 10"
expect_eq "V11-HMAC-SHA256 Credential=AKEXAMPLE0000000001/20261127/local-1/dis/sdk_request, SignedHeaders=host;x-sdk-date, Signature=9ab6ce2b1416feeb70be1f726617265d68a8368672e109b37b03e638825277b7" \
    "$("$SIGN" -v11 GET /v2/proj-1/apps 'limit=100&start_app_name=a%201%2Fx' '' 127.0.0.1 20261127T120000Z AKEXAMPLE0000000001 'skExample/Secret+Key0123456789abcdefghij' local-1)"
CONTEXT="sign.sh vector 12 (Go SDK)"
expect_eq "SDK-HMAC-SHA256 Credential=AKJAVASDK00000000001/20261201/local-1/dis/sdk_request, SignedHeaders=content-length;content-type;host;x-sdk-content-sha256;x-sdk-date, Signature=f8ef7661263a2d07cfc4137fd6712e955472a54187a50bade2b96663bceca6c1" \
    "$("$SIGN" -h content-length:21 -h 'content-type:application/json;charset=UTF-8' -h "x-sdk-content-sha256:$EMPTY_SHA256" POST /v2/jsdk-auth-1/apps '' '{"app_name":"sdkapp"}' 127.0.0.1:18084 20261201T073652Z AKJAVASDK00000000001 skJava-secret-0123456789 local-1)"

start_fcgi -t 4 -o auth=any -o "credentials=$CREDS"
write_lighttpd_conf '( "/" => ((
	"socket" => "'"$SOCK"'",
	"check-local" => "disable"
)) )'
run_lighttpd || { cat "$TMP/lighttpd-error.log" >&2; exit 1; }
URL=http://127.0.0.1:$PORT

# signed [-v11] [-port] METHOD PATH QUERY BODY AK SK [curl args]: one signed
# request. The Host sent carries the port; the one signed does not, as the
# Python SDK does, unless -port is given.
signed() {
	local v11= host=127.0.0.1 date
	[ "$1" = -v11 ] && { v11=-v11; shift; }
	[ "$1" = -port ] && { host=127.0.0.1:$PORT; shift; }
	local method=$1 path=$2 query=$3 body=$4 ak=$5 sk=$6
	shift 6
	date=${SIGN_DATE:-$(date -u +%Y%m%dT%H%M%SZ)}
	local authz
	authz=$("$SIGN" $v11 "$method" "${SIGN_PATH:-$path}" "${SIGN_QUERY:-$query}" \
	    "${SIGN_BODY-$body}" "$host" "$date" "$ak" "$sk" "$REGION")
	http "$method" "$URL$path${query:+?$query}" "$body" \
	    -H "X-Sdk-Date: $date" -H "Authorization: $authz" "$@"
}

# go_signed METHOD PATH BODY AK SK [curl args]: one request signed as the
# DIS Go SDK signs (vector 12): Content-Length, Content-Type, the Host with
# its port and X-Sdk-Content-Sha256 signed, that header the empty body's
# hash, the payload hash the real body's (the Content-Type is http's
# application/json: lighttpd refuses a second one). SIGN_CLAIM puts another value in
# that header, SIGN_PAYLOAD signs another payload hash, SIGN_BODY signs
# another body than the one sent.
go_signed() {
	local method=$1 path=$2 body=$3 ak=$4 sk=$5 date authz
	local LC_ALL=C sbody=${SIGN_BODY-$3} claim=${SIGN_CLAIM-$EMPTY_SHA256}
	shift 5
	date=$(date -u +%Y%m%dT%H%M%SZ)
	authz=$("$SIGN" -h "content-length:${#sbody}" -h content-type:application/json \
	    -h "x-sdk-content-sha256:$claim" ${SIGN_PAYLOAD:+-payload "$SIGN_PAYLOAD"} \
	    "$method" "$path" '' "$sbody" "127.0.0.1:$PORT" "$date" "$ak" "$sk" "$REGION")
	http "$method" "$URL$path" "$body" \
	    -H "X-Sdk-Content-Sha256: $claim" -H "X-Sdk-Date: $date" \
	    -H "Authorization: $authz" "$@"
}

CKPT='{"stream_name":"s1","app_name":"app1","partition_id":"shardId-0000000000","sequence_number":"10","checkpoint_type":"LAST_READ"}'
QCKPT='stream_name=s1&app_name=app1&partition_id=0&checkpoint_type=LAST_READ'

# /health needs nothing and says nothing about projects.
CONTEXT="health"
http GET "$URL/health"
expect_status 200; expect_body '{"status":"ok"}'

# Order: route, project, then authentication, then body size.
CONTEXT="unknown path, no credentials"; http GET "$URL/v2/proj-a/nothing"
expect_status 404
CONTEXT="X-Project-Id mismatch, no credentials"
http GET "$URL/v2/proj-a/apps" '' -H 'X-Project-Id: proj-b'
expect_status 400; expect_code DIS.4117
CONTEXT="bad project id, no credentials"; http GET "$URL/v2/bad.project/apps"
expect_status 400; expect_code DIS.4117
CONTEXT="no credentials"; http GET "$URL/v2/proj-a/apps"
expect_status 441; expect_code DIS.4101
expect_body_has 'Authorization header cannot be empty.'
CONTEXT="body over the limit, no credentials"
http POST "$URL/v2/proj-a/apps" "$(head -c 70000 /dev/zero | tr '\0' a)"
expect_status 441; expect_code DIS.4101

# Tokens.
CONTEXT="token: create app"
http POST "$URL/v2/proj-a/apps" '{"app_name":"app1"}' -H "X-Auth-Token: $TOK_A"
expect_status 201
CONTEXT="token: wrong"
http GET "$URL/v2/proj-a/apps" '' -H "X-Auth-Token: ${TOK_A}x"
expect_status 441; expect_code DIS.4114; expect_body_has 'Invalid Token header.'
CONTEXT="token: list apps"
http GET "$URL/v2/proj-a/apps" '' -H "X-Auth-Token: $TOK_A"
expect_status 200; expect_body_has '"app_name":"app1"'

# AK/SK, both algorithms, every endpoint, on the right project.
CONTEXT="signed: add checkpoint"
signed POST /v2/proj-a/checkpoints '' "$CKPT" "$AK_A" "$SK_A"
expect_status 201
CONTEXT="signed V11: query checkpoint"
signed -v11 GET /v2/proj-a/checkpoints "$QCKPT" '' "$AK_A" "$SK_A"
expect_status 200; expect_body '{"sequence_number":"10","metadata":""}'
CONTEXT="signed, host with port: describe app"
signed -port GET /v2/proj-a/apps/app1 '' '' "$AK_A" "$SK_A"
expect_status 200; expect_body_has '"app_name":"app1"'
CONTEXT="signed: consumption state"
signed GET /v2/proj-a/apps/app1/streams/s1 'checkpoint_type=LAST_READ' '' "$AK_A" "$SK_A"
expect_status 200; expect_body_has '"sequence_number":"10"'
CONTEXT="signed, trailing slash signed, none sent: list apps"
SIGN_PATH=/v2/proj-a/apps/ signed GET /v2/proj-a/apps 'limit=10' '' "$AK_A" "$SK_A"
expect_status 200; expect_body_has '"total_number":1'
# Query values '+'-encoded, or with a '/' left as it is, sign as %20 and %2F.
CONTEXT="signed, '+' in the query"
SIGN_QUERY='limit=10&note=a%20b%2Fc' signed GET /v2/proj-a/apps 'limit=10&note=a+b%2fc' '' "$AK_A" "$SK_A"
expect_status 200
CONTEXT="signed, unencoded '/' in the query"
SIGN_QUERY='limit=10&note=a%20b%2Fc' signed GET /v2/proj-a/apps 'limit=10&note=a%20b/c' '' "$AK_A" "$SK_A"
expect_status 200
CONTEXT="signed, a credential for every project"
signed GET /v2/proj-z/apps '' '' "$AK_ALL" "$SK_ALL"
expect_status 200

# One byte changed, an old or future date: refused.
CONTEXT="signed, body changed after signing"
SIGN_BODY=${CKPT/10/11} signed POST /v2/proj-a/checkpoints '' "$CKPT" "$AK_A" "$SK_A"
expect_status 441; expect_code DIS.4112; expect_body_has 'Invalid authorization request.'
# The payload hash is the body's, whatever X-Sdk-Content-Sha256 says: the
# Go SDK's requests pass; a body changed after signing is refused with any
# value of that header, signed or not; a signature over the header's claim
# of an empty body, or over UNSIGNED-PAYLOAD, does not sign the body sent.
before=$(db_dump)
for claim in "$(printf '%s' "$CKPT" | sha256sum | cut -d' ' -f1)" \
    "$EMPTY_SHA256" UNSIGNED-PAYLOAD; do
	CONTEXT="signed, body changed, X-Sdk-Content-Sha256 $claim unsigned"
	SIGN_BODY=${CKPT/10/11} signed POST /v2/proj-a/checkpoints '' "$CKPT" \
	    "$AK_A" "$SK_A" -H "X-Sdk-Content-Sha256: $claim"
	expect_status 441; expect_code DIS.4112
	CONTEXT="Go SDK signing, body changed, X-Sdk-Content-Sha256 $claim signed"
	SIGN_CLAIM=$claim SIGN_BODY=${CKPT/10/11} go_signed POST \
	    /v2/proj-a/checkpoints "$CKPT" "$AK_A" "$SK_A"
	expect_status 441; expect_code DIS.4112
done
CONTEXT="signed over the header's claim of an empty body, with a body"
SIGN_PAYLOAD=$EMPTY_SHA256 go_signed POST /v2/proj-a/apps '{"app_name":"sneaky"}' "$AK_A" "$SK_A"
expect_status 441; expect_code DIS.4112
CONTEXT="signed over UNSIGNED-PAYLOAD"
SIGN_CLAIM=UNSIGNED-PAYLOAD SIGN_PAYLOAD=UNSIGNED-PAYLOAD go_signed POST \
    /v2/proj-a/apps '{"app_name":"sneaky"}' "$AK_A" "$SK_A"
expect_status 441; expect_code DIS.4112; expect_body_has 'UNSIGNED-PAYLOAD is not accepted'
CONTEXT="nothing changed by bodies outside the signature"
expect_eq "$before" "$(db_dump)"
CONTEXT="Go SDK signing: create app"
go_signed POST /v2/proj-a/apps '{"app_name":"goapp"}' "$AK_A" "$SK_A"
expect_status 201
CONTEXT="Go SDK signing: add checkpoint"
go_signed POST /v2/proj-a/checkpoints "${CKPT/app1/goapp}" "$AK_A" "$SK_A"
expect_status 201
CONTEXT="Go SDK signing: query checkpoint"
signed GET /v2/proj-a/checkpoints "${QCKPT/app1/goapp}" '' "$AK_A" "$SK_A"
expect_status 200; expect_body '{"sequence_number":"10","metadata":""}'
CONTEXT="signed, query changed after signing"
SIGN_QUERY=${QCKPT/=0/=1} signed GET /v2/proj-a/checkpoints "$QCKPT" '' "$AK_A" "$SK_A"
expect_status 441; expect_code DIS.4112
CONTEXT="signed, wrong SK"
signed GET /v2/proj-a/apps '' '' "$AK_A" "${SK_A}x"
expect_status 441; expect_code DIS.4112
CONTEXT="signed, unknown AK"
signed GET /v2/proj-a/apps '' '' AKUNKNOWN000000000000 "$SK_A"
expect_status 441; expect_code DIS.4107; expect_body_has 'Invalid AcessKey header.'
CONTEXT="signed, 20 minutes old"
SIGN_DATE=$(date -u -d '-20 min' +%Y%m%dT%H%M%SZ) signed GET /v2/proj-a/apps '' '' "$AK_A" "$SK_A"
expect_status 441; expect_code DIS.4105; expect_body_has 'Invalid X-Sdk-Date header.'
CONTEXT="signed, 20 minutes ahead"
SIGN_DATE=$(date -u -d '+20 min' +%Y%m%dT%H%M%SZ) signed GET /v2/proj-a/apps '' '' "$AK_A" "$SK_A"
expect_status 441; expect_code DIS.4105

# A credential for proj-b gets 403 on proj-a, on every endpoint, for both
# kinds, and nothing changes.
before=$(db_dump)
endpoint() {
	case $1 in
	1) echo "POST /v2/proj-a/checkpoints - $CKPT" ;;
	2) echo "GET /v2/proj-a/checkpoints $QCKPT -" ;;
	3) echo "DELETE /v2/proj-a/checkpoints stream_name=s1&app_name=app1 -" ;;
	4) echo 'POST /v2/proj-a/apps - {"app_name":"app2"}' ;;
	5) echo "GET /v2/proj-a/apps/app1 - -" ;;
	6) echo "GET /v2/proj-a/apps limit=10 -" ;;
	7) echo "DELETE /v2/proj-a/apps/app1 - -" ;;
	8) echo "GET /v2/proj-a/apps/app1/streams/s1 checkpoint_type=LAST_READ -" ;;
	esac
}
for i in 1 2 3 4 5 6 7 8; do
	read -r method path query body <<<"$(endpoint $i)"
	[ "$query" = - ] && query=
	[ "$body" = - ] && body=
	CONTEXT="$method $path, AK of proj-b"
	signed "$method" "$path" "$query" "$body" "$AK_B" "$SK_B"
	expect_status 403; expect_code DIS.4116; expect_body_has 'Invalid RBAC.'
	CONTEXT="$method $path, token of proj-b"
	http "$method" "$URL$path${query:+?$query}" "$body" -H "X-Auth-Token: $TOK_B"
	expect_status 403; expect_code DIS.4116
done
CONTEXT="nothing changed by refused requests"
expect_eq "$before" "$(db_dump)"

# Secrets never reach a response or a log.
CONTEXT="secrets in logs"
logs=$(cat "$TMP/server.log" "$TMP/lighttpd-error.log" "$TMP"/body 2>/dev/null)
for secret in "$SK_A" "$SK_B" "$TOK_A" "$TOK_B" "Signature=" "Credential="; do
	if printf '%s' "$logs" | grep -qF -- "$secret"; then
		fail "a secret ($secret) is in a log"
	else pass; fi
done

# until_token TOKEN PROJECT: waits until the service takes TOKEN for
# PROJECT, i.e. the file that names it is in use; false if it never does.
until_token() {
	local code
	for _ in $(seq $((WAIT_STEPS * 2))); do
		code=$(curl -s -o /dev/null -w '%{http_code}' \
		    -H "X-Auth-Token: $1" "$URL/v2/$2/apps")
		[ "$code" = 200 ] && return 0
		sleep 0.05
	done
	return 1
}

# Reload under load: the credentials file is rewritten (in place and by
# rename) and SIGHUP sent while requests of proj-a's credentials keep
# coming; every one of them must pass. Each round waits until its file is
# in use (its extra token works) before the next: a file renamed into place
# but not yet noticed, then rewritten in place, is a new inode and read at
# once, even half-written (CI once saw one refused request from that), and
# a SIGHUP handled late would read the next round's half-written file.
CONTEXT="reload under load"
mkfifo "$TMP/pause"
load() {
	local n=0 bad=0 kind=$1
	while [ ! -e "$TMP/stop" ]; do
		if [ "$kind" = token ]; then
			code=$(curl -s -o /dev/null -w '%{http_code}' \
			    -H "X-Auth-Token: $TOK_A" "$URL/v2/proj-a/apps")
		else
			d=$(date -u +%Y%m%dT%H%M%SZ)
			a=$("$SIGN" GET /v2/proj-a/apps '' '' 127.0.0.1 "$d" "$AK_A" "$SK_A" "$REGION")
			code=$(curl -s -o /dev/null -w '%{http_code}' \
			    -H "X-Sdk-Date: $d" -H "Authorization: $a" "$URL/v2/proj-a/apps")
		fi
		n=$((n + 1))
		[ "$code" = 200 ] || bad=$((bad + 1))
	done
	echo "$n $bad" >"$TMP/load-$kind"
}
rm -f "$TMP/stop"
load token & l1=$!
load aksk & l2=$!
for round in $(seq 12); do
	extra="token tokExtra-$round proj-c"
	case $((round % 3)) in
	0)	# in place, in two writes with a pause: an editor's slow save.
		# Builtins only (the pause is read's timeout on a fifo nobody
		# writes), so no fork stretches the gap past the 1 s settle
		# time, which would let any reader take the half-written file
		# for finished.
		content=$(write_credentials "$extra")
		printf '%s' "${content:0:100}" >"$CREDS"
		read -r -t 0.1 <>"$TMP/pause"
		printf '%s\n' "${content:100}" >>"$CREDS" ;;
	1)	# by rename, as doc/credentials-format.md recommends
		write_credentials "$extra" >"$CREDS.new"
		chmod 600 "$CREDS.new"
		mv "$CREDS.new" "$CREDS" ;;
	2)	# in place at once, then SIGHUP. Made first: with the function
		# writing behind the redirection, the file sat truncated while
		# it forked, and on a loaded CI machine a reader once took that
		# for finished (one request refused).
		content=$(write_credentials "$extra")
		printf '%s\n' "$content" >"$CREDS"
		kill -HUP "$SERVER_PID" ;;
	esac
	until_token "tokExtra-$round" proj-c || fail "round $round: never in use"
done
touch "$TMP/stop"
wait "$l1" "$l2"
read -r n1 bad1 <"$TMP/load-token"
read -r n2 bad2 <"$TMP/load-aksk"
reloads=$(grep -c "credentials $CREDS: .* in use" "$TMP/server.log")
echo "under reload: $n1 token and $n2 signed requests, $reloads loads"
# The first load and the 4 SIGHUPs at least (renames may merge with them).
if [ "$reloads" -ge 5 ]; then pass; else fail "only $reloads loads"; fi
expect_eq "0 0" "$bad1 $bad2"
if [ "$n1" -gt 20 ] && [ "$n2" -gt 2 ]; then pass; else
	fail "too few requests under reload: $n1 token, $n2 signed"
fi

# After the rewrites: a credential added is in use after SIGHUP, a removed
# one is not, and a malformed line grants nothing and stops nothing.
CONTEXT="after reload"
cat >"$CREDS.new" <<CREDS2
token $TOK_A proj-a
token tokNew-0123456789abcdef proj-a
token tokBroken-0123456789 proj-a,not/valid
this line is nonsense
CREDS2
mv "$CREDS.new" "$CREDS"
kill -HUP "$SERVER_PID"
until_token tokNew-0123456789abcdef proj-a || fail "tokNew never in use"
http GET "$URL/v2/proj-a/apps" '' -H "X-Auth-Token: $TOK_B"
expect_status 441; expect_code DIS.4114
http GET "$URL/v2/proj-a/apps" '' -H "X-Auth-Token: tokBroken-0123456789"
expect_status 441; expect_code DIS.4114
signed GET /v2/proj-a/apps '' '' "$AK_A" "$SK_A"
expect_status 441; expect_code DIS.4107
http GET "$URL/health"
expect_status 200
if grep -q "credentials:3: skipped" "$TMP/server.log" &&
    grep -q "credentials:4: skipped" "$TMP/server.log"; then pass; else
	fail "malformed lines not reported with their numbers"
fi

# auth = token: no token is "Empty Token header" (lighttpd drops an empty
# header, so a missing one stands for both).
CONTEXT="auth = token"
stop_fcgi
start_fcgi -o auth=token -o "credentials=$CREDS"
http GET "$URL/v2/proj-a/apps"
expect_status 441; expect_code DIS.4113; expect_body_has 'Empty Token header.'
http GET "$URL/v2/proj-a/apps" '' -H "X-Auth-Token: $TOK_A"
expect_status 200
signed GET /v2/proj-a/apps '' '' "$AK_A" "$SK_A"
expect_status 441; expect_code DIS.4113

# auth = none still works, and says so once at start.
CONTEXT="auth = none"
WARNING="WARNING: authentication is off"
stop_fcgi
start_fcgi -o auth=none
http GET "$URL/v2/proj-a/apps"
expect_status 200
http GET "$URL/v2/proj-a/apps"
expect_status 200
expect_eq 1 "$(grep -c "$WARNING" "$TMP/server.log")"

# As CGI every request is a start: the warning comes once an hour per
# database (its stamp file), every request still logs its own line.
CONTEXT="auth = none, CGI"
stop_fcgi
: >"$TMP/server.log"
DB=$TMP/cgi.db
N=200
[ -n "$WRAPPER" ] && N=20	# a second a request under valgrind
cgi POST /v2/p1/apps '{"app_name":"a1"}'
expect_status 201
for i in $(seq "$N"); do
	cgi POST /v2/p1/checkpoints '{"stream_name":"s1","app_name":"a1","partition_id":"0","sequence_number":"'"$i"'","checkpoint_type":"LAST_READ"}'
	[ "$STATUS" = 201 ] || break
done
expect_status 201
expect_eq 1 "$(grep -c "$WARNING" "$TMP/server.log")"
expect_eq "$N" "$(grep -c 'POST "/v2/p1/checkpoints" 201 ' "$TMP/server.log")"
# An hour later it warns again, once.
touch -d '61 minutes ago' "$DB.auth-none-warned"
cgi GET /health
cgi GET /health
expect_status 200
expect_eq 2 "$(grep -c "$WARNING" "$TMP/server.log")"
finish
