import { defineEntity, p } from '@mikro-orm/core';

/**
 * One row per year holding the last number handed out. Numbers are taken with a single
 * INSERT … ON CONFLICT DO UPDATE … RETURNING (see src/services/chamados/public-ids.ts), which row-locks the
 * year, so concurrent creations never share a number.
 */
const ChamadoSequenceSchema = defineEntity({
  name: 'ChamadoSequence',
  tableName: 'chamado_sequences',
  properties: {
    year: p.integer().primary().autoincrement(false),
    lastValue: p.integer(),
  },
});

export class ChamadoSequence extends ChamadoSequenceSchema.class {}
ChamadoSequenceSchema.setClass(ChamadoSequence);
export { ChamadoSequenceSchema };
