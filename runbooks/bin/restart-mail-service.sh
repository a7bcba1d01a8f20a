#!/bin/sh
# Demo executor for restart_mail_service: says what it would do.
set -eu
[ -n "${1:-}" ] || { echo "usage: $0 <domain>" >&2; exit 2; }
echo "would restart postfix and dovecot serving $1 (exec ${OPSGRAPH_EXEC_ID:-?})"
