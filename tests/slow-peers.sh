#!/bin/bash
# slow-peers.sh: peers that stop sending or send slowly must hold up no
# one (issue 10). With request_timeout=2, through the real binary:
#
#   a. 1 and then 200 half-sent connections on the unix socket: /health and
#      real writes are answered meanwhile, each well under a second; the
#      peers are closed between request_timeout and 2 s later, unanswered,
#      and that is logged; SIGTERM with 200 such peers connected exits
#      within request_timeout and a little; a TCP connection that sends
#      nothing (spawn-fcgi -a) is closed the same way
#   b. threads+1 bodies dripping a byte every 0.5 s (-t 4, 5 peers): real
#      clients keep their answers, the drippers are closed at the deadline
#      and nothing of theirs is stored
#   c. bodies dripping through Apache mod_proxy_fcgi (deploy/apache/
#      proxy-fcgi.conf, which streams bodies): /health and writes through
#      Apache are answered meanwhile (skipped without apache2)
#   d. 1000 idle connections at once, the service started with a soft
#      descriptor limit below that (it raises its own): /health and writes
#      within their normal latency, measured before the peers too
#
# tests/fcgi-raw.py holds the peers and makes the probes; it prints one line
# of facts which this script asserts and reports (latency figures included).
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/smoke-lib.sh"
. "$abs_top_srcdir/tests/deploy-lib.sh"

RAW=$abs_top_srcdir/tests/fcgi-raw.py
TIMEOUT=2
# How much later than the deadline a close or an exit may come; how long a
# probe may take. Under valgrind everything is ten times slower or worse.
SLACK=2
LATENCY_MS=500
if [ -n "$WRAPPER" ]; then
	SLACK=10
	LATENCY_MS=5000
fi

# The client needs a descriptor per peer and a few more.
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -gt 4096 ]; then
	ulimit -Sn 4096
fi

