#!/usr/bin/env bash
# verify-security.sh URL — checks a running OpsGraph deployment from outside (spec 001 T030).
#
# One line per check (PASS / FAIL / SKIP), exit 1 when any check fails, 2 on usage or a missing tool.
# It sends only what an anonymous caller could, plus the dev-default credentials a deployment must
# refuse; it never needs a secret of the deployment. URL is the server's base, e.g. http://10.0.0.5:4000
#
#   VERIFY_INTROSPECTION=public   introspection and GraphiQL are expected open to anonymous callers
#                                 (development); default: refused without a token
#   VERIFY_RATE_LIMIT=1           also sends 101 wrong passwords for a made-up user (POST /discovery/v1/authentication)
#                                 and expects a 429
#                                 (off by default: the per-IP limit then holds this machine back too)
#   VERIFY_TIMEOUT                seconds per request (default 10)
#
# A server locked to persisted operations (PERSISTED_OPERATIONS_FILE) is recognised by its answer
# to a document sent as text; the checks that send documents are then skipped, and credentials
# are checked through the REST paths, which run the server's own documents either way.
set -uo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: $0 URL" >&2
  exit 2
fi
BASE=${1%/}
TIMEOUT=${VERIFY_TIMEOUT:-10}
for tool in curl openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool is required" >&2; exit 2; }
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILED=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; FAILED=1; }
skip() { echo "SKIP $1: $2"; }

# call METHOD PATH [BODY] [extra curl args…] → status in $STATUS, body in $TMP/body, headers in $TMP/headers
call() {
  local method=$1 path=$2 body=${3:-}
  shift 3 2>/dev/null || shift $#
  local args=(-sS -m "$TIMEOUT" -X "$method" -D "$TMP/headers" -o "$TMP/body" -w '%{http_code}')
  [[ -n $body ]] && args+=(-H 'content-type: application/json' --data-binary "$body")
  STATUS=$(curl "${args[@]}" "$@" "$BASE$path" 2>"$TMP/curl.err") || STATUS=000
}
body_has() { grep -q -- "$1" "$TMP/body"; }
header_is() { grep -qi "^$1: *$2" "$TMP/headers"; }

call GET /health
if [[ $STATUS == 000 ]]; then
  echo "FAIL reachable: $(cat "$TMP/curl.err")"
  exit 1
fi
[[ $STATUS == 200 ]] && pass "health answers 200" || fail "health answers 200" "got $STATUS"

for name in x-content-type-options:nosniff x-frame-options:DENY referrer-policy:no-referrer content-security-policy:; do
  header=${name%%:*} value=${name#*:}
  header_is "$header" "$value" && pass "header $header" || fail "header $header" "missing or not '$value' on /health"
done

# With an allow-list of persisted operations (PERSISTED_OPERATIONS_FILE) any document sent as text
# is refused; the checks below that send documents then have nothing to say and are skipped, and
# credentials are checked through the REST paths, which run the server's own documents.
call POST /graphql '{"query":"{ chamados(first: 1) { totalCount } }"}'
LOCKED=0
if body_has '"PERSISTED_QUERY_ONLY"'; then
  LOCKED=1
  pass "graphql runs only persisted operations"
else
  body_has '"UNAUTHENTICATED"' && pass "graphql refuses anonymous reads" || fail "graphql refuses anonymous reads" "HTTP $STATUS: $(head -c 200 "$TMP/body")"
fi

call GET /api/v1/chamados
[[ $STATUS == 401 ]] && pass "REST refuses anonymous reads" || fail "REST refuses anonymous reads" "GET /api/v1/chamados answered $STATUS"

call POST /api/v1/webhooks/wazuh '{"rule":{"level":3,"id":"1"},"agent":{"name":"verify"}}'
[[ $STATUS == 401 ]] && pass "webhook refuses an unsigned delivery" || fail "webhook refuses an unsigned delivery" "answered $STATUS"

# The development defaults (src/config.ts) must not open anything in a deployment.
call POST /api/v1/webhooks/wazuh '{"rule":{"level":3,"id":"1"},"agent":{"name":"verify"}}' -H 'X-Webhook-Secret: opsgraph-dev-webhook-secret'
[[ $STATUS == 401 ]] && pass "default webhook secret refused" || fail "default webhook secret refused" "answered $STATUS"

b64() { printf '%s' "$1" | openssl base64 -A; }
login_rest() { call POST /discovery/v1/authentication "{\"username\":\"$1\",\"password\":\"base64:$(b64 "$2")\"}"; }
login_rest admin opsgraph-admin
[[ $STATUS == 200 ]] && fail "default admin password refused" "admin / opsgraph-admin signs in" || pass "default admin password refused"

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
claims=$(printf '{"sub":"1","iat":%d,"exp":%d,"iss":"opsgraph","aud":"opsgraph-api"}' "$now" $((now + 600)) | b64url)
signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -hmac 'opsgraph-dev-jwt-secret-change-me' -binary | b64url)
call GET /api/v1/chamados '' -H "authorization: Bearer $header.$claims.$signature"
[[ $STATUS == 401 ]] && pass "default JWT secret refused" || fail "default JWT secret refused" "a token signed with the dev default got $STATUS"
none_header=$(printf '{"alg":"none","typ":"JWT"}' | b64url)
call GET /api/v1/chamados '' -H "authorization: Bearer $none_header.$claims."
[[ $STATUS == 401 ]] && pass "alg:none refused" || fail "alg:none refused" "an unsigned token got $STATUS"

