#!/bin/bash
# fcgi-raw.sh: every case of fcgi-raw-cases.txt, record by record, through
# the real binary on its unix socket (tests/fcgi-raw.py builds the bytes).
# After each case the service must be alive, must answer /health at once,
# and the database must be as it was (or hold exactly the row the case
# stores on purpose). Cases that leave a peer silent run together at the
# end: while all of them are held, /health and a write are answered; then
# each is closed at request_timeout, unanswered, and that is logged. A case that
# kills the service is a failure; the service is started again so that the
# cases after it still say something.
. "$abs_top_srcdir/tests/lib.sh"

CASES=$abs_top_srcdir/tests/fcgi-raw-cases.txt
RAW=$abs_top_srcdir/tests/fcgi-raw.py
TIMEOUT=2
# "At once": under valgrind a request takes tens of milliseconds. SLACK:
# how much later than request_timeout a silent peer may be closed.
HEALTH_LIMIT_MS=1000
SLACK=2
if [ -n "$WRAPPER" ]; then
	HEALTH_LIMIT_MS=10000
	SLACK=10
fi
MIN_CASES=130

# A service that cannot even start makes every case fail: stop at once.
start() {
	if ! start_fcgi -t 4 -o request_timeout=$TIMEOUT; then
		fail "the service does not start"
		finish
	fi
}
start
for project in p1 p2; do
	CONTEXT="setup, $project:"
	fcgi POST /v2/$project/apps '{"app_name":"a1"}'
	[ "$STATUS" = 201 ] || cat "$TMP/err" >&2
	expect_status 201
done
before=$(db_dump)

# health_now: GET /health answers 200 within HEALTH_LIMIT_MS.
health_now() {
	local t0 t1 ms
	t0=$(date +%s%N)
	env -i REQUEST_METHOD=GET REQUEST_URI=/health CONTENT_LENGTH=0 \
	    timeout $((HEALTH_LIMIT_MS / 1000 + 1)) \
	    cgi-fcgi -bind -connect "$SOCK" </dev/null >"$TMP/out" 2>"$TMP/err"
	t1=$(date +%s%N)
	parse_cgi_response
	ms=$(((t1 - t0) / 1000000))
	if [ "$STATUS" = 200 ] && [ "$ms" -lt "$HEALTH_LIMIT_MS" ]; then pass; else
		fail "$CONTEXT /health after it: status '$STATUS' in $ms ms"
	fi
}

# check_after STORES: the service lives and serves, and the database
# changed by exactly STORES ("-": not at all).
check_after() {
	local stores=$1 after
	if ! kill -0 "$SERVER_PID" 2>/dev/null; then
		fail "$CONTEXT the service died"
		tail -n 5 "$TMP/server.log" >&2
		wait "$SERVER_PID"
		start
		before=$(db_dump)
		return
	fi
	pass
	health_now
	after=$(db_dump)
	if [ "$stores" = - ]; then
		if [ "$after" = "$before" ]; then pass; else
			fail "$CONTEXT the database changed:"
			diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2
		fi
	elif [[ $before != *"$stores"* && $after == *"$stores"* ]] &&
	    [ "$(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") |
	    grep -c '^>')" = 1 ]; then
		pass
	else
		fail "$CONTEXT expected one new row with $stores:"
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2
	fi
	before=$after
}

n=0 ncases=0
silent=()
while IFS= read -r line; do
	n=$((n + 1))
	case $line in '' | '#'*) continue ;; esac
	IFS='|' read -r name steps expect stores <<<"$line"
	ncases=$((ncases + 1))
	if [[ $expect == *timed_out* || $expect == *closed_at_deadline* ]]; then
		silent+=("$n|$line")
		continue
	fi
	CONTEXT="fcgi-raw-cases.txt:$n: $name:"
	if "$PYTHON" "$RAW" -T "$TIMEOUT" --slack "$SLACK" case "$SOCK" "$steps" "$expect" \
	    2>"$TMP/case.err"; then pass; else
		fail "$CONTEXT $(cat "$TMP/case.err")"
	fi
	check_after "$stores"
done <"$CASES"
CONTEXT=

# The silent peers, all at once; each one's fcgi-raw.py waits for its own
# close and checks when it came.
timeouts_logged() {
	grep -c 'request_timeout' "$TMP/server.log"
}
logged_before=$(timeouts_logged)
pids=()
i=0
for entry in "${silent[@]}"; do
	IFS='|' read -r n name steps expect stores <<<"$entry"
	"$PYTHON" "$RAW" -T "$TIMEOUT" --slack "$SLACK" case --ready "$TMP/silent.$i.ready" \
	    "$SOCK" "$steps" "$expect" 2>"$TMP/silent.$i.err" &
	pids+=($!)
	i=$((i + 1))
done
CONTEXT="with ${#silent[@]} silent peers held:"
# Every one of them has sent what it sends before the probe.
for _ in $(seq $WAIT_STEPS); do
	[ "$(ls "$TMP"/silent.*.ready 2>/dev/null | wc -l)" -eq ${#silent[@]} ] &&
	    break
	sleep 0.05
done
health_now
printf '{"app_name":"while-silent"}' >"$TMP/in"
env -i REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps \
    CONTENT_LENGTH=$(wc -c <"$TMP/in") timeout $((HEALTH_LIMIT_MS / 1000 + 1)) \
    cgi-fcgi -bind -connect "$SOCK" <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
parse_cgi_response
expect_status 201
after=$(db_dump)
[[ $after == *"'p1','while-silent'"* ]] && pass || fail "$CONTEXT the write is not stored"
before=$after
# The probes showed something only if every peer was still held meanwhile.
held=0
for pid in "${pids[@]}"; do
	kill -0 "$pid" 2>/dev/null && held=$((held + 1))
done
expect_eq "${#silent[@]} held" "$held held"
i=0
for entry in "${silent[@]}"; do
	IFS='|' read -r n name steps expect stores <<<"$entry"
	CONTEXT="fcgi-raw-cases.txt:$n: $name:"
	if wait "${pids[$i]}"; then pass; else
		fail "$CONTEXT $(cat "$TMP/silent.$i.err")"
	fi
	i=$((i + 1))
done
CONTEXT="after the silent peers:"
check_after -
# The log is rate-limited (a line a second per kind of trouble): one line
# at least, not one per peer.
if [ "$(timeouts_logged)" -gt "$logged_before" ]; then pass; else
	fail "$CONTEXT no log line for the peers closed at request_timeout"
fi

if [ "$ncases" -ge "$MIN_CASES" ]; then pass; else
	fail "only $ncases cases, expected at least $MIN_CASES"
fi
CONTEXT="SIGTERM:"
stop_fcgi_within $((TIMEOUT + SLACK))
expect_eq 0 $?
echo "$ncases raw FastCGI cases"
finish
