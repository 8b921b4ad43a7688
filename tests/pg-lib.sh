# tests/pg-lib.sh: a private PostgreSQL server for a test, in a temp
# directory of its own, listening only on a unix socket there, stopped and
# removed when the test exits. Nothing depends on a system-wide server.
# Source it after tests/lib.sh:
#
#   . "$abs_top_srcdir/tests/pg-lib.sh"
#   pg_start || skip_test "..."     # sets PG_DIR, PG_HOST, PG_CONN
#   pg_createdb d1                  # PG_CONN for database d1: pg_conn d1
#
# initdb and the server refuse to run as root: run as root (a container,
# CI), they run as PG_USER (nobody) in a directory that user owns.
: "${PG_BIN:=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
PG_USER=${PG_USER:-nobody}
PG_DIR=
# Server settings, the same on a standby (it needs max_connections as high;
# a standby whose primary died retries, and sees a promotion, that often).
PG_OPTS="-c listen_addresses= -c max_connections=300 -c wal_retrieve_retry_interval=200ms"

pg_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}

# pg_conn DBNAME: the libpq connection string of a database of the server.
pg_conn() {
	printf 'host=%s dbname=%s user=dis' "$PG_HOST" "$1"
}

# pg_start: initdb and start the server; 1 (and a line why) when it cannot.
pg_start() {
	if [ -z "$PG_BIN" ] || ! [ -x "$PG_BIN/initdb" ]; then
		echo "no PostgreSQL server binaries (postgresql in scripts/install-deps)"
		return 1
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dis-pg.XXXXXX") || return 1
	[ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$PG_DIR"
	PG_HOST=$PG_DIR
	if ! pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U dis -A trust \
	    -E UTF8 --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
		echo "initdb failed:"; cat "$PG_DIR/initdb.log"
		return 1
	fi
	if ! pg_server start; then
		echo "the PostgreSQL server did not start:"; cat "$PG_DIR/server.log"
		return 1
	fi
	trap 'pg_stop; cleanup' EXIT
	PG_CONN=$(pg_conn postgres)
}

# pg_createdb NAME: a new, empty database.
pg_createdb() {
	"$PG_BIN/createdb" -h "$PG_HOST" -U dis "$1"
}

# pg_psql DBNAME SQL: runs SQL, prints rows unaligned, '|' between columns.
pg_psql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_HOST" -U dis -d "$1" -c "$2"
}

# pg_server STOP|START: stops (fast: connections cut) or starts it again.
pg_server() {
	case $1 in
	stop) pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null ;;
	start) pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
	    -w -t 60 -o "-k $PG_DIR $PG_OPTS" start >/dev/null ;;
	esac
}

pg_stop() {
	local dir
	for dir in $PG_DIR $PG_STANDBY_DIR; do
		pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w \
		    stop >/dev/null 2>&1
		rm -rf "$dir"
	done
	PG_DIR= PG_STANDBY_DIR=
}

