import type { EntityManager } from '@mikro-orm/postgresql';
import { clampPageLimit } from '../../db/paged-rows.ts';
import { sqlPart, whereAll } from '../../db/sql.ts';

export interface DeadLetterRow {
  id: number;
  source: string;
  reason: string;
  issues: unknown;
  content: unknown;
  contentSha256: string;
  contentLength: number;
  deliveryId: string | null;
  status: 'pending' | 'replayed' | 'discarded';
  replayedAt: Date | null;
  replayedById: number | null;
  replayEventIds: number[] | null;
  receivedAt: Date;
}

export async function listDeadLetters(
  em: EntityManager,
  filter: { status: string | null; source: string | null; limit: number },
): Promise<DeadLetterRow[]> {
  const where = whereAll([!!filter.status && sqlPart('status = ?', filter.status), !!filter.source && sqlPart('source = ?', filter.source)]);
  return em.execute<DeadLetterRow[]>(
    `select id, source, reason, issues, content, content_sha256 as "contentSha256", content_length as "contentLength",
       delivery_id as "deliveryId", status, replayed_at as "replayedAt", replayed_by_id as "replayedById",
       replay_event_ids as "replayEventIds", received_at as "receivedAt"
     from dead_letters ? order by id desc limit ?`,
    [where, clampPageLimit(filter.limit)],
  );
}
