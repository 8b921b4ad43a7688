#!/bin/bash
# tests/pg-auth.sh: a PostgreSQL user with a password (scram-sha-256 on the
# private server's socket). Without one the service answers 503 and says
# why in its log; PGPASSFILE gives it, as libpq users expect; a password in
# the connection string or URI works too, and neither a right nor a wrong
# one ever reaches the log.
. "${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$abs_top_srcdir/tests/pg-lib.sh"
if ! pg_start; then
	echo "SKIP: no PostgreSQL server to start"
	exit 77
fi
SECRET=s3cret-Pw-4711
pg_psql postgres "CREATE ROLE pw LOGIN PASSWORD '$SECRET'" || exit 1
"$PG_BIN/createdb" -h "$PG_HOST" -U dis -O pw pwdb || exit 1
# The first matching line wins: pw must give its password.
sed -i "1i local all pw scram-sha-256" "$PG_DIR/data/pg_hba.conf"
pg_psql postgres "SELECT pg_reload_conf()" >/dev/null

# serve SETTING: the service on SETTING, its log started afresh.
serve() {
	: >"$TMP/server.log"
	DB=$1
	start_fcgi
}
create() {
	fcgi POST /v2/p1/apps "{\"app_name\":\"$1\"}"
}

CONTEXT="no password:"
unset PGPASSWORD PGPASSFILE
export PGPASSFILE=$TMP/none
serve "host=$PG_HOST dbname=pwdb user=pw"
create a1
expect_error 503 DIS.5000
expect_eq yes "$(grep -q 'no password supplied' "$TMP/server.log" && echo yes)"
stop_fcgi
expect_eq 0 $?

CONTEXT="PGPASSFILE:"
printf '*:*:*:pw:%s\n' "$SECRET" >"$TMP/pgpass"
chmod 600 "$TMP/pgpass"
PGPASSFILE=$TMP/pgpass
serve "host=$PG_HOST dbname=pwdb user=pw"
create a1
expect_empty 201
stop_fcgi
expect_eq 0 $?
PGPASSFILE=$TMP/none

CONTEXT="password in the string:"
serve "host=$PG_HOST dbname=pwdb user=pw password=$SECRET"
create a2
expect_empty 201
fcgi GET /v2/p1/apps
expect_json 'j["total_number"] == 2'
stop_fcgi
expect_eq 0 $?
expect_eq 0 "$(grep -c "$SECRET" "$TMP/server.log")"
expect_eq 1 "$(grep -c 'database PostgreSQL host=.* dbname=pwdb user=pw,' "$TMP/server.log")"

CONTEXT="password in a URI:"
serve "postgresql://pw:$SECRET@/pwdb?host=$PG_HOST"
create a3
expect_empty 201
stop_fcgi
expect_eq 0 $?
expect_eq 0 "$(grep -c "$SECRET" "$TMP/server.log")"

CONTEXT="a wrong password:"
serve "postgresql://pw:wrong-$SECRET@/pwdb?host=$PG_HOST"
create a4
expect_error 503 DIS.5000
fcgi GET /health
expect_error 503 DIS.5000
stop_fcgi
expect_eq 0 $?
expect_eq yes "$(grep -q 'password authentication failed' "$TMP/server.log" && echo yes)"
expect_eq 0 "$(grep -c "$SECRET" "$TMP/server.log")"
finish
