# tests/admin-lib.sh: running dis-checkpoint-admin in a test, for
# tests/admin*.sh and tests/history*.sh. Source it after tests/lib.sh.
ADMIN=${DIS_CHECKPOINT_ADMIN_BIN:-$abs_top_builddir/dis-checkpoint-admin}
AS=	# a command to run it as another user (setpriv)

# admin ARGS...: runs the command; OUT, ERR and RC hold what it did.
admin() {
	# shellcheck disable=SC2086 # both are commands with their words
	$AS $WRAPPER "$ADMIN" "$@" >"$TMP/admin.out" 2>"$TMP/admin.err"
	RC=$?
	OUT=$(cat "$TMP/admin.out")
	ERR=$(cat "$TMP/admin.err")
}
expect_rc() {
	if [ "$RC" = "$1" ]; then pass; else
		fail "${CONTEXT:-} expected exit $1, got $RC: $OUT $ERR"
	fi
}
expect_err_has() {
	if [[ $ERR == *"$1"* ]]; then pass; else
		fail "${CONTEXT:-} expected '$1' on stderr, got: $ERR"
	fi
}
# expect_out_json EXPR: as expect_json, over the command's output.
expect_out_json() {
	local BODY=$OUT
	expect_json "$1"
}
# moves: a reset's or undo's table as "partition old new|...".
moves() {
	printf '%s\n' "$OUT" | awk '$1 ~ /^[0-9]+$/ && NF == 3 { printf "%s%s %s %s", s, $1, $2, $3; s = "|" }'
}
# expect_chained EXPR: EXPR true of the history j printed as JSON, with
# chained(rows, current) (tests/history-chained.py) known.
expect_chained() {
	if printf '%s' "$OUT" | "$PYTHON" "$abs_top_srcdir/tests/history-chained.py" "$1"
	then pass; else
		fail "${CONTEXT:-} expected $1 of: $OUT"
	fi
}
