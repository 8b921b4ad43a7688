#!/usr/bin/env bash
# tests/history.sh: checkpoint history through the real service (FastCGI)
# and dis-checkpoint-admin on a real database (SQLite here; history-pg.sh
# runs the same on a private PostgreSQL server): the depth kept and the
# chain of values, deletes, history = 0, a schema 2 database migrated,
# `history`, `undo` after a reset and after an import, `reset --to-time`
# at chosen moments and before the history's reach, and bad input, each
# refusal leaving the database as it was.
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need cgi-fcgi

. "$abs_top_srcdir/tests/admin-lib.sh"

# admin ARGS...: the command on $DB, whichever backend holds it.
admin() {
	$WRAPPER "$ADMIN" -d "$(db_setting)" "$@" >"$TMP/admin.out" \
	    2>"$TMP/admin.err"
	RC=$?
	OUT=$(cat "$TMP/admin.out")
	ERR=$(cat "$TMP/admin.err")
}
ckpt() { # APP STREAM PARTITION SEQUENCE [METADATA]
	fcgi POST /v2/p1/checkpoints "{\"app_name\":\"$1\",\"stream_name\":\"$2\",\"partition_id\":\"$3\",\"sequence_number\":\"$4\",\"checkpoint_type\":\"LAST_READ\",\"metadata\":\"${5-}\"}"
	expect_status 201
}
# state APP STREAM: "partition=sequence/metadata ..." as the admin lists it.
state() {
	"$ADMIN" -d "$(db_setting)" checkpoints -p p1 -a "$1" -s "$2" --json |
	    "$PYTHON" -c 'import json, sys
print(" ".join("%d=%d/%s" % (c["partition"], c["sequence"], c["metadata"]) for c in json.load(sys.stdin)))'
}
start_fcgi
fcgi POST /v2/p1/apps '{"app_name":"a1"}'; expect_status 201
fcgi POST /v2/p1/apps '{"app_name":"a2"}'; expect_status 201
for i in $(seq 15); do ckpt a1 s1 0 "$i" "m$i"; done
for i in 1 2 3; do ckpt a1 s1 1 "$((i * 100))"; done

CONTEXT="depth:"
# The default depth, 10: partition 0 changed 15 times, partition 1 three.
admin history -p p1 -a a1 -s s1 --json
expect_rc 0
expect_chained 'len([r for r in j if r["partition"] == 0]) == 10 and len([r for r in j if r["partition"] == 1]) == 3 and chained(j, {0: 15, 1: 300}) and all(r["origin"] == "api" and r["operation"] is None for r in j)'
expect_out_json 'j[0]["partition"] == 1 and j[0]["new"] == {"sequence": 300, "metadata": ""} and [r["seq"] for r in j if r["partition"] == 0] == list(range(15, 5, -1))'
expect_out_json '[r for r in j if r["partition"] == 1][-1]["old"] is None'
admin history -p p1 -a a1 -s s1
expect_rc 0
expect_eq "PARTITION WHEN WHO OLD NEW" "$(printf '%s\n' "$OUT" | head -1 | tr -s ' ')"
expect_eq "1 api 200 300" "$(printf '%s\n' "$OUT" | sed -n 2p | awk '{ print $1, $3, $4, $5 }')"
expect_eq "1 api none 100" "$(printf '%s\n' "$OUT" | awk '$1 == 1' | tail -1 | awk '{ print $1, $3, $4, $5 }')"
expect_eq 14 "$(printf '%s\n' "$OUT" | wc -l)"
admin history -p p1 -a a1 -s s1 --partition 0
expect_rc 0
expect_eq "0 14 15" "$(printf '%s\n' "$OUT" | sed -n 2p | awk '{ print $1, $4, $5 }')"
expect_eq 10 "$(printf '%s\n' "$OUT" | awk 'NR > 1 && $1 == 0' | wc -l)"

