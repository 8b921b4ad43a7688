#!/bin/bash
# faults.sh: what the machine does to the database under a running service.
# The directory removed, the file replaced, the file read-only, the
# database locked past the busy deadline, the disk full: each write must
# get 503 DIS.5000 with Retry-After (never a 201 that is not on disk, never
# a crash), and the service must recover by itself, without a restart,
# once the condition clears, with every acknowledged checkpoint intact.
#
# Disk full is made two ways: a small tmpfs filled up (needs root and
# mount), and always a file size limit set on the running process with
# prlimit (RLIMIT_FSIZE; the service ignores SIGXFSZ). The read-only file
# needs the service to run unprivileged, since root writes through file
# modes: it runs as nobody via setpriv.
. "$abs_top_srcdir/tests/lib.sh"
need cgi-fcgi sqlite3 prlimit setpriv

MNT=
unmount() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	MNT=
}
trap 'unmount; cleanup' EXIT

META=$(head -c 1000 /dev/zero | tr '\0' m)

# ck PARTITION SEQUENCE [METADATA]: commits a checkpoint of p1/a1/s1.
ck() {
	fcgi POST /v2/p1/checkpoints "{\"stream_name\":\"s1\",\"app_name\":\"a1\",\"partition_id\":\"$1\",\"sequence_number\":\"$2\",\"metadata\":\"${3-}\",\"checkpoint_type\":\"LAST_READ\"}"
}
get() {
	fcgi GET "/v2/p1/checkpoints?stream_name=s1&app_name=a1&partition_id=$1&checkpoint_type=LAST_READ"
}
expect_unavailable() {
	expect_status 503
	expect_code DIS.5000
	expect_header 'Retry-After: 1'
}
expect_alive() {
	if kill -0 "$SERVER_PID" 2>/dev/null; then pass; else
		fail "${CONTEXT:-} the server died"
		tail -20 "$TMP/server.log" >&2
	fi
}
expect_intact() {
	expect_eq ok "$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)"
}
# Starts the service on $DB with a short busy deadline.
start() {
	start_fcgi -o busy_timeout=300 -t 4 "$@"
}
setup_app() {
	fcgi POST /v2/p1/apps '{"app_name":"a1"}'
	expect_status 201
}

# --- The database directory removed, then put back (empty).
CONTEXT="directory removed:"
mkdir "$TMP/dir"
DB=$TMP/dir/checkpoints.db
start
setup_app
ck 0 1; expect_status 201
rm -rf "$TMP/dir"
ck 0 2; expect_unavailable
ck 0 3; expect_unavailable
get 0; expect_unavailable
fcgi GET /health; expect_status 503
expect_alive
mkdir "$TMP/dir"
# A new, empty database: the app has to be created again.
ck 0 4; expect_status 400; expect_code DIS.4332
setup_app
ck 0 5; expect_status 201
get 0; expect_body '{"sequence_number":"5","metadata":""}'
fcgi GET /health; expect_status 200
stop_fcgi; expect_eq 0 $?
expect_intact

# --- The database file replaced under the service: it follows the path.
CONTEXT="file replaced:"
DB=$TMP/replaced.db
start
setup_app
ck 0 1; expect_status 201
sqlite3 "$DB" ".backup '$TMP/copy.db'"
ck 0 2; expect_status 201
mv "$TMP/copy.db" "$DB"
rm -f "$DB-wal" "$DB-shm"
get 0; expect_body '{"sequence_number":"1","metadata":""}'
ck 0 3; expect_status 201
get 0; expect_body '{"sequence_number":"3","metadata":""}'
stop_fcgi; expect_eq 0 $?
expect_intact

# --- The file read-only before the service opens it (run as nobody), then
# writable again: a connection that SQLite could open only read-only must
# not stay read-only. (A file made read-only under an open connection is
# no fault: the descriptor keeps its write access, and writes stay durable.)
CONTEXT="read-only file:"
chmod 711 "$TMP"
mkdir "$TMP/ro"
DB=$TMP/ro/checkpoints.db
SOCK=$TMP/ro/fcgi.sock
sqlite3 "$DB" 'PRAGMA journal_mode=WAL' >/dev/null
start # creates the schema, as root
setup_app
ck 0 1; expect_status 201
stop_fcgi
chmod 444 "$DB"
# Root writes through file modes, so it runs the service as nobody, from a
# copy: nobody may not reach the build tree (a clone in /root or in a home
# directory, 0700 on Debian 12), and valgrind must read the binary.
as=
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody: "$TMP/ro"
	as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
