#!/bin/bash
# deploy/lighttpd/socket.conf for real: lighttpd connects to the socket
# spawn-fcgi owns (supervised, -n); the smoke suite and the requests lighttpd
# itself would refuse (tests/lighttpd-lib.sh) run at / and /dis.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/smoke-lib.sh"
. "$abs_top_srcdir/tests/deploy-lib.sh"
. "$abs_top_srcdir/tests/lighttpd-lib.sh"
need lighttpd spawn-fcgi curl
SMOKE_NAME="lighttpd socket"

deploy_setup
DIS_CHECKPOINT_CONFIG=$ETC/dis-checkpoint.conf spawn-fcgi -n \
    -s "$RUN/dis-checkpoint.sock" -M 0660 -- "$SBIN/dis-checkpoint" \
    2>>"$LOGS/app-stderr.log" &
SERVER_PID=$!
wait_for_unix "$RUN/dis-checkpoint.sock"
deploy_file lighttpd/socket.conf >"$TMP/dis-checkpoint.conf"
start_lighttpd "$TMP/dis-checkpoint.conf"
smoke_both
lighttpd_edges "http://127.0.0.1:$PORT"
lighttpd_edges "http://127.0.0.1:$PORT/dis"
report_request_log
stop_lighttpd
CONTEXT="app stops on SIGTERM:"
stop_fcgi
expect_eq 0 $?
finish
