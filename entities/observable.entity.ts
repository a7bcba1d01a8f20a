import { defineEntity, p } from '@mikro-orm/core';
import { Chamado } from './chamado.entity.ts';
import { Event } from './event.entity.ts';

/** A typed fact about a chamado (contract: `{tipo, valor, fonte}`), unique per chamado. */
const ObservableSchema = defineEntity({
  name: 'Observable',
  tableName: 'observables',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    chamado: () => p.manyToOne(Chamado),
    tipo: p.string().length(32),
    valor: p.string().length(500),
    fonte: p.string().length(32),
    /** The event it was first extracted from, when it came from one. */
    // A soft reference: no foreign key into the partitioned events (see event.entity.ts).
    event: () => p.manyToOne(Event).nullable().createForeignKeyConstraint(false),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ name: 'observables_chamado_tipo_valor_fonte_unique', properties: ['chamado', 'tipo', 'valor', 'fonte'] }],
  // Correlation's agent rule finds the chamados that hold an agent (ingest/correlate.ts).
  indexes: [{ properties: ['tipo', 'valor'] }],
});

export class Observable extends ObservableSchema.class {}
ObservableSchema.setClass(Observable);
export { ObservableSchema };
