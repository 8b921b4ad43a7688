#!/bin/bash
# tests/signals.sh: SIGTERM and SIGUSR1 stop the FastCGI server with exit
# status 0 and remove its socket; a request in flight when SIGTERM arrives
# is still answered, and stored, before the server exits.
export LC_ALL=C
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need cgi-fcgi sqlite3 python3

# stop_with SIGNAL: sends it and checks the exit status and the socket.
stop_with() {
	kill -"$1" "$SERVER_PID"
	wait "$SERVER_PID"
	expect_eq 0 $?
	SERVER_PID=
	if [ ! -e "$SOCK" ]; then pass; else fail "$CONTEXT socket left behind"; fi
}

for sig in TERM USR1; do
	for threads in 1 4; do
		CONTEXT="SIG$sig, $threads threads:"
		start_fcgi -t "$threads"
		fcgi POST /v2/p1/apps "{\"app_name\":\"$sig$threads\"}"
		expect_empty 201
		stop_with "$sig"
	done
	CONTEXT="SIG$sig, idle since start:"
	start_fcgi
	stop_with "$sig"
done
CONTEXT='after the signals:'
expect_eq "TERM1 TERM4 USR11 USR14" "$(sqlite3 "$DB" 'SELECT name FROM apps ORDER BY name' | tr '\n' ' ' | sed 's/ $//')"

# --- SIGTERM during a slow upload ---
CONTEXT='request in flight:'
start_fcgi -t 2
mkfifo "$TMP/body"
body="{\"app_name\":\"slow\",\"pad\":\"$(expand_case @X20000@)\"}"
env -i REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps CONTENT_LENGTH=${#body} \
    cgi-fcgi -bind -connect "$SOCK" <"$TMP/body" >"$TMP/out" 2>"$TMP/err" &
client=$!
CLEANUP_PIDS="$CLEANUP_PIDS $client"
exec 6>"$TMP/body"
printf '%s' "${body:0:10000}" >&6
sleep 1		# the server has taken the request and waits for the rest
kill -TERM "$SERVER_PID"
sleep 1
if kill -0 "$SERVER_PID" 2>/dev/null; then pass; else
	fail "$CONTEXT the server exited with a request in flight"
fi
printf '%s' "${body:10000}" >&6
exec 6>&-
wait "$client"
expect_eq 0 $?
parse_cgi_response
expect_empty 201
wait "$SERVER_PID"
expect_eq 0 $?
SERVER_PID=
if [ ! -e "$SOCK" ]; then pass; else fail "$CONTEXT socket left behind"; fi
expect_eq 1 "$(sqlite3 "$DB" "SELECT count(*) FROM apps WHERE name='slow'")"

# --- a listening socket on fd 0 (spawn-fcgi, lighttpd bin-path) ---
CONTEXT='socket on fd 0:'
"$PYTHON" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1] + ".new")
s.listen(16)
os.rename(sys.argv[1] + ".new", sys.argv[1])	# appears ready to connect
os.dup2(s.fileno(), 0)
os.execv(sys.argv[2], [sys.argv[2], "-d", sys.argv[3]])' "$SOCK" "$BIN" "$DB" \
    2>>"$TMP/server.log" &
SERVER_PID=$!
wait_for_socket "$SOCK"
fcgi GET /v2/p1/apps/slow
expect_status 200
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
expect_eq 0 $?
SERVER_PID=

finish