# pg_standby_start: a streaming standby of the server, in a directory
# (PG_STANDBY_DIR, also its socket's) of its own; returns once it streams.
PG_STANDBY_DIR=
pg_standby_start() {
	PG_STANDBY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dis-pg2.XXXXXX") || return 1
	[ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$PG_STANDBY_DIR"
	pg_as_owner "$PG_BIN/pg_basebackup" -h "$PG_HOST" -U dis \
	    -D "$PG_STANDBY_DIR/data" -R -X stream -c fast >/dev/null || return 1
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_STANDBY_DIR/data" \
	    -l "$PG_STANDBY_DIR/server.log" -w -t 60 \
	    -o "-k $PG_STANDBY_DIR $PG_OPTS" start >/dev/null || return 1
	for _ in $(seq 600); do
		[ "$(pg_psql postgres "SELECT count(*) FROM pg_stat_replication
		    WHERE state = 'streaming'")" = 1 ] && return 0
		sleep 0.05
	done
	return 1
}

# pg_kill_primary: kill -9 of the server and all its processes, as a crash
# of its machine would end them. A killed server leaves its System V
# segment (postmaster.pid's 7th line: key, id) behind, which a crashed
# machine would lose; it is marked for removal (freed once the dying
# processes detach), or each run would leak one for good. Its id is left
# in PG_KILLED_SHMID.
pg_kill_primary() {
	local pm
	pm=$(head -n 1 "$PG_DIR/data/postmaster.pid")
	PG_KILLED_SHMID=$(sed -n 7p "$PG_DIR/data/postmaster.pid" | awk '{print $2}')
	# Stopped first, it forks no process the list below would miss.
	kill -STOP "$pm"
	kill -9 "$pm" $(ps -o pid= --ppid "$pm")
	pg_as_owner ipcrm -m "$PG_KILLED_SHMID"
}

# pg_promote_standby: the standby becomes the primary.
pg_promote_standby() {
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_STANDBY_DIR/data" -w promote >/dev/null
}

# pg_run_suite SCRIPT: runs tests/SCRIPT, a suite written for SQLite, on a
# private server instead (tests/lib.sh then maps each $DB to a database of
# its own); exits with its status, 77 (skipped) when no server starts.
pg_run_suite() {
	if ! pg_start; then
		echo "SKIP: no PostgreSQL server to start"
		exit 77
	fi
	DIS_TEST_PG_HOST=$PG_HOST bash "$abs_top_srcdir/tests/$1"
	exit $?
}

# --- sustained writes through the service while the database fails ---
# Four tests/fcgi-writer processes on SOCKET, writer N on partition N of
# APP/STREAM, each logging "N SEQUENCE STATUS" per request to $LOAD_LOG.N;
# wait for $LOAD_PIDS.
start_load() { # SOCKET APP STREAM LOG_NAME
	local i
	LOAD_LOG=$TMP/$4
	LOAD_PIDS=
	for i in 1 2 3 4; do
		"$abs_top_builddir/tests/fcgi-writer" "$1" "$2" "$3" "$i" \
		    >"$LOAD_LOG.$i" &
		LOAD_PIDS="$LOAD_PIDS $!"
	done
}
load_acks() { grep -c ' 201$' "$LOAD_LOG.$1"; }
# wait_for CONDITION: up to 60 s, a bound for a hang.
wait_for() {
	for _ in $(seq 1200); do
		eval "$1" && return 0
		sleep 0.05
	done
	fail "$CONTEXT timed out waiting for: $1"
	return 1
}
all_acked() {
	local i
	for i in 1 2 3 4; do [ "$(load_acks "$i")" -ge "$1" ] || return 1; done
}
# Every writer had a 503 and then a 201 again.
all_recovered() {
	local i
	for i in 1 2 3 4; do
		grep -q ' 503$' "$LOAD_LOG.$i" &&
		    [ "$(tail -n 1 "$LOAD_LOG.$i" | awk '{ print $3 }')" = 201 ] ||
		    return 1
	done
}
# Each writer got only 201, 503 or nothing, and what is stored (STORED N
# prints partition N's sequence) is at least its last 201 and at most one
# past the last it sent.
expect_load_kept() { # STORED
	local i acked sent got
	for i in 1 2 3 4; do
		expect_eq "" "$(awk '$3 != 201 && $3 != 503 && $3 != 0' "$LOAD_LOG.$i")"
		acked=$(awk '$3 == 201 { v = $2 } END { print v }' "$LOAD_LOG.$i")
		sent=$(tail -n 1 "$LOAD_LOG.$i" | awk '{ print $2 }')
		got=$("$1" "$i")
		if [ -n "$got" ] && [ "$got" -ge "$acked" ] &&
		    [ "$got" -le $((sent + 1)) ]; then
			pass
		else
			fail "$CONTEXT writer $i: acknowledged $acked, sent $sent, stored '$got'"
		fi
	done
}
