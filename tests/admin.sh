#!/usr/bin/env bash
# tests/admin.sh: dis-checkpoint-admin through the real binary on a real
# SQLite file the real service wrote: each command, its answers as a table
# and as JSON, bad input to each (exit 2, nothing done; exit 1 for what
# the database says), a read-only file, and a backup taken while the
# service takes sustained writes through lighttpd: the copy is intact and
# one snapshot, and no acknowledged write is lost.
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need cgi-fcgi sqlite3 lighttpd curl setpriv

. "$abs_top_srcdir/tests/admin-lib.sh"

ckpt() { # APP STREAM PARTITION SEQUENCE [METADATA]
	fcgi POST /v2/p1/checkpoints "{\"app_name\":\"$1\",\"stream_name\":\"$2\",\"partition_id\":\"$3\",\"sequence_number\":\"$4\",\"checkpoint_type\":\"LAST_READ\",\"metadata\":\"${5-}\"}"
	expect_status 201
}

start_fcgi
for app in a1 a2; do
	fcgi POST /v2/p1/apps "{\"app_name\":\"$app\"}"; expect_status 201
done
fcgi POST /v2/p2/apps '{"app_name":"b1"}'; expect_status 201
ckpt a1 s1 0 10 m0
ckpt a1 s1 1 12345
ckpt a1 s2 0 7 'x y'
ckpt a2 s1 3 99 meta
stop_fcgi

CONTEXT="apps:"
admin -d "$DB" apps
expect_rc 0
expect_eq 4 "$(printf '%s\n' "$OUT" | wc -l)"
expect_eq "PROJECT APP APP_ID CREATED STREAMS" "$(printf '%s\n' "$OUT" | head -1 | tr -s ' ')"
# Aligned: every line has its APP column at the same offset.
expect_eq 1 "$(printf '%s\n' "$OUT" | awk '{ print index($0, $2) }' | sort -u | wc -l)"
expect_eq "p1 a1 2|p1 a2 1|p2 b1 0" "$(printf '%s\n' "$OUT" | awk 'NR > 1 { printf "%s%s %s %s", s, $1, $2, $5; s = "|" }')"
admin -d "$DB" apps -p p1 --json
expect_rc 0
expect_out_json '[a["app"] for a in j] == ["a1", "a2"] and j[0]["streams"] == ["s1", "s2"] and j[0]["project"] == "p1" and len(j[0]["app_id"]) == 32 and j[0]["create_time"].endswith("Z")'
admin -d "$DB" apps -p nosuch
expect_rc 1; expect_err_has 'project "nosuch" has no apps'

CONTEXT="checkpoints:"
admin -d "$DB" checkpoints -p p1
expect_rc 0
expect_eq "APP STREAM TYPE PARTITION SEQUENCE CHANGED METADATA" "$(printf '%s\n' "$OUT" | head -1 | tr -s ' ')"
expect_eq "a1 s1 0 10 m0|a1 s1 1 12345 |a1 s2 0 7 x y|a2 s1 3 99 meta" \
    "$(printf '%s\n' "$OUT" | awk 'NR > 1 { m = ""; for (i = 7; i <= NF; i++) m = m (i > 7 ? " " : "") $i; printf "%s%s %s %s %s %s", s, $1, $2, $4, $5, m; s = "|" }')"
