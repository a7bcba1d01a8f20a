import type { EventSubscriber, FlushEventArgs, TransactionEventArgs } from '@mikro-orm/core';
import type { LivePubSub } from './pubsub.ts';

interface Changes {
  chamados: Set<number>;
  events: Set<number>;
  approvals: Set<number>;
}

const idOf = (value: unknown): number | null => {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && 'id' in value) return Number((value as { id: unknown }).id);
  return null;
};

/**
 * Turns committed writes into live pokes, whatever code path made them: it watches the unit of
 * work (chamados and timeline entries → that chamado; events → the Discover feed; approval
 * requests and decisions → approvals) and publishes only after the transaction commits, so a
 * rolled-back change is never announced. Writes done in raw SQL also update their chamado entity
 * (counters, updated_at), which is what puts them here.
 */
export class ChangeCollector implements EventSubscriber {
  #pending = new WeakMap<object, Changes>();
  #pubsub: LivePubSub | null = null;

  publishTo(pubsub: LivePubSub): void {
    this.#pubsub = pubsub;
  }

  /** Runs once the flush's statements ran (ids of new rows are known). */
  afterFlush(args: FlushEventArgs): void {
    const changes: Changes = { chamados: new Set(), events: new Set(), approvals: new Set() };
    for (const cs of args.uow.getChangeSets()) {
      const entity = cs.entity as Record<string, unknown>;
      switch (cs.meta.className) {
        case 'Chamado':
          if (cs.type !== 'delete') changes.chamados.add(Number(entity.id ?? cs.getPrimaryKey()));
          break;
        case 'TimelineEntry': {
          const id = idOf(entity.chamado);
          if (id) changes.chamados.add(id);
          break;
        }
        case 'Event':
          if (cs.type === 'create') changes.events.add(Number(entity.id ?? cs.getPrimaryKey()));
          else if (idOf(entity.chamado)) changes.chamados.add(idOf(entity.chamado)!);
          break;
        case 'ApprovalRequest':
          changes.approvals.add(Number(entity.id ?? cs.getPrimaryKey()));
          break;
        case 'ApprovalDecision': {
          const id = idOf(entity.request);
          if (id) changes.approvals.add(id);
          break;
        }
      }
    }
    if (!changes.chamados.size && !changes.events.size && !changes.approvals.size) return;
    // Outside an explicit transaction the flush has already committed: announce it now.
    const key = args.em.isInTransaction() ? (args.em.getTransactionContext() as object) : args.em;
    const pending = this.#pending.get(key);
    if (!pending) this.#pending.set(key, changes);
    else for (const k of ['chamados', 'events', 'approvals'] as const) for (const id of changes[k]) pending[k].add(id);
    if (!args.em.isInTransaction()) this.#publish(key);
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    if (args.transaction?.savepointName) return; // a nested savepoint is not the real commit
    if (args.transaction) this.#publish(args.transaction);
    if (args.em) this.#publish(args.em);
  }

  afterTransactionRollback(args: TransactionEventArgs): void {
    if (args.transaction?.savepointName) return;
    if (args.transaction) this.#pending.delete(args.transaction);
    if (args.em) this.#pending.delete(args.em);
  }

  #publish(key: object): void {
    const changes = this.#pending.get(key);
    if (!changes) return;
    this.#pending.delete(key);
    const pubsub = this.#pubsub;
    if (!pubsub) return;
    for (const id of changes.chamados) pubsub.publish('chamado', id, { chamadoId: id });
    if (changes.chamados.size) pubsub.publish('chamados', { ids: [...changes.chamados] });
    if (changes.events.size) pubsub.publish('events', { ids: [...changes.events] });
    if (changes.approvals.size) pubsub.publish('approvals', { ids: [...changes.approvals] });
  }
}
