#!/bin/bash
# tests/sign.sh: signs one DIS request the way the DIS SDKs do (auth.md),
# with nothing but the openssl command line, and prints the Authorization
# header value. The tests use it; doc/authentication.md shows it by hand.
#
#   sign.sh [-v11] METHOD PATH QUERY BODY HOST DATE AK SK REGION
#
# PATH and QUERY as they will be sent, already percent-encoded in the
# canonical way (upper-case %XX, '+' not used); BODY is the body text ("" for
# none); HOST the Host header as signed (the SDKs drop the port); DATE the
# X-Sdk-Date value (date -u +%Y%m%dT%H%M%SZ).
set -eu

alg=SDK-HMAC-SHA256
if [ "${1:-}" = -v11 ]; then
	alg=V11-HMAC-SHA256
	shift
fi
[ $# -eq 9 ] || { echo "usage: $0 [-v11] METHOD PATH QUERY BODY HOST DATE AK SK REGION" >&2; exit 2; }
method=$1 path=$2 query=$3 body=$4 host=$5 date=$6 ak=$7 sk=$8 region=$9
service=dis
day=${date%%T*}

# hex HMAC-SHA256 of stdin; the key as text (key:) or hex (hexkey:).
hmac() { openssl dgst -sha256 -mac HMAC -macopt "$1" | awk '{print $NF}'; }
sha256() { openssl dgst -sha256 | awk '{print $NF}'; }

# Canonical URI: always a trailing '/'. Canonical query: sorted pairs.
case $path in */) ;; *) path=$path/ ;; esac
cquery=$(printf '%s' "$query" | tr '&' '\n' | sed '/^$/d' | LC_ALL=C sort |
    paste -sd '&' -)

canonical=$(printf '%s\n%s\n%s\nhost:%s\nx-sdk-date:%s\n\nhost;x-sdk-date\n%s' \
    "$method" "$path" "$cquery" "$host" "$date" \
    "$(printf '%s' "$body" | sha256)")
scope=$day/$region/$service/sdk_request
sts=$(printf '%s\n%s\n%s\n%s' "$alg" "$date" "$scope" \
    "$(printf '%s' "$canonical" | sha256)")

secret=$sk
if [ "$alg" = V11-HMAC-SHA256 ]; then
	# HKDF-SHA256, one block: PRK = HMAC(AK, SK); OKM = HMAC(PRK, info 0x01).
	prk=$(printf '%s' "$sk" | hmac "key:$ak")
	secret=$(printf '%s\001' "$day/$region/$service" | hmac "hexkey:$prk")
fi
k=$(printf '%s' "$day" | hmac "key:SDK$secret")
for part in "$region" "$service" sdk_request; do
	k=$(printf '%s' "$part" | hmac "hexkey:$k")
done
signature=$(printf '%s' "$sts" | hmac "hexkey:$k")
printf '%s Credential=%s/%s, SignedHeaders=host;x-sdk-date, Signature=%s\n' \
    "$alg" "$ak" "$scope" "$signature"
