#!/bin/bash
# mod_fcgid for real, both ways Apache runs it: deploy/apache/fcgid.conf
# (server config), then deploy/shared-hosting/.htaccess with the binary as
# dis-checkpoint.fcgi and its config beside it, no environment passed.
# Smoke suite at / and /dis each time; apache2 configtest passes.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/smoke-lib.sh"
. "$abs_top_srcdir/tests/deploy-lib.sh"
need apache2 curl mod_fcgid

deploy_setup
open_up_tmp
fcgid_dirs() {
	# mod_fcgid's sockets and shared table, in $TMP, not /var/lib/apache2.
	cat <<CONF
FcgidIPCDir "$RUN/fcgid"
FcgidProcessTableFile "$RUN/fcgid_shm"
CONF
}

SMOKE_NAME="apache mod_fcgid"
{ fcgid_dirs; deploy_file apache/fcgid.conf; } >"$TMP/dis-checkpoint.conf"
start_apache "$TMP/dis-checkpoint.conf" fcgid
smoke_both
report_request_log
stop_apache
CONTEXT="mod_fcgid processes gone:"
sleep 0.5
expect_eq 0 "$(pgrep -c -f "^$SBIN/dis-checkpoint" || true)"

# Shared hosting: only the web space and a data directory outside it.
SMOKE_NAME="shared hosting mod_fcgid"
rm -f "$DB" "$DB"-*
install -m 755 "$SBIN/dis-checkpoint" "$TMP/www/dis-checkpoint.fcgi"
install -m 644 "$ETC/dis-checkpoint.conf" "$TMP/www/dis-checkpoint.conf"
cp "$DEPLOY/shared-hosting/.htaccess" "$TMP/www/.htaccess"
fcgid_dirs >"$TMP/dis-checkpoint.conf"
start_apache "$TMP/dis-checkpoint.conf" fcgid
smoke_both
CONTEXT="shared hosting: config not served:"
http GET "http://127.0.0.1:$PORT/dis-checkpoint.conf"
expect_status 403
CONTEXT="shared hosting: database from the file beside the binary:"
expect_eq yes "$( [ -s "$DB" ] && echo yes)"
report_request_log
stop_apache
finish
