#!/bin/bash
# tests/metrics.sh: GET /metrics through the real binary. Over FastCGI
# (cgi-fcgi): off by default (every method gets the 404 of an unknown path);
# on, refused (403 DIS.4116) to addresses outside metrics_allow and open to
# 127.0.0.1 and ::1, open with the metrics token from anywhere, closed to the
# API's token and AK/SK signature, and the metrics token opens no API route;
# the counters match the requests sent, one by one, and `promtool check
# metrics` passes. Then a real Prometheus server scrapes the service behind
# lighttpd every second, and its query API answers the request counter with
# exactly the number of requests sent.
export LC_ALL=C
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need cgi-fcgi promtool prometheus lighttpd curl openssl python3
SIGN=$abs_top_srcdir/tests/sign.sh

# metric NAME{LABELS}: the value of that one series in $BODY, or "absent".
metric() {
	local line
	while IFS= read -r line; do
		if [[ $line == "$1 "* ]]; then echo "${line##* }"; return; fi
	done <<<"$BODY"
	echo absent
}
expect_metric() {
	expect_eq "$2" "$(metric "$1")"
}
expect_refused() {
	expect_status 403
	expect_code DIS.4116
	expect_body_has '"message":"Invalid RBAC.'
	expect_header_line 'Content-Type: application/json'
}
scrape() {
	fcgi GET /metrics '' REMOTE_ADDR=127.0.0.1
	expect_status 200
}
R='dis_checkpoint_requests_total'

# --- off by default: /metrics is an unknown path, for every method ---
CONTEXT='off:'
start_fcgi
for m in GET POST DELETE PUT; do
	fcgi "$m" /metrics '' REMOTE_ADDR=127.0.0.1
	expect_error 404 DIS.4200
	expect_no_header 'Allow:'
done
fcgi GET /metrics/ '' REMOTE_ADDR=127.0.0.1
expect_error 404 DIS.4200
stop_fcgi
expect_eq 0 $?

# --- a bad metrics_allow stops the start, naming the key ---
CONTEXT='bad metrics_allow:'
$WRAPPER "$BIN" -d "$TMP/never.db" -o metrics=on -o 'metrics_allow=127.0.0.1, 10.0.0.0/40' \
    </dev/null >"$TMP/out" 2>"$TMP/err"
expect_eq 1 $?
expect_eq 'dis-checkpoint: metrics_allow: "10.0.0.0/40" is not an address or address/bits' "$(cat "$TMP/err")"
expect_eq no "$([ -e "$TMP/never.db" ] && echo yes || echo no)"

# --- on: who may read it ---
TOK=apiToken-0123456789abcdef
AK=AKMETRICSTEST0000001 SK=skMetrics-secret-0123456789
MTOK=metricsToken-0123456789
printf 'token %s *\naksk %s %s *\n' "$TOK" "$AK" "$SK" >"$TMP/credentials"
chmod 600 "$TMP/credentials"
DB=$TMP/on.db
start_fcgi -o metrics=on -o auth=any -o "credentials=$TMP/credentials" \
    -o "metrics_token=$MTOK"
refused=0 opened=0
CONTEXT='from 127.0.0.1:'
scrape; opened=$((opened + 1))
expect_header_line 'Content-Type: text/plain; version=0.0.4; charset=utf-8'
expect_metric 'dis_checkpoint_build_info{version="'"$("$BIN" -V | cut -d' ' -f2)"'",store="sqlite"}' 1
CONTEXT='from ::1:'
fcgi GET /metrics '' REMOTE_ADDR=::1
expect_status 200; opened=$((opened + 1))
CONTEXT='from 127.9.8.7:'
fcgi GET /metrics '' REMOTE_ADDR=127.9.8.7
expect_status 200; opened=$((opened + 1))
CONTEXT='from elsewhere:'
for addr in 192.0.2.10 10.0.0.1 ::2 2001:db8::1 ::ffff:192.0.2.10 not-an-address; do
	fcgi GET /metrics '' REMOTE_ADDR=$addr
	expect_refused; refused=$((refused + 1))
done
CONTEXT='no REMOTE_ADDR:'
fcgi GET /metrics
expect_refused; refused=$((refused + 1))
CONTEXT='metrics token from elsewhere:'
fcgi GET /metrics '' REMOTE_ADDR=192.0.2.10 HTTP_AUTHORIZATION="Bearer $MTOK"
expect_status 200; opened=$((opened + 1))
expect_body_has '# TYPE dis_checkpoint_requests_total counter'
CONTEXT='wrong metrics token:'
for authz in "Bearer ${MTOK}x" "Bearer ${MTOK%?}" "Basic $MTOK" "$MTOK"; do
	fcgi GET /metrics '' REMOTE_ADDR=192.0.2.10 HTTP_AUTHORIZATION="$authz"
	expect_refused; refused=$((refused + 1))
