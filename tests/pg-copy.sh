#!/bin/bash
# tests/pg-copy.sh: scripts/dis-checkpoint-copy moves a database written
# through the API from SQLite into PostgreSQL (a private server) and back:
# the service on the copy answers every read as on the original, values
# the CSV on the way must keep (commas, quotes, newlines, non-ASCII, empty
# metadata, the largest sequence) arrive unchanged, and so do each
# checkpoint's last change time, its history and the admin runs undo
# finds (dis-checkpoint-admin prints the same on both); running it again
# changes nothing, and rows already in the target stay.
export LC_ALL=C
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"
. "$abs_top_srcdir/tests/admin-lib.sh"
if ! pg_start; then
	echo "SKIP: no PostgreSQL server to start"
	exit 77
fi
pg_createdb copy || exit 1
COPY=$abs_top_srcdir/scripts/dis-checkpoint-copy
export DIS_CHECKPOINT=$BIN
PGDB=$(pg_conn copy)

ckpt() {
	fcgi POST "/v2/$1/checkpoints" "{\"stream_name\":\"$3\",\"app_name\":\"$2\",\"partition_id\":\"$4\",\"sequence_number\":\"$5\",\"checkpoint_type\":\"LAST_READ\",\"metadata\":$6}"
	[ "$STATUS" = 201 ] || fail "$CONTEXT commit $*: $STATUS $BODY"
}
# reads: every answer a consumer could get, one a line.
reads() {
	local p
	for p in p1 p2; do
		fcgi GET "/v2/$p/apps?limit=100"; echo "$BODY"
		for a in a1 a2; do
			fcgi GET "/v2/$p/apps/$a"; echo "$BODY"
			for s in s1 s2; do
				fcgi GET "/v2/$p/apps/$a/streams/$s?checkpoint_type=LAST_READ"
				echo "$BODY"
				for n in 0 1 2; do
					fcgi GET "/v2/$p/checkpoints?stream_name=$s&app_name=$a&partition_id=$n&checkpoint_type=LAST_READ"
					echo "$BODY"
				done
			done
		done
	done
}

CONTEXT="original:"
start_fcgi
for p in p1 p2; do
	for a in a1 a2; do
		fcgi POST "/v2/$p/apps" "{\"app_name\":\"$a\"}"
		expect_status 201
	done
done
ckpt p1 a1 s1 0 10 '"plain"'
ckpt p1 a1 s1 1 9223372036854775807 '""'
ckpt p1 a1 s2 2 7 '"a, \"quoted\" value,\nover two lines"'
ckpt p1 a2 s1 0 1 '"caf\u00e9 \u20ac \ud83d\ude00"'
ckpt p2 a1 s1 0 20 '"p2, \\\\ and \"\""'
ckpt p2 a2 s2 1 0 'null'
# History: changes, a delete, and a reset an undo would take back.
ckpt p1 a1 s1 0 11 '"plain, again"'
ckpt p1 a1 s1 0 12 '""'
fcgi DELETE "/v2/p1/checkpoints?app_name=a1&stream_name=s2&partition_id=2&checkpoint_type=LAST_READ"
expect_status 204
ckpt p1 a1 s2 2 8 '"back, \"quoted\""'
admin -d "$DB" reset -p p1 -a a1 -s s1 --shift-by -1 --execute
expect_rc 0
before=$(reads)
stop_fcgi
# admin_state: what the admin command shows of the database: checkpoints
# with their change times, each stream's history, what undo would do.
admin_state() {
	local p a s
	for p in p1 p2; do
		admin -d "$DB" checkpoints -p "$p" --json; echo "$RC $OUT"
		for a in a1 a2; do
			for s in s1 s2; do
				admin -d "$DB" history -p "$p" -a "$a" -s "$s" --json
				echo "$RC $OUT"
			done
		done
	done
	admin -d "$DB" undo -p p1 -a a1 -s s1; echo "$RC $OUT"
}
admin_before=$(admin_state)
expect_eq yes "$(printf '%s' "$admin_before" | grep -q '"origin": *"reset"' && echo yes)"

CONTEXT="SQLite to PostgreSQL:"
expect_eq "dis-checkpoint-copy: 4 apps, 6 checkpoints and 12 changes of their history copied and checked" \
    "$("$COPY" "$DB" "$PGDB" 2>&1)"
SQLITE_DB=$DB
DB=$PGDB
expect_eq "$admin_before" "$(admin_state)"
start_fcgi
expect_eq "$before" "$(reads)"
stop_fcgi
CONTEXT="again:"
expect_eq "dis-checkpoint-copy: 4 apps, 6 checkpoints and 12 changes of their history copied and checked" \
    "$("$COPY" "$SQLITE_DB" "$PGDB" 2>&1)"
expect_eq 4 "$(pg_psql copy 'SELECT count(*) FROM apps')"
expect_eq 6 "$(pg_psql copy 'SELECT count(*) FROM checkpoints')"
expect_eq 12 "$(pg_psql copy 'SELECT count(*) FROM history')"
expect_eq "$admin_before" "$(admin_state)"

CONTEXT="PostgreSQL to SQLite:"
DB=$TMP/back.db
: >"$DB"
expect_eq "dis-checkpoint-copy: 4 apps, 6 checkpoints and 12 changes of their history copied and checked" \
    "$("$COPY" "$PGDB" "$DB" 2>&1)"
expect_eq "$admin_before" "$(admin_state)"
start_fcgi
expect_eq "$before" "$(reads)"
# A row only the target has stays; the copied ones are replaced.
fcgi POST /v2/p3/apps '{"app_name":"a1"}'
expect_status 201
ckpt p1 a1 s1 0 99 '"changed here"'
stop_fcgi
expect_eq "dis-checkpoint-copy: 4 apps, 6 checkpoints and 12 changes of their history copied and checked" \
    "$("$COPY" "$PGDB" "$DB" 2>&1)"
start_fcgi
expect_eq "$before" "$(reads)"
fcgi GET /v2/p3/apps/a1
expect_status 200
stop_fcgi

CONTEXT="a source that is not there:"
out=$("$COPY" "$TMP/no-such.db" "$PGDB" 2>&1)
expect_eq 1 $?
expect_eq "dis-checkpoint-copy: $TMP/no-such.db: no such database file" "$out"
expect_eq no "$([ -e "$TMP/no-such.db" ] && echo yes || echo no)"

CONTEXT="a target that is not there:"
out=$("$COPY" "$SQLITE_DB" "$TMP/no/such/dir/x.db" 2>&1)
expect_eq 1 $?
expect_eq yes "$(printf '%s' "$out" | grep -q 'is not ready' && echo yes)"
finish
