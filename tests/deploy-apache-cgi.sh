#!/bin/bash
# Plain CGI (mod_cgi) for real, both ways: deploy/apache/cgi.conf (server
# config), then deploy/shared-hosting/.htaccess on a host without
# mod_fcgid, so .fcgi runs as CGI. Smoke suite at / and /dis each time.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/smoke-lib.sh"
. "$abs_top_srcdir/tests/deploy-lib.sh"
need apache2 curl

deploy_setup
open_up_tmp
# mod_cgi turns the program's "Content-Length: 0" into an empty chunked body.
SMOKE_EMPTY_MAY_BE_CHUNKED=1

SMOKE_NAME="apache CGI"
deploy_file apache/cgi.conf >"$TMP/dis-checkpoint.conf"
start_apache "$TMP/dis-checkpoint.conf" cgi
smoke_both
report_request_log
stop_apache

SMOKE_NAME="shared hosting CGI"
rm -f "$DB" "$DB"-*
install -m 755 "$SBIN/dis-checkpoint" "$TMP/www/dis-checkpoint.fcgi"
install -m 644 "$ETC/dis-checkpoint.conf" "$TMP/www/dis-checkpoint.conf"
cp "$DEPLOY/shared-hosting/.htaccess" "$TMP/www/.htaccess"
: >"$TMP/dis-checkpoint.conf"
start_apache "$TMP/dis-checkpoint.conf" cgi
smoke_both
CONTEXT="shared hosting: config not served:"
http GET "http://127.0.0.1:$PORT/dis-checkpoint.conf"
expect_status 403
CONTEXT="shared hosting: database from the file beside the binary:"
expect_eq yes "$( [ -s "$DB" ] && echo yes)"
report_request_log
stop_apache
finish
