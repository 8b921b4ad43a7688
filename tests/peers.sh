#!/bin/bash
# tests/peers.sh: who may connect. A unix socket the service creates gets
# mode 0660 (socket_mode) and the group given (socket_group); with
# allow_users only those uids are served (SO_PEERCRED). On TCP only
# allow_addresses, else FCGI_WEB_SERVER_ADDRS, else loopback is served, and
# a non-loopback listener without either refuses to start. A refused peer
# gets nothing and is logged once. Clients run as other users (setpriv)
# and from other loopback source addresses (127.0.0.2: Linux routes all of
# 127/8 to lo).
export LC_ALL=C
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need cgi-fcgi spawn-fcgi python3

# Reachable by the other users, so that the uid check is what refuses
# them, not the directory; the database stays root's.
chmod 711 "$TMP"
mkdir -m 755 "$TMP/pub"
SOCK=$TMP/pub/fcgi.sock
LOG=$TMP/server.log
touch "$LOG"

# A FastCGI GET from a chosen source address; what the service wrote to
# FCGI_STDOUT goes to stdout (nothing at all when refused). With several
# sources, one request from each, in one process.
cat >"$TMP/client.py" <<'PY'
import socket, struct, sys
host, port, sources = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def record(kind, body):
    return struct.pack(">BBHHBx", 1, kind, 1, len(body), 0) + body
def pair(name, value):
    return bytes([len(name), len(value)]) + name + value
params = (pair(b"REQUEST_METHOD", b"GET") + pair(b"REQUEST_URI", b"/health")
          + pair(b"CONTENT_LENGTH", b"0"))
request = (record(1, struct.pack(">HB5x", 1, 0)) + record(4, params)
           + record(4, b"") + record(5, b""))
for source in sources:
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.settimeout(30)
    s.bind((source, 0))
    s.connect((host, port))
    data = b""
    try:
        s.sendall(request)
        while chunk := s.recv(65536):
            data += chunk
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.close()
    i = 0
    while i + 8 <= len(data):
        _, kind, _, length, padding = struct.unpack(">BBHHB", data[i:i + 7])
        if kind == 6:
            sys.stdout.buffer.write(data[i + 8:i + 8 + length])
        i += 8 + length + padding
PY

# The log lines since the last start.
LOG_START=0
log_since() { tail -n +$((LOG_START + 1)) "$LOG"; }
count_in_log() { log_since | grep -c -- "$1"; }

