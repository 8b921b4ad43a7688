#!/bin/bash
# deploy/nginx/dis-checkpoint.conf for real: nginx (workers unprivileged when
# run as root) in front of the binary on its own unix socket (-s), smoke
# suite at / and /dis, and nginx -t on the shipped server block.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/smoke-lib.sh"
. "$abs_top_srcdir/tests/deploy-lib.sh"
need nginx curl
SMOKE_NAME=nginx

deploy_setup
open_up_tmp
# nginx's workers reach the socket through its group.
"$SBIN/dis-checkpoint" -c "$ETC/dis-checkpoint.conf" "${AS_WORKERS_GROUP[@]}" \
    -s "$RUN/dis-checkpoint.sock" 2>>"$LOGS/app-stderr.log" &
SERVER_PID=$!
wait_for_unix "$RUN/dis-checkpoint.sock"

PORT=$(free_port)
deploy_file nginx/dis-checkpoint.conf |
    sed -e "s|^\([[:space:]]*\)listen 80;|\1listen 127.0.0.1:$PORT;|" \
	-e '/listen \[::\]:80;/d' >"$TMP/dis-checkpoint.conf"
cp /etc/nginx/fastcgi_params "$TMP/fastcgi_params"
mkdir -p "$TMP/nginx-tmp"
user=
[ "$(id -u)" -eq 0 ] && user="user nobody nogroup;"
cat >"$TMP/nginx.conf" <<CONF
$user
worker_processes 1;
pid $RUN/nginx.pid;
error_log $LOGS/nginx-error.log info;
events { worker_connections 64; }
http {
	access_log $LOGS/nginx-access.log;
	client_body_temp_path $TMP/nginx-tmp/body;
	fastcgi_temp_path $TMP/nginx-tmp/fastcgi;
	proxy_temp_path $TMP/nginx-tmp/proxy;
	uwsgi_temp_path $TMP/nginx-tmp/uwsgi;
	scgi_temp_path $TMP/nginx-tmp/scgi;
	include $TMP/dis-checkpoint.conf;
}
CONF
NGINX="nginx -p $TMP/ -e $LOGS/nginx-error.log -c $TMP/nginx.conf"
CONTEXT="nginx -t:"
if $NGINX -t >"$TMP/configtest" 2>&1; then pass; else
	fail "$(cat "$TMP/configtest")"
fi
$NGINX -g 'daemon off;' 2>>"$LOGS/nginx-stderr.log" &
NGINX_PID=$!
CLEANUP_PIDS="$CLEANUP_PIDS $NGINX_PID"
wait_for_port "$PORT"
smoke_both
report_request_log

# nginx stops on SIGQUIT (graceful); the app on SIGTERM, exit status 0.
kill -QUIT "$NGINX_PID"
wait "$NGINX_PID"
CONTEXT="app stops on SIGTERM:"
stop_fcgi
expect_eq 0 $?
finish