done
CONTEXT='metrics token as X-Auth-Token:'
fcgi GET /metrics '' REMOTE_ADDR=192.0.2.10 HTTP_X_AUTH_TOKEN="$MTOK"
expect_refused; refused=$((refused + 1))
CONTEXT='API token:'
fcgi GET /v2/p1/apps '' REMOTE_ADDR=192.0.2.10 HTTP_X_AUTH_TOKEN="$TOK"
expect_status 200
fcgi GET /metrics '' REMOTE_ADDR=192.0.2.10 HTTP_X_AUTH_TOKEN="$TOK"
expect_refused; refused=$((refused + 1))
fcgi GET /metrics '' REMOTE_ADDR=192.0.2.10 HTTP_AUTHORIZATION="Bearer $TOK"
expect_refused; refused=$((refused + 1))
CONTEXT='AK/SK signature:'
d=$(date -u +%Y%m%dT%H%M%SZ)
fcgi GET /v2/p1/apps '' REMOTE_ADDR=192.0.2.10 HTTP_HOST=127.0.0.1 \
    HTTP_X_SDK_DATE="$d" HTTP_AUTHORIZATION="$("$SIGN" GET /v2/p1/apps '' '' 127.0.0.1 "$d" "$AK" "$SK" r1)"
expect_status 200
fcgi GET /metrics '' REMOTE_ADDR=192.0.2.10 HTTP_HOST=127.0.0.1 \
    HTTP_X_SDK_DATE="$d" HTTP_AUTHORIZATION="$("$SIGN" GET /metrics '' '' 127.0.0.1 "$d" "$AK" "$SK" r1)"
expect_refused; refused=$((refused + 1))
CONTEXT='metrics token on the API:'
fcgi GET /v2/p1/apps '' REMOTE_ADDR=127.0.0.1 HTTP_X_AUTH_TOKEN="$MTOK"
expect_status 441; expect_code DIS.4114
fcgi GET /v2/p1/apps '' REMOTE_ADDR=127.0.0.1 HTTP_AUTHORIZATION="Bearer $MTOK"
expect_status 441; expect_code DIS.4102

# --- the counters, against what was sent ---
CONTEXT='counted:'
fcgi POST /v2/p1/apps '{"app_name":"a1"}' HTTP_X_AUTH_TOKEN="$TOK"
expect_empty 201
for i in 1 2 3 4 5; do
	fcgi POST /v2/p1/checkpoints '{"stream_name":"s","app_name":"a1","partition_id":"'$i'","sequence_number":"'$i'","checkpoint_type":"LAST_READ"}' HTTP_X_AUTH_TOKEN="$TOK"
	expect_empty 201
done
fcgi POST /v2/p1/checkpoints '{"stream_name":"s","app_name":"nope","partition_id":"1","sequence_number":"1","checkpoint_type":"LAST_READ"}' HTTP_X_AUTH_TOKEN="$TOK"
expect_error 400 DIS.4332
fcgi DELETE '/v2/p1/checkpoints?stream_name=s&app_name=a1&partition_id=5' '' HTTP_X_AUTH_TOKEN="$TOK"
expect_empty 204
fcgi GET /v2/p1/nothing/here
expect_error 404 DIS.4200
fcgi PUT /v2/p1/apps
expect_status 405
fcgi GET /health
expect_status 200
scrape
expect_metric "$R"'{route="/metrics",method="GET",status="200"}' $opened
expect_metric "$R"'{route="/metrics",method="GET",status="403",code="DIS.4116"}' $refused
expect_metric "$R"'{route="/v2/{project}/apps",method="GET",status="200"}' 2
expect_metric "$R"'{route="/v2/{project}/apps",method="GET",status="441",code="DIS.4114"}' 1
expect_metric "$R"'{route="/v2/{project}/apps",method="GET",status="441",code="DIS.4102"}' 1
expect_metric "$R"'{route="/v2/{project}/apps",method="POST",status="201"}' 1
expect_metric "$R"'{route="/v2/{project}/checkpoints",method="POST",status="201"}' 5
expect_metric "$R"'{route="/v2/{project}/checkpoints",method="POST",status="400",code="DIS.4332"}' 1
expect_metric "$R"'{route="/v2/{project}/checkpoints",method="DELETE",status="204"}' 1
expect_metric "$R"'{route="none",method="GET",status="404",code="DIS.4200"}' 1
expect_metric "$R"'{route="none",method="other",status="405",code="DIS.4200"}' 1
expect_metric "$R"'{route="/health",method="GET",status="200"}' 1
expect_metric 'dis_checkpoint_auth_failures_total{code="DIS.4114"}' 1
expect_metric 'dis_checkpoint_auth_failures_total{code="DIS.4102"}' 1
expect_metric 'dis_checkpoint_request_duration_seconds_count{route="/v2/{project}/checkpoints",method="POST"}' 6
expect_metric 'dis_checkpoint_request_duration_seconds_bucket{route="/v2/{project}/checkpoints",method="POST",le="+Inf"}' 6
# every write went through the group-commit writer: the app, five
# checkpoints, the failed one, the delete
expect_metric 'dis_checkpoint_commit_batch_size_sum' 8
expect_metric 'dis_checkpoint_writer_queue_depth' 0
# the raw path is no label value
[[ $BODY == *nothing* ]] && fail "$CONTEXT a raw path in the labels" || pass
size=0
for f in "$DB" "$DB-wal"; do
	[ -e "$f" ] && size=$((size + $(stat -c %s "$f")))
