#!/bin/bash
# hostile.sh: every case of hostile-cases.txt through the real binary over
# FastCGI. Each case must get its status and DIS error code, must leave the
# database exactly as it was, and must leave the server alive; at the end
# the server still serves and exits 0 on SIGTERM (under ASan that exit is
# where LeakSanitizer speaks).
#
# Case lines: method|uri|body|env|status|code (see the file's header).
# Most cases go through cgi-fcgi; those with an @cut/@drop/@abort/@client
# directive go through tests/fcgi-client, which can cut a body short.
. "$abs_top_srcdir/tests/lib.sh"
need cgi-fcgi sqlite3

CASES=$abs_top_srcdir/tests/hostile-cases.txt
CLIENT=$abs_top_builddir/tests/fcgi-client
MIN_CASES=200

# The quota of 2 lets one case hit DIS.4329 without creating anything.
start_fcgi -o app_quota=2 -t 4
ck='{"stream_name":"s1","app_name":"a1","partition_id":"%s","sequence_number":"%s","metadata":"%s","checkpoint_type":"LAST_READ"}'
fcgi POST /v2/p1/apps '{"app_name":"a1"}'; expect_status 201
fcgi POST /v2/p1/apps '{"app_name":"a2"}'; expect_status 201
fcgi POST /v2/p2/apps '{"app_name":"a1"}'; expect_status 201
fcgi POST /v2/p1/checkpoints "$(printf "$ck" 0 10 m0)"; expect_status 201
fcgi POST /v2/p1/checkpoints "$(printf "$ck" 1 11 m1)"; expect_status 201
fcgi POST /v2/p2/checkpoints "$(printf "$ck" 0 20 other)"; expect_status 201
before=$(db_dump)
expect_eq 1 "$(db_sql "SELECT count(*) FROM checkpoints WHERE project = 'p1'
    AND app = 'a1' AND stream = 's1' AND type = 'LAST_READ' AND partition = 1
    AND sequence = 11 AND metadata = 'm1'")"

# One pass of perl turns the table into a directory of cases, one file per
# part, with {{...}} expanded: {{TEXT*N}} repeats TEXT N times (after {{%HH}}
# became the byte HH), {{pipe}} is "|" and {{sp}} a space. The env column is
# split on spaces into one line per variable.
mkdir "$TMP/cases"
perl -e '
	my ($file, $dir) = @ARGV;
	sub expand {
		my $s = shift;
		$s =~ s/\{\{%([0-9A-Fa-f]{2})\}\}/chr(hex($1))/ge;
		$s =~ s/\{\{pipe\}\}/|/g;
		$s =~ s/\{\{sp\}\}/ /g;
		$s =~ s/\{\{(.*?)\*(\d+)\}\}/$1 x $2/gse;
		return $s;
	}
	sub put {
		my ($name, $text) = @_;
		open(my $f, ">", $name) or die "$name: $!";
		binmode($f);
		print $f $text;
		close($f);
	}
	open(my $in, "<", $file) or die "$file: $!";
	binmode($in);
	my $n = 0;
	while (my $line = <$in>) {
		chomp $line;
		next if $line =~ /^\s*(#|$)/;
		my @f = split(/\|/, $line, -1);
		die "line $.: expected 6 fields, got " . scalar(@f) . "\n"
		    unless @f == 6;
		$n++;
		my $d = sprintf("%s/%04d", $dir, $n);
		mkdir $d or die "$d: $!";
		put("$d/line", "$.: $line");
		put("$d/method", $f[0]);
		put("$d/uri", expand($f[1]));
		put("$d/body", expand($f[2]));
		put("$d/env", join("", map { expand($_) . "\n" }
		    grep { length } split(/ /, $f[3])));
		put("$d/status", $f[4]);
		put("$d/code", $f[5]);
	}
' "$CASES" "$TMP/cases" || fail "cannot read $CASES"

ncases=$(find "$TMP/cases" -mindepth 1 -maxdepth 1 -type d | wc -l)
if [ "$ncases" -ge "$MIN_CASES" ]; then pass; else
	fail "only $ncases cases, expected at least $MIN_CASES"
fi

# drop_var NAME: takes NAME out of run_case's vars.
drop_var() {
	local kept=() v
	for v in "${vars[@]}"; do
		[ "${v%%=*}" != "$1" ] && kept+=("$v")
	done
	vars=("${kept[@]}")
}

# run_case DIR: sends one case; leaves the answer in $TMP/out. A NAME=VALUE
# in the env column replaces the default; +NAME=VALUE sends NAME twice.
run_case() {
	local dir=$1 method uri var client=no opts=() vars=() len
	method=$(<"$dir/method")
	uri=$(<"$dir/uri")
	len=$(wc -c <"$dir/body")
	[ "$method" != - ] && vars+=("REQUEST_METHOD=$method")
	[ "$uri" != - ] && vars+=("REQUEST_URI=$uri")
	vars+=("CONTENT_LENGTH=$len")
	while IFS= read -r var; do
		case $var in
		@cut=* | @drop=* | @abort=*)
			client=yes
			local n=${var#*=}
			[ "$n" = len ] && n=$len
			case $var in
			@cut=*) opts+=(-c "$n") ;;
			@drop=*) opts+=(-d "$n") ;;
			@abort=*) opts+=(-a "$n") ;;
			esac ;;
		@client) client=yes ;;
		-*) drop_var "${var#-}" ;;
		+*) vars+=("${var#+}") ;;
		*) drop_var "${var%%=*}"; vars+=("$var") ;;
		esac
	done <"$dir/env"
	if [ $client = yes ]; then
		"$CLIENT" -b "$dir/body" "${opts[@]}" "$SOCK" "${vars[@]}" \
		    >"$TMP/out" 2>"$TMP/err"
	else
		env -i "${vars[@]}" cgi-fcgi -bind -connect "$SOCK" \
		    <"$dir/body" >"$TMP/out" 2>"$TMP/err"
	fi
}

for dir in "$TMP"/cases/*; do
	CONTEXT="hostile-cases.txt:$(cut -c1-160 "$dir/line")"
	want_status=$(<"$dir/status")
	want_code=$(<"$dir/code")
	run_case "$dir"
	client_rc=$?
	parse_cgi_response
	if [ "$want_status" = - ]; then
		# The client went away: there is no answer to check, only
		# that it was let go cleanly.
		expect_eq 0 "$client_rc"
	else
		expect_status "$want_status"
		if [ "$want_code" = - ]; then
			case "$BODY" in
			*errorCode*) fail "$CONTEXT: unexpected error: $BODY" ;;
			*) pass ;;
			esac
		else
			expect_code "$want_code"
		fi
	fi
	if kill -0 "$SERVER_PID" 2>/dev/null; then pass; else
		fail "$CONTEXT: the server died"
		tail -20 "$TMP/server.log" >&2
		break
	fi
	after=$(db_dump)
	if [ "$after" = "$before" ]; then pass; else
		fail "$CONTEXT: the database changed"
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2
		before=$after
	fi
done
CONTEXT=

# Still serving, with nothing lost, and a clean exit.
fcgi GET '/v2/p1/checkpoints?stream_name=s1&app_name=a1&partition_id=1&checkpoint_type=LAST_READ'
expect_status 200
expect_body '{"sequence_number":"11","metadata":"m1"}'
stop_fcgi
rc=$?
expect_eq 0 "$rc"
[ "$rc" -ne 0 ] && tail -30 "$TMP/server.log" >&2
echo "$ncases hostile cases"
finish
