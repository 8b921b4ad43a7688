#!/usr/bin/env bash
# tests/admin-pg.sh: dis-checkpoint-admin on PostgreSQL (a private server,
# tests/pg-lib.sh), the same store calls as on SQLite: apps, checkpoints,
# check, export into a second database and import there (the service
# answers alike on both), a refused import and a refused reset that leave
# nothing behind, a reset executed, and backup pointing at pg_dump; then
# four writers through the service while a reset and its undo run: the
# undo puts back exactly the values the reset replaced, and the history
# (the trigger's) is kept to its depth and chained.
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"
need cgi-fcgi psql
if ! pg_start; then
	echo "SKIP: no PostgreSQL server to start"
	exit 77
fi
pg_createdb src || exit 1
pg_createdb dst || exit 1
SRC=$(pg_conn src) DST=$(pg_conn dst)
. "$abs_top_srcdir/tests/admin-lib.sh"

ckpt() { # APP STREAM PARTITION SEQUENCE METADATA
	fcgi POST /v2/p1/checkpoints "{\"app_name\":\"$1\",\"stream_name\":\"$2\",\"partition_id\":\"$3\",\"sequence_number\":\"$4\",\"checkpoint_type\":\"LAST_READ\",\"metadata\":\"$5\"}"
	expect_status 201
}
# reads DATABASE: what the service answers on the read endpoints.
reads() {
	local app
	stop_fcgi 2>/dev/null
	"$BIN" -s "$SOCK" -d "$1" 2>>"$TMP/server.log" &
	SERVER_PID=$!
	wait_for_socket "$SOCK"
	fcgi GET "/v2/p1/apps?limit=100"; echo "$STATUS $BODY"
	for app in a1 a2; do
		fcgi GET "/v2/p1/apps/$app"; echo "$STATUS $BODY"
		fcgi GET "/v2/p1/apps/$app/streams/s1?checkpoint_type=LAST_READ"; echo "$STATUS $BODY"
		fcgi GET "/v2/p1/checkpoints?app_name=$app&stream_name=s1&partition_id=0&checkpoint_type=LAST_READ"; echo "$STATUS $BODY"
	done
	stop_fcgi
}

"$BIN" -s "$SOCK" -d "$SRC" 2>>"$TMP/server.log" &
SERVER_PID=$!
wait_for_socket "$SOCK"
for app in a1 a2; do
	fcgi POST /v2/p1/apps "{\"app_name\":\"$app\"}"; expect_status 201
done
ckpt a1 s1 0 10 m0
ckpt a1 s1 1 20 ''
ckpt a2 s1 0 5 x
stop_fcgi

CONTEXT="reads:"
admin -d "$SRC" apps --json
expect_rc 0; expect_out_json '[a["app"] for a in j] == ["a1", "a2"] and j[0]["streams"] == ["s1"]'
admin -d "$SRC" checkpoints -p p1 -a a1 --json
expect_rc 0
expect_out_json '[(c["partition"], c["sequence"], c["metadata"]) for c in j] == [(0, 10, "m0"), (1, 20, "")] and j[0]["changed"].endswith("Z")'
admin -d "$SRC" checkpoints -p p1 -a nosuch
expect_rc 1
admin -d "$SRC" check --json
expect_rc 0
expect_out_json 'j == {"ok": True, "integrity": "ok", "schema_version": 4, "projects": 1, "apps": 2, "checkpoints": 3, "orphans": 0, "history_changes": 3, "damaged_histories": 0}'
admin -d "$SRC" backup "$TMP/b.db"
expect_rc 1
[[ $ERR == *pg_dump* ]] && pass || fail "$CONTEXT backup: $ERR"