CONTEXT="delete:"
# A delete through the API is a change to none; a write after it has none
# as its old value, since the delete.
fcgi DELETE "/v2/p1/checkpoints?app_name=a1&stream_name=s1&partition_id=1&checkpoint_type=LAST_READ"
expect_status 204
ckpt a1 s1 1 7 back
admin history -p p1 -a a1 -s s1 --partition 1 --json
expect_out_json 'j[0]["old"] is None and j[0]["new"]["sequence"] == 7 and j[1]["new"] is None and j[1]["old"]["sequence"] == 300 and j[0]["old_set"] == j[1]["changed"] and len(j) == 5'

CONTEXT="history bad input:"
admin history -p p1 -a nosuch -s s1
expect_rc 1; expect_err_has 'project "p1" has no app "nosuch"'
admin history -p nosuch -a a1 -s s1
expect_rc 1; expect_err_has 'has no app "a1"'
admin history -p p1 -a a1 -s nosuch
expect_rc 1; expect_err_has "keeps no LAST_READ history"
admin history -p p1 -a a1 -s s1 --partition 9
expect_rc 1; expect_err_has "of partition 9"
for args in "-p p1 -a a1" "-p p1 -a a1 -s s1 --partition x" \
    "-p p1 -a a1 -s s1 --partition -1" "-p p1 -a a1 -s s1 --partiton 0" \
    "-p p1 -a a1 -s s1 extra"; do
	# shellcheck disable=SC2086
	admin history $args
	CONTEXT="history '$args':" expect_rc 2
	CONTEXT="history '$args':" expect_err_has "usage: dis-checkpoint-admin history"
done
admin history -p p1 -a a1 -s s1 --partiton 0
expect_err_has "did you mean --partition?"
stop_fcgi

CONTEXT="undo after a reset:"
before=$(state a1 s1)
admin reset -p p1 -a a1 -s s1 --shift-by -5 --execute
expect_rc 0
reset_moves=$(moves)
expect_eq "0 15 10|1 7 2" "$reset_moves"
expect_eq "0=10/m15 1=2/back" "$(state a1 s1)"
# A dry run: the way back, printed; nothing written.
admin undo -p p1 -a a1 -s s1
expect_rc 0
expect_eq "0 10 15|1 2 7" "$(moves)"
[[ $OUT == "undo: the reset of "* ]] && pass || fail "$CONTEXT $OUT"
expect_eq "undo: 2 to change; dry run, nothing written (add --execute to apply)" "$(printf '%s\n' "$OUT" | tail -1)"
expect_eq "0=10/m15 1=2/back" "$(state a1 s1)"
admin undo -p p1 -a a1 -s s1 --execute
expect_rc 0
expect_eq "undo: 2 changed in one transaction" "$(printf '%s\n' "$OUT" | tail -1)"
expect_eq "$before" "$(state a1 s1)"
admin history -p p1 -a a1 -s s1 --json
expect_out_json '[r["origin"] for r in j[:4]] == ["undo", "undo", "reset", "reset"] and j[0]["operation"] == j[1]["operation"] != j[2]["operation"]'
# Undo again: still the reset, already undone: nothing to change.
admin undo -p p1 -a a1 -s s1 --execute
expect_rc 0; expect_eq "undo: 0 changed in one transaction" "$(printf '%s\n' "$OUT" | tail -1)"
expect_eq "$before" "$(state a1 s1)"

CONTEXT="undo after an import:"
"$ADMIN" -d "$(db_setting)" export -p p1 -a a1 >"$TMP/a1.jsonl"
sed -e 's/"sequence":15,"metadata":"m15"/"sequence":1000,"metadata":"imported"/' \
    -e 's/"partition":1,"sequence":7/"partition":1,"sequence":8/' "$TMP/a1.jsonl" >"$TMP/changed.jsonl"
