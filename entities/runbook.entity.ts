import { defineEntity, p } from '@mikro-orm/core';
import { NIVEIS } from './runbook-levels.ts';

export const EXECUTOR_KINDS = ['http', 'command', 'noop'] as const;

/** A remediation procedure in the catalog: its level, params schema and how it runs. */
const RunbookSchema = defineEntity({
  name: 'Runbook',
  tableName: 'runbooks',
  properties: {
    id: p.integer().primary().autoincrement(),
    code: p.string().length(64).unique(),
    name: p.string().length(200),
    description: p.text().default(''),
    nivel: p.enum(NIVEIS),
    /** JSON Schema (draft 2020-12) the params must satisfy. */
    paramsSchema: p.json<Record<string, unknown>>(),
    executorKind: p.enum(EXECUTOR_KINDS),
    /** Executor settings (URL for http, executable and argument templates for command). */
    executorConfig: p.json<Record<string, unknown>>(),
    timeoutMs: p.integer().default(60_000),
    enabled: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export class Runbook extends RunbookSchema.class {}
RunbookSchema.setClass(Runbook);
export { RunbookSchema };