CONTEXT="export and import:"
admin -d "$SRC" export
expect_rc 0; cp "$TMP/admin.out" "$TMP/all.jsonl"
admin -d "$DST" import "$TMP/all.jsonl"
expect_rc 0; expect_eq "import: 5 changed, 0 unchanged" "$(printf '%s\n' "$OUT" | tail -1)"
admin -d "$DST" import "$TMP/all.jsonl"
expect_eq "import: 0 changed, 5 unchanged" "$OUT"
reads "$SRC" >"$TMP/reads.src"
reads "$DST" >"$TMP/reads.dst"
expect_eq 7 "$(grep -c '^200 ' "$TMP/reads.src")"
expect_eq "$(cat "$TMP/reads.src")" "$(cat "$TMP/reads.dst")"
# Refused by the store at its last line: the lines before it undone too.
{ sed 's/"sequence":10/"sequence":11/' "$TMP/all.jsonl"
  echo '{"kind":"checkpoint","project":"p1","app":"gone","stream":"s1","type":"LAST_READ","partition":0,"sequence":1,"metadata":""}'; } >"$TMP/bad.jsonl"
admin -d "$DST" import "$TMP/bad.jsonl"
expect_rc 1; [[ $ERR == *"bad.jsonl:6: project \"p1\" has no app \"gone\"; nothing imported"* ]] && pass || fail "$CONTEXT $ERR"
expect_eq 10 "$(pg_psql dst "SELECT sequence FROM checkpoints WHERE app = 'a1' AND partition = 0")"

CONTEXT="reset:"
admin -d "$DST" reset -p p1 -a a1 -s s1 --shift-by -15 --execute
expect_rc 1
expect_eq "0|10 1|20" "$(pg_psql dst "SELECT partition, sequence FROM checkpoints WHERE app = 'a1' ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
admin -d "$DST" reset -p p1 -a a1 -s s1 --shift-by -5 --execute
expect_rc 0
expect_eq "0|5 1|15" "$(pg_psql dst "SELECT partition, sequence FROM checkpoints WHERE app = 'a1' ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
admin -d "$DST" reset -p p1 -a a1 -s s1 --to-earliest --partitions 1 --execute
expect_rc 0
expect_eq "0|5" "$(pg_psql dst "SELECT partition, sequence FROM checkpoints WHERE app = 'a1' ORDER BY 1")"

CONTEXT="under load:"
DEPTH=100
export DIS_CHECKPOINT_HISTORY=$DEPTH
"$BIN" -s "$SOCK" -d "$SRC" 2>>"$TMP/server.log" &
SERVER_PID=$!
wait_for_socket "$SOCK"
fcgi POST /v2/p1/apps '{"app_name":"load"}'; expect_status 201
start_load "$SOCK" load s load
wait_for "all_acked 20"
admin -d "$SRC" reset -p p1 -a load -s s --shift-by 1000 --execute
expect_rc 0
reset_moves=$(moves)
expect_eq 4 "$(printf '%s' "$reset_moves" | tr '|' '\n' | awk '$3 == $2 + 1000' | wc -l)"
# The writers pause for the undo, as in admin.sh.
kill -STOP $LOAD_PIDS
admin -d "$SRC" undo -p p1 -a load -s s --execute
kill -CONT $LOAD_PIDS
expect_rc 0
expect_eq "$(printf '%s' "$reset_moves" | tr '|' '\n' | awk '{ print $1, $2 }')" \
    "$(moves | tr '|' '\n' | awk '{ print $1, $3 }')"
acked=$(cat "$LOAD_LOG".* | grep -c ' 201$')
wait_for "all_acked $((acked / 4 + DEPTH + 10))"
stop_fcgi
wait $LOAD_PIDS
for i in 1 2 3 4; do
	admin -d "$SRC" history -p p1 -a load -s s --partition "$i" --json
	now=$(pg_psql src "SELECT sequence FROM checkpoints WHERE app = 'load' AND partition = $i")
	expect_chained "len(j) == $DEPTH and chained(j, {$i: $now})"
done
expect_eq $((4 * DEPTH)) "$(pg_psql src "SELECT count(*) FROM history WHERE app = 'load'")"
unset DIS_CHECKPOINT_HISTORY

finish