admin -d "$DB" checkpoints -p p1 -a a1 -s s1 --json
expect_rc 0
expect_out_json '[(c["partition"], c["sequence"], c["metadata"]) for c in j] == [(0, 10, "m0"), (1, 12345, "")] and all(c["type"] == "LAST_READ" and c["app"] == "a1" and c["changed"].endswith("Z") for c in j)'
# The last change time is the write's, on the wall clock.
now=$(date -u +%s)
changed=$(printf '%s' "$OUT" | "$PYTHON" -c 'import json, sys, datetime
c = json.load(sys.stdin)[0]["changed"]
print(int(datetime.datetime.strptime(c, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()))')
if [ $((now - changed)) -ge 0 ] && [ $((now - changed)) -lt 120 ]; then pass; else
	fail "$CONTEXT changed $changed is not within two minutes before $now"; fi
admin -d "$DB" checkpoints -p p1 -a a2 --json
expect_out_json 'len(j) == 1 and j[0]["partition"] == 3'
admin -d "$DB" checkpoints -p p2
expect_rc 0; expect_eq 1 "$(printf '%s\n' "$OUT" | wc -l)"
admin -d "$DB" checkpoints -p p1 -a nosuch
expect_rc 1; expect_err_has 'project "p1" has no app "nosuch"'
admin -d "$DB" checkpoints -p nosuch
expect_rc 1; expect_err_has 'project "nosuch" has no apps'
admin -d "$DB" checkpoints -p p1 -s nosuch
expect_rc 0; expect_eq 1 "$(printf '%s\n' "$OUT" | wc -l)"

CONTEXT="check:"
admin -d "$DB" check --json
expect_rc 0
# Four writes, each a change from none; the history_rows view (SQL's own
# JSON reader) counts the same.
expect_out_json 'j == {"ok": True, "integrity": "ok", "schema_version": 5, "projects": 2, "apps": 3, "checkpoints": 4, "orphans": 0, "history_changes": 4, "damaged_histories": 0}'
expect_eq 4 "$(sqlite3 "$DB" 'SELECT count(*) FROM history_rows')"
admin -d "$DB" check
expect_rc 0; expect_eq "integrity ok" "$(printf '%s\n' "$OUT" | head -1 | tr -s ' ')"
expect_eq "history changes 4" "$(printf '%s\n' "$OUT" | grep '^history' | tr -s ' ')"
# Histories edited around the store, one not JSON and one JSON but not a
# history, are problems found; the others' changes are still counted.
cp "$DB" "$TMP/edited.db"
sqlite3 "$TMP/edited.db" "UPDATE checkpoints SET history = '[[1,2' WHERE stream = 's2'; UPDATE checkpoints SET history = '{\"a\":1}' WHERE app = 'a2'"
admin -d "$TMP/edited.db" check --json
expect_rc 1; expect_out_json 'j["damaged_histories"] == 2 and j["history_changes"] == 2 and j["ok"] is False'
expect_err_has "problems"
# A checkpoint of no app (written around the store) is a problem found.
cp "$DB" "$TMP/orphan.db"
sqlite3 "$TMP/orphan.db" "INSERT INTO checkpoints (project, app, stream, type, partition, sequence, metadata, changed) VALUES ('p9', 'gone', 's', 'LAST_READ', 0, 1, '', 0)"
admin -d "$TMP/orphan.db" check --json
expect_rc 1; expect_out_json 'j["orphans"] == 1 and j["ok"] is False'
# A damaged file: its integrity check fails.
cp "$DB" "$TMP/bad.db"
sqlite3 "$TMP/bad.db" 'PRAGMA journal_mode=DELETE' >/dev/null
# Page 2 on is the tables' b-trees: garbage over its header.
page=$(sqlite3 "$TMP/bad.db" 'PRAGMA page_size')
printf '\377%.0s' $(seq 64) | dd of="$TMP/bad.db" bs=1 seek="$page" conv=notrunc 2>/dev/null
admin -d "$TMP/bad.db" check
[ "$RC" -ne 0 ] && pass || fail "$CONTEXT a damaged file passed: $OUT"

# A database of schema 1 (before last change times) is migrated on open;
# its rows have no known change time.
sqlite3 "$TMP/v1.db" "PRAGMA journal_mode=WAL;
CREATE TABLE apps (project TEXT NOT NULL, name TEXT NOT NULL, app_id TEXT NOT NULL, create_time INTEGER NOT NULL, PRIMARY KEY (project, name)) WITHOUT ROWID;
CREATE TABLE checkpoints (project TEXT NOT NULL, app TEXT NOT NULL, stream TEXT NOT NULL, type TEXT NOT NULL, partition INTEGER NOT NULL, sequence INTEGER NOT NULL, metadata TEXT NOT NULL, PRIMARY KEY (project, app, stream, type, partition)) WITHOUT ROWID;
INSERT INTO apps VALUES ('p1', 'old', 'id', 1);
INSERT INTO checkpoints VALUES ('p1', 'old', 's', 'LAST_READ', 0, 5, '');
PRAGMA user_version = 1;" >/dev/null
admin -d "$TMP/v1.db" check --json
expect_rc 0; expect_out_json 'j["schema_version"] == 5 and j["checkpoints"] == 1'
admin -d "$TMP/v1.db" checkpoints -p p1 --json
expect_out_json 'j == [{"project": "p1", "app": "old", "stream": "s", "type": "LAST_READ", "partition": 0, "sequence": 5, "metadata": "", "changed": None}]'
admin -d "$TMP/v1.db" checkpoints -p p1
expect_eq "old s LAST_READ 0 5 -" "$(printf '%s\n' "$OUT" | sed -n 2p | tr -s ' ' | sed 's/ $//')"

CONTEXT="backup:"
admin -d "$DB" backup "$TMP/copy.db"
expect_rc 0
expect_eq ok "$(sqlite3 "$TMP/copy.db" 'PRAGMA integrity_check')"
expect_eq "$(sqlite3 "$DB" 'SELECT * FROM checkpoints ORDER BY 1,2,3,4,5')" \
    "$(sqlite3 "$TMP/copy.db" 'SELECT * FROM checkpoints ORDER BY 1,2,3,4,5')"
expect_eq "" "$(ls "$TMP"/copy.db-* 2>/dev/null)"
admin -d "$DB" backup "$TMP/copy.db"
expect_rc 1; expect_err_has "exists"
admin -d "$DB" backup "$TMP/no/such/dir.db"
expect_rc 1; expect_err_has "$TMP/no/such/dir.db"

CONTEXT="restore:"
# The README's restore, literally, on the path the service used: a backup
# taken while it serves, writes after it (in the -wal), the service
# stopped with its -wal and -shm left behind (killed, as a crash or a stop
# that timed out leaves them), then: remove them, copy the backup over the
# file, start. The service answers the backed-up values.
DB=$TMP/serve.db
start_fcgi
fcgi POST /v2/p1/apps '{"app_name":"r1"}'; expect_status 201
ckpt r1 s 0 100 before
admin -d "$DB" backup "$TMP/serve-backup.db"
expect_rc 0
ckpt r1 s 0 200 after
ckpt r1 s 1 5
kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
rm -f "$SOCK"
[ -s "$DB-wal" ] && [ -e "$DB-shm" ] && pass ||
    fail "$CONTEXT the service left no -wal and -shm: $(ls "$TMP")"
rm -f "$DB-wal" "$DB-shm"
cp "$TMP/serve-backup.db" "$DB"
start_fcgi
fcgi GET "/v2/p1/checkpoints?app_name=r1&stream_name=s&partition_id=0&checkpoint_type=LAST_READ"
expect_body '{"sequence_number":"100","metadata":"before"}'
fcgi GET "/v2/p1/checkpoints?app_name=r1&stream_name=s&partition_id=1&checkpoint_type=LAST_READ"
expect_status 200; expect_body_has '"sequence_number":"-1"'
# It goes on writing to the restored file, which stays whole.
ckpt r1 s 1 6
stop_fcgi
admin -d "$DB" check --json
expect_rc 0; expect_out_json 'j["ok"] and j["checkpoints"] == 2'
DB=$TMP/checkpoints.db

CONTEXT="usage:"
before=$(db_dump)
for args in "chekpoints -p p1" "checkpoint -p p1" "apps --projct p1" \
    "apps -x" "checkpoints" "checkpoints -p" "backup" "backup a b" \
    "check extra" "" "--bogus apps"; do
	# shellcheck disable=SC2086
	admin -d "$DB" $args
	CONTEXT="usage: '$args':" expect_rc 2
	CONTEXT="usage: '$args':" expect_err_has "usage: dis-checkpoint-admin"
done
admin -d "$DB" chekpoints -p p1
expect_err_has 'did you mean "checkpoints"?'
admin -d "$DB" apps --projct p1
expect_err_has 'did you mean --project?'
admin -d "$DB" apps --jsn
expect_err_has 'did you mean --json?'
expect_eq "$before" "$(db_dump)"
admin -h
expect_rc 0; expect_eq "usage: dis-checkpoint-admin [-c file] [-d database] command [options]" "$(printf '%s\n' "$OUT" | head -1)"

CONTEXT="finding the database:"
# Never creates one: a mistyped path is an error, and stays absent.
admin -d "$TMP/nosuch.db" apps
expect_rc 1; expect_err_has "$TMP/nosuch.db"
[ -e "$TMP/nosuch.db" ] && fail "$CONTEXT created $TMP/nosuch.db" || pass
# The service's configuration file, then the environment, then -d.
printf 'database = %s\n' "$DB" >"$TMP/conf"
admin -c "$TMP/conf" apps -p p2
expect_rc 0; expect_eq b1 "$(printf '%s\n' "$OUT" | awk 'NR == 2 { print $2 }')"
DIS_CHECKPOINT_CONFIG=$TMP/conf admin apps -p p2
expect_rc 0
DIS_CHECKPOINT_DATABASE=$TMP/orphan.db admin -c "$TMP/conf" check
expect_rc 1
admin -c "$TMP/conf" -d "$TMP/orphan.db" check
expect_rc 1
printf 'databse = x\n' >"$TMP/badconf"
admin -c "$TMP/badconf" apps
expect_rc 1; expect_err_has databse

CONTEXT="read-only file:"
# Root reads through file modes: the command runs as nobody, from a copy.
chmod 711 "$TMP"
mkdir "$TMP/ro"
cp "$DB" "$TMP/ro/ro.db"
cp "$ADMIN" "$TMP/ro/admin"
chown -R nobody: "$TMP/ro"
chmod 444 "$TMP/ro/ro.db"
[ "$(id -u)" -eq 0 ] && AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
ADMIN_SAVED=$ADMIN ADMIN=$TMP/ro/admin
# The file read-only, its directory not: the reads work.
admin -d "$TMP/ro/ro.db" checkpoints -p p1 -a a2 --json
expect_rc 0; expect_out_json 'j[0]["sequence"] == 99'
admin -d "$TMP/ro/ro.db" check
expect_rc 0
admin -d "$TMP/ro/ro.db" backup "$TMP/copy-ro.db"
expect_rc 1; expect_err_has "$TMP/copy-ro.db"
# History and dry runs read; a change is refused whole, saying why.
admin -d "$TMP/ro/ro.db" history -p p1 -a a1 -s s1 --json
expect_rc 0; expect_out_json 'len(j) == 2'
admin -d "$TMP/ro/ro.db" reset -p p1 -a a1 -s s1 --to-sequence 1
expect_rc 0
admin -d "$TMP/ro/ro.db" reset -p p1 -a a1 -s s1 --to-sequence 1 --execute
expect_rc 1; expect_err_has "readonly database"
expect_eq "0 10|1 12345" "$(sqlite3 "$TMP/ro/ro.db" "SELECT partition, sequence FROM checkpoints WHERE app = 'a1' AND stream = 's1'" | tr '\n' ' ' | sed 's/|/ /g; s/ $//; s/ \([0-9]*\) \([0-9]*\)$/|\1 \2/')"
# The directory read-only too: SQLite cannot share the WAL file there, so
# the command says so and stops, reading nothing.
chmod 555 "$TMP/ro"
rm -f "$TMP/ro/ro.db-wal" "$TMP/ro/ro.db-shm"
admin -d "$TMP/ro/ro.db" checkpoints -p p1
expect_rc 1; expect_err_has "readonly database"
expect_err_has "$TMP/ro/ro.db cannot be opened or read"
expect_eq "" "$OUT"
ADMIN=$ADMIN_SAVED AS=
chmod 755 "$TMP/ro"

CONTEXT="export:"
admin -d "$DB" export
expect_rc 0
cp "$TMP/admin.out" "$TMP/all.jsonl"
expect_eq 7 "$(wc -l <"$TMP/all.jsonl")"
expect_eq '{"kind":"checkpoint","project":"p1","app":"a1","stream":"s2","type":"LAST_READ","partition":0,"sequence":7,"metadata":"x y"}' "$(sed -n 4p "$TMP/all.jsonl")"
admin -d "$DB" export -p p1 -a a2
expect_rc 0; expect_eq 2 "$(printf '%s\n' "$OUT" | wc -l)"
admin -d "$DB" export -p p1 -a nosuch
expect_rc 1; expect_err_has 'has no app "nosuch"'
admin -d "$DB" export -p nosuch
expect_rc 1
admin -d "$DB" export -a a1
expect_rc 2

CONTEXT="import:"
# answers DB: what the service answers on every read endpoint.
answers() {
	local DB=$1 app stream part
	for p in p1 p2; do
		cgi GET "/v2/$p/apps?limit=100"; echo "$STATUS $BODY"
		cgi GET "/v2/$p/apps?stream_name=s1"; echo "$STATUS $BODY"
	done
	for app in a1 a2; do
		cgi GET "/v2/p1/apps/$app"; echo "$STATUS $BODY"
		for stream in s1 s2; do
			cgi GET "/v2/p1/apps/$app/streams/$stream?checkpoint_type=LAST_READ"
			echo "$STATUS $BODY"
			for part in 0 1 3; do
				cgi GET "/v2/p1/checkpoints?app_name=$app&stream_name=$stream&partition_id=$part&checkpoint_type=LAST_READ"
				echo "$STATUS $BODY"
			done
		done
	done
	cgi GET /v2/p2/apps/b1; echo "$STATUS $BODY"
}
admin -d "$TMP/new.db" import --dry-run "$TMP/all.jsonl"
expect_rc 0
expect_eq "import: 7 to change, 0 unchanged; dry run, nothing written" "$(printf '%s\n' "$OUT" | tail -1)"
expect_eq "line 2: p1/a1 s1 LAST_READ partition 0: none -> 10" "$(printf '%s\n' "$OUT" | sed -n 2p)"
expect_eq 0 "$(sqlite3 "$TMP/new.db" 'SELECT count(*) FROM apps')"
admin -d "$TMP/new.db" import "$TMP/all.jsonl"
expect_rc 0; expect_eq "import: 7 changed, 0 unchanged" "$(printf '%s\n' "$OUT" | tail -1)"
answers "$DB" >"$TMP/answers.old"
answers "$TMP/new.db" >"$TMP/answers.new"
expect_eq 23 "$(grep -c '^200 ' "$TMP/answers.old")"
expect_eq "$(cat "$TMP/answers.old")" "$(cat "$TMP/answers.new")"
admin -d "$TMP/new.db" export
expect_eq "$(cat "$TMP/all.jsonl")" "$OUT"
# Again: nothing to change, nothing changed.
before=$(sqlite3 "$TMP/new.db" 'SELECT * FROM checkpoints ORDER BY 1,2,3,4,5')
admin -d "$TMP/new.db" import "$TMP/all.jsonl"
expect_rc 0; expect_eq "import: 0 changed, 7 unchanged" "$OUT"
expect_eq "$before" "$(sqlite3 "$TMP/new.db" 'SELECT * FROM checkpoints ORDER BY 1,2,3,4,5')"
# A changed value is found and said; the rest stays.
sed 's/"sequence":12345/"sequence":12000/' "$TMP/all.jsonl" >"$TMP/changed.jsonl"
admin -d "$TMP/new.db" import --dry-run "$TMP/changed.jsonl"
expect_eq "line 3: p1/a1 s1 LAST_READ partition 1: 12345 -> 12000" "$(printf '%s\n' "$OUT" | head -1)"
admin -d "$TMP/new.db" import "$TMP/changed.jsonl"
expect_rc 0; expect_eq 12000 "$(sqlite3 "$TMP/new.db" "SELECT sequence FROM checkpoints WHERE partition = 1")"
# A malformed line anywhere: reported with its number, nothing imported.
before=$(sqlite3 "$TMP/new.db" .dump)
for bad in '{"kind":"checkpoint","project":"p1"' \
    '{"kind":"checkpoint","project":"p1","app":"a1","stream":"s1","type":"LAST_READ","partition":0,"sequence":-5,"metadata":""}' \
    '{"kind":"checkpoint","project":"p1","app":"a1","stream":"s1","type":"LAST_READ","partition":0,"sequence":"5","metadata":""}' \
    '{"kind":"checkpoint","project":"p1","app":"a1","stream":"s1","type":"LAST_READ","partition":0,"sequence":5,"metadata":"","extra":1}' \
    '{"kind":"checkpoint","project":"p1","app":"a1","stream":"bad stream!","type":"LAST_READ","partition":0,"sequence":5,"metadata":""}' \
    '{"kind":"checkpoint","project":"p1","app":"a1","stream":"s1","type":"LAST_READ","partition":0,"sequence":5,"metadata":"","sequence":6}' \
    '{"kind":"stream"}' '[1]' 'not json'; do
	{ sed 's/"sequence":12000/"sequence":1/' "$TMP/changed.jsonl" | head -4
	  printf '%s\n' "$bad"; tail -3 "$TMP/all.jsonl"; } >"$TMP/bad.jsonl"
	admin -d "$TMP/new.db" import "$TMP/bad.jsonl"
	CONTEXT="import: '$bad':" expect_rc 1
	CONTEXT="import: '$bad':" expect_err_has "$TMP/bad.jsonl:5:"
done
# Well-formed but refused by the store (no such app): the lines before it
# are undone too.
{ sed 's/"sequence":12000/"sequence":1/' "$TMP/changed.jsonl"
  printf '%s\n' '{"kind":"checkpoint","project":"p1","app":"gone","stream":"s1","type":"LAST_READ","partition":0,"sequence":5,"metadata":""}'; } >"$TMP/bad.jsonl"
admin -d "$TMP/new.db" import "$TMP/bad.jsonl"
expect_rc 1; expect_err_has "$TMP/bad.jsonl:8: project \"p1\" has no app \"gone\"; nothing imported"
expect_eq "$before" "$(sqlite3 "$TMP/new.db" .dump)"
admin -d "$TMP/new.db" import "$TMP/nosuch.jsonl"
expect_rc 1; expect_err_has "$TMP/nosuch.jsonl"
admin -d "$TMP/new.db" import
expect_rc 2

CONTEXT="reset:"
DB=$TMP/new.db
seqs() { sqlite3 "$DB" "SELECT group_concat(partition || '=' || sequence, ' ') FROM (SELECT * FROM checkpoints WHERE project = 'p1' AND app = 'a1' AND stream = 's1' ORDER BY partition)"; }
admin -d "$DB" import "$TMP/all.jsonl" >/dev/null
expect_eq "0=10 1=12345" "$(seqs)"
# A dry run by default: old and new per partition, nothing written.
admin -d "$DB" reset -p p1 -a a1 -s s1 --shift-by -5
expect_rc 0
expect_eq "0 10 5|1 12345 12340" "$(printf '%s\n' "$OUT" | awk 'NR > 1 && NF == 3 { printf "%s%s %s %s", s, $1, $2, $3; s = "|" }')"
expect_eq "0=10 1=12345" "$(seqs)"
admin -d "$DB" reset -p p1 -a a1 -s s1 --shift-by=-5 --execute
expect_rc 0; expect_eq "0=5 1=12340" "$(seqs)"
admin -d "$DB" reset -p p1 -a a1 -s s1 --shift-by 10 --execute
expect_eq "0=15 1=12350" "$(seqs)"
# Metadata stays with its partition.
expect_eq m0 "$(sqlite3 "$DB" "SELECT metadata FROM checkpoints WHERE app = 'a1' AND stream = 's1' AND partition = 0")"
admin -d "$DB" reset -p p1 -a a1 -s s1 --to-sequence 3 --partitions 0,2-3 --execute
expect_rc 0; expect_eq "0=3 1=12350 2=3 3=3" "$(seqs)"
admin -d "$DB" reset -p p1 -a a1 -s s1 --to-earliest --partitions 2,3 --execute
expect_rc 0; expect_eq "0=3 1=12350" "$(seqs)"
printf '0,100\n1,200\n' >"$TMP/reset.csv"
admin -d "$DB" reset -p p1 -a a1 -s s1 --from-file "$TMP/reset.csv" --execute
expect_rc 0; expect_eq "0=100 1=200" "$(seqs)"
# Refused whole, nothing written: one partition would go negative, or
# holds nothing to shift; a bad CSV line; an unknown app or stream.
admin -d "$DB" reset -p p1 -a a1 -s s1 --shift-by -150 --execute
expect_rc 1; expect_err_has "partition 0: 100 shifted by -150 is out of range"
admin -d "$DB" reset -p p1 -a a1 -s s1 --shift-by 1 --partitions 0,7 --execute
expect_rc 1; expect_err_has "partition 7 holds no checkpoint"
printf '0,1\n1,x\n' >"$TMP/reset-bad.csv"
admin -d "$DB" reset -p p1 -a a1 -s s1 --from-file "$TMP/reset-bad.csv" --execute
expect_rc 1; expect_err_has "$TMP/reset-bad.csv:2:"
admin -d "$DB" reset -p p1 -a nosuch -s s1 --to-sequence 1 --execute
expect_rc 1; expect_err_has 'has no app "nosuch"'
admin -d "$DB" reset -p p1 -a a1 -s nosuch --shift-by 1 --execute
expect_rc 1; expect_err_has "holds no LAST_READ checkpoints"
expect_eq "0=100 1=200" "$(seqs)"
# Usage: no mode, two modes, bad numbers, a bad list; exit 2, no change.
for args in "" "--to-sequence 1 --to-earliest" "--to-sequence x" \
    "--to-sequence -1" "--shift-by 1.5" "--shift-by" "--to-sequence 1 --partitions a" \
    "--to-sequence 99999999999999999999" "--from-file $TMP/reset.csv --partitions 1" \
    "--to-sequnce 1"; do
	# shellcheck disable=SC2086
	admin -d "$DB" reset -p p1 -a a1 -s s1 $args --execute
	if [ "$args" = "--to-sequence 1 --partitions a" ]; then
		CONTEXT="reset '$args':" expect_rc 1
	else
		CONTEXT="reset '$args':" expect_rc 2
	fi
done
admin -d "$DB" reset -p p1 -a a1 -s s1 --to-sequnce 1
expect_err_has "did you mean --to-sequence?"
admin -d "$DB" reset -p p1 -a a1 --to-sequence 1
expect_rc 2
expect_eq "0=100 1=200" "$(seqs)"
DB=$TMP/checkpoints.db

# --- Under load: writers through lighttpd while the command reads, checks
# and backs up. Each writer owns a partition and writes 1..N with metadata
# naming its sequence, so a torn row shows, and the last 201 is known.
CONTEXT="under load:"
DB=$TMP/load.db
# The history depth of the service and the command: room for the writes
# between a reset and its undo, and less than each partition's writes.
DEPTH=50
export DIS_CHECKPOINT_HISTORY=$DEPTH
write_lighttpd_conf '( "/" => ((
	"socket" => "'"$TMP"'/load.sock",
	"bin-path" => "'"$BIN"'",
	"bin-environment" => ( "DIS_CHECKPOINT_DATABASE" => "'"$DB"'",
	    "DIS_CHECKPOINT_HISTORY" => "'"$DEPTH"'" ),
	"max-procs" => 1,
	"check-local" => "disable"
)) )'
run_lighttpd || { cat "$TMP/lighttpd-error.log" >&2; finish; }
URL=http://127.0.0.1:$PORT
http POST "$URL/v2/p1/apps" '{"app_name":"load"}'
expect_status 201
# Stream r: eight partitions a reset moves together, while readers check
# that they never see some moved and some not.
for p in $(seq 0 7); do
	http POST "$URL/v2/p1/checkpoints" "{\"app_name\":\"load\",\"stream_name\":\"r\",\"partition_id\":\"$p\",\"sequence_number\":\"100\",\"checkpoint_type\":\"LAST_READ\"}"
	expect_status 201