admin import "$TMP/changed.jsonl"
expect_rc 0; expect_eq "import: 2 changed, 1 unchanged" "$(printf '%s\n' "$OUT" | tail -1)"
expect_eq "0=1000/imported 1=8/back" "$(state a1 s1)"
admin undo -p p1 -a a1 -s s1 --execute
expect_rc 0
[[ $OUT == "undo: the import of "* ]] && pass || fail "$CONTEXT $OUT"
expect_eq "0 1000 15|1 8 7" "$(moves)"
expect_eq "$before" "$(state a1 s1)"

CONTEXT="undo refused:"
dump=$(db_dump)
admin undo -p p1 -a a2 -s s1 --execute
expect_rc 1; expect_err_has "nothing to undo"
admin undo -p p1 -a nosuch -s s1
expect_rc 1; expect_err_has 'has no app "nosuch"'
admin undo -p p1 -a a1 -s s1 -t LAST_READ --execute
expect_rc 0
for args in "-p p1 -a a1" "-p p1 -a a1 -s s1 --to-sequence 1" \
    "-p p1 -a a1 -s s1 --exeute" "-p p1 -s s1"; do
	# shellcheck disable=SC2086
	admin undo $args
	CONTEXT="undo '$args':" expect_rc 2
done
admin undo -p p1 -a a1 -s s1 --exeute
expect_err_has "did you mean --execute?"
expect_eq "$dump" "$(db_dump)"

CONTEXT="undo pruned:"
# With two values kept, a reset's old values are gone after two more
# writes of each partition it changed: said, nothing changed.
DIS_CHECKPOINT_HISTORY=2 start_fcgi
fcgi POST /v2/p1/apps '{"app_name":"short"}'; expect_status 201
ckpt short s1 0 1
ckpt short s1 1 1
DIS_CHECKPOINT_HISTORY=2 admin reset -p p1 -a short -s s1 --to-sequence 50 --execute
expect_rc 0
ckpt short s1 0 51
ckpt short s1 0 52
DIS_CHECKPOINT_HISTORY=2 admin undo -p p1 -a short -s s1
expect_rc 1
expect_err_has "the reset of "
expect_err_has "changed 2 checkpoints and the history keeps 1 of those changes"
expect_eq "0=52/ 1=50/" "$(state short s1)"
# Nor does --to-time reach back past what is kept: just before the reset
# partition 1's history says 1, partition 0's no longer says anything.
"$ADMIN" -d "$(db_setting)" history -p p1 -a short -s s1 --json >"$TMP/short.json"
before_reset=$("$PYTHON" - "$TMP/short.json" <<'PY'
import datetime, json, sys
r = [r for r in json.load(open(sys.argv[1])) if r["origin"] == "reset"][0]
t = datetime.datetime.strptime(r["changed"], "%Y-%m-%dT%H:%M:%S.%fZ") - datetime.timedelta(milliseconds=1)
print(t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000))
PY
)
dump=$(db_dump)
DIS_CHECKPOINT_HISTORY=2 admin reset -p p1 -a short -s s1 --to-time "$before_reset" --execute
expect_rc 1; expect_err_has "partition 0: its history does not reach back to $before_reset"
[[ $ERR != *"partition 1"* ]] && pass || fail "$CONTEXT partition 1 refused too: $ERR"
expect_eq "$dump" "$(db_dump)"
DIS_CHECKPOINT_HISTORY=2 admin reset -p p1 -a short -s s1 --to-time "$before_reset" --partitions 1 --execute
expect_rc 0; expect_eq "0=52/ 1=1/" "$(state short s1)"
stop_fcgi

