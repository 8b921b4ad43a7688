#!/bin/bash
# tests/bounds.sh: the per-app stream bound (app_stream_limit) through the
# real binary, and the largest describe and list answers it allows: computed
# from the field limits (app names 50 characters, stream names 64, app ids
# 32, 100 apps a page), then measured on generated data that reaches every
# limit at once, first with a small bound, then with the default (1000).
export LC_ALL=C
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

# ckpt APP STREAM PARTITION: commits sequence 1 in project pb.
ckpt() {
	fcgi POST /v2/pb/checkpoints "{\"stream_name\":\"$2\",\"app_name\":\"$1\",\"partition_id\":\"$3\",\"sequence_number\":\"1\",\"checkpoint_type\":\"LAST_READ\"}"
}
app_name() { printf 'a%049d' "$1"; }
stream_name() { printf 's%063d' "$1"; }

# largest STREAMS QUOTA: prints the byte sizes of the largest describe and
# list answers when every app holds STREAMS streams and a project QUOTA apps.
largest() {
	"$PYTHON" - "$1" "$2" <<'END'
import json, sys
streams, quota = int(sys.argv[1]), int(sys.argv[2])
app = {"app_name": "a" * 50, "app_id": "f" * 32, "create_time": 10**12,
       "commit_checkpoint_stream_names": ["s" * 64] * streams}
def size(o): return len(json.dumps(o, separators=(",", ":")))
page = min(100, quota)
# A full last page says false and counts itself; a page with more after it
# says true and counts up to the quota: whichever is longer.
lists = [size({"has_more_app": more, "apps": [app] * page,
               "total_number": total})
         for more, total in ((False, page), (quota > page, quota))]
print(size(app), max(lists))
END
}

# --- at, below and above a small limit ---
CONTEXT='limit 3:'
start_fcgi -o app_stream_limit=3
fcgi POST /v2/pb/apps '{"app_name":"b1"}'
expect_empty 201
fcgi POST /v2/pb/apps '{"app_name":"b2"}'
expect_empty 201
ckpt b1 s1 0
expect_empty 201
ckpt b1 s2 0
expect_empty 201
ckpt b1 s3 0			# limit-1 held: the third fits
expect_empty 201
before=$(db_dump)
ckpt b1 s4 0			# limit held: a fourth does not
expect_error 400 DIS.4200
expect_body_has '[app_stream_limit: '
expect_eq "$before" "$(db_dump)"
ckpt b1 s2 0			# a held stream still commits at the limit
expect_empty 201
ckpt b1 s2 7			# and so does a new partition of it
expect_empty 201
ckpt b2 s4 0			# the bound is per app
expect_empty 201
ckpt nope s9 0			# a missing app is reported first
expect_error 400 DIS.4332
fcgi DELETE '/v2/pb/checkpoints?stream_name=s1&app_name=b1&checkpoint_type=LAST_READ'
expect_empty 204
ckpt b1 s4 0			# deleting a stream's checkpoints frees a place
expect_empty 201
fcgi GET /v2/pb/apps/b1
expect_json 'j["commit_checkpoint_stream_names"] == ["s2", "s3", "s4"]'
stop_fcgi
expect_eq 0 $?

# --- the largest answers under a small limit, made through the API ---
CONTEXT='largest, limit 3:'
DB=$TMP/small.db
start_fcgi -o app_stream_limit=3 -o app_quota=100
for i in $(seq 0 99); do
	fcgi POST /v2/pb/apps "{\"app_name\":\"$(app_name "$i")\"}"
	[ "$STATUS" = 201 ] || fail "$CONTEXT create app $i: $STATUS"
	for s in 0 1 2; do
		ckpt "$(app_name "$i")" "$(stream_name "$s")" 0
		[ "$STATUS" = 201 ] || fail "$CONTEXT commit $i/$s: $STATUS"
	done
	ckpt "$(app_name "$i")" "$(stream_name 3)" 0
	[ "$STATUS" = 400 ] || fail "$CONTEXT commit $i/3 over the limit: $STATUS"
done
read -r want_describe want_list <<<"$(largest 3 100)"
fcgi GET "/v2/pb/apps/$(app_name 0)"
expect_status 200
expect_eq "$want_describe" "${#BODY}"
fcgi GET '/v2/pb/apps?limit=100'
expect_status 200
expect_json 'len(j["apps"]) == 100 and all(len(a["commit_checkpoint_stream_names"]) == 3 for a in j["apps"])'
expect_eq "$want_list" "${#BODY}"
echo "limit 3: largest describe $want_describe bytes, list $want_list bytes"
stop_fcgi
expect_eq 0 $?

# --- the largest answers at the default limit, on generated data ---
# 100 apps made through the API (real app ids and times), their 100,000
# checkpoints written straight into the file: through the API they would
# take minutes. The bound is then checked through the API once more.
CONTEXT='largest, default limit:'
DB=$TMP/default.db
start_fcgi
for i in $(seq 0 99); do
	fcgi POST /v2/pb/apps "{\"app_name\":\"$(app_name "$i")\"}"
	[ "$STATUS" = 201 ] || fail "$CONTEXT create app $i: $STATUS"
done
if db_is_pg; then padded="lpad(n.i::text, 63, '0')"; else padded="printf('%063d', n.i)"; fi
db_sql "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)
INSERT INTO checkpoints (project, app, stream, type, partition, sequence, metadata)
SELECT 'pb', a.name, 's' || $padded, 'LAST_READ', 0, 1, ''
FROM apps a, n WHERE a.project = 'pb'" >/dev/null || fail "$CONTEXT generating the data"
ckpt "$(app_name 0)" "$(stream_name 1000)" 0
expect_error 400 DIS.4200
expect_body_has '[app_stream_limit: '
ckpt "$(app_name 0)" "$(stream_name 999)" 5
expect_empty 201
read -r want_describe want_list <<<"$(largest 1000 1000)"
fcgi_whole GET "/v2/pb/apps/$(app_name 0)"
expect_status 200
expect_eq "$want_describe" "${#BODY}"
start=$(date +%s%3N)
fcgi_whole GET '/v2/pb/apps?limit=100'
took=$(($(date +%s%3N) - start))
expect_status 200
expect_json 'len(j["apps"]) == 100 and all(len(a["commit_checkpoint_stream_names"]) == 1000 for a in j["apps"])'
expect_eq "$want_list" "${#BODY}"
rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null)
echo "limit 1000: largest describe $want_describe bytes, list $want_list bytes" \
    "(list fetched in $took ms; service peak RSS ${rss:-?} kB)"
stop_fcgi
expect_eq 0 $?
finish