done
WRITERS=4 WRITES=150
# Each writer writes 1, 2, ... at least WRITES times and until told to stop,
# so the load lasts as long as the work beside it, however slow (valgrind).
writer() { # PARTITION: logs each acknowledged sequence, then the last sent
	local n=0 code
	while [ $n -lt $WRITES ] || [ ! -e "$TMP/stop-writers" ]; do
		n=$((n + 1))
		code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
		    -H 'Content-Type: application/json' --data-binary \
		    "{\"app_name\":\"load\",\"stream_name\":\"s\",\"partition_id\":\"$1\",\"sequence_number\":\"$n\",\"checkpoint_type\":\"LAST_READ\",\"metadata\":\"seq-$n\"}" \
		    "$URL/v2/p1/checkpoints")
		[ "$code" = 201 ] && echo "$n" >>"$TMP/acked.$1"
	done
	echo "$n" >"$TMP/sent.$1"
}
pids=
for p in $(seq 0 $((WRITERS - 1))); do
	: >"$TMP/acked.$p"
	writer "$p" &
	pids="$pids $!"
done
# Wait for the writes to be under way, then work beside them.
for _ in $(seq 500); do
	[ "$(cat "$TMP"/acked.* | wc -l)" -ge 20 ] && break
	sleep 0.01