CONTEXT="to-time:"
# Moments taken from the history: a change's own time holds its new
# value, a millisecond before it the old one.
start_fcgi
fcgi POST /v2/p1/apps '{"app_name":"tt"}'; expect_status 201
for i in 1 2 3 4; do ckpt tt s1 0 "$((i * 10))" "v$i"; ckpt tt s1 1 "$((i * 11))" "w$i"; done
admin history -p p1 -a tt -s s1 --json
cp "$TMP/admin.out" "$TMP/tt.json"
at() { # PARTITION SEQUENCE|none [OFFSET_MS]: when the partition became that
	"$PYTHON" - "$TMP/tt.json" "$1" "$2" "${3:-0}" <<'PY'
import datetime, json, sys
rows, part, off = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[4])
seq = None if sys.argv[3] == "none" else int(sys.argv[3])
r = [r for r in rows if r["partition"] == part and (r["new"] or {}).get("sequence") == seq][0]
t = datetime.datetime.strptime(r["changed"], "%Y-%m-%dT%H:%M:%S.%fZ") + datetime.timedelta(milliseconds=off)
print(t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000))
PY
}
t2=$(at 0 20)
admin reset -p p1 -a tt -s s1 --to-time "$t2"
expect_rc 0
# At the moment partition 0 became 20, partition 1 still held 11.
expect_eq "0 40 20|1 44 11" "$(moves)"
expect_eq "0=40/v4 1=44/w4" "$(state tt s1)"
admin reset -p p1 -a tt -s s1 --to-time "$t2" --execute
expect_rc 0
expect_eq "0=20/v2 1=11/w1" "$(state tt s1)"
# Just before: 10 and 11; only partition 1, named, at 22's moment.
admin reset -p p1 -a tt -s s1 --to-time "$(at 0 20 -1)" --execute
expect_rc 0; expect_eq "0=10/v1 1=11/w1" "$(state tt s1)"
admin reset -p p1 -a tt -s s1 --to-time "$(at 1 22)" --partitions 1 --execute
expect_rc 0; expect_eq "0=10/v1 1=22/w2" "$(state tt s1)"
# Now, or later: the values are those of now.
admin reset -p p1 -a tt -s s1 --to-time 2099-01-01T00:00:00Z
expect_rc 0; expect_eq "0 10 10|1 22 22" "$(moves)"
expect_eq "reset: 0 to change; dry run, nothing written (add --execute to apply)" "$(printf '%s\n' "$OUT" | tail -1)"
# Before the first write the history does not reach: refused whole.
dump=$(db_dump)
admin reset -p p1 -a tt -s s1 --to-time "$(at 0 10 -1)" --execute
expect_rc 1
expect_err_has "partition 0: its history does not reach back to"
expect_eq "$dump" "$(db_dump)"
# Long before: refused too.
admin reset -p p1 -a tt -s s1 --to-time 2020-01-01T00:00:00.000Z --partitions 0 --execute
expect_rc 1
expect_eq "$dump" "$(db_dump)"
# A partition first written after the moment: its history does not say
# what it held before its first write.
ckpt tt s1 5 500
admin reset -p p1 -a tt -s s1 --to-time "$(at 1 22)" --partitions 5
expect_rc 1; expect_err_has "partition 5: its history does not reach back"
# Between a delete and the next write a partition held none: dropped.
fcgi DELETE "/v2/p1/checkpoints?app_name=tt&stream_name=s1&partition_id=1&checkpoint_type=LAST_READ"
expect_status 204
ckpt tt s1 1 99
"$ADMIN" -d "$(db_setting)" history -p p1 -a tt -s s1 --json >"$TMP/tt.json"
admin reset -p p1 -a tt -s s1 --to-time "$(at 1 none)" --execute
expect_rc 0
expect_eq "0 10 10|1 99 none|5 500 500" "$(moves)"
expect_eq "0=10/v1 5=500/" "$(state tt s1)"
stop_fcgi

