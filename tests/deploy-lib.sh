# tests/deploy-lib.sh: helpers for the tests that run a shipped deploy/
# configuration behind a real web server. Source after tests/lib.sh and
# tests/smoke-lib.sh. Everything lives below $TMP:
#
#   $TMP/sbin/dis-checkpoint        a copy of the binary under test (@sbindir@)
#   $TMP/etc/dis-checkpoint.conf    from deploy/dis-checkpoint.conf.sample
#   $TMP/data/                      the database (@localstatedir@/lib/...)
#   $TMP/run/                       sockets and pid files (/run/...)
#   $TMP/log/                       every server's error and access logs
#
# deploy_file deploy/x.conf writes the shipped file with those paths put in,
# so the file that ships is the file that gets tested.

DEPLOY=$abs_top_srcdir/deploy
SBIN=$TMP/sbin
ETC=$TMP/etc
DATA=$TMP/data
RUN=$TMP/run
LOGS=$TMP/log
DB=$DATA/dis-checkpoint.db

# Shows the logs when the test fails, then cleans up as lib.sh does.
trap 'rc=$?; [ "$rc" -ne 0 ] && show_logs; cleanup' EXIT

deploy_setup() {
	mkdir -p "$SBIN" "$ETC" "$DATA" "$RUN" "$LOGS" "$TMP/www"
	cp "$BIN" "$SBIN/dis-checkpoint"
	deploy_file dis-checkpoint.conf.sample >"$ETC/dis-checkpoint.conf"
	# The sample leaves database= at its default; point it into $TMP.
	echo "database = $DB" >>"$ETC/dis-checkpoint.conf"
}

deploy_file() {
	sed -e "s|@sbindir@|$SBIN|g" \
	    -e "s|@sysconfdir@|$ETC|g" \
	    -e "s|@localstatedir@/lib/dis-checkpoint|$DATA|g" \
	    -e "s|@localstatedir@|$TMP/var|g" \
	    -e "s|/var/lib/dis-checkpoint|$DATA|g" \
	    -e "s|/run/dis-checkpoint|$RUN|g" \
	    -e "s|/run/lighttpd|$RUN|g" \
	    "$DEPLOY/$1"
}

# Lets a server's unprivileged workers (Apache, nginx as root) reach $TMP,
# the socket and the database.
open_up_tmp() {
	chmod 755 "$TMP" "$SBIN" "$ETC" "$LOGS" "$TMP/www"
	chmod 777 "$DATA" "$RUN"
	chmod 644 "$ETC/dis-checkpoint.conf"
}

# As root, the servers' workers run as nobody:nogroup; a socket the binary
# creates (mode 0660) lets them in through its group (socket_group).
AS_WORKERS_GROUP=()
[ "$(id -u)" -eq 0 ] && AS_WORKERS_GROUP=(-o socket_group=nogroup)

# Waits for a unix socket that answers, for a launcher that binds it.
wait_for_unix() {
	for _ in $(seq 100); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	echo "socket $1 never appeared" >&2
	return 1
}

# Waits until GET $1 answers at all (a spawned backend may start late).
wait_for_http() {
	for _ in $(seq 100); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "$1 never answered 200" >&2
	return 1
}