done
# The resets run beside the readers and backups below, not between them.
resetter() {
	local n=0
	while kill -0 $pids 2>/dev/null; do
		"$ADMIN" -d "$DB" reset -p p1 -a load -s r --shift-by 5 --execute \
		    >/dev/null 2>>"$TMP/resetter.err" || echo "exit $?" >>"$TMP/resetter.err"
		n=$((n + 1))
		echo $n >"$TMP/resets"
	done
}
: >"$TMP/resetter.err"
resetter &
resetter_pid=$!
backups=0
acked_before=$(cat "$TMP"/acked.* | wc -l)
while [ $backups -lt 3 ]; do
	admin -d "$DB" checkpoints -p p1 -a load -s s --json
	[ "$RC" = 0 ] || fail "$CONTEXT checkpoints exited $RC: $ERR"
	expect_out_json 'all(c["metadata"] == "seq-%d" % c["sequence"] for c in j)'
	admin -d "$DB" check --json
	[ "$RC" = 0 ] || fail "$CONTEXT check exited $RC: $OUT $ERR"
	admin -d "$DB" backup "$TMP/live.$backups.db"
	[ "$RC" = 0 ] || fail "$CONTEXT backup exited $RC: $ERR"
	backups=$((backups + 1))
	admin -d "$DB" checkpoints -p p1 -a load -s r --json
	expect_out_json 'len(j) == 8 and len(set(c["sequence"] for c in j)) == 1'
