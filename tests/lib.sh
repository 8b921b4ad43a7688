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
# sqlite3 as every test runs it: with a busy timeout, so a read or write
# that meets the service's write lock or WAL checkpoint for a moment waits
# for it instead of failing the test with "database is locked".
sqlite3() {
	command sqlite3 -cmd '.timeout 10000' "$@"
}
# need TOOL ...: stops the test at once, as a failure (exit 99: a machine
# without its tools must not look green), with one line naming the Debian
# package of the first TOOL that is not installed. scripts/install-deps
# (which ./test.sh runs) installs them all. mod_fcgid stands for Apache's
# module, which is a file, not a command.
need() {
	local tool pkg
	for tool in "$@"; do
		case $tool in
		cgi-fcgi) pkg=libfcgi-bin ;;
		promtool) pkg=prometheus ;;
		systemd-socket-activate) pkg=systemd ;;
		prlimit | setpriv) pkg=util-linux ;;
		mod_fcgid) pkg=libapache2-mod-fcgid
		     [ -f /usr/lib/apache2/modules/mod_fcgid.so ] && continue ;;
		*) pkg=$tool ;;
		esac
		command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
		    { echo "MISSING: $tool is not installed: apt-get install $pkg" \
		    "(or scripts/install-deps)"; exit 99; }
	done
}
# The wrapper's program (valgrind) is one more tool every test needs.
if [ -n "$WRAPPER" ]; then need "${WRAPPER%% *}"; fi
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
	if [ -f "$TMP/port-claims" ]; then
		xargs rmdir <"$TMP/port-claims" 2>/dev/null
	fi
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
		# What the service said, for a failure seen only in CI.
		if [ -s "$TMP/server.log" ]; then
			echo "--- last lines of the service's log:"
			tail -n 40 "$TMP/server.log"
		fi
		exit 1
	fi
	exit 0
}

# Holds $DB's write lock from a sqlite3 process (BEGIN IMMEDIATE, fed
# through a fifo on fd 7) until release_write_lock. .shell runs after BEGIN
# IMMEDIATE returned: waits for that, not for a time. The holder waits for
# a lock someone else holds this instant (.timeout) and exits on an error
# (-bail), so false means it never got the lock; lock.out says why. The
# command, not the function above: $! must be sqlite3, not a subshell.
# Start other processes with 7>&- meanwhile, or sqlite3 never sees EOF.
hold_write_lock() {
	rm -f "$TMP/lock.in" "$TMP/lock.held"
	mkfifo "$TMP/lock.in"
	command sqlite3 -bail -cmd '.timeout 10000' "$DB" <"$TMP/lock.in" \
	    >"$TMP/lock.out" 2>&1 &
	LOCKER=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $LOCKER"
	exec 7>"$TMP/lock.in"
	printf '%s\n' 'BEGIN IMMEDIATE;' ".shell touch '$TMP/lock.held'" >&7
	for _ in $(seq 600); do
		[ -e "$TMP/lock.held" ] && return 0
		kill -0 "$LOCKER" 2>/dev/null || break
		sleep 0.05
	done
	echo "hold_write_lock: no lock: $(cat "$TMP/lock.out")"
	return 1
}

# A dot-command must start its own line: sqlite3 would wait for the rest
# of "ROLLBACK; .quit" as one statement, and roll back only at EOF.
release_write_lock() {
	printf 'ROLLBACK;\n.quit\n' >&7
	exec 7>&-
	wait "$LOCKER"
}

