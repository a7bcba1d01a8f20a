/*
 * The text the generated events are made of: what each source really sends (Wazuh rules, Alertmanager
 * and SigNoz alerts, Sentry issues, onboarding steps, support and audit envelopes, discovery status
 * changes), so Discover's full-text and field searches find what they would find in production.
 * `{domain}`, `{agent}`, `{user}`, `{ip}`, `{port}`, `{pid}`, `{namespace}`, `{app}` are filled per event.
 * Within a source, entries that do not open a chamado come first and most common first: noise picks
 * are skewed towards the front, which keeps severities skewed low.
 */

/** One kind of problem a source reports; `opens` when it satisfies the source's opening rule (src/services/ingest/rules.ts). */
export interface Problem {
  src: string;
  /** Wazuh rule id, alertname, Sentry title, or the event type of the generic sources. */
  name: string;
  eventType: string;
  severity: number | null;
  /** Source severity word (Alertmanager label, Sentry level, discovery status). */
  word: string | null;
  summary: string;
  opens: boolean;
  x: Record<string, unknown>;
}

const wazuh = (id: string, level: number, description: string, groups: string[], log: string, location: string, decoder: string): Problem => ({
  src: 'wazuh',
  name: id,
  eventType: 'wazuh.alert',
  severity: level,
  word: `level ${level}`,
  summary: description,
  opens: level >= 10,
  x: { groups, log, location, decoder },
});

const AUTH = '/var/log/auth.log';
const MAIL = '/var/log/mail.log';
const WEB = '/var/log/nginx/access.log';

