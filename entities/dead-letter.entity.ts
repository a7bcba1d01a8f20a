import { defineEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.ts';

export const DEAD_LETTER_STATUSES = ['pending', 'replayed', 'discarded'] as const;

/**
 * A delivery that authenticated but failed its source's schema: answered 422 and kept here
 * (redacted) so operators can see why and replay it once the cause is fixed. Nothing accepted is lost.
 */
const DeadLetterSchema = defineEntity({
  name: 'DeadLetter',
  tableName: 'dead_letters',
  properties: {
    id: p.integer().primary().autoincrement(),
    source: p.string().length(32).index(),
    reason: p.text(),
    issues: p.json<{ path: string; message: string }[]>(),
    /** The body with secrets redacted; JSON when it parsed, else `{ raw: <text> }`. */
    content: p.json<unknown>(),
    contentSha256: p.string().length(64),
    contentLength: p.integer(),
    deliveryId: p.string().length(200).nullable(),
    /** The project it was sent to (`?project_id=`), so a replay lands in the same one. */
    projectId: p.string().length(64).default('default'),
    status: p.enum(DEAD_LETTER_STATUSES).default('pending').index(),
    replayedAt: p.datetime().nullable(),
    replayedBy: () => p.manyToOne(User).nullable(),
    replayEventIds: p.json<number[]>().nullable(),
    receivedAt: p.datetime().onCreate(() => new Date()),
  },
});

export class DeadLetter extends DeadLetterSchema.class {}
DeadLetterSchema.setClass(DeadLetter);
export { DeadLetterSchema };
