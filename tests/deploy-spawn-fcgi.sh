#!/bin/bash
# deploy/spawn-fcgi/dis-checkpoint-spawn for real, both ways: supervised
# (spawn-fcgi -n, in the foreground) and forking (-F 2 with a pid file),
# each behind lighttpd's socket.conf with the smoke suite at / and /dis.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/smoke-lib.sh"
. "$abs_top_srcdir/tests/deploy-lib.sh"
need spawn-fcgi lighttpd curl

deploy_setup
deploy_file spawn-fcgi/dis-checkpoint-spawn >"$SBIN/dis-checkpoint-spawn"
chmod +x "$SBIN/dis-checkpoint-spawn"
export DIS_CHECKPOINT_CONFIG=$ETC/dis-checkpoint.conf
export DIS_SPAWN_SOCKET=$RUN/dis-checkpoint.sock
export DIS_SPAWN_PIDFILE=$RUN/dis-checkpoint.pid
if [ "$(id -u)" -eq 0 ]; then
	# As root the script drops to this user; it must reach $TMP.
	export DIS_SPAWN_USER=nobody DIS_SPAWN_GROUP=nogroup
	open_up_tmp
fi
deploy_file lighttpd/socket.conf >"$TMP/dis-checkpoint.conf"

# Supervised: the script becomes spawn-fcgi becomes the app (one pid).
SMOKE_NAME="spawn-fcgi -n"
"$SBIN/dis-checkpoint-spawn" 2>>"$LOGS/app-supervised-stderr.log" &
SERVER_PID=$!
wait_for_unix "$RUN/dis-checkpoint.sock"
CONTEXT="spawn-fcgi -n socket mode:"
expect_eq 660 "$(stat -c %a "$RUN/dis-checkpoint.sock")"
start_lighttpd "$TMP/dis-checkpoint.conf"
smoke_both
report_request_log
CONTEXT="spawn-fcgi -n stops on SIGTERM:"
stop_fcgi
expect_eq 0 $?
stop_lighttpd
rm -f "$RUN/dis-checkpoint.sock"

# Forking: spawn-fcgi returns at once and leaves two processes behind.
# (Their stderr is /dev/null: the report below finds no request lines.)
rm -f "$LOGS"/*
SMOKE_NAME="spawn-fcgi -F 2"
CONTEXT="spawn-fcgi forking start:"
"$SBIN/dis-checkpoint-spawn" -d >>"$LOGS/spawn-fcgi.log" 2>&1
expect_eq 0 $?
CONTEXT="spawn-fcgi forking pid file:"
expect_eq 2 "$(wc -w <"$RUN/dis-checkpoint.pid")"
pids=$(cat "$RUN/dis-checkpoint.pid")
CLEANUP_PIDS="$CLEANUP_PIDS $pids"
start_lighttpd "$TMP/dis-checkpoint.conf"
smoke_both
report_request_log
stop_lighttpd
kill -TERM $pids
for _ in $(seq 50); do
	kill -0 $pids 2>/dev/null || break
	sleep 0.1
done
CONTEXT="spawn-fcgi forking stop:"
if kill -0 $pids 2>/dev/null; then fail "still running after SIGTERM"; else pass; fi
finish
