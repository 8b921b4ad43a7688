# tests/lighttpd-lib.sh: what lighttpd decides before the service sees a
# request, with the options deploy/lighttpd/*.conf set (doc/deploy.md):
# DIS clients get the service's JSON, not lighttpd's HTML. Source it after
# tests/lib.sh, then run the cases against the API at a URL (the root or a
# prefix such as .../dis), on the project "edges":
#
#   lighttpd_edges http://127.0.0.1:$PORT

lighttpd_edges() {
	local base=$1 v2=$1/v2/edges name="${SMOKE_NAME:-lighttpd} $1"

	CONTEXT="$name GET with a body:"
	http GET "$v2/apps" '{"not":json'
	expect_status 200
	expect_header_line 'Content-Type: application/json'
	CONTEXT="$name invalid UTF-8 in an app name:"
	http GET "$v2/apps/%FF"
	expect_error 400 DIS.4200
	expect_body_has app_name
	CONTEXT="$name invalid UTF-8 in the project:"
	http GET "$base/v2/%FF/apps"
	expect_error 400 DIS.4117
	CONTEXT="$name a form feed for a body:"
	http POST "$v2/apps" $'\f'
	expect_error 400 DIS.4300
	CONTEXT="$name JSON whitespace for a body:"
	http POST "$v2/apps" $' \t\r\n '
	expect_error 400 DIS.4202
	# lighttpd passes no header with an empty value to a FastCGI app, and
	# no option changes that: the service sees none, the path's project
	# stands. A present, different one still gets 4117.
	CONTEXT="$name empty X-Project-Id:"
	http GET "$v2/apps" '' -H 'X-Project-Id;'
	expect_status 200
	http GET "$v2/apps" '' -H 'X-Project-Id: other'
	expect_error 400 DIS.4117
}