# A TCP port nobody listens on right now, for a web server under test.
free_port() {
	# Per user: another user's claims directory is not writable to us.
	local port claims=${TMPDIR:-/tmp}/dis-test-ports-$(id -u)
	mkdir -p "$claims"
	while :; do
		# Below the kernel's ephemeral range (32768-60999), so no client
		# socket holds it; the mkdir claim keeps parallel tests apart.
		port=$((10000 + RANDOM % 22000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
		    mkdir "$claims/$port" 2>/dev/null; then
			echo "$claims/$port" >>"$TMP/port-claims"
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

# write_lighttpd_conf FASTCGI_SERVER: $TMP/lighttpd.conf for a lighttpd on
# 127.0.0.1:$PORT (a free port, set here) with the given fastcgi.server value.
write_lighttpd_conf() {
	PORT=$(free_port)
	mkdir -p "$TMP/www"
	cat >"$TMP/lighttpd.conf" <<CONF
server.modules = ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $PORT
server.document-root = "$TMP/www"
server.errorlog = "$TMP/lighttpd-error.log"
fastcgi.server = $1
CONF
}

# Runs that lighttpd (-D, in the background) until it listens; sets
# LIGHTTPD_PID.
run_lighttpd() {
	lighttpd -D -f "$TMP/lighttpd.conf" 2>>"$TMP/lighttpd-error.log" &
	LIGHTTPD_PID=$!
	CLEANUP_PIDS="$CLEANUP_PIDS $LIGHTTPD_PID"
	wait_for_port "$PORT"
}

# The database under test: the SQLite file $DB or, when DIS_TEST_PG_HOST
# names a PostgreSQL server's socket directory (tests/*-pg.sh start one), a
# database of that server named after $DB, created on first use, so a test
# that moves to a fresh $DB gets a fresh database on either.
db_is_pg() { [ -n "${DIS_TEST_PG_HOST:-}" ]; }
db_pg_name() { printf 't%s' "$(printf '%s' "$DB" | cksum | cut -d' ' -f1)"; }
# db_setting: the value of database= for $DB.
db_setting() {
	if ! db_is_pg; then printf '%s' "$DB"; return; fi
	local name
	name=$(db_pg_name)
	if ! grep -qx "$name" "$TMP/pg-databases" 2>/dev/null; then
		createdb -h "$DIS_TEST_PG_HOST" -U dis "$name" &&
		    echo "$name" >>"$TMP/pg-databases"
	fi
	printf 'host=%s dbname=%s user=dis' "$DIS_TEST_PG_HOST" "$name"
}
# db_sql SQL: runs SQL on the database under test; rows one a line,
# columns joined with '|', as sqlite3 prints them.
db_sql() {
	if db_is_pg; then
		psql -X -q -A -t -h "$DIS_TEST_PG_HOST" -U dis -d "$(db_pg_name)" \
		    -c "$1"
	else
		sqlite3 "$DB" "$1"
	fi
}

# Starts the binary in FastCGI mode on $SOCK with $DB; extra args pass on.
start_fcgi() {
	$WRAPPER "$BIN" -s "$SOCK" -d "$(db_setting)" "$@" 2>>"$TMP/server.log" &
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

# Splits a CGI response ($TMP/out) into STATUS, HEADERS and BODY (in bash
# alone: a test makes hundreds of requests and forks add up).
parse_cgi_response() {
	local raw= head
	IFS= read -rd '' raw <"$TMP/out"
	if [[ $raw == *$'\r\n\r\n'* ]]; then
		head=${raw%%$'\r\n\r\n'*} BODY=${raw#*$'\r\n\r\n'}
	elif [[ $raw == *$'\n\n'* ]]; then
		head=${raw%%$'\n\n'*} BODY=${raw#*$'\n\n'}
	else
		head=$raw BODY=
	fi
	BODY=${BODY%"${BODY##*[!$'\n']}"}
	HEADERS=${head//$'\r'/}
	STATUS=
	if [[ $HEADERS =~ ^Status:\ ([0-9]+) ]]; then STATUS=${BASH_REMATCH[1]}; fi
}

# fcgi METHOD URI [BODY [VAR=VALUE ...]]: one request over FastCGI.
fcgi() {
	# LC_ALL=C: ${#body} counts bytes, as CONTENT_LENGTH must.
	local LC_ALL=C method=$1 uri=$2 body=${3-}
	shift 2; [ $# -gt 0 ] && shift
	printf '%s' "$body" >"$TMP/in"
	env -i REQUEST_METHOD="$method" REQUEST_URI="$uri" \
	    CONTENT_LENGTH="${#body}" "$@" \
	    cgi-fcgi -bind -connect "$SOCK" <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
	parse_cgi_response
}

# fcgi_whole METHOD URI [BODY]: as fcgi, through tests/fcgi-raw.py, for an
# answer of more than one FastCGI record (64 kB): cgi-fcgi can cut those
# short (see fcgi-raw.py's request).
fcgi_whole() {
	printf '%s' "${3-}" |
	    "$PYTHON" "$abs_top_srcdir/tests/fcgi-raw.py" request "$SOCK" "$1" "$2" \
	    >"$TMP/out" 2>"$TMP/err" || fail "${CONTEXT:-} $1 $2: no complete answer"
	parse_cgi_response
}

# cgi METHOD URI [BODY [VAR=VALUE ...]]: the binary as a plain CGI program.
cgi() {
	local LC_ALL=C method=$1 uri=$2 body=${3-}
	shift 2; [ $# -gt 0 ] && shift
	printf '%s' "$body" >"$TMP/in"
	env -i REQUEST_METHOD="$method" REQUEST_URI="$uri" \
	    CONTENT_LENGTH="${#body}" DIS_CHECKPOINT_DATABASE="$DB" "$@" \
	    $WRAPPER "$BIN" <"$TMP/in" >"$TMP/out" 2>>"$TMP/server.log"
	parse_cgi_response
}

# http METHOD URL [BODY [curl args ...]]: one request through a web server.
http() {
	local method=$1 url=$2 body=${3-}
	shift 2; [ $# -gt 0 ] && shift
	local args=(-s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$method")
	[ -n "$body" ] && args+=(--data-binary "$body" -H 'Content-Type: application/json')
	STATUS=$(curl "${args[@]}" "$@" "$url")
	HEADERS= BODY=
	IFS= read -rd '' HEADERS <"$TMP/headers"
	HEADERS=${HEADERS//$'\r'/}
	HEADERS=${HEADERS%"${HEADERS##*[!$'\n']}"}
	IFS= read -rd '' BODY <"$TMP/body"
	BODY=${BODY%"${BODY##*[!$'\n']}"}
}

# Assertions; the first argument of each is what is expected.
expect_status() {
	if [ "$STATUS" = "$1" ]; then pass; else
		fail "${CONTEXT:-} expected status $1, got $STATUS: $BODY"
	fi
}
expect_code() {
	if [[ $BODY == *"\"errorCode\":\"$1\""* ]]; then pass; else
		fail "${CONTEXT:-} expected errorCode $1, got: $BODY"
	fi
}
expect_body() {
	if [ "$BODY" = "$1" ]; then pass; else
		fail "${CONTEXT:-} expected body $1, got: $BODY"
	fi
}
expect_body_has() {
	if [[ $BODY == *"$1"* ]]; then pass; else
		fail "${CONTEXT:-} expected body to contain $1, got: $BODY"
	fi
}
expect_header() {
	if [[ ${HEADERS,,} == *"${1,,}"* ]]; then pass; else
		fail "${CONTEXT:-} expected header $1 in: $HEADERS"
	fi
}
expect_no_header() {
	if [[ ${HEADERS,,} == *"${1,,}"* ]]; then
		fail "${CONTEXT:-} unexpected header $1 in: $HEADERS"
	else pass; fi
}
expect_eq() {
	if [ "$1" = "$2" ]; then pass; else
		fail "${CONTEXT:-} expected '$1', got '$2'"
	fi
}

# The database as sqlite3 (or psql) sees it, for checking that nothing
# changed.
db_dump() {
	if db_is_pg; then
		psql -X -q -A -t -h "$DIS_TEST_PG_HOST" -U dis -d "$(db_pg_name)" \
		    -c "SELECT * FROM apps ORDER BY project, name" \
		    -c "SELECT * FROM checkpoints ORDER BY project, app, stream,
		    type, partition" 2>/dev/null
		return 0
	fi
	sqlite3 "$DB" '.dump' 2>/dev/null
}

# --- helpers for the binary-level tests (api-*.sh, persistence, lighttpd,
# signals) ---

# Debian's python3 for JSON checks; a pyenv shim in PATH costs ~0.5 s a call.
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

# expect_json EXPR: EXPR, a Python expression over j (the parsed $BODY),
# must be true. Duplicate keys in $BODY fail too. Example:
#   expect_json 'j == {"sequence_number": "10", "metadata": ""}'
expect_json() {
	if printf '%s' "$BODY" | "$PYTHON" -c '
import json, sys
def pairs(kv):
    keys = [k for k, _ in kv]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(kv)
def is_int(v):
    return type(v) is int
j = json.loads(sys.stdin.buffer.read(), object_pairs_hook=pairs)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" 2>"$TMP/json.err"; then pass; else
		fail "${CONTEXT:-} expected JSON with $1, got: $BODY $(cat "$TMP/json.err")"
	fi
}

# json_value EXPR: prints EXPR over j (the parsed $BODY), e.g. j["app_id"].
json_value() {
	printf '%s' "$BODY" | "$PYTHON" -c '
import json, sys
j = json.loads(sys.stdin.buffer.read())
print(eval(sys.argv[1]))' "$1"
}

# expect_header_line LINE: a header line equal to LINE (case aside).
expect_header_line() {
	if [[ $'\n'${HEADERS,,}$'\n' == *$'\n'"${1,,}"$'\n'* ]]; then pass; else
		fail "${CONTEXT:-} expected header line '$1' in: $HEADERS"
	fi
}

# Sets ERROR_TEXT to the fixed message text that starts every error of a
# DIS code.
error_text() {
	case $1 in
	DIS.4117) ERROR_TEXT='Invalid Project Id.' ;;
	DIS.4200) ERROR_TEXT='Invalid request.' ;;
	DIS.4201) ERROR_TEXT='Invalid partition_id.' ;;
	DIS.4202) ERROR_TEXT='Empty request.' ;;
	DIS.4224) ERROR_TEXT='Sequence_number out of range.' ;;
	DIS.4300) ERROR_TEXT='Request error.' ;;
	DIS.4329) ERROR_TEXT='app quota exceeded.' ;;
	DIS.4330) ERROR_TEXT='app already exist.' ;;
	DIS.4332) ERROR_TEXT='app not found.' ;;
	DIS.5000) ERROR_TEXT='System error.' ;;
	*) ERROR_TEXT="unknown code $1" ;;
	esac
}

# expect_error STATUS CODE: an error response as api.md shapes it.
expect_error() {
	error_text "$2"
	expect_status "$1"
	expect_code "$2"
	expect_body_has "\"message\":\"$ERROR_TEXT"
	expect_header_line 'Content-Type: application/json'
}

# expect_empty STATUS: a success without a body (201/204): nothing after the
# headers, no Content-Type, Content-Length: 0 (a 204 may also have none).
expect_empty() {
	expect_status "$1"
	expect_body ''
	if [ "$1" = 204 ] && [[ ${HEADERS,,} != *content-length:* ]]; then
		pass
	else
		expect_header_line 'Content-Length: 0'
	fi
	expect_no_header 'Content-Type:'
}

# db_state: sets DB_STATE to a hash of the content of $DB (sqlite3's
# .sha3sum), from one sqlite3 kept open for as long as $DB stays the same:
# starting sqlite3 for every check costs more than the request checked.
db_state() {
	if db_is_pg; then
		DB_STATE=$(db_dump | cksum)
		return
	fi
	if [ "${DBQ_FILE:-}" != "$DB" ]; then
		if [ -n "${DBQ_PID:-}" ]; then
			eval "exec ${DBQ[1]}>&-"
			wait "$DBQ_PID" 2>/dev/null
		fi
		coproc DBQ { exec sqlite3 -batch "$DB" 2>&1; }
		CLEANUP_PIDS="$CLEANUP_PIDS $DBQ_PID"
		DBQ_FILE=$DB
	fi
	DB_STATE=
	printf '.sha3sum\n' >&"${DBQ[1]}"
	IFS= read -r -t 10 DB_STATE <&"${DBQ[0]}"
}

# Expands the placeholders of a case table: @X<n>@ n times "x", @U<n>@ n
# times "é" (two bytes each), @E<n>@ n times "€" (three), @S<n>@ n spaces, @BOM@ a UTF-8 byte-order mark,
# @FF@ the byte 0xff (invalid UTF-8), @x<hh>@ the byte 0xhh (not 00).
expand_case() {
	local s=$1 rep ch
	while [[ $s =~ @([XUES])([0-9]+)@ ]]; do
		case ${BASH_REMATCH[1]} in
		X) ch=x ;;
		U) ch=$'\xc3\xa9' ;;
		E) ch=$'\xe2\x82\xac' ;;
		S) ch=' ' ;;
		esac
		rep=$(printf "%${BASH_REMATCH[2]}s" '')
		rep=${rep// /$ch}
		s=${s/"${BASH_REMATCH[0]}"/"$rep"}
	done
	while [[ $s =~ @x([0-9a-f][0-9a-f])@ ]]; do
		printf -v ch "\\x${BASH_REMATCH[1]}"
		s=${s//"${BASH_REMATCH[0]}"/"$ch"}
	done
	s=${s//@BOM@/$'\xef\xbb\xbf'}
	s=${s//@FF@/$'\xff'}
	printf '%s' "$s"
}

# run_cases TRANSPORT [NAME [SECTIONS]] < TABLE: runs a case table through
# TRANSPORT (fcgi or cgi); with SECTIONS (an extended regular expression)
# only the sections whose "# --- title ---" line matches it, plus the first
# (the fixture). One case a line, '#' comments and blank lines skipped:
#   METHOD|URI|BODY|STATUS|CODE[|ENV[|HEADER[|TEXT]]]
# CODE is the errorCode or "-"; ENV is space-separated VAR=value request
# variables (HTTP_X_PROJECT_ID=p2); HEADER an exact header line the answer
# must carry (Allow: GET, POST); TEXT a string the body must contain.
# Errors must have api.md's shape and leave the database as it was; 201
# and 204 must be empty, 200 JSON.
run_cases() {
	local transport=$1 name=${2:-cases} sections=${3:-} line n=0 skip=false
	local seen=0
	local method uri body status code envs header text before= after
	local DB_STATE
	local -a vars
	while IFS= read -r line; do
		n=$((n + 1))
		if [[ $line == '# --- '* ]]; then
			seen=$((seen + 1))
			skip=false
			if [ -n "$sections" ] && [ $seen -gt 1 ] &&
			    ! [[ $line =~ $sections ]]; then skip=true; fi
		fi
		case $line in '' | '#'*) continue ;; esac
		$skip && continue
		IFS='|' read -r method uri body status code envs header text <<<"$line"
		[[ $uri == *@* ]] && uri=$(expand_case "$uri")
		[[ $body == *@* ]] && body=$(expand_case "$body")
		read -ra vars <<<"${envs:-}"
		CONTEXT="$name:$n: $method ${uri:0:80}:"
		# An error leaves the database as it was: reuse its hash.
		if [ "$status" -ge 400 ] && [ -z "$before" ]; then
			db_state
			before=$DB_STATE
		fi
		"$transport" "$method" "$uri" "$body" ${vars[@]+"${vars[@]}"}
		case $status in
		200) expect_status 200
		     expect_header_line 'Content-Type: application/json'
		     before= ;;
		201 | 204) expect_empty "$status"
		     before= ;;
		*) expect_error "$status" "$code"
		   db_state
		   after=$DB_STATE
		   if [ -n "$after" ] && [ "$before" = "$after" ]; then pass; else
			fail "$CONTEXT the database changed"
			before=$after
		   fi ;;
		esac
		[ -n "${header:-}" ] && expect_header_line "$header"
		[ -n "${text:-}" ] && expect_body_has "$text"
	done
	CONTEXT=
}

# stop_fcgi_within SECONDS: stop_fcgi, but a service still running SECONDS
# after its SIGTERM is killed (status 137) rather than waited for forever.
# Sets STOP_MS to how long it took to exit.
stop_fcgi_within() {
	local t0 sleeper done_pid rc
	t0=$(date +%s%N)
	kill -TERM "$SERVER_PID"
	sleep "$1" &
	sleeper=$!
	wait -n -p done_pid "$SERVER_PID" "$sleeper"
	rc=$?
	if [ "$done_pid" = "$SERVER_PID" ]; then
		kill "$sleeper" 2>/dev/null
		wait "$sleeper" 2>/dev/null
	else
		echo "the service did not exit within $1 s of SIGTERM" >&2
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID"
		rc=$?
	fi
	STOP_MS=$((($(date +%s%N) - t0) / 1000000))
	SERVER_PID=
	return $rc
}
