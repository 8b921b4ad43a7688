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
(umask 000; exec "$SBIN/dis-checkpoint" -c "$ETC/dis-checkpoint.conf" \
    -s "$RUN/dis-checkpoint.sock" 2>>"$LOGS/app-stderr.log") &
SERVER_PID=$!
wait_for_unix "$RUN/dis-checkpoint.sock"
deploy_file apache/proxy-fcgi.conf >"$TMP/dis-checkpoint.conf"
start_apache "$TMP/dis-checkpoint.conf" proxy proxy_fcgi
smoke_both
report_request_log
stop_apache
CONTEXT="app stops on SIGTERM:"
stop_fcgi
expect_eq 0 $?
finish
