#!/bin/bash
# deploy/systemd units for real: systemd-analyze verify on the shipped
# units, then the service's ExecStart= and Environment= under
# systemd-socket-activate (LISTEN_FDS=1 handover, started on the first
# connection) behind lighttpd's socket.conf, smoke suite at / and /dis.
. "$abs_top_srcdir/tests/lib.sh"
. "$abs_top_srcdir/tests/smoke-lib.sh"
. "$abs_top_srcdir/tests/deploy-lib.sh"
need systemd-socket-activate lighttpd curl
SMOKE_NAME="systemd socket activation"

deploy_setup
mkdir -p "$TMP/units"
deploy_file systemd/dis-checkpoint.socket >"$TMP/units/dis-checkpoint.socket"
deploy_file systemd/dis-checkpoint.service >"$TMP/units/dis-checkpoint.service"

# systemd-analyze needs no running systemd for "verify" (--man=no: the man
# pages are checked by man-lint.sh, not installed here); where it cannot
# run at all, the test says so and goes on with the rest.
if command -v systemd-analyze >/dev/null 2>&1; then
	CONTEXT="systemd-analyze verify:"
	if (cd "$TMP/units" && systemd-analyze verify --man=no \
	    ./dis-checkpoint.socket ./dis-checkpoint.service) \
	    >"$TMP/verify" 2>&1 && ! [ -s "$TMP/verify" ]; then
		pass
	else
		fail "$(cat "$TMP/verify")"
	fi
else
	echo "systemd-analyze not installed: units not verified"
fi

# What the units say, run the way systemd would run it.
unit=$TMP/units/dis-checkpoint.service
CONTEXT="units:"
expect_eq socket "$(sed -n 's/^StandardInput=//p' "$unit")"
expect_eq journal "$(sed -n 's/^StandardOutput=//p' "$unit")"
expect_eq journal "$(sed -n 's/^StandardError=//p' "$unit")"
listen=$(sed -n 's/^ListenStream=//p' "$TMP/units/dis-checkpoint.socket")
expect_eq "$RUN/dis-checkpoint.sock" "$listen"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
envs=()
for e in $(sed -n 's/^Environment=//p' "$unit"); do envs+=(-E "$e"); done
mkdir -p "$(dirname "$listen")"
# shellcheck disable=SC2086
systemd-socket-activate -l "$listen" "${envs[@]}" \
    -E DIS_CHECKPOINT_CONFIG="$ETC/dis-checkpoint.conf" \
    $exec_start 2>>"$LOGS/app-stderr.log" &
SERVER_PID=$!
wait_for_unix "$listen"
chmod 666 "$listen"

deploy_file lighttpd/socket.conf >"$TMP/dis-checkpoint.conf"
start_lighttpd "$TMP/dis-checkpoint.conf"
smoke_both
report_request_log
CONTEXT="database from Environment=:"
expect_eq yes "$( [ -s "$DATA/dis-checkpoint.db" ] && echo yes)"
stop_lighttpd
CONTEXT="stops on SIGTERM:"
stop_fcgi
expect_eq 0 $?
finish