done
acked_after=$(cat "$TMP"/acked.* | wc -l)
# A reset of the writers' stream mid-load, then its undo: the undo puts
# back exactly the values the reset printed as old, which are those its
# transaction replaced (the history's).
admin -d "$DB" reset -p p1 -a load -s s --shift-by 1000 --execute
expect_rc 0
reset_moves=$(moves)
expect_eq 4 "$(printf '%s' "$reset_moves" | tr '|' '\n' | awk '$3 == $2 + 1000' | wc -l)"
# The writers pause for the undo (each lands at most the write it has in
# flight), so however slow the command runs the history still holds the
# values the reset replaced.
kill -STOP $pids
admin -d "$DB" undo -p p1 -a load -s s --execute
kill -CONT $pids
expect_rc 0
expect_eq "$(printf '%s' "$reset_moves" | tr '|' '\n' | awk '{ print $1, $2 }')" \
    "$(moves | tr '|' '\n' | awk '{ print $1, $3 }')"
touch "$TMP/stop-writers"
wait $pids
wait $resetter_pid
resets=$(cat "$TMP/resets")
expect_eq "" "$(cat "$TMP/resetter.err")"
echo "under load: $backups backups and $resets resets beside $(cat "$TMP"/acked.* | wc -l) writes"
# The writers ran all along; writes were acknowledged while the backups ran.
[ "$acked_after" -gt "$acked_before" ] && pass ||
    fail "$CONTEXT no write acknowledged during the backups ($acked_before, $acked_after)"
