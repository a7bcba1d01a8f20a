#!/usr/bin/env bash
# custom-opsgraph — a Wazuh integratord custom integration that posts each alert to OpsGraph.
#
# Install on the Wazuh manager as /var/ossec/integrations/custom-opsgraph (owner root:wazuh, mode
# 750) and add to ossec.conf:
#   <integration>
#     <name>custom-opsgraph</name>
#     <hook_url>https://opsgraph.example.com/api/v1/webhooks/wazuh</hook_url>
#     <api_key>the WEBHOOK_SECRET_WAZUH (or WEBHOOK_SECRET) value</api_key>
#     <alert_format>json</alert_format>
#   </integration>
# integratord runs it as: custom-opsgraph ALERT_FILE API_KEY HOOK_URL [...]. The alert file's JSON
# is posted as it is; the api_key goes as X-Webhook-Secret, or as Authorization: Bearer when
# OPSGRAPH_AUTH=bearer (set it here if your integratord passes no environment). Exit status is
# curl's: non-zero when the delivery is refused (e.g. 401); OpsGraph's answer is printed either way.
set -euo pipefail

if [[ $# -lt 3 || -z "$1" || -z "$2" || -z "$3" ]]; then
  echo "usage: $0 ALERT_FILE API_KEY HOOK_URL" >&2
  exit 2
fi
ALERT_FILE=$1
API_KEY=$2
HOOK_URL=$3

case ${OPSGRAPH_AUTH:-x-webhook-secret} in
  bearer) HEADER="Authorization: Bearer $API_KEY" ;;
  x-webhook-secret) HEADER="X-Webhook-Secret: $API_KEY" ;;
  *) echo "OPSGRAPH_AUTH must be x-webhook-secret or bearer" >&2; exit 2 ;;
esac

# The key reaches curl through a file descriptor, never its argv (visible to local `ps`).
curl -sS --fail-with-body -m "${OPSGRAPH_TIMEOUT:-10}" -X POST "$HOOK_URL" \
  -H 'content-type: application/json' \
  -H @<(printf '%s\n' "$HEADER") \
  --data-binary @"$ALERT_FILE"
