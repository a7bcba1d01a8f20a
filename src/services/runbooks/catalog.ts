import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { NIVEIS } from '../../../entities/runbook-levels.ts';
import { EXECUTOR_KINDS, Runbook } from '../../../entities/runbook.entity.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { parseInput } from '../validation.ts';
import { validateExecutorConfig } from './executors/validate-config.ts';
import type { ExecutorEnv, ExecutorKind } from './executors/types.ts';
import { checkParamsSchema } from './params.ts';

const runbookInput = z.object({
  code: z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, 'lowercase letters, digits and _ (2–64), starting with a letter'),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).default(''),
  nivel: z.enum(NIVEIS),
  paramsSchema: z.record(z.string(), z.unknown()),
  executorKind: z.enum(EXECUTOR_KINDS),
  executorConfig: z.record(z.string(), z.unknown()).default({}),
  timeoutMs: z.number().int().min(1000).max(3_600_000).default(60_000),
  enabled: z.boolean().default(true),
});
export type RunbookInput = z.input<typeof runbookInput>;

function checkExecutor(kind: ExecutorKind, config: Record<string, unknown>, env: ExecutorEnv): void {
  const problems = validateExecutorConfig(kind, config, env);
  if (problems.length) {
    throw new ValidationError(`executorConfig: ${problems.join('; ')}`, problems.map((message) => ({ path: 'executorConfig', message })));
  }
}

/** Adds a runbook to the catalog (admins). The params schema and executor settings are checked now, not at run time. */
export async function createRunbook(em: EntityManager, raw: RunbookInput, env: ExecutorEnv): Promise<Runbook> {
  const input = parseInput(runbookInput, raw);
  checkParamsSchema(input.paramsSchema);
  checkExecutor(input.executorKind, input.executorConfig, env);
  if ((await em.count(Runbook, { code: input.code })) > 0) {
    throw new ValidationError(`a runbook with code ${input.code} exists`, [{ path: 'code', message: 'already taken' }]);
  }
  const runbook = em.create(Runbook, input);
  await em.flush();
  return runbook;
}

const runbookPatch = runbookInput.omit({ code: true }).partial();

/** Changes a runbook; executions already requested keep the level they were requested at. */
export async function updateRunbook(
  em: EntityManager,
  code: string,
  raw: z.input<typeof runbookPatch>,
  env: ExecutorEnv,
): Promise<Runbook> {
  const patch = parseInput(runbookPatch, raw);
  const runbook = await em.findOne(Runbook, { code });
  if (!runbook) throw new NotFoundError('runbook', code);
  if (patch.paramsSchema) checkParamsSchema(patch.paramsSchema);
  const kind = patch.executorKind ?? runbook.executorKind;
  if (patch.executorKind || patch.executorConfig) checkExecutor(kind, patch.executorConfig ?? runbook.executorConfig, env);
  em.assign(runbook, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
  await em.flush();
  return runbook;
}
