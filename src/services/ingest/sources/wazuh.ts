import { z } from 'zod';
import type { Normalizer } from '../normalized-event.ts';
import {
  asPayload,
  definedRefs,
  domainIfLooksLikeOne,
  event,
  observablesFrom,
  optionalObject,
  optionalText,
  parseBody,
  parseTimestamp,
  requiredId,
} from './shared.ts';

/**
 * One alert as Wazuh's custom integration (integratord) posts it: the alerts.json document, with
 * `rule`, `agent`, `manager`, decoded `data` fields, `full_log` and `location`.
 */
const WazuhAlert = z.looseObject({
  id: optionalText,
  timestamp: z.unknown().optional(),
  rule: z.looseObject({
    level: z.number(),
    id: requiredId,
    description: optionalText,
    groups: z.array(z.unknown()).optional().catch(undefined),
  }),
  agent: optionalObject({ id: optionalText, name: optionalText, ip: optionalText }),
  manager: optionalObject({ name: optionalText }),
  data: optionalObject({
    srcip: optionalText,
    dstuser: optionalText,
    srcuser: optionalText,
    domain: optionalText,
    hostname: optionalText,
  }),
});

export const wazuh: Normalizer = (body) => {
  const a = parseBody(WazuhAlert, body);
  // Levels are 0–15; a vendor slip outside the range is clamped, not a reason to lose the alert.
  const level = Math.min(15, Math.max(0, Math.round(a.rule.level)));
  const agent = a.agent?.name ?? null;
  const description = a.rule.description ?? `rule ${a.rule.id}`;
  return [
    event({
      source: 'wazuh',
      eventType: 'wazuh.alert',
      providerEventId: a.id ?? null,
      domain: domainIfLooksLikeOne(a.data?.domain) ?? domainIfLooksLikeOne(a.data?.hostname),
      severity: level,
      sourceSeverity: `level ${a.rule.level}`,
      ruleId: a.rule.id,
      agent,
      summary: description,
      // Wazuh gives no fingerprint; the recurrence key hashes rule and agent instead. The rule id,
      // not the description, names the alert: descriptions may interpolate decoded fields.
      alertname: a.rule.id,
      targetResource: agent,
      occurredAt: parseTimestamp(a.timestamp),
      sourceRefs: definedRefs({ wazuhAlertId: a.id, wazuhManager: a.manager?.name }),
      // agent and rule_id are columns (observablesOfEvent yields them); these are the extra facts.
      observables: observablesFrom([
        ['ip', a.data?.srcip],
        ['host', a.agent?.ip],
        ['user', a.data?.dstuser ?? a.data?.srcuser],
      ]),
      title: `[wazuh L${level}] ${agent ?? '-'} — ${description}`,
      payload: asPayload(body),
    }),
  ];
};