done
expect_metric 'dis_checkpoint_database_size_bytes' $size
CONTEXT='promtool:'
printf '%s\n' "$BODY" >"$TMP/metrics.txt"
if promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then pass; else
	fail "$CONTEXT $(cat "$TMP/promtool.out")"
fi
stop_fcgi
expect_eq 0 $?

# --- a real Prometheus scrapes it behind lighttpd ---
CONTEXT='prometheus:'
DB=$TMP/scraped.db
start_fcgi -o metrics=on
write_lighttpd_conf '( "/" => ((
	"socket" => "'"$SOCK"'",
	"check-local" => "disable"
)) )'
run_lighttpd || { cat "$TMP/lighttpd-error.log" >&2; exit 1; }
URL=http://127.0.0.1:$PORT
PROM_PORT=$(free_port)
PROM=http://127.0.0.1:$PROM_PORT
cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: dis
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
prometheus --config.file="$TMP/prometheus.yml" \
    --storage.tsdb.path="$TMP/prometheus-data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP/prometheus.log" 2>&1 &
CLEANUP_PIDS="$CLEANUP_PIDS $!"

# promql EXPR: sets VALUE to the query's single value, "none" if empty.
promql() {
	http GET "$PROM/api/v1/query" '' -G --data-urlencode "query=$1"
	VALUE=none
	[ "$STATUS" = 200 ] && VALUE=$(json_value \
	    '(j["data"]["result"][0]["value"][1] if j["data"]["result"] else "none")')
}
# until_promql EXPR TEST: polls (up to 60 s, the scrape is every second)
# until VALUE passes the bash test "$VALUE TEST" (e.g. "-gt 5").
until_promql() {
	for _ in $(seq 600); do
		promql "$1"
		[[ $VALUE =~ ^[0-9.]+$ ]] && [ "${VALUE%.*}" $2 ] && return 0
		sleep 0.1
	done
	return 1
}

http POST "$URL/v2/pp/apps" '{"app_name":"a1"}'
expect_status 201; sent=1
for i in 1 2 3 4 5 6; do
	http POST "$URL/v2/pp/checkpoints" '{"stream_name":"s","app_name":"a1","partition_id":"'$i'","sequence_number":"7","checkpoint_type":"LAST_READ"}'
	expect_status 201; sent=$((sent + 1))
done
http GET "$URL/v2/pp/apps/a1"
expect_status 200; sent=$((sent + 1))
http GET "$URL/v2/pp/nothing"
expect_status 404; sent=$((sent + 1))
after=$(date +%s)
# A scrape that started after the last answer has every request in it.
if until_promql 'max(timestamp(dis_checkpoint_build_info{job="dis"}))' "-gt $after"; then
	pass
else
	fail "$CONTEXT no scrape after the requests: last $VALUE, $(tail -n 5 "$TMP/prometheus.log")"
fi
promql 'up{job="dis"}'
expect_eq 1 "$VALUE"
promql 'sum(dis_checkpoint_requests_total{job="dis",route!="/metrics"})'
expect_eq $sent "$VALUE"
promql 'dis_checkpoint_requests_total{job="dis",route="/v2/{project}/checkpoints",method="POST",status="201"}'
expect_eq 6 "$VALUE"
# A scrape is counted once answered, so the next one shows it.
if until_promql 'sum(dis_checkpoint_requests_total{job="dis",route="/metrics",status="200"})' '-gt 0'; then
	pass
else
	fail "$CONTEXT Prometheus's own scrapes are not counted: $VALUE"
fi
promql 'histogram_quantile(0.5, sum by (le) (dis_checkpoint_request_duration_seconds_bucket{job="dis",route="/v2/{project}/checkpoints"}))'
[[ $VALUE =~ ^[0-9.e+-]+$ ]] && pass || fail "$CONTEXT no median duration: $VALUE"
stop_fcgi
expect_eq 0 $?

finish