call POST /graphql '{"query":"{ __schema { queryType { name } } }"}'
if [[ $LOCKED == 1 ]]; then
  body_has '"queryType"' && fail "introspection refused (allow-list)" "answered" || pass "introspection refused (allow-list)"
elif [[ ${VERIFY_INTROSPECTION:-} == public ]]; then
  body_has '"queryType"' && pass "introspection open (as configured)" || fail "introspection open (as configured)" "refused: $(head -c 200 "$TMP/body")"
else
  body_has '"queryType"' && fail "introspection needs a token" "answered to an anonymous caller" || pass "introspection needs a token"
fi
call GET /graphql '' -H 'accept: text/html'
if [[ ${VERIFY_INTROSPECTION:-} == public && $LOCKED == 0 ]]; then
  [[ $STATUS == 200 ]] && pass "GraphiQL served (as configured)" || fail "GraphiQL served (as configured)" "answered $STATUS"
elif [[ $STATUS == 200 ]] && grep -qi '<html' "$TMP/body"; then
  fail "GraphiQL needs a token" "served to an anonymous caller"
else
  pass "GraphiQL needs a token"
fi

if [[ $LOCKED == 1 ]]; then
  skip "query limits and suggestions" "the allow-list refuses every document sent as text"
else
  aliases=$(for i in $(seq 1 100); do printf 'a%d: __typename ' "$i"; done)
  call POST /graphql "{\"query\":\"{ $aliases }\"}"
  body_has '"a100"' && fail "query limits (100 aliases)" "answered" || pass "query limits (100 aliases)"
  tokens=$(for i in $(seq 1 2000); do printf '__typename '; done)
  call POST /graphql "{\"query\":\"{ $tokens }\"}"
  body_has '"data"' && fail "query limits (2,000 tokens)" "answered" || pass "query limits (2,000 tokens)"
  call POST /graphql '{"query":"{ chamadoz { id } }"}'
  body_has 'Did you mean' && fail "no field suggestions" "errors suggest field names" || pass "no field suggestions"
fi

if [[ ${VERIFY_RATE_LIMIT:-} == 1 ]]; then
  user="verify-$(date +%s)-$RANDOM"
  limited=0
  for _ in $(seq 1 101); do
    login_rest "$user" "wrong-password-$RANDOM"
    if [[ $STATUS == 429 ]]; then limited=1; break; fi
  done
  [[ $limited == 1 ]] && pass "login rate limit" || fail "login rate limit" "101 wrong passwords were all answered"
else
  skip "login rate limit" "set VERIFY_RATE_LIMIT=1 to send 101 wrong passwords"
fi

exit $FAILED
