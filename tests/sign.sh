#!/bin/bash
# tests/sign.sh: signs one DIS request the way the DIS SDKs do (auth.md),
# with nothing but the openssl command line, and prints the Authorization
# header value. The tests use it; doc/authentication.md shows it by hand.
#
#   sign.sh [-v11] [-h name:value]... [-payload HASH] METHOD PATH QUERY BODY
#       HOST DATE AK SK REGION
#
# PATH and QUERY as they will be sent, already percent-encoded in the
# canonical way (upper-case %XX, '+' not used); BODY is the body text ("" for
# none); HOST the Host header as signed (the SDKs drop the port); DATE the
# X-Sdk-Date value (date -u +%Y%m%dT%H%M%SZ). Each -h signs one more header
# (lower-case name, the value as it will be sent), as the Go SDK signs
# Content-Length, Content-Type and X-Sdk-Content-Sha256; -payload signs HASH
# where the body's SHA-256 belongs, as a client that trusts
# X-Sdk-Content-Sha256 (or sends UNSIGNED-PAYLOAD) would.
set -eu

usage="usage: $0 [-v11] [-h name:value]... [-payload HASH] METHOD PATH QUERY BODY HOST DATE AK SK REGION"
alg=SDK-HMAC-SHA256
extra= payload=
while :; do
	case ${1:-} in
	-v11) alg=V11-HMAC-SHA256; shift ;;
	-h) extra=$extra$2$'\n'; shift 2 ;;
	-payload) payload=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -eq 9 ] || { echo "$usage" >&2; exit 2; }
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

# Canonical headers: name:value, sorted by name; SignedHeaders their names.
headers=$(printf '%shost:%s\nx-sdk-date:%s\n' "$extra" "$host" "$date" |
    LC_ALL=C sort -t: -k1,1)
signed=$(printf '%s\n' "$headers" | cut -d: -f1 | paste -sd ';' -)
[ -n "$payload" ] || payload=$(printf '%s' "$body" | sha256)

canonical=$(printf '%s\n%s\n%s\n%s\n\n%s\n%s' \
    "$method" "$path" "$cquery" "$headers" "$signed" "$payload")
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
printf '%s Credential=%s/%s, SignedHeaders=%s, Signature=%s\n' \
    "$alg" "$ak" "$scope" "$signed" "$signature"