CONTEXT="to-time bad input:"
dump=$(db_dump)
for t in "2026-11-30 12:00:00" "2026-11-30T12:00:00" "2026-02-30T12:00:00Z" \
    "yesterday" "2026-11-30T12:00:00+01:00" "2026-11-30T12:00:00.1234Z" \
    "2026-11-30T24:00:00Z" "2026-11-30T12:00:00.Z" " 2026-11-30T12:00:00Z" \
    "2026-11-3T12:00:00Z" "12026-11-30T12:00:00Z" ""; do
	admin reset -p p1 -a tt -s s1 --to-time "$t" --execute
	CONTEXT="to-time '$t':" expect_rc 2
	CONTEXT="to-time '$t':" expect_err_has "is not a time in UTC"
done
admin reset -p p1 -a tt -s s1 --to-time 2026-11-30T12:00:00Z --to-sequence 1 --execute
expect_rc 2; expect_err_has "give one of"
admin reset -p p1 -a tt -s s1 --to-time 2026-11-30T12:00:00Z --to-earliest
expect_rc 2
admin reset -p p1 -a tt -s s1 --to-tme 2026-11-30T12:00:00Z
expect_rc 2; expect_err_has "did you mean --to-time?"
admin reset -p p1 -a nosuch -s s1 --to-time 2026-11-30T12:00:00Z
expect_rc 1; expect_err_has 'has no app "nosuch"'
admin reset -p p1 -a tt -s nosuch --to-time 2026-11-30T12:00:00Z
expect_rc 1; expect_err_has "holds no LAST_READ checkpoints"
expect_eq "$dump" "$(db_dump)"

CONTEXT="history = 0:"
DB=$TMP/off.db
DIS_CHECKPOINT_HISTORY=0 start_fcgi
fcgi POST /v2/p1/apps '{"app_name":"a1"}'; expect_status 201
ckpt a1 s1 0 1
ckpt a1 s1 0 2
fcgi DELETE "/v2/p1/checkpoints?app_name=a1&stream_name=s1&checkpoint_type=LAST_READ"
expect_status 204
ckpt a1 s1 0 3
stop_fcgi
expect_eq 0 "$(db_sql 'SELECT count(*) FROM history_rows')"
DIS_CHECKPOINT_HISTORY=0 admin reset -p p1 -a a1 -s s1 --to-sequence 9 --execute
expect_rc 0
expect_eq 0 "$(db_sql 'SELECT count(*) + (SELECT count(*) FROM operations) FROM history_rows')"
admin history -p p1 -a a1 -s s1
expect_rc 1; expect_err_has "keeps no LAST_READ history"
admin undo -p p1 -a a1 -s s1
expect_rc 1; expect_err_has "nothing to undo"

if ! db_is_pg; then
	CONTEXT="history off, then on:"
	# A write with history off drops the checkpoint's history (SQLite;
	# PostgreSQL keeps it): a deleted one's, kept in removed, goes at the
	# next write with history on, or it stayed beside the new row's, seen
	# twice in history_rows, and a delete replaced it.
	DB=$TMP/mixed.db
	start_fcgi
	fcgi POST /v2/p1/apps '{"app_name":"a1"}'; expect_status 201
	ckpt a1 s1 0 1
	ckpt a1 s1 0 2
	fcgi DELETE "/v2/p1/checkpoints?app_name=a1&stream_name=s1&partition_id=0&checkpoint_type=LAST_READ"
	expect_status 204
	stop_fcgi
	expect_eq 1 "$(db_sql 'SELECT count(*) FROM removed')"
	DIS_CHECKPOINT_HISTORY=0 start_fcgi
	ckpt a1 s1 0 3
	stop_fcgi
	start_fcgi
	ckpt a1 s1 0 4
	expect_eq 0 "$(db_sql 'SELECT count(*) FROM removed')"
	expect_eq "1|3|4" "$(db_sql 'SELECT seq, old_sequence, new_sequence FROM history_rows')"
	fcgi DELETE "/v2/p1/checkpoints?app_name=a1&stream_name=s1&partition_id=0&checkpoint_type=LAST_READ"
	expect_status 204
	stop_fcgi
	expect_eq "1|3|4 2|4|" "$(db_sql 'SELECT seq, old_sequence, new_sequence FROM history_rows ORDER BY seq' | tr '\n' ' ' | sed 's/ $//')"