const WAZUH: Problem[] = [
  wazuh('5501', 3, 'PAM: Login session opened.', ['pam', 'syslog', 'authentication_success'], '{agent} sshd[{pid}]: pam_unix(sshd:session): session opened for user {user} by (uid=0)', AUTH, 'pam'),
  wazuh('5715', 3, 'sshd: authentication success.', ['syslog', 'sshd', 'authentication_success'], '{agent} sshd[{pid}]: Accepted publickey for {user} from {ip} port {port} ssh2', AUTH, 'sshd'),
  wazuh('5502', 3, 'PAM: Login session closed.', ['pam', 'syslog'], '{agent} sshd[{pid}]: pam_unix(sshd:session): session closed for user {user}', AUTH, 'pam'),
  wazuh('5402', 3, 'Successful sudo to ROOT executed.', ['syslog', 'sudo'], '{agent} sudo: {user} : TTY=pts/0 ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl restart postfix', AUTH, 'sudo'),
  wazuh('3303', 5, 'Postfix: Sender domain is not found (450: Requested mail action not taken).', ['syslog', 'postfix', 'spam'], '{agent} postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[{ip}]: 450 4.1.8 <info@{domain}>: Sender address rejected: Domain not found', MAIL, 'postfix-reject'),
  wazuh('5710', 5, 'sshd: Attempt to login using a non-existent user', ['syslog', 'sshd', 'invalid_login', 'authentication_failed'], '{agent} sshd[{pid}]: Invalid user {user} from {ip} port {port}', AUTH, 'sshd'),
  wazuh('31101', 5, 'Web server 400 error code.', ['web', 'accesslog', 'attack'], '{ip} - - "GET /wp-login.php HTTP/1.1" 404 548 "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"', WEB, 'web-accesslog'),
  wazuh('5503', 5, 'PAM: User login failed.', ['pam', 'syslog', 'authentication_failed'], '{agent} sshd[{pid}]: pam_unix(sshd:auth): authentication failure; rhost={ip} user={user}', AUTH, 'pam'),
  wazuh('3306', 6, 'Postfix: IP Address black-listed by anti-spam (blocked).', ['syslog', 'postfix', 'spam'], '{agent} postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[{ip}]: 554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org', MAIL, 'postfix-reject'),
  wazuh('31103', 6, 'SQL injection attempt.', ['web', 'accesslog', 'attack', 'sql_injection'], '{ip} - - "GET /webmail/?_task=mail&_uid=1%27%20OR%201=1-- HTTP/1.1" 403 162 "-" "sqlmap/1.7"', WEB, 'web-accesslog'),
  wazuh('554', 5, 'File added to the system.', ['ossec', 'syscheck', 'syscheck_entry_added'], "File '/etc/postfix/transport' added", 'syscheck', 'syscheck_new_entry'),
  wazuh('550', 7, 'Integrity checksum changed.', ['ossec', 'syscheck', 'syscheck_entry_modified'], "File '/etc/ssh/sshd_config' modified. Mode: realtime. Changed attributes: size,mtime,md5,sha1,sha256", 'syscheck', 'syscheck_integrity_changed'),
  wazuh('533', 7, 'Listened ports status (netstat) changed (new port opened or closed).', ['ossec'], 'ossec: output: \'netstat listening ports\': tcp 0.0.0.0:8443 0.0.0.0:* 1431/java', 'netstat listening ports', 'ossec'),
  wazuh('2902', 7, 'New dpkg (Debian Package) installed.', ['syslog', 'dpkg', 'config_changed'], '2026-01-01 03:14:15 status installed openssl:amd64 3.0.15-1~deb12u1', '/var/log/dpkg.log', 'dpkg-decoder'),
  wazuh('510', 7, 'Host-based anomaly detection event (rootcheck).', ['ossec', 'rootcheck'], 'Trojaned version of file \'/usr/bin/passwd\' detected. Signature used: \'bash|file\\.h|proc\\.h\'', 'rootcheck', 'rootcheck'),
  wazuh('5104', 8, 'Interface entered in promiscuous(sniffing) mode.', ['syslog', 'linuxkernel'], '{agent} kernel: [12345.678901] device eth0 entered promiscuous mode', '/var/log/kern.log', 'kernel'),
  wazuh('5712', 10, 'sshd: brute force trying to get access to the system. Non existent user.', ['syslog', 'sshd', 'authentication_failures'], '{agent} sshd[{pid}]: Invalid user oracle from {ip} port {port}', AUTH, 'sshd'),
  wazuh('5720', 10, 'sshd: Multiple authentication failures.', ['syslog', 'sshd', 'authentication_failures'], '{agent} sshd[{pid}]: Failed password for {user} from {ip} port {port} ssh2', AUTH, 'sshd'),
  wazuh('40111', 10, 'Multiple authentication failures.', ['syslog', 'dovecot', 'authentication_failures'], '{agent} dovecot: imap-login: Disconnected (auth failed, 5 attempts in 12 secs): user=<{user}@{domain}>, rip={ip}', MAIL, 'dovecot'),
  wazuh('31151', 10, 'Multiple web server 400 error codes from same source ip.', ['web', 'accesslog', 'web_scan', 'recon'], '{ip} - - "GET /.env HTTP/1.1" 404 153 "-" "Mozilla/5.0 zgrab/0.x"', WEB, 'web-accesslog'),
  wazuh('3357', 10, 'Postfix: Multiple relaying attempts from same source.', ['syslog', 'postfix', 'spam'], '{agent} postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[{ip}]: 454 4.7.1 <spam@example.net>: Relay access denied', MAIL, 'postfix-reject'),
  wazuh('23505', 10, 'CVE-2024-6387 affects openssh-server', ['vulnerability-detector', 'gdpr_IV_35.7.d'], 'openssh-server 1:9.2p1-2 is vulnerable to CVE-2024-6387 (regreSSHion)', 'vulnerability-detector', 'json'),
  wazuh('18152', 10, 'Multiple Windows Logon Failures.', ['windows', 'authentication_failures'], 'An account failed to log on. Account Name: {user} Source Network Address: {ip} Failure Reason: Unknown user name or bad password.', 'EventChannel', 'windows_eventchannel'),
  wazuh('31106', 12, 'A web attack returned code 200 (success).', ['web', 'accesslog', 'attack'], '{ip} - - "POST /webmail/?_task=settings&_action=upload HTTP/1.1" 200 1832 "-" "python-requests/2.31"', WEB, 'web-accesslog'),
  wazuh('100201', 12, 'Postfix: outbound spam burst from an authenticated mailbox.', ['syslog', 'postfix', 'spam', 'compromised_account'], '{agent} postfix/smtpd[{pid}]: client=unknown[{ip}], sasl_method=LOGIN, sasl_username={user}@{domain} (1800 recipients in 5 min)', MAIL, 'postfix'),
  wazuh('87105', 12, 'VirusTotal: Alert - /var/www/html/wp-content/uploads/shell.php - 34 engines detected this file', ['virustotal'], 'File /var/www/html/wp-content/uploads/shell.php detected by 34/62 engines', 'virustotal', 'json'),
  wazuh('92213', 13, 'Executable file dropped in folder commonly used by malware.', ['sysmon', 'windows'], 'C:\\Users\\{user}\\AppData\\Local\\Temp\\invoice_4471.exe created by outlook.exe', 'EventChannel', 'windows_eventchannel'),
  wazuh('100300', 15, 'Ransomware behaviour: mass file renames under /srv/mail.', ['syscheck', 'ransomware'], '1240 files renamed to *.lockbit under /srv/mail/{domain} in 60 seconds', 'syscheck', 'syscheck_integrity_changed'),
];

