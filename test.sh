#!/bin/sh
# Builds dis-checkpoint (warnings are errors) and runs the whole test suite:
# Check unit tests, the binary over CGI and FastCGI, and behind real web
# servers. Ends with one line "N passed, N failed".
set -u
cd "$(dirname "$0")"
[ -x configure ] || ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 1; }
if [ ! -f Makefile ]; then
	./configure --enable-werror ${CONFIGURE_FLAGS:-} >/dev/null ||
	    { echo "configure failed (see config.log)"; exit 1; }
fi
make -j"$(nproc)" >/dev/null || { make; exit 1; }
make -j"$(nproc)" check
rc=$?
[ $rc -ne 0 ] && [ -f test-suite.log ] && cat test-suite.log
pass=$(find tests -name '*.trs' -exec grep -h '^:test-result: PASS' {} + | wc -l)
fail=$(find tests -name '*.trs' -exec grep -h -E '^:test-result: (FAIL|ERROR|XPASS)' {} + | wc -l)
echo "$pass passed, $fail failed"
exit $rc