fi

CONTEXT="schema 2:"
# SQLite's apps and checkpoints tables as schemas 2 and 3 made them.
SQLITE_V2_TABLES="CREATE TABLE apps (project TEXT NOT NULL, name TEXT NOT NULL, app_id TEXT NOT NULL, create_time INTEGER NOT NULL, PRIMARY KEY (project, name)) WITHOUT ROWID;
CREATE TABLE checkpoints (project TEXT NOT NULL, app TEXT NOT NULL, stream TEXT NOT NULL, type TEXT NOT NULL, partition INTEGER NOT NULL, sequence INTEGER NOT NULL, metadata TEXT NOT NULL, changed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (project, app, stream, type, partition)) WITHOUT ROWID;
"
# SQLite's schema is at 5 (checkpoints a rowid table), PostgreSQL's at 4.
if db_is_pg; then SCHEMA=4; else SCHEMA=5; fi
# A database of schema version 2 is brought to 3 by the service; its
# checkpoints stay, and their next change keeps the old value.
DB=$TMP/v2.db
if db_is_pg; then
	db_setting >/dev/null
	db_sql "CREATE TABLE schema_versions (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now());
CREATE TABLE apps (project text COLLATE \"C\" NOT NULL, name text COLLATE \"C\" NOT NULL, app_id text NOT NULL, create_time bigint NOT NULL, PRIMARY KEY (project, name));
CREATE TABLE checkpoints (project text COLLATE \"C\" NOT NULL, app text COLLATE \"C\" NOT NULL, stream text COLLATE \"C\" NOT NULL, type text COLLATE \"C\" NOT NULL, partition bigint NOT NULL, sequence bigint NOT NULL, metadata text NOT NULL, changed bigint NOT NULL DEFAULT 0, PRIMARY KEY (project, app, stream, type, partition));
INSERT INTO schema_versions (version) VALUES (1), (2);" >/dev/null
else
	sqlite3 "$DB" "PRAGMA journal_mode=WAL;
${SQLITE_V2_TABLES}PRAGMA user_version = 2;" >/dev/null
fi
db_sql "INSERT INTO apps VALUES ('p1', 'old', 'id', 1);
INSERT INTO checkpoints VALUES ('p1', 'old', 's', 'LAST_READ', 0, 5, 'kept', 1700000000000);
INSERT INTO checkpoints VALUES ('p1', 'old', 's', 'LAST_READ', 1, 6, '', 0);" >/dev/null
start_fcgi
fcgi GET "/v2/p1/checkpoints?app_name=old&stream_name=s&partition_id=0&checkpoint_type=LAST_READ"
expect_body '{"sequence_number":"5","metadata":"kept"}'
ckpt old s 0 8 new
ckpt old s 1 9
stop_fcgi
admin check --json
expect_rc 0; expect_out_json "j[\"schema_version\"] == $SCHEMA and j[\"checkpoints\"] == 2"
admin history -p p1 -a old -s s --json
expect_out_json '[(r["partition"], r["old"], r["old_set"], r["new"]["sequence"]) for r in sorted(j, key=lambda r: r["partition"])] == [(0, {"sequence": 5, "metadata": "kept"}, "2023-11-14T22:13:20.000Z", 8), (1, {"sequence": 6, "metadata": ""}, None, 9)]'

CONTEXT="schema 3:"
# SQLite's schema 3 kept history in a table; 4 keeps it in each
# checkpoint's row (a removed one's in removed). The migration keeps every
# change, the chains and the operations, and the next write goes on.
if ! db_is_pg; then
	DB=$TMP/v3.db
	sqlite3 "$DB" "PRAGMA journal_mode=WAL;
${SQLITE_V2_TABLES}CREATE TABLE history (project TEXT NOT NULL, app TEXT NOT NULL, stream TEXT NOT NULL, type TEXT NOT NULL, partition INTEGER NOT NULL, seq INTEGER NOT NULL, old_sequence INTEGER, old_metadata TEXT, old_set_at INTEGER, new_sequence INTEGER, new_metadata TEXT, changed_at INTEGER NOT NULL, origin TEXT NOT NULL, operation TEXT, PRIMARY KEY (project, app, stream, type, partition, seq)) WITHOUT ROWID;
CREATE TABLE operations (project TEXT NOT NULL, app TEXT NOT NULL, stream TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, origin TEXT NOT NULL, at INTEGER NOT NULL, changes INTEGER NOT NULL, PRIMARY KEY (project, app, stream, type, id)) WITHOUT ROWID;
INSERT INTO apps VALUES ('p1', 'm', 'id', 1);
INSERT INTO checkpoints VALUES ('p1', 'm', 's', 'LAST_READ', 0, 30, '', 3000);
INSERT INTO history VALUES ('p1', 'm', 's', 'LAST_READ', 0, 1, NULL, NULL, NULL, 10, 'a\"q', 1000, 'api', NULL),
 ('p1', 'm', 's', 'LAST_READ', 0, 2, 10, 'a\"q', 1000, 20, 'b', 2000, 'reset', 'op1'),
 ('p1', 'm', 's', 'LAST_READ', 0, 3, 20, 'b', 2000, 30, '', 3000, 'api', NULL),
 ('p1', 'm', 's', 'LAST_READ', 1, 1, NULL, NULL, NULL, 5, '', 1500, 'api', NULL),
 ('p1', 'm', 's', 'LAST_READ', 1, 2, 5, '', 1500, NULL, NULL, 2500, 'api', NULL);
INSERT INTO operations VALUES ('p1', 'm', 's', 'LAST_READ', 'op1', 'reset', 2000, 1);
CREATE INDEX by_origin ON history (origin);
PRAGMA user_version = 3;" >/dev/null
	want=$(sqlite3 -json "$DB" "SELECT partition, seq, old_sequence, old_metadata, old_set_at, new_sequence, new_metadata, changed_at, origin, operation FROM history ORDER BY partition, seq")
	admin check --json
	expect_rc 0; expect_out_json 'j["schema_version"] == 5 and j["checkpoints"] == 1'
	# An operator's index on the history table 4 folds into the rows
	# goes with it, said with its SQL.
	expect_err_has "dropped index by_origin with its table history: CREATE INDEX by_origin ON history (origin)"
	# 5: a rowid table, its key a unique index, so a row with its
	# history keeps up to 4 kB in its page.
	expect_eq "0 1" "$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'checkpoints' AND sql LIKE '%WITHOUT ROWID%'), (SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'checkpoints')" | tr '|' ' ')"
	expect_eq "$want" "$(sqlite3 -json "$DB" "SELECT partition, seq, old_sequence, old_metadata, old_set_at, new_sequence, new_metadata, changed_at, origin, operation FROM history_rows ORDER BY partition, seq")"
	expect_eq "0 1" "$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'history'), (SELECT count(*) FROM removed)" | tr '|' ' ')"
	admin history -p p1 -a m -s s --json
	expect_out_json '[(r["partition"], r["seq"], r["operation"], r["old"], r["new"]) for r in sorted(j, key=lambda r: (r["partition"], -r["seq"]))] == [(0, 3, None, {"sequence": 20, "metadata": "b"}, {"sequence": 30, "metadata": ""}), (0, 2, "op1", {"sequence": 10, "metadata": "a\"q"}, {"sequence": 20, "metadata": "b"}), (0, 1, None, None, {"sequence": 10, "metadata": "a\"q"}), (1, 2, None, {"sequence": 5, "metadata": ""}, None), (1, 1, None, None, {"sequence": 5, "metadata": ""})]'
	start_fcgi
	ckpt m s 1 7
	ckpt m s 0 31
	stop_fcgi
	admin history -p p1 -a m -s s --json
	expect_out_json '[(r["partition"], r["seq"], r["old"] and r["old"]["sequence"], r["new"]["sequence"]) for r in sorted(j, key=lambda r: (r["partition"], -r["seq"])) if r["seq"] >= 3] == [(0, 4, 30, 31), (0, 3, 20, 30), (1, 3, None, 7)] and [r["old_set"] for r in j if r["partition"] == 1 and r["seq"] == 3] == ["1970-01-01T00:00:02.500Z"]'
	expect_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM removed")"
	# A history edited by hand to changes of two fields still reads, and
	# the next write goes on after it.
	sqlite3 "$DB" "UPDATE checkpoints SET history = '[[7, 5]]' WHERE partition = 1"
	admin history -p p1 -a m -s s --partition 1
	expect_rc 0; expect_eq "1 unknown none 7" "$(printf '%s\n' "$OUT" | sed -n 2p | awk '{ print $1, $3, $4, $5 }')"
	start_fcgi
	ckpt m s 1 8
	stop_fcgi
	admin history -p p1 -a m -s s --partition 1 --json
	expect_out_json '[(r["seq"], r["origin"], r["new"]["sequence"]) for r in j] == [(8, "api", 8), (7, "unknown", 7)]'
