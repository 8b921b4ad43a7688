#!/bin/sh
# quickstart.sh: installs what is missing, builds dis-checkpoint and serves
# the DIS checkpoint API on http://127.0.0.1:8080 through lighttpd, with the
# database in ./run/. "./quickstart.sh stop" stops it. PORT=nnnn to move it.
set -eu
cd "$(dirname "$0")"
TOP=$(pwd)
RUN=$TOP/run
PORT=${PORT:-8080}

stop() {
	if [ -f "$RUN/lighttpd.pid" ]; then
		kill "$(cat "$RUN/lighttpd.pid")" 2>/dev/null || true
		rm -f "$RUN/lighttpd.pid"
		sleep 1
	fi
}

if [ "${1:-}" = stop ]; then
	stop
	echo "stopped"
	exit 0
fi

scripts/install-deps run
[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"

stop
mkdir -p "$RUN/www"
cat >"$RUN/lighttpd.conf" <<CONF
# Written by quickstart.sh; deploy/lighttpd/ has the commented versions.
server.modules = ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $PORT
server.document-root = "$RUN/www"
server.pid-file = "$RUN/lighttpd.pid"
server.errorlog = "$RUN/lighttpd-error.log"
fastcgi.server = ( "/" => ((
	"socket" => "$RUN/dis-checkpoint.sock",
	"bin-path" => "$TOP/dis-checkpoint",
	"bin-environment" => ( "DIS_CHECKPOINT_DATABASE" => "$RUN/dis-checkpoint.db" ),
	"max-procs" => 1,
	"check-local" => "disable"
)) )
CONF
lighttpd -tt -f "$RUN/lighttpd.conf"
lighttpd -f "$RUN/lighttpd.conf"

URL=http://127.0.0.1:$PORT
for _ in $(seq 50); do
	curl -s -o /dev/null "$URL/health" && break
	sleep 0.1
done
curl -fsS "$URL/health" >/dev/null || {
	echo "the service did not come up; see $RUN/lighttpd-error.log" >&2
	exit 1
}
cat <<MSG

dis-checkpoint is serving $URL (database $RUN/dis-checkpoint.db).
Try it:

  curl -i -X POST $URL/v2/my-project/apps -H 'Content-Type: application/json' \\
       -d '{"app_name": "app_name1"}'
  curl -i -X POST $URL/v2/my-project/checkpoints -H 'Content-Type: application/json' \\
       -d '{"stream_name": "stream_name_test1", "app_name": "app_name1",
            "partition_id": "shardId-0000000000", "sequence_number": "10",
            "metadata": "metadata", "checkpoint_type": "LAST_READ"}'
  curl -s "$URL/v2/my-project/checkpoints?stream_name=stream_name_test1&app_name=app_name1&partition_id=0&checkpoint_type=LAST_READ"

Stop it with: ./quickstart.sh stop
MSG
