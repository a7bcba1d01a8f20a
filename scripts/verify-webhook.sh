#!/usr/bin/env bash
# verify-webhook.sh URL SECRET — end-to-end check of a webhook receiver's idempotency (spec 001 T004/T009).
#
# Sends one onboarding event (`account.created`, unique session id, domain and data.email) twice
# with the SAME webhook-id, signed per Standard Webhooks (HMAC-SHA256 over "id.timestamp.body",
# base64, header "v1,<sig>"; the timestamp is recomputed per send, as a sender's retry would).
# X-Webhook-Secret is sent alongside, so a receiver that only checks the shared secret works too.
# Prints both receipts and passes when the second says "duplicate" with the first's chamado_public_id.
#
#   URL     e.g. http://10.10.10.122:4000/api/v1/webhooks/onboard
#   SECRET  whsec_<base64> → the key is the decoded bytes; anything else → the key is SECRET's bytes
#
# Exit: 0 pass, 1 fail (one "FAIL: …" line says why), 2 usage / missing tool.
# Needs bash, curl, openssl, od. The secret is never printed; it is handed to curl through a file
# descriptor, not argv (the HMAC key does appear in openssl's argv, visible to local `ps`).
set -euo pipefail

if [[ $# -ne 2 || -z "$1" || -z "$2" ]]; then
  echo "usage: $0 URL SECRET" >&2
  exit 2
fi
URL=$1
SECRET=$2
TIMEOUT=${VERIFY_TIMEOUT:-10}

for tool in curl openssl od; do
  command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool is required" >&2; exit 2; }
done

fail() {
  echo "FAIL: $*"
  exit 1
}

# HMAC key as hex, so binary keys (decoded whsec_ secrets) survive the shell.
if [[ $SECRET == whsec_* ]]; then
  KEY_HEX=$(printf '%s' "${SECRET#whsec_}" | openssl base64 -d -A | od -An -vtx1 | tr -d ' \n') || true
  [[ -n $KEY_HEX ]] || { echo "FAIL: SECRET starts with whsec_ but the rest is not valid base64" >&2; exit 2; }
else
  KEY_HEX=$(printf '%s' "$SECRET" | od -An -vtx1 | tr -d ' \n')
fi

RUN="$(date +%s)-$RANDOM$RANDOM"
WEBHOOK_ID="msg_verify_${RUN//-/_}"
SESSION_ID="verify-session-$RUN"
DOMAIN="verify-$RUN.example.com"
EMAIL="verify+$RUN@example.com"
OCCURRED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
BODY=$(printf '{"event":"account.created","session_id":"%s","domain":"%s","data":{"email":"%s"},"occurred_at":"%s"}' \
  "$SESSION_ID" "$DOMAIN" "$EMAIL" "$OCCURRED_AT")

# send N → writes $TMP/code.N and $TMP/body.N, or $TMP/error.N when curl itself failed
send() {
  local ts sig
  ts=$(date +%s)
  sig=$(printf '%s' "$WEBHOOK_ID.$ts.$BODY" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY_HEX" -binary | openssl base64 -A)
  curl -sS -m "$TIMEOUT" -X POST "$URL" \
    -H 'content-type: application/json' \
    -H "webhook-id: $WEBHOOK_ID" \
    -H "webhook-timestamp: $ts" \
    -H "webhook-signature: v1,$sig" \
    -H @<(printf 'X-Webhook-Secret: %s\n' "$SECRET") \
    --data-binary "$BODY" \
    -o "$TMP/body.$1" -w '%{http_code}' >"$TMP/code.$1" || echo "curl failed (exit $?)" >"$TMP/error.$1"
}

# first "key": value at the top of a JSON receipt ("string" → string, null → null)
json_field() {
  { grep -oE "\"$1\"[[:space:]]*:[[:space:]]*(\"[^\"]*\"|null|-?[0-9]+)" || true; } | head -n1 | sed -E 's/^"[^"]*"[[:space:]]*:[[:space:]]*//; s/^"(.*)"$/\1/'
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "POST $URL"
echo "webhook-id $WEBHOOK_ID  session $SESSION_ID  domain $DOMAIN"

send 1
sleep 1
send 2

for n in 1 2; do
  if [[ -f $TMP/error.$n ]]; then
    fail "request $n: $(cat "$TMP/error.$n") — is $URL reachable?"
  fi
done

CODE1=$(cat "$TMP/code.1"); BODY1=$(cat "$TMP/body.1" 2>/dev/null || true)
CODE2=$(cat "$TMP/code.2"); BODY2=$(cat "$TMP/body.2" 2>/dev/null || true)
echo "receipt 1: HTTP $CODE1 $BODY1"
echo "receipt 2: HTTP $CODE2 $BODY2"

[[ $CODE1 == 2?? ]] || fail "first delivery answered HTTP $CODE1 (expected 2xx; 401 = wrong secret)"
[[ $CODE2 == 2?? ]] || fail "second delivery answered HTTP $CODE2 (expected 2xx)"

STATUS1=$(printf '%s' "$BODY1" | json_field status)
STATUS2=$(printf '%s' "$BODY2" | json_field status)
CHAMADO1=$(printf '%s' "$BODY1" | json_field chamado_public_id)
CHAMADO2=$(printf '%s' "$BODY2" | json_field chamado_public_id)

[[ $STATUS1 == accepted ]] || fail "first delivery has status \"$STATUS1\" (expected \"accepted\")"
[[ $STATUS2 == duplicate ]] || fail "second delivery has status \"$STATUS2\" (expected \"duplicate\": the receiver did not deduplicate the webhook-id)"
[[ -n $CHAMADO1 && $CHAMADO1 == "$CHAMADO2" ]] || fail "chamado_public_id differs: first \"$CHAMADO1\", second \"$CHAMADO2\""

if [[ $CHAMADO1 == null ]]; then
  echo "PASS: second delivery recognised as duplicate (no chamado was opened for this event)"
else
  echo "PASS: second delivery recognised as duplicate of chamado $CHAMADO1"
fi
exit 0