fi

CONTEXT="an operator's objects:"
# Schema 5 makes checkpoints anew. An operator's own view on it still
# reads, and their index and trigger on it are made again on the new
# table, the trigger firing on the service's next write.
if ! db_is_pg; then
	DB=$TMP/v2-own.db
	sqlite3 "$DB" "PRAGMA journal_mode=WAL;
${SQLITE_V2_TABLES}INSERT INTO apps VALUES ('p1', 'o', 'id', 1);
INSERT INTO checkpoints VALUES ('p1', 'o', 's', 'LAST_READ', 0, 5, '', 0);
CREATE VIEW lag AS SELECT app, partition, sequence FROM checkpoints;
CREATE INDEX by_changed ON checkpoints (changed);
CREATE TABLE audit (sequence INTEGER);
CREATE TRIGGER audit_update AFTER UPDATE ON checkpoints BEGIN INSERT INTO audit VALUES (NEW.sequence); END;
PRAGMA user_version = 2;" >/dev/null
	admin check --json
	expect_rc 0; expect_out_json 'j["schema_version"] == 5 and j["checkpoints"] == 1'
	expect_eq "o|0|5" "$(sqlite3 "$DB" "SELECT * FROM lag")"
	expect_eq "trigger audit_update checkpoints index by_changed checkpoints" "$(sqlite3 "$DB" "SELECT type, name, tbl_name FROM sqlite_master WHERE name IN ('audit_update', 'by_changed') ORDER BY name" | tr '|\n' '  ' | sed 's/ $//')"
	expect_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name = 'checkpoints' AND sql LIKE '%WITHOUT ROWID%'")"
	start_fcgi
	ckpt o s 0 6
	stop_fcgi
	expect_eq "6" "$(sqlite3 "$DB" "SELECT group_concat(sequence) FROM audit")"
	expect_eq "o|0|6" "$(sqlite3 "$DB" "SELECT * FROM lag")"
	# An upgrade that cannot be made says why, and leaves the file as it
	# was: here a table of the operator's in the way of schema 5's.
	DB=$TMP/v2-blocked.db
	sqlite3 "$DB" "PRAGMA journal_mode=WAL;
${SQLITE_V2_TABLES}CREATE TABLE checkpoints_v5 (mine TEXT);
PRAGMA user_version = 2;" >/dev/null
	admin check --json
	expect_rc 1; expect_err_has "schema 2 to 5: table checkpoints_v5 already exists"
	expect_eq "2 0" "$(sqlite3 "$DB" "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master WHERE name = 'history_rows')" | tr '|' ' ')"
fi

finish