const ALERT_SEVERITY: Record<string, number> = { critical: 12, error: 10, warning: 7, info: 3 };

const alert = (src: 'alertmanager' | 'signoz', name: string, word: string, summary: string, namespace: string, app: string, description: string): Problem => ({
  src,
  name,
  eventType: 'alert.firing',
  severity: ALERT_SEVERITY[word]!,
  word,
  summary,
  opens: word === 'critical' || word === 'error',
  x: { namespace, app, description },
});

const ALERTMANAGER: Problem[] = [
  alert('alertmanager', 'HighCPUUsage', 'warning', 'CPU usage above 90% on {agent} for 10 minutes', 'mail', 'node-exporter', 'Load average has stayed above the core count; postfix and amavis compete for CPU.'),
  alert('alertmanager', 'KubePodNotReady', 'warning', 'Pod {namespace}/{app}-7d9f8 has been in a non-ready state for longer than 15 minutes.', 'webmail', 'roundcube', 'Readiness probe failing: GET /healthz returned 503.'),
  alert('alertmanager', 'Watchdog', 'info', 'This is an alert meant to ensure that the entire alerting pipeline is functional.', 'monitoring', 'prometheus', 'Always firing; its absence means the pipeline is broken.'),
  alert('alertmanager', 'KubePodCrashLooping', 'warning', 'Pod {namespace}/{app}-5c6b9 (app) is in waiting state (reason: "CrashLoopBackOff").', 'api', 'billing-api', 'Container restarted 6 times in the last 10 minutes.'),
  alert('alertmanager', 'CertificateExpiringSoon', 'warning', 'TLS certificate for {domain} expires in 7 days', 'mail', 'cert-exporter', 'ACME renewal has failed twice; check the DNS-01 challenge.'),
  alert('alertmanager', 'ImapLoginFailuresHigh', 'warning', 'IMAP login failures on {agent} above 50/min', 'mail', 'dovecot', 'Possible password spraying against IMAP.'),
  alert('alertmanager', 'NodeMemoryHighUtilization', 'warning', 'Memory on {agent} above 92% for 15 minutes', 'mail', 'node-exporter', 'The OOM killer may hit dovecot.'),
  alert('alertmanager', 'KubeDeploymentReplicasMismatch', 'warning', 'Deployment {namespace}/{app} has not matched the expected number of replicas for longer than 15 minutes.', 'onboarding', 'onboarding-api', 'Only 1 of 3 replicas available.'),
  alert('alertmanager', 'NodeFilesystemSpaceFillingUp', 'critical', 'Filesystem /var/spool/postfix on {agent} is predicted to run out of space within 4 hours', 'mail', 'node-exporter', 'Deferred queue growing; check for a mail loop.'),
  alert('alertmanager', 'PostfixQueueBacklog', 'error', 'Postfix queue on {agent} above 5000 messages, most for {domain}', 'mail', 'postfix-exporter', 'The remote MX is refusing or throttling deliveries.'),
  alert('alertmanager', 'TargetDown', 'critical', '100% of the node-exporter targets in {namespace} namespace are down.', 'mail', 'node-exporter', 'Prometheus cannot scrape any target of this job.'),
  alert('alertmanager', 'HighHTTP5xxRate', 'critical', 'More than 5% of requests to {app} fail with 5xx', 'webmail', 'roundcube', 'Upstream IMAP timeouts surface as 502.'),
  alert('alertmanager', 'MySQLReplicationLag', 'error', 'MySQL replica {agent} is 300 seconds behind its primary', 'billing', 'mysqld-exporter', 'Long-running invoice batch on the primary.'),
  alert('alertmanager', 'NodeNotReady', 'critical', 'Node {agent} has been unready for more than 15 minutes.', 'api', 'kubelet', 'Kubelet stopped posting node status.'),
  alert('alertmanager', 'DNSResolutionFailures', 'error', 'Resolver {agent} failing to resolve MX records of {domain}', 'dns', 'coredns', 'SERVFAIL from the authoritative servers.'),
];

