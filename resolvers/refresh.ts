import type { Context } from '../src/context.ts';
import type { ChamadoRow } from '../src/services/chamados/reads.ts';

/** Mutations answer with the read model, re-read after the write so every field is current. */
export async function freshChamado(ctx: Context, id: number): Promise<ChamadoRow> {
  ctx.loaders.clearTimeline(id);
  ctx.loaders.observables.clear(id);
  const row = await ctx.loaders.chamado.clear(id).load(id);
  if (!row) throw new Error(`chamado ${id} vanished after a write`);
  return row;
}
