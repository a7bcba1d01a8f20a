#!/bin/sh
# Demo executor for traefik_cert_sync: says what it would do. A real deployment points
# RUNBOOK_COMMAND_DIR at its own audited scripts.
set -eu
[ "${1:-}" = "--domain" ] || { echo "usage: $0 --domain <domain>" >&2; exit 2; }
echo "would re-issue the TLS certificate for $2 and reload traefik (exec ${OPSGRAPH_EXEC_ID:-?})"