# raw COMMAND ARGS...: fcgi-raw.py with the deadline; its facts become
# F_<name> variables.
raw() {
	local line key
	unset "${!F_@}"
	line=$("$PYTHON" "$RAW" -T "$TIMEOUT" --slack "$SLACK" "$@")
	set -- $line
	[ $# -ge 2 ] || fail "$CONTEXT fcgi-raw.py said nothing"
	while [ $# -ge 2 ]; do
		key=$1
		printf -v "F_$key" '%s' "$2"
		shift 2
	done
	FACTS=$line
}

expect_le() {
	if [ "$2" -ge 0 ] && [ "$2" -le "$1" ]; then pass; else
		fail "$CONTEXT expected $3 at most $1, got $2"
	fi
}
expect_ge() {
	if [ "$2" -ge "$1" ]; then pass; else
		fail "$CONTEXT expected $3 at least $1, got $2"
	fi
}

# check_facts N [any [LATEST_MS]]: the probes all answered in time while
# the N peers were held, and the peers closed at the deadline (at the
# latest LATEST_MS after they connected) with no success; with "any", a
# peer may have been closed earlier (a service that caps waiting peers may
# answer the surplus 503 at once).
check_facts() {
	local n=$1 early=${2:-} latest=${3:-$(((TIMEOUT + SLACK) * 1000))}
	expect_eq "$F_health_n /health answered" "$F_health_ok /health answered"
	expect_eq "$F_writes_n writes answered" "$F_writes_ok writes answered"
	expect_le "$LATENCY_MS" "$F_health_max_ms" "the slowest /health (ms)"
	expect_le "$LATENCY_MS" "$F_writes_max_ms" "the slowest write (ms)"
	expect_eq "probes while held: 1" "probes while held: $F_probes_while_held"
	expect_eq "$n closed" "$F_closed closed"
	expect_eq "0 peers answered 2xx" "$F_peers_2xx peers answered 2xx"
	expect_eq "0 malformed answers" "$F_malformed malformed answers"
	[ -z "$early" ] &&
	    expect_ge $((TIMEOUT * 1000 - 100)) "$F_first_close_ms" "the first close (ms)"
	expect_le "$latest" "$F_last_close_ms" "the last close (ms)"
	echo "$CONTEXT /health median $F_health_median_us us, max" \
	    "$F_health_max_us us ($F_health_n); writes median" \
	    "$F_writes_median_us us, max $F_writes_max_us us ($F_writes_n);" \
	    "peers closed after $F_first_close_ms..$F_last_close_ms ms," \
	    "$F_answered_peers of them answered"
}

# nothing_stored PREFIX: no app of a held or dripping peer in the database.
nothing_stored() {
	if [[ $(db_dump) == *"'$1-"* ]]; then
		fail "$CONTEXT an app of a $1 peer was stored"
	else pass; fi
}

# warm_up ADDRESS: a /health and a write before anything is measured:
# under valgrind the first run of each code path costs seconds.
warm_up() {
	local i
	for i in 1 2; do
		env -i REQUEST_METHOD=GET REQUEST_URI=/health CONTENT_LENGTH=0 \
		    timeout 30 cgi-fcgi -bind -connect "$1" </dev/null \
		    >/dev/null 2>&1
	done
	printf '{"app_name":"warm-%s"}' $$ >"$TMP/warm"
	env -i REQUEST_METHOD=POST REQUEST_URI=/v2/p1/apps \
	    CONTENT_LENGTH=$(wc -c <"$TMP/warm") \
	    timeout 30 cgi-fcgi -bind -connect "$1" <"$TMP/warm" >/dev/null 2>&1
}

# timeouts_logged: how many log lines tell of a peer closed at its deadline.
timeouts_logged() {
	grep -c 'request_timeout' "$TMP/server.log"
}

# expect_logged BEFORE: at least one such line since BEFORE.
expect_logged() {
	local now
	now=$(timeouts_logged)
	if [ "$now" -gt "$1" ]; then pass; else
		fail "$CONTEXT no log line for the peers closed at the deadline"
	fi
}

# The database where deploy-lib.sh puts it, for part c's Apache too.
deploy_setup
start_fcgi -t 4 -o request_timeout=$TIMEOUT
warm_up "$SOCK"

# --- a. 1 and 200 half-sent connections
for spec in "1 begin" "200 mixed"; do
	set -- $spec
	CONTEXT="a. $1 half-sent ($2):"
	logged=$(timeouts_logged)
	raw hold "$SOCK" "$1" "$2" --probes 5 --writes 3
	check_facts "$1"
	expect_logged "$logged"
	nothing_stored held
done

CONTEXT="a. SIGTERM with 200 half-sent connected:"
rm -f "$TMP/ready"
"$PYTHON" "$RAW" -T "$TIMEOUT" --slack "$SLACK" hold "$SOCK" 200 mixed \
    --probes 0 --writes 0 --ready "$TMP/ready" >"$TMP/hold.out" &
holder=$!
for _ in $(seq $WAIT_STEPS); do
	[ -e "$TMP/ready" ] && break
	sleep 0.05
done
stop_fcgi_within $((TIMEOUT + SLACK))
expect_eq 0 $?
exit_ms=$STOP_MS
expect_le $(((TIMEOUT + SLACK) * 1000)) "$exit_ms" "the exit (ms)"
wait "$holder"
set -- $(<"$TMP/hold.out")
expect_eq "closed 200" "$3 $4"
echo "$CONTEXT exited in $exit_ms ms"

# --- a. a TCP peer that sends nothing
if command -v spawn-fcgi >/dev/null; then
	CONTEXT="a. 1 silent TCP peer:"
	PORT=$(free_port)
	# spawn-fcgi runs its program with execv: a wrapper needs its path.
	wrapper=($WRAPPER)
	[ ${#wrapper[@]} -gt 0 ] && wrapper[0]=$(command -v "${wrapper[0]}")
	spawn-fcgi -n -a 127.0.0.1 -p "$PORT" -- ${wrapper[@]+"${wrapper[@]}"} \
	    "$BIN" -d "$DB" -t 4 -o request_timeout=$TIMEOUT \
	    2>>"$TMP/server.log" &
	SERVER_PID=$!
	wait_for_port "$PORT"
	warm_up "127.0.0.1:$PORT"
	logged=$(timeouts_logged)
	raw hold "127.0.0.1:$PORT" 1 nothing --probes 5 --writes 3
	check_facts 1
	expect_logged "$logged"
	stop_fcgi_within $((TIMEOUT + SLACK))
	expect_eq 0 $?
else
	echo "a. TCP skipped: spawn-fcgi is not installed"
fi

# --- b. threads+1 dripping bodies
start_fcgi -t 4 -o request_timeout=$TIMEOUT
warm_up "$SOCK"
CONTEXT="b. 5 drippers, 4 threads:"
logged=$(timeouts_logged)
raw drip "$SOCK" 5 --interval 0.5 --probes 5 --writes 3
check_facts 5
expect_logged "$logged"
nothing_stored drip
stop_fcgi_within $((TIMEOUT + SLACK))
expect_eq 0 $?

# --- c. dripping bodies through Apache mod_proxy_fcgi
if command -v apache2 >/dev/null || [ -x /usr/sbin/apache2 ]; then
	CONTEXT="c. Apache:"
	open_up_tmp
	# The socket is 0660: Apache's workers get in through its group.
	(exec $WRAPPER "$SBIN/dis-checkpoint" "${AS_WORKERS_GROUP[@]}" \
	    -c "$ETC/dis-checkpoint.conf" -t 4 -o request_timeout=$TIMEOUT \
	    -s "$RUN/dis-checkpoint.sock" 2>>"$TMP/server.log") &
	SERVER_PID=$!
	wait_for_unix "$RUN/dis-checkpoint.sock"
	warm_up "$RUN/dis-checkpoint.sock"
	deploy_file apache/proxy-fcgi.conf >"$TMP/dis-checkpoint.conf"
	# Workers for the drippers and the probes from the start: prefork
	# adds them only one a second or so, and a probe waiting for Apache
	# would say nothing of the service.
	printf '%s\n' 'StartServers 10' 'MinSpareServers 10' \
	    'MaxSpareServers 12' 'MaxRequestWorkers 16' \
	    >>"$TMP/dis-checkpoint.conf"
	start_apache "$TMP/dis-checkpoint.conf" proxy proxy_fcgi
	wait_for_http "http://127.0.0.1:$PORT/health"
	CONTEXT="c. 5 drippers through Apache:"
	logged=$(timeouts_logged)
	raw drip "127.0.0.1:$PORT" 5 --http --interval 0.5 --probes 5 --writes 3
	# Apache notices that the service closed only at its next write of
	# a dripped byte, and then answers the dripper itself.
	check_facts 5 any $(((TIMEOUT + SLACK + 2) * 1000))
	expect_logged "$logged"
	nothing_stored drip
	stop_apache
	stop_fcgi_within $((TIMEOUT + SLACK))
	expect_eq 0 $?
else
	echo "c. skipped: apache2 is not installed"
fi
# --- d. 1000 idle connections
if [ "$(ulimit -Sn)" = unlimited ] || [ "$(ulimit -Sn)" -ge 1100 ]; then
	CONTEXT="d. 1000 idle:"
	# Valgrind keeps descriptors of its own above the soft limit and
	# refuses to raise it: there the service gets the test's limit.
	limit=512
	[ -n "$WRAPPER" ] && limit=$(ulimit -Sn)
	(ulimit -Sn "$limit" && exec $WRAPPER "$BIN" -s "$SOCK" -d "$DB" -t 4 \
	    -o request_timeout=$TIMEOUT 2>>"$TMP/server.log") &
	SERVER_PID=$!
	wait_for_socket "$SOCK"
	warm_up "$SOCK"
	raw hold "$SOCK" 1000 nothing --baseline 10 --probes 10 --writes 5
	check_facts 1000 any
	echo "$CONTEXT /health with no peer held: median $F_base_median_us us," \
	    "max $F_base_max_us us"
	stop_fcgi_within $((TIMEOUT + SLACK))
	expect_eq 0 $?
else
	echo "d. skipped: the hard descriptor limit is below 1100"
fi

finish