for b in $(seq 0 $((backups - 1))); do
	expect_eq ok "$(sqlite3 "$TMP/live.$b.db" 'PRAGMA integrity_check')"
	expect_eq 0 "$(sqlite3 "$TMP/live.$b.db" "SELECT count(*) FROM checkpoints WHERE stream = 's' AND metadata <> 'seq-' || sequence")"
done
# Sequences only grow: each copy is at or before the next one.
for b in $(seq 1 $((backups - 1))); do
	expect_eq 0 "$(sqlite3 "$TMP/live.$b.db" "ATTACH '$TMP/live.$((b - 1)).db' AS prev;
	    SELECT count(*) FROM checkpoints c JOIN prev.checkpoints p USING (project, app, stream, type, partition)
	    WHERE c.sequence < p.sequence")"
done
# Every reset whole, in every backup and at the end.
for b in $(seq 0 $((backups - 1))); do
	expect_eq 1 "$(sqlite3 "$TMP/live.$b.db" "SELECT count(DISTINCT sequence) FROM checkpoints WHERE stream = 'r'")"
done
admin -d "$DB" checkpoints -p p1 -a load -s r --json
expect_out_json "[c['sequence'] for c in j] == [100 + 5 * $resets] * 8"
for p in $(seq 0 $((WRITERS - 1))); do
	sent=$(cat "$TMP/sent.$p")
	expect_eq "$sent" "$(wc -l <"$TMP/acked.$p")"
	admin -d "$DB" checkpoints -p p1 -a load -s s --json
	expect_out_json "[c['sequence'] for c in j if c['partition'] == $p] == [$sent]"
done
# Each checkpoint keeps its last DEPTH changes, chained to its value now.
for p in $(seq 0 $((WRITERS - 1))); do
	admin -d "$DB" history -p p1 -a load -s s --partition "$p" --json
	expect_chained "len(j) == $DEPTH and chained(j, {$p: $(cat "$TMP/sent.$p")})"
done
admin -d "$DB" history -p p1 -a load -s r --json
keep=$((resets + 1 < DEPTH ? resets + 1 : DEPTH))
expect_chained "len(j) == 8 * $keep and chained(j, {p: 100 + 5 * $resets for p in range(8)}) and all(r['origin'] == 'reset' for r in j if r['old'] is not None)"
expect_eq "$((WRITERS * DEPTH + 8 * keep))" "$(sqlite3 "$DB" 'SELECT count(*) FROM history_rows')"
unset DIS_CHECKPOINT_HISTORY
kill "$LIGHTTPD_PID"

finish