cp "$BIN" "$TMP/ro-bin"
BIN=$TMP/ro-bin WRAPPER="$as $WRAPPER" start
ck 0 2; expect_unavailable
ck 0 3; expect_unavailable
expect_alive
# SQLite made -wal and -shm read-only like the file: all go back.
chmod 644 "$DB"*
ck 0 4; expect_status 201
get 0; expect_body '{"sequence_number":"4","metadata":""}'
stop_fcgi; expect_eq 0 $?
expect_intact
SOCK=$TMP/fcgi.sock

# --- Locked by another process past the deadline: sqlite3 holds BEGIN
# IMMEDIATE, fed through a fifo, until told to let go.
CONTEXT="locked:"
DB=$TMP/locked.db
start
setup_app
ck 0 1; expect_status 201
hold_write_lock
expect_eq 0 $?
ck 0 2; expect_unavailable
fcgi POST /v2/p1/apps '{"app_name":"a2"}'; expect_unavailable
get 0; expect_status 200	# readers are not blocked in WAL mode
expect_body '{"sequence_number":"1","metadata":""}'
expect_alive
release_write_lock
ck 0 3; expect_status 201
get 0; expect_body '{"sequence_number":"3","metadata":""}'
stop_fcgi; expect_eq 0 $?
expect_intact

# fill_until_503 FIRST: commits partitions FIRST, FIRST+1, ... with 1000
# bytes of metadata until one gets 503 (200 at most); every 201 is
# recorded in $TMP/acked. Anything but 201 or 503 is a failure.
fill_until_503() {
	local p=$1 got=no
	for _ in $(seq 200); do
		ck "$p" "$p" "$META"
		case $STATUS in
		201) echo "$p" >>"$TMP/acked" ;;
		503) got=yes; break ;;
		*) fail "$CONTEXT partition $p: status $STATUS: $BODY"; break ;;
		esac
		p=$((p + 1))
	done
	expect_eq yes "$got"
	expect_code DIS.5000
	expect_header 'Retry-After: 1'
	NEXT=$((p + 1))
}
# Every partition in $TMP/acked holds its acknowledged value.
expect_acked() {
	local p n=0
	while read -r p; do
		get "$p"
		[ "$BODY" = "{\"sequence_number\":\"$p\",\"metadata\":\"$META\"}" ] ||
		    { fail "$CONTEXT acknowledged partition $p lost: $BODY"; return; }
		n=$((n + 1))
	done <"$TMP/acked"
	expect_eq "$(wc -l <"$TMP/acked")" "$n"
}

# --- Disk full, by a file size limit on the running process.
CONTEXT="file size limit:"
DB=$TMP/fsize.db
: >"$TMP/acked"
start
setup_app
ck 0 0 "$META"; expect_status 201
echo 0 >>"$TMP/acked"
prlimit --pid "$SERVER_PID" \
    --fsize=$(($(stat -c %s "$DB") + $(stat -c %s "$DB-wal"))):
fill_until_503 1
expect_alive
fcgi GET /v2/p1/apps/a1; expect_status 200
prlimit --pid "$SERVER_PID" --fsize=unlimited:
ck "$NEXT" "$NEXT" "$META"; expect_status 201
echo "$NEXT" >>"$TMP/acked"
expect_acked
stop_fcgi; expect_eq 0 $?
expect_intact

# --- Disk full on a small tmpfs. (Remounting it read-only is no test:
# the kernel refuses while a file on it is open for writing.)
mkdir "$TMP/disk"
if mount -t tmpfs -o size=1m tmpfs "$TMP/disk" 2>/dev/null; then
	MNT=$TMP/disk
	CONTEXT="tmpfs full:"
	DB=$TMP/disk/checkpoints.db
	: >"$TMP/acked"
	start
	setup_app
	ck 0 0 "$META"; expect_status 201
	echo 0 >>"$TMP/acked"
	dd if=/dev/zero of="$TMP/disk/filler" bs=4k 2>/dev/null
	fill_until_503 1
	expect_alive
	rm "$TMP/disk/filler"
	ck "$NEXT" "$NEXT" "$META"; expect_status 201
	echo "$NEXT" >>"$TMP/acked"
	expect_acked
	stop_fcgi; expect_eq 0 $?
	expect_intact
	unmount
	echo "disk full: tmpfs and RLIMIT_FSIZE"
else
	echo "disk full: RLIMIT_FSIZE only (mounting a tmpfs is not permitted here)"
fi
finish