const SIGNOZ: Problem[] = [
  alert('signoz', 'High p95 latency on webmail-backend', 'warning', 'p95 latency of webmail-backend above 800 ms for 5 minutes', 'production', 'webmail-backend', 'Slow IMAP FETCH calls dominate the traces.'),
  alert('signoz', 'Log pattern "connection refused" in imap-proxy', 'warning', 'imap-proxy logged "connection refused" 120 times in 5 minutes', 'production', 'imap-proxy', 'Backend dovecot pods restarting.'),
  alert('signoz', 'Slow DB queries in billing-api', 'warning', 'billing-api: 40 queries slower than 2 s in 10 minutes', 'production', 'billing-api', 'Missing index on invoices(customer_id, due_at).'),
  alert('signoz', 'Exception rate increased in onboarding-api', 'info', 'onboarding-api exceptions up 3x over the last hour', 'production', 'onboarding-api', 'Mostly DNS lookups timing out.'),
  alert('signoz', 'Error rate above 5% on smtp-relay', 'critical', 'smtp-relay error rate 7.4% (threshold 5%) for {domain}', 'production', 'smtp-relay', 'Remote servers answer 421 too many connections.'),
  alert('signoz', 'High p99 latency on checkout-api', 'error', 'p99 latency of checkout-api above 2 s for 10 minutes', 'production', 'checkout-api', 'Payment gateway calls time out.'),
  alert('signoz', 'Apdex below 0.7 on webmail-backend', 'error', 'Apdex of webmail-backend is 0.62 (threshold 0.7)', 'production', 'webmail-backend', 'Users wait on message list loads.'),
  alert('signoz', 'No spans received from mail-indexer', 'critical', 'mail-indexer sent no spans for 15 minutes', 'production', 'mail-indexer', 'The service is down or its exporter is.'),
];

const SENTRY_LEVEL: Record<string, number> = { fatal: 13, error: 10, warning: 7, info: 3 };

const sentry = (title: string, culprit: string, level: string, project: string, type: string, value: string): Problem => ({
  src: 'sentry',
  name: title,
  eventType: 'issue.created',
  severity: SENTRY_LEVEL[level]!,
  word: level,
  summary: `${title} — ${culprit}`,
  // The opening rule looks at the action, not the issue: every issue can open one when created or regressed.
  opens: true,
  x: { culprit, project, type, value },
});

