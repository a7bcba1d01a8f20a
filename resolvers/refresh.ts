import type { Context } from '../src/context.ts';
import type { ChamadoRow } from '../src/services/chamados/reads.ts';

/**
 * Mutations answer with the read model, re-read after the write so every field is current —
 * except `version` when the written chamado is given: that is the version this write produced.
 * Another write that committed in between must still conflict with the caller's next
 * `expectedVersion` instead of being skipped over (and two concurrent answers never share one).
 */
export async function freshChamado(ctx: Context, written: { id: number; version: number } | number): Promise<ChamadoRow> {
  const id = typeof written === 'number' ? written : written.id;
  ctx.loaders.clearTimeline(id);
  ctx.loaders.clearObservables(id);
  const row = await ctx.loaders.chamado.clear(id).load(id);
  if (!row) throw new Error(`chamado ${id} vanished after a write`);
  return typeof written === 'number' ? row : { ...row, version: written.version };
}