# The last lines of every log, for a failing test's log file.
show_logs() {
	local f
	for f in "$LOGS"/*; do
		[ -f "$f" ] || continue
		echo "--- $f"
		tail -n 20 "$f"
	done
}

# A server under lighttpd -D: lighttpd.conf around a shipped snippet.
# start_lighttpd SNIPPET_FILE; sets PORT and LIGHTTPD_PID.
start_lighttpd() {
	PORT=$(free_port)
	cat >"$TMP/lighttpd.conf" <<EOF
server.document-root = "$TMP/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$LOGS/lighttpd-error.log"
server.pid-file = "$RUN/lighttpd.pid"
server.modules = ( "mod_accesslog" )
accesslog.filename = "$LOGS/lighttpd-access.log"
include "$1"
EOF
	CONTEXT="lighttpd -tt:"
	if lighttpd -tt -f "$TMP/lighttpd.conf" >"$TMP/configtest" 2>&1; then
		pass
	else
		fail "lighttpd -tt: $(cat "$TMP/configtest")"
	fi
	lighttpd -D -f "$TMP/lighttpd.conf" 2>>"$LOGS/lighttpd-stderr.log" &
	LIGHTTPD_PID=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $LIGHTTPD_PID"
	wait_for_port "$PORT"
}

stop_lighttpd() {
	kill -TERM "$LIGHTTPD_PID" 2>/dev/null
	wait "$LIGHTTPD_PID" 2>/dev/null
}

# Runs the smoke suite at the root and under /dis of http://127.0.0.1:$PORT.
smoke_both() {
	wait_for_http "http://127.0.0.1:$PORT/health"
	run_smoke "http://127.0.0.1:$PORT"
	run_smoke "http://127.0.0.1:$PORT/dis"
}

# Greps the logs for the app's per-request lines ("GET "/v2/..." 200").
# Prints where they went; informational, for doc/deploy.md.
report_request_log() {
	local where
	where=$(grep -l 'GET "/.*" 200 ' "$LOGS"/* 2>/dev/null | sed "s|$TMP/||" | tr '\n' ' ')
	echo "per-request log lines of ${SMOKE_NAME:-the app}: ${where:-none found}"
}

# Apache from Debian's apache2 binary with our own minimal httpd.conf (never
# the system instance): prefork, the modules the deploy/apache snippets
# need, everything in $TMP. start_apache SNIPPET [MODULE ...]; sets PORT and
# APACHE_PID. As root, children run as nobody:nogroup (open_up_tmp first).
APACHE_MODULES=/usr/lib/apache2/modules
start_apache() {
	local snippet=$1 m user=
	shift
	PORT=$(free_port)
	[ "$(id -u)" -eq 0 ] && user="User nobody
Group nogroup"
	{
		cat <<EOF2
ServerRoot "$TMP"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile "$RUN/httpd.pid"
DefaultRuntimeDir "$RUN"
Mutex file:$RUN default
ErrorLog "$LOGS/apache-error.log"
LogLevel warn
$user
LoadModule mpm_prefork_module $APACHE_MODULES/mod_mpm_prefork.so
StartServers 2
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 8
EOF2
		for m in authz_core mime alias rewrite env setenvif dir "$@"; do
			echo "LoadModule ${m}_module $APACHE_MODULES/mod_$m.so"
		done
		cat <<EOF2
LogFormat "%h %l %u %t \"%r\" %>s %b" common
CustomLog "$LOGS/apache-access.log" common
TypesConfig /etc/mime.types
DocumentRoot "$TMP/www"
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory "$TMP/www">
	AllowOverride All
	Require all granted
</Directory>
Include "$snippet"
EOF2
	} >"$TMP/httpd.conf"
	CONTEXT="apache2 configtest:"
	# apache2ctl configtest is apache2 -t on the system config; same check.
	if apache2 -f "$TMP/httpd.conf" -t >"$TMP/configtest" 2>&1; then
		pass
	else
		fail "$(cat "$TMP/configtest")"
	fi
	# Its own session: on SIGTERM prefork signals its whole process group,
	# which would otherwise include this test.
	setsid apache2 -f "$TMP/httpd.conf" -DFOREGROUND \
	    2>>"$LOGS/apache-stderr.log" &
	APACHE_PID=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $APACHE_PID"
	wait_for_port "$PORT"
}

# Graceful-stop would wait for mod_fcgid's processes; TERM stops all.
stop_apache() {
	kill -TERM "$APACHE_PID" 2>/dev/null
	wait "$APACHE_PID" 2>/dev/null
	for _ in $(seq 50); do
		[ -e "$RUN/httpd.pid" ] || break
		sleep 0.1
	done
}