const SENTRY: Problem[] = [
  sentry("TypeError: Cannot read properties of undefined (reading 'mailbox')", 'webmail/src/inbox/MessageList.tsx in render', 'error', 'webmail-frontend', 'TypeError', "Cannot read properties of undefined (reading 'mailbox')"),
  sentry('DatabaseError: deadlock detected', 'billing.invoices.tasks in generate_invoice', 'error', 'billing-api', 'DatabaseError', 'deadlock detected'),
  sentry('ConnectionResetError: [Errno 104] Connection reset by peer', 'mailer.smtp in send', 'error', 'mailer', 'ConnectionResetError', '[Errno 104] Connection reset by peer'),
  sentry('TimeoutError: Navigation timeout of 30000 ms exceeded', 'e2e/onboarding.spec.ts in wizard dns step', 'warning', 'onboarding-portal', 'TimeoutError', 'Navigation timeout of 30000 ms exceeded'),
  sentry('IntegrityError: duplicate key value violates unique constraint "domains_name_key"', 'onboarding.domains.views in create', 'error', 'onboarding-api', 'IntegrityError', 'duplicate key value violates unique constraint "domains_name_key"'),
  sentry("KeyError: 'dkim_selector'", 'onboarding.dns.records in build_dkim', 'error', 'onboarding-api', 'KeyError', "'dkim_selector'"),
  sentry('OutOfMemoryError: Java heap space', 'com.mail.indexer.IndexWorker in run', 'fatal', 'mail-indexer', 'OutOfMemoryError', 'Java heap space'),
  sentry("ValueError: invalid literal for int() with base 10: ''", 'billing.quota.parse in parse_quota', 'error', 'billing-api', 'ValueError', "invalid literal for int() with base 10: ''"),
  sentry('SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable', 'mailer.bounces in notify', 'warning', 'mailer', 'SMTPRecipientsRefused', '550 5.1.1 mailbox unavailable'),
  sentry('ChunkLoadError: Loading chunk 417 failed', 'webmail/src/settings/index.tsx in lazy', 'info', 'webmail-frontend', 'ChunkLoadError', 'Loading chunk 417 failed'),
];

const onboard = (eventType: string, severity: number | null, summary: string, opens: boolean, x: Record<string, unknown> = {}): Problem => ({
  src: 'onboard',
  name: eventType,
  eventType,
  severity,
  word: null,
  summary,
  opens,
  x,
});

const ONBOARD: Problem[] = [
  onboard('domain.validated', null, 'Domain {domain} validated', false, { step: 'dns', label: 'DNS records' }),
  onboard('dns.applied', null, 'DNS records applied for {domain}', false, { step: 'mx', label: 'Mail exchange' }),
  onboard('onboarding.completed', null, 'Onboarding completed for {domain}', false, { step: 'done', label: 'Done' }),
  onboard('mailbox.migration_started', null, 'Onboarding event mailbox.migration_started for {domain}', false, { step: 'migration', label: 'Mailbox migration' }),
  onboard('account.created', null, 'Account created for {domain}', true, { step: 'account', label: 'Account' }),
  onboard('onboarding.failed', 8, 'DNS TXT verification record not found for {domain}', true, { step: 'dns', label: 'DNS records', error: true }),
  onboard('onboarding.failed', 8, 'MX records of {domain} still point to the previous provider', true, { step: 'mx', label: 'Mail exchange', error: true }),
  onboard('onboarding.failed', 8, 'Timeout waiting for DKIM record propagation', true, { step: 'dns', label: 'DNS records', error: true }),
  onboard('onboarding.failed', 8, 'Mailbox migration failed: IMAP authentication rejected by the source server', true, { step: 'migration', label: 'Mailbox migration', error: true }),
];

