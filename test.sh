#!/bin/bash
# Builds dis-checkpoint (warnings are errors) and runs the whole test suite:
# Check unit tests, the binary over CGI and FastCGI, and behind real web
# servers. Then, stage by stage (TEST_STAGES, default all of them):
#
#   check     the build above and its make check
#   sanitize  everything again built with ASan + UBSan, LeakSanitizer on
#   valgrind  the binary-level (shell) tests again, the binary run under
#             valgrind memcheck; any error or leak in any log fails
#   fuzz      each libFuzzer harness for FUZZ_SECONDS (default 60)
#
# TEST_STAGES=check ./test.sh is the quick run. Ends with one line
# "N passed, N failed" summing every stage. First it installs the Debian
# packages the tests need (scripts/install-deps, with sudo when not root);
# a test that still lacks a tool fails at once, naming its package.
set -u
cd "$(dirname "$0")"
top=$(pwd)
STAGES=${TEST_STAGES:-check sanitize valgrind fuzz}
JOBS=$(nproc)
total_pass=0
total_fail=0
rc=0

stage_time() { echo "stage $1: $(($(date +%s) - $2)) s"; }

# Adds the automake results (.trs files) under dir to the totals.
count_trs() {
	local pass fail
	pass=$(find "$1" -name '*.trs' -exec grep -h '^:test-result: PASS' {} + | wc -l)
	fail=$(find "$1" -name '*.trs' -exec grep -h -E '^:test-result: (FAIL|ERROR|XPASS)' {} + | wc -l)
	echo "stage $2: $pass passed, $fail failed"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
}

# A stage that cannot even build counts as one failed test.
broken() {
	echo "stage $1: $2"
	total_fail=$((total_fail + 1))
	rc=1
}

# A copy of the distributed tree, configured in place with the flags given,
# so a second build never collides with the in-tree one.
dist_build() {
	local dir=$1
	shift
	rm -rf "$dir"
	make distdir distdir="$dir" >/dev/null || return 1
	(cd "$dir" && ./configure --enable-werror "$@" >/dev/null &&
	    make -j"$JOBS" >/dev/null) || return 1
}

stage_check() {
	local t0
	t0=$(date +%s)
	make -j"$JOBS" check || rc=1
	[ $rc -ne 0 ] && [ -f test-suite.log ] && cat test-suite.log
	count_trs tests check
	stage_time check "$t0"
}

stage_sanitize() {
	local t0 dir=$top/build-sanitize
	t0=$(date +%s)
	if ! dist_build "$dir" --enable-asan --enable-ubsan; then
		broken sanitize "build failed"
		return
	fi
	# Check forks each test: a leak ends the child early and shows up as
	# an error of that test, not a failure (field notes).
	# The kill -9 cycles proved durability in the check stage; here they
	# only need to run the code, so fewer.
	(cd "$dir" &&
	    KILL_CYCLES=${SANITIZE_KILL_CYCLES:-5} \
	    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    CK_TIMEOUT_MULTIPLIER=4 make -j"$JOBS" check) || {
		rc=1
		cat "$dir/test-suite.log"
	}
	count_trs "$dir/tests" sanitize
	stage_time sanitize "$t0"
}

stage_valgrind() {
	local t0 dir=$top/build-valgrind logs bad=0 f checked
	t0=$(date +%s)
	if ! dist_build "$dir" CFLAGS="-g -O1"; then
		broken valgrind "build failed"
		return
	fi
	# Some tests run the binary as nobody; its log goes here too, so not
	# below the tree, which nobody may not reach (a clone in /root or in
	# a home directory, 0700 on Debian 12).
	logs=$(mktemp -d "${TMPDIR:-/tmp}/dis-checkpoint-valgrind.XXXXXX")
	chmod 1777 "$logs"
	# Only the shell tests run the binary, through this wrapper: one log
	# per process, named by the time it started as well as its PID, for
	# PIDs wrap (pid_max is 32768 here) within the stage, and a second
	# process with a PID would truncate the first one's log, or, run as
	# nobody, fail to open root's.
	cat >"$logs/wrapper" <<EOF
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 \\
    --leak-check=full --errors-for-leak-kinds=definite,indirect \\
    --show-leak-kinds=definite,indirect --track-fds=no \\
    --log-file="$logs/vg.\$(date +%s%N).%p.log" "\$@"
EOF
	chmod 755 "$logs/wrapper"
	(cd "$dir" &&
	    DIS_CHECKPOINT_WRAPPER="$logs/wrapper" \
	    CK_TIMEOUT_MULTIPLIER=10 KILL_CYCLES=${VALGRIND_KILL_CYCLES:-3} \
	    make -j"$JOBS" check TESTS='$(dist_check_SCRIPTS)') || {
		rc=1
		cat "$dir/test-suite.log"
	}
	count_trs "$dir/tests" valgrind
	# A process killed on purpose (kill -9) leaves no summary, so look
	# for the error reports themselves, not only the summary line.
	for f in "$logs"/vg.*.log; do
		[ -e "$f" ] || continue
		if grep -q -E 'ERROR SUMMARY: [1-9]|are definitely lost|are indirectly lost|^==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination|Process terminating)' "$f"; then
			echo "valgrind: errors in $f:"
			cat "$f"
			bad=$((bad + 1))
		fi
	done
	checked=$(find "$logs" -name 'vg.*.log' | wc -l)
	echo "valgrind: $checked processes checked, $bad with errors"
	total_pass=$((total_pass + (checked > 0 && bad == 0)))
	if [ $bad -ne 0 ] || [ "$checked" -eq 0 ]; then
		total_fail=$((total_fail + 1))
		rc=1
	fi
	rm -rf "$logs"
	stage_time valgrind "$t0"
}

stage_fuzz() {
	local t0 out
	t0=$(date +%s)
	out=$(mktemp)
	FUZZ_SECONDS=${FUZZ_SECONDS:-60} tests/fuzz/run-fuzz.sh | tee "$out"
	[ "${PIPESTATUS[0]}" -ne 0 ] && rc=1
	# run-fuzz.sh prints one "fuzz NAME: PASS|FAIL ..." line per harness.
	total_pass=$((total_pass + $(grep -c '^fuzz .*: PASS' "$out")))
	total_fail=$((total_fail + $(grep -c '^fuzz .*: FAIL' "$out")))
	if ! grep -q '^fuzz .*: PASS' "$out" && ! grep -q '^fuzz .*: FAIL' "$out"; then
		broken fuzz "no harness ran"
	fi
	rm -f "$out"
	stage_time fuzz "$t0"
}

# What the tests need, installed as quickstart.sh does (sudo when not root).
scripts/install-deps test ||
    { echo "scripts/install-deps failed"; echo "0 passed, 1 failed"; exit 1; }
[ -x configure ] || ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 1; }
# Configured again when the build at hand is not this one's: none yet, or
# quickstart.sh's (no -Werror, configured before Check was installed).
if [ ! -f Makefile ] || ! ./config.status --config | grep -q -- --enable-werror ||
    ! grep -q '^CHECK_LIBS = .' Makefile; then
	./configure --enable-werror ${CONFIGURE_FLAGS:-} >/dev/null ||
	    { echo "configure failed (see config.log)"; exit 1; }
fi
make -j"$JOBS" >/dev/null || { make; echo "0 passed, 1 failed"; exit 1; }
for stage in $STAGES; do
	case $stage in
	check | sanitize | valgrind | fuzz) "stage_$stage" ;;
	*) broken "$stage" "unknown stage" ;;
	esac
done
echo "$total_pass passed, $total_fail failed"
[ $total_fail -ne 0 ] && rc=1
exit $rc
