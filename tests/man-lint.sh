#!/bin/bash
# The man pages as built (placeholders filled in) are clean under
# mandoc -Tlint at warning level: any output fails the test.
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need mandoc
rc=0
for page in man/dis-checkpoint.8 man/dis-checkpoint.conf.5 \
    man/dis-checkpoint-admin.8; do
	f=$abs_top_builddir/$page
	if ! [ -s "$f" ]; then
		echo "FAIL: $page was not built"
		rc=1
		continue
	fi
	out=$(mandoc -Tlint -Wwarning "$f" 2>&1)
	if [ -n "$out" ]; then
		echo "FAIL: mandoc -Tlint $page:"
		echo "$out"
		rc=1
	elif grep -n '@[a-z]*dir@' "$f"; then
		echo "FAIL: $page has unfilled placeholders"
		rc=1
	else
		echo "ok: $page"
	fi
done
exit $rc
