#!/bin/bash
# deploy/apache/proxy-fcgi.conf for real: Apache (prefork, workers as nobody
# when run as root) proxies to the binary on its unix socket (-s); Apache's
# configtest passes; smoke suite at / and /dis.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/smoke-lib.sh"
. "$abs_top_srcdir/tests/deploy-lib.sh"
need apache2 curl
SMOKE_NAME="apache mod_proxy_fcgi"

deploy_setup
open_up_tmp
# Apache's children reach the socket through its group.
"$SBIN/dis-checkpoint" -c "$ETC/dis-checkpoint.conf" "${AS_WORKERS_GROUP[@]}" \
    -s "$RUN/dis-checkpoint.sock" 2>>"$LOGS/app-stderr.log" &
SERVER_PID=$!
wait_for_unix "$RUN/dis-checkpoint.sock"
deploy_file apache/proxy-fcgi.conf >"$TMP/dis-checkpoint.conf"
start_apache "$TMP/dis-checkpoint.conf" proxy proxy_fcgi
smoke_both
report_request_log
CONTEXT="app stops on SIGTERM:"
stop_fcgi
expect_eq 0 $?

# CGIPassAuth On: the Authorization header of a signed request must reach
# the app through Apache, or every SDK client would get DIS.4101.
AK=AKAPACHE000000000001 SK=apache-secret-0123456789
printf 'aksk %s %s proj-a\n' "$AK" "$SK" >"$ETC/credentials"
chmod 644 "$ETC/credentials"
"$SBIN/dis-checkpoint" -c "$ETC/dis-checkpoint.conf" "${AS_WORKERS_GROUP[@]}" \
    -o auth=aksk -o credentials="$ETC/credentials" \
    -s "$RUN/dis-checkpoint.sock" 2>>"$LOGS/app-stderr.log" &
SERVER_PID=$!
wait_for_unix "$RUN/dis-checkpoint.sock"
DATE=$(date -u +%Y%m%dT%H%M%SZ)
SIG=$(bash "$abs_top_srcdir/tests/sign.sh" GET /v2/proj-a/apps "" "" \
    127.0.0.1 "$DATE" "$AK" "$SK" local-1)
CONTEXT="signed request through Apache:"
http GET "http://127.0.0.1:$PORT/v2/proj-a/apps" "" \
    -H "X-Sdk-Date: $DATE" -H "Authorization: $SIG"
expect_status 200
expect_body_has '"apps":[]'
CONTEXT="unsigned request through Apache:"
http GET "http://127.0.0.1:$PORT/v2/proj-a/apps"
expect_status 441
expect_code DIS.4101
stop_apache
stop_fcgi
finish
