#!/bin/bash
# deploy/lighttpd/bin-path.conf for real: lighttpd spawns the binary itself
# (bin-path, max-procs 2); the smoke suite and the requests lighttpd itself
# would refuse (tests/lighttpd-lib.sh) run at / and /dis.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/smoke-lib.sh"
. "$abs_top_srcdir/tests/deploy-lib.sh"
. "$abs_top_srcdir/tests/lighttpd-lib.sh"
need lighttpd curl
SMOKE_NAME="lighttpd bin-path"

deploy_setup
deploy_file lighttpd/bin-path.conf >"$TMP/dis-checkpoint.conf"
start_lighttpd "$TMP/dis-checkpoint.conf"
smoke_both
lighttpd_edges "http://127.0.0.1:$PORT"
lighttpd_edges "http://127.0.0.1:$PORT/dis"

# max-procs 2: lighttpd started two processes, one socket each.
CONTEXT="bin-path max-procs:"
expect_eq 2 "$(ls "$RUN" | grep -c '^dis-checkpoint.sock-')"
report_request_log

# Stopping lighttpd stops the processes it spawned.
stop_lighttpd
CONTEXT="bin-path stop:"
sleep 0.5
expect_eq 0 "$(pgrep -f -c "^$SBIN/dis-checkpoint" || true)"
finish