const generic = (src: 'support' | 'audit', eventType: string, severity: number, summary: string, x: Record<string, unknown> = {}): Problem => ({
  src,
  name: eventType,
  eventType,
  severity,
  word: null,
  summary,
  opens: severity >= 10,
  x,
});

const SUPPORT: Problem[] = [
  generic('support', 'ticket.comment', 2, 'Asked the customer to confirm the MX TTL before retrying', { channel: 'email' }),
  generic('support', 'ticket.updated', 3, 'Customer sent the headers of the bounced messages', { channel: 'email' }),
  generic('support', 'ticket.opened', 6, 'Customer cannot receive mail since DNS change on {domain}', { channel: 'phone' }),
  generic('support', 'ticket.opened', 4, 'Webmail login loop after password reset for {user}@{domain}', { channel: 'chat' }),
  generic('support', 'ticket.opened', 5, 'Emails to Gmail bouncing with 550 5.7.26 unauthenticated (DMARC policy of {domain})', { channel: 'email' }),
  generic('support', 'ticket.solved', 1, 'Mail flow confirmed working after SPF fix', { channel: 'email' }),
  generic('support', 'ticket.opened', 3, 'Request to raise the mailbox quota of {user}@{domain} to 50 GB', { channel: 'portal' }),
  generic('support', 'ticket.escalated', 11, 'Customer reports every mailbox of {domain} unreachable since 09:00', { channel: 'phone' }),
  generic('support', 'ticket.opened', 10, 'Messages from {domain} rejected by Microsoft 365 (550 5.7.1 SPF fail)', { channel: 'email' }),
];

const AUDIT: Problem[] = [
  generic('audit', 'api_token.created', 3, 'API token created for integration billing-sync by {user}'),
  generic('audit', 'user.login_failed', 4, 'Failed console login for {user} from {ip}'),
  generic('audit', 'user.role_changed', 5, 'Role of {user} changed from ops to ops_lead'),
  generic('audit', 'dns.zone_exported', 6, 'DNS zone of {domain} exported by {user}'),
  generic('audit', 'mfa.disabled', 10, 'MFA disabled for the admin account {user}@{domain}'),
  generic('audit', 'admin.impersonation', 11, 'Support agent impersonated {user}@{domain} for 40 minutes'),
];

const DISCOVERY_SEVERITY: Record<string, number> = { success: 3, warning: 7, error: 10, danger: 12 };

const discovery = (status: string, reason: string | null, detail: string): Problem => ({
  src: 'discovery',
  name: 'ResourceHealth',
  eventType: `resource.${status}`,
  severity: DISCOVERY_SEVERITY[status]!,
  word: status,
  summary: detail,
  opens: status === 'danger',
  x: { reason },
});

const DISCOVERY: Problem[] = [
  discovery('success', null, 'Responded in 38 ms'),
  discovery('warning', 'slow response', 'Responded in 2350 ms (threshold 1500 ms)'),
  discovery('warning', 'certificate expiring', 'Certificate of {domain} expires in 9 days'),
  discovery('error', 'tls handshake failed', 'TLS handshake with {domain}:{port} failed: certificate has expired'),
  discovery('danger', 'connection refused', 'TCP connect to {domain}:{port} refused'),
  discovery('danger', 'timeout', 'No answer from {domain}:{port} within 5000 ms'),
];

/** Every problem, noise first within each source (see the file comment). */
export const PROBLEMS: Problem[] = [...WAZUH, ...ALERTMANAGER, ...SIGNOZ, ...SENTRY, ...ONBOARD, ...SUPPORT, ...AUDIT, ...DISCOVERY];

