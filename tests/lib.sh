# tests/lib.sh: shared helpers for the shell tests. Source it; it sets up a
# temp dir (removed at exit), counts assertions and fails the test at the end
# if any failed. Tests run under automake's harness from the build dir
# (abs_top_builddir / abs_top_srcdir are exported by Makefile.am) and must
# write only below $TMP.
#
#   . "$abs_top_srcdir/tests/lib.sh"
#   start_fcgi                       # binary on a unix socket, fresh database
#   fcgi POST /v2/p1/apps '{"app_name":"a1"}'
#   expect_status 201; expect_body_has '"x"'
#   finish
set -u

: "${abs_top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${abs_top_srcdir:=$abs_top_builddir}"
BIN=${DIS_CHECKPOINT_BIN:-$abs_top_builddir/dis-checkpoint}
# A command that runs the binary, e.g. valgrind with its options (test.sh's
# valgrind stage); word-split on purpose. It slows start-up, hence WAIT_STEPS.
WRAPPER=${DIS_CHECKPOINT_WRAPPER:-}
WAIT_STEPS=100
[ -n "$WRAPPER" ] && WAIT_STEPS=1200
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dis-test.XXXXXX")
DB=$TMP/checkpoints.db
SOCK=$TMP/fcgi.sock
PASSED=0
FAILED=0
SERVER_PID=
CLEANUP_PIDS=

cleanup() {
	for pid in $SERVER_PID $CLEANUP_PIDS; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

pass() { PASSED=$((PASSED + 1)); }
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL: $*" >&2
}

# Ends the test: exit 0 only if something was checked and nothing failed.
finish() {
	echo "$PASSED assertions passed, $FAILED failed"
	if [ "$FAILED" -ne 0 ] || [ "$PASSED" -eq 0 ]; then
		exit 1
	fi
	exit 0
}

# A TCP port nobody listens on right now, for a web server under test.
free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
}

# Waits until a unix socket or TCP port accepts connections (5 s at most,
# 60 s under a wrapper).
wait_for_socket() {
	for _ in $(seq $WAIT_STEPS); do
		if [ -S "$1" ]; then return 0; fi
		sleep 0.05
	done
	echo "socket $1 never appeared" >&2
	return 1
}
wait_for_port() {
	for _ in $(seq $WAIT_STEPS); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "port $1 never opened" >&2
	return 1
}

# Starts the binary in FastCGI mode on $SOCK with $DB; extra args pass on.
start_fcgi() {
	$WRAPPER "$BIN" -s "$SOCK" -d "$DB" "$@" 2>>"$TMP/server.log" &
	SERVER_PID=$!
	wait_for_socket "$SOCK"
}

# Stops it with SIGTERM and returns its exit status.
stop_fcgi() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	local rc=$?
	SERVER_PID=
	return $rc
}

# Splits a CGI response ($TMP/out) into STATUS, HEADERS and BODY.
parse_cgi_response() {
	STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$TMP/out" | tr -d '\r')
	HEADERS=$(sed '/^\r\{0,1\}$/q' "$TMP/out" | tr -d '\r')
	BODY=$(sed '1,/^\r\{0,1\}$/d' "$TMP/out")
}

# fcgi METHOD URI [BODY [VAR=VALUE ...]]: one request over FastCGI.
fcgi() {
	# LC_ALL=C: ${#body} counts bytes, as CONTENT_LENGTH must.
	local LC_ALL=C method=$1 uri=$2 body=${3-}
	shift 2; [ $# -gt 0 ] && shift
	printf '%s' "$body" | env -i REQUEST_METHOD="$method" REQUEST_URI="$uri" \
	    CONTENT_LENGTH="${#body}" "$@" \
	    cgi-fcgi -bind -connect "$SOCK" >"$TMP/out" 2>"$TMP/err"
	parse_cgi_response
}

# cgi METHOD URI [BODY [VAR=VALUE ...]]: the binary as a plain CGI program.
cgi() {
	local LC_ALL=C method=$1 uri=$2 body=${3-}
	shift 2; [ $# -gt 0 ] && shift
	printf '%s' "$body" | env -i REQUEST_METHOD="$method" REQUEST_URI="$uri" \
	    CONTENT_LENGTH="${#body}" DIS_CHECKPOINT_DATABASE="$DB" "$@" \
	    $WRAPPER "$BIN" >"$TMP/out" 2>>"$TMP/server.log"
	parse_cgi_response
}

# http METHOD URL [BODY [curl args ...]]: one request through a web server.
http() {
	local method=$1 url=$2 body=${3-}
	shift 2; [ $# -gt 0 ] && shift
	local args=(-s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$method")
	[ -n "$body" ] && args+=(--data-binary "$body" -H 'Content-Type: application/json')
	STATUS=$(curl "${args[@]}" "$@" "$url")
	HEADERS=$(tr -d '\r' <"$TMP/headers")
	BODY=$(cat "$TMP/body")
}

# Assertions; the first argument of each is what is expected.
expect_status() {
	if [ "$STATUS" = "$1" ]; then pass; else
		fail "${CONTEXT:-} expected status $1, got $STATUS: $BODY"
	fi
}
expect_code() {
	if printf '%s' "$BODY" | grep -q "\"errorCode\":\"$1\""; then pass; else
		fail "${CONTEXT:-} expected errorCode $1, got: $BODY"
	fi
}
expect_body() {
	if [ "$BODY" = "$1" ]; then pass; else
		fail "${CONTEXT:-} expected body $1, got: $BODY"
	fi
}
expect_body_has() {
	if printf '%s' "$BODY" | grep -qF -- "$1"; then pass; else
		fail "${CONTEXT:-} expected body to contain $1, got: $BODY"
	fi
}
expect_header() {
	if printf '%s\n' "$HEADERS" | grep -qiF -- "$1"; then pass; else
		fail "${CONTEXT:-} expected header $1 in: $HEADERS"
	fi
}
expect_no_header() {
	if printf '%s\n' "$HEADERS" | grep -qiF -- "$1"; then
		fail "${CONTEXT:-} unexpected header $1 in: $HEADERS"
	else pass; fi
}
expect_eq() {
	if [ "$1" = "$2" ]; then pass; else
		fail "${CONTEXT:-} expected '$1', got '$2'"
	fi
}

# The database as sqlite3 sees it, for checking that nothing changed.
db_dump() {
	sqlite3 "$DB" '.dump' 2>/dev/null
}
