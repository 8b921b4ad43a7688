#!/bin/bash
# run-fuzz.sh: builds each libFuzzer harness with clang, ASan and UBSan
# straight from src/ (no configure needed), replays its committed corpus
# (seeds and every crash ever found, kept as regressions), then fuzzes it
# for FUZZ_SECONDS (default 60). Prints one line per harness:
#
#   fuzz NAME: PASS, N executions in S s
#   fuzz NAME: FAIL (why); the crashing input is kept in the build dir
#
# and exits non-zero if any failed. Env: FUZZ_SECONDS, FUZZ_CC (clang),
# FUZZ_BUILD_DIR (default tests/fuzz/build, or a temp dir if that cannot
# be written). A crash found: copy the input into corpus/NAME/ (as
# crash-<sha1>), fix the bug; the replay keeps it fixed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
cc=${FUZZ_CC:-clang}
build=${FUZZ_BUILD_DIR:-$here/build}
mkdir -p "$build" 2>/dev/null && [ -w "$build" ] || build=$(mktemp -d)
rc=0

# What config.h would give the sources; no configure run is needed.
cat >"$build/config.h" <<'H'
#define _GNU_SOURCE 1
#define PACKAGE_VERSION "fuzz"
H
deps=$(pkg-config --cflags --libs jansson sqlite3 libcrypto libpq) || {
	echo "fuzz: FAIL (pkg-config cannot find jansson, sqlite3, libcrypto and libpq)"
	exit 1
}
sources=$(ls "$top"/src/*.c | grep -v -e /main.c -e /admin.c -e /server.c -e /writer.c)
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=undefined -Wall -Wextra -Werror"

for name in fuzz_request fuzz_body fuzz_fcgi fuzz_history; do
	bin=$build/$name
	# shellcheck disable=SC2086
	if ! "$cc" $flags -I"$build" -I"$top/src" -I"$here" -o "$bin" \
	    "$here/$name.c" $sources $deps -lpthread >"$build/$name.build.log" 2>&1; then
		echo "fuzz $name: FAIL (build; see below)"
		cat "$build/$name.build.log"
		rc=1
		continue
	fi
	work=$(mktemp -d)
	# The first directory gets new inputs; the committed one is only read.
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=4096 -dict="$here/$name.dict" -print_final_stats=1 \
	    -artifact_prefix="$build/$name-" "$work" "$here/corpus/$name" \
	    >"$build/$name.log" 2>&1
	status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$name.log")
	if [ $status -eq 0 ] && [ -n "$execs" ]; then
		echo "fuzz $name: PASS, $execs executions in $seconds s," \
		    "corpus $(ls "$work" | wc -l) new inputs"
	else
		echo "fuzz $name: FAIL (exit $status); log: $build/$name.log"
		grep -E -A30 'ERROR|runtime error|Test unit written' \
		    "$build/$name.log" | head -60
		rc=1
	fi
	rm -rf "$work"
done
exit $rc
