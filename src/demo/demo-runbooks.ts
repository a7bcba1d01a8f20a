import type { RunbookInput } from '../services/runbooks/catalog.ts';

const DOMAIN_PARAMS = {
  type: 'object',
  properties: { domain: { type: 'string', pattern: '^(?=.{1,253}$)([a-z0-9-]{1,63}\\.)+[a-z]{2,63}$' } },
  required: ['domain'],
  additionalProperties: false,
};

/** The demo catalog: one runbook per level, each taking `{"domain": "<name>"}`. */
export const DEMO_RUNBOOKS: RunbookInput[] = [
  {
    code: 'dns_recheck',
    name: 'Reverificar DNS',
    description: 'Re-reads the DNS records of the domain and compares them with the expected ones. Read-only.',
    nivel: 'R0',
    paramsSchema: DOMAIN_PARAMS,
    executorKind: 'noop',
    executorConfig: {},
    timeoutMs: 30_000,
  },
  {
    code: 'traefik_cert_sync',
    name: 'Sincronizar certificado no Traefik',
    description: "Re-issues and reloads the domain's TLS certificate on the edge proxy.",
    nivel: 'R1',
    paramsSchema: DOMAIN_PARAMS,
    executorKind: 'command',
    executorConfig: { executable: 'traefik-cert-sync.sh', args: ['--domain', '{{domain}}'] },
    timeoutMs: 120_000,
  },
  {
    code: 'restart_mail_service',
    name: 'Reiniciar serviço de e-mail',
    description: "Restarts the domain's mail stack (postfix, dovecot). Drops open IMAP sessions.",
    nivel: 'R2',
    paramsSchema: DOMAIN_PARAMS,
    executorKind: 'command',
    executorConfig: { executable: 'restart-mail-service.sh', args: ['{{domain}}'] },
    timeoutMs: 300_000,
  },
  {
    code: 'rotate_dkim',
    name: 'Rodar chave DKIM',
    description: 'Generates a new DKIM key and publishes it. Needs coordination with the customer: hand-off only.',
    nivel: 'R3',
    paramsSchema: DOMAIN_PARAMS,
    executorKind: 'noop',
    executorConfig: {},
  },
];