# Waits until $SERVER_PID serves (it logs that after its socket listens).
wait_serving() {
	for _ in $(seq $WAIT_STEPS); do
		[ "$(count_in_log 'serving FastCGI')" -gt 0 ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "$CONTEXT the service did not start: $(log_since | tail -n 3)"
	return 1
}

# start ADDRESS [args]: the service on a unix path or HOST:PORT.
start() {
	local addr=$1
	shift
	LOG_START=$(wc -l <"$LOG")
	$WRAPPER "$BIN" -s "$addr" -d "$DB" "$@" 2>>"$LOG" &
	SERVER_PID=$!
	wait_serving
}
stop() {
	stop_fcgi
	expect_eq 0 $?
}

# as UID:GID: GET /health on $SOCK by a client running as that user.
as() {
	env -i REQUEST_METHOD=GET REQUEST_URI=/health CONTENT_LENGTH=0 \
	    setpriv --reuid="${1%:*}" --regid="${1#*:}" --clear-groups \
	    cgi-fcgi -bind -connect "$SOCK" </dev/null >"$TMP/out" 2>"$TMP/err"
	parse_cgi_response
}
expect_served() {
	expect_status 200
	expect_body '{"status":"ok"}'
}
expect_nothing() {
	if [ -s "$TMP/out" ]; then
		fail "$CONTEXT expected no answer, got: $(head -c 200 "$TMP/out")"
	else pass; fi
}

# from SOURCE: GET /health on 127.0.0.1:$PORT (or $HOST) from SOURCE.
HOST=127.0.0.1
from() {
	"$PYTHON" "$TMP/client.py" "$HOST" "$PORT" "$@" >"$TMP/out" 2>"$TMP/err" ||
	    fail "$CONTEXT client: $(cat "$TMP/err")"
	parse_cgi_response
}

# refuses_to_start KEY ARGS: the service exits 1 at once, with one line
# naming KEY.
refuses_to_start() {
	local key=$1 rc
	shift
	LOG_START=$(wc -l <"$LOG")
	# The limit only ends a service that started where it should not.
	# shellcheck disable=SC2086 # WRAPPER is word-split on purpose
	timeout 30 $WRAPPER "$BIN" -d "$DB" "$@" 2>>"$LOG"
	rc=$?
	expect_eq 1 "$rc"
	expect_eq 1 "$(log_since | grep -v WARNING | grep -c "$key")"
}

if [ "$(id -u)" -eq 0 ]; then
	# --- unix socket: mode and group ---
	CONTEXT='unix socket, defaults:'
	start "$SOCK"
	expect_eq "660 $(id -gn)" "$(stat -c '%a %G' "$SOCK")"
	stop
	CONTEXT='unix socket, socket_mode and socket_group:'
	start "$SOCK" -o socket_mode=0640 -o socket_group=nogroup
	expect_eq "640 nogroup" "$(stat -c '%a %G' "$SOCK")"
	stop
	CONTEXT='unix socket, world-writable without allow_users:'
	refuses_to_start socket_mode -s "$SOCK" -o socket_mode=0666
	CONTEXT='unix socket, unknown group:'
	refuses_to_start socket_group -s "$SOCK" -o socket_group=no-such-group

	# --- unix socket: without allow_users the file decides ---
	CONTEXT='unix socket, no allow_users, in the group:'
	start "$SOCK" -o socket_group=nogroup
	as 4343:65534
	expect_served
	CONTEXT='unix socket, no allow_users, not in the group:'
	as 4444:4444
	expect_nothing
	expect_eq 0 "$(count_in_log refused)"
	stop

	# --- unix socket: allow_users ---
	CONTEXT='allow_users:'
	start "$SOCK" -o socket_group=nogroup -o allow_users='nobody, 4242'
	as 65534:65534
	expect_served
	as 4242:65534
	expect_served
	for _ in 1 2 3; do
		CONTEXT='allow_users, a refused uid:'
		as 4343:65534
		expect_nothing
		CONTEXT='allow_users, root is not in the list:'
		as 0:0
		expect_nothing
	done
	CONTEXT='allow_users, after the refusals:'
	as 65534:65534
	expect_served
	expect_eq 1 "$(count_in_log 'refused uid 4343: not in allow_users')"
	expect_eq 1 "$(count_in_log 'refused uid 0: not in allow_users')"
	expect_eq 2 "$(count_in_log refused)"
	stop
	# World-writable is allowed with a list of users: the uid decides.
	CONTEXT='allow_users, world-writable socket:'
	start "$SOCK" -o socket_mode=0666 -o allow_users=4242
	as 4242:4242
	expect_served
	as 4444:4444
	expect_nothing
	expect_eq 1 "$(count_in_log 'refused uid 4444')"
	stop
	CONTEXT='allow_users, unknown user:'
	refuses_to_start allow_users -s "$SOCK" -o allow_users=no-such-user
else
	echo "not root: the unix socket's group and uid checks are not tested"
fi

# --- an inherited unix socket keeps its launcher's mode ---
# spawn_unix MODE [args]: the service under spawn-fcgi -n (which execs it:
# one pid) on $SOCK. spawn-fcgi does not search PATH for the wrapper; env
# does.
spawn_unix() {
	local mode=$1
	shift
	rm -f "$SOCK"
	LOG_START=$(wc -l <"$LOG")
	# shellcheck disable=SC2086
	spawn-fcgi -n -s "$SOCK" -M "$mode" -- "$(command -v env)" \
	    $WRAPPER "$BIN" -d "$DB" "$@" >/dev/null 2>>"$LOG" &
	SERVER_PID=$!
	wait_serving
}
CONTEXT='inherited unix socket, 0666:'
spawn_unix 0666
expect_eq 1 "$(count_in_log "WARNING: $SOCK is world-writable")"
stop
CONTEXT='inherited unix socket, 0666 with allow_users:'
spawn_unix 0666 -o allow_users="$(id -u)"
expect_eq 0 "$(count_in_log 'world-writable')"
stop
CONTEXT='inherited unix socket, 0660:'
spawn_unix 0660
expect_eq 0 "$(count_in_log 'world-writable')"
stop

# --- TCP: allow_addresses ---
PORT=$(free_port)
CONTEXT='allow_addresses = 127.0.0.1:'
start "127.0.0.1:$PORT" -o allow_addresses=127.0.0.1
from 127.0.0.1
expect_served
for _ in 1 2 3; do
	CONTEXT='allow_addresses = 127.0.0.1, from 127.0.0.2:'
	from 127.0.0.2
	expect_nothing
done
CONTEXT='allow_addresses = 127.0.0.1, after the refusals:'
from 127.0.0.1
expect_served
expect_eq 1 "$(count_in_log 'refused 127.0.0.2: not in allow_addresses')"
expect_eq 1 "$(count_in_log refused)"
# A flood from many addresses fills the table once: 256 lines, then one
# saying no more will be logged, then silence.
CONTEXT='allow_addresses, 300 refused addresses:'
flood=()
for i in $(seq 1 150); do flood+=("127.0.1.$i" "127.0.2.$i"); done
from "${flood[@]}"
expect_nothing
from "${flood[@]:0:20}" 127.0.3.1 127.0.0.2
expect_nothing
expect_eq 256 "$(count_in_log 'refused .*(logged once)')"
expect_eq 1 "$(count_in_log 'no more will be')"
from 127.0.0.1
expect_served
stop

# --- TCP: FCGI_WEB_SERVER_ADDRS, and which wins ---
CONTEXT='FCGI_WEB_SERVER_ADDRS=127.0.0.1:'
FCGI_WEB_SERVER_ADDRS=127.0.0.1 start "127.0.0.1:$PORT"
from 127.0.0.1
expect_served
from 127.0.0.2
expect_nothing
from 127.0.0.2
expect_nothing
expect_eq 1 "$(count_in_log 'refused 127.0.0.2: not in FCGI_WEB_SERVER_ADDRS')"
stop
CONTEXT='allow_addresses wins over FCGI_WEB_SERVER_ADDRS:'
FCGI_WEB_SERVER_ADDRS=127.0.0.1 start "127.0.0.1:$PORT" \
    -o allow_addresses=127.0.0.2
from 127.0.0.2
expect_served
from 127.0.0.1
expect_nothing
expect_eq 1 "$(count_in_log 'FCGI_WEB_SERVER_ADDRS is ignored')"
stop

# --- TCP: loopback by default ---
CONTEXT='no allow setting, loopback listener:'
start "127.0.0.1:$PORT"
from 127.0.0.2
expect_served
stop
if grep -q ' lo$' /proc/net/if_inet6 2>/dev/null; then
	CONTEXT='no allow setting, [::1]:'
	start "[::1]:$PORT"
	HOST=::1 from ::1
	expect_served
	stop
fi

# --- TCP: a non-loopback listener needs an explicit setting ---
CONTEXT='0.0.0.0 without an allow setting:'
refuses_to_start allow_addresses -s "0.0.0.0:$PORT"
CONTEXT='0.0.0.0 inherited from spawn-fcgi, without an allow setting:'
LOG_START=$(wc -l <"$LOG")
# shellcheck disable=SC2086
timeout 30 spawn-fcgi -n -a 0.0.0.0 -p "$PORT" -- "$(command -v env)" \
    $WRAPPER "$BIN" -d "$DB" >/dev/null 2>>"$LOG"
expect_eq 1 $?
expect_eq 1 "$(log_since | grep -c 'listening on 0.0.0.0 port .*allow_addresses')"
CONTEXT='0.0.0.0 with allow_addresses = 127.0.0.0/31:'
start "0.0.0.0:$PORT" -o allow_addresses=127.0.0.0/31
from 127.0.0.1
expect_served
from 127.0.0.2
expect_nothing
stop
CONTEXT='0.0.0.0 with FCGI_WEB_SERVER_ADDRS:'
FCGI_WEB_SERVER_ADDRS=127.0.0.1 start "0.0.0.0:$PORT"
from 127.0.0.1
expect_served
stop

# --- settings that make no sense ---
CONTEXT='allow_addresses, a bad range:'
refuses_to_start allow_addresses -s "127.0.0.1:$PORT" \
    -o allow_addresses=127.0.0.1/33
CONTEXT='allow_users on a TCP listener:'
refuses_to_start allow_users -s "127.0.0.1:$PORT" -o allow_users=nobody
finish