/** Customer domains are `<first><second>.<tld>`: 20 × 20 distinct names. */
export const DOMAIN_PARTS = {
  first: ['my', 'vexx', 'agro', 'clinica', 'construtora', 'nova', 'grupo', 'rede', 'casa', 'solar', 'terra', 'prime', 'alpha', 'lojas', 'tech', 'mega', 'bela', 'porto', 'vale', 'serra'],
  second: ['vexx', 'mail', 'norte', 'sul', 'brasil', 'digital', 'saude', 'educa', 'log', 'foods', 'motors', 'invest', 'seguros', 'imoveis', 'farma', 'textil', 'energia', 'viagens', 'advocacia', 'contabil'],
  tld: ['com.br', 'com', 'net.br', 'org.br', 'io'],
};

/** Agents are `vm<n>-<role>`, as Wazuh agents are named after the VM they run on. */
export const AGENT_ROLES = ['mail', 'web', 'db', 'mx', 'k8s-node', 'imap', 'smtp-relay', 'dc-win', 'vpn', 'files'];

export const MAILBOX_USERS = ['admin', 'contato', 'financeiro', 'ti', 'suporte', 'joao.silva', 'maria.souza', 'rh', 'vendas', 'root', 'deploy', 'backup'];

/** The ~20 operators besides the bench users: `[username, full name, role]`. */
export const OPERATORS: [string, string, 'ops' | 'ops_lead'][] = [
  ['ana.ferreira', 'Ana Ferreira', 'ops_lead'],
  ['bruno.costa', 'Bruno Costa', 'ops'],
  ['carla.mendes', 'Carla Mendes', 'ops'],
  ['diego.alves', 'Diego Alves', 'ops'],
  ['elisa.rocha', 'Elisa Rocha', 'ops_lead'],
  ['fabio.lima', 'Fábio Lima', 'ops'],
  ['gabriela.nunes', 'Gabriela Nunes', 'ops'],
  ['henrique.dias', 'Henrique Dias', 'ops'],
  ['isabela.prado', 'Isabela Prado', 'ops'],
  ['joao.pereira', 'João Pereira', 'ops_lead'],
  ['karina.lopes', 'Karina Lopes', 'ops'],
  ['lucas.martins', 'Lucas Martins', 'ops'],
  ['mariana.teixeira', 'Mariana Teixeira', 'ops'],
  ['nicolas.ramos', 'Nicolas Ramos', 'ops'],
  ['olivia.barros', 'Olívia Barros', 'ops'],
  ['paulo.moreira', 'Paulo Moreira', 'ops_lead'],
  ['renata.cardoso', 'Renata Cardoso', 'ops'],
  ['sergio.azevedo', 'Sérgio Azevedo', 'ops'],
  ['tatiana.gomes', 'Tatiana Gomes', 'ops'],
  ['vinicius.araujo', 'Vinícius Araújo', 'ops_lead'],
];

/** What operators write on timelines. */
export const NOTES = [
  'Verificando os logs do agente; parece tentativa de força bruta vinda de uma faixa de IPs da mesma ASN.',
  'Cliente contatado por e-mail, aguardando retorno sobre a alteração de DNS.',
  'IP de origem bloqueado no firewall de borda por 24 h.',
  'Fila do postfix drenando depois de liberar espaço em /var/spool.',
  'Reiniciado o pod; se voltar a falhar abrir incidente com o time da aplicação.',
  'Senha da caixa comprometida redefinida e sessões encerradas.',
  'Falso positivo: varredura autorizada pelo time de segurança.',
  'Escalado para o fornecedor do link; protocolo 88431.',
  'Certificado renovado manualmente, desafio DNS-01 corrigido.',
  'Aguardando janela de manutenção para aplicar o patch do openssh.',
];

/** Titles of chamados opened by hand (origin manual). */
export const MANUAL_TITLES = [
  'Cliente relata lentidão no webmail desde a migração',
  'Revisar regras de SPF/DKIM de {domain} antes da virada',
  'Caixas de {domain} recebendo spam em massa',
  'Acompanhar migração de caixas de {domain}',
  'Backups noturnos do servidor de arquivos falhando',
  'Solicitação de liberação de relay para o ERP de {domain}',
];
