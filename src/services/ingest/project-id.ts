import { columnLimits } from '../../../entities/column-facts.ts';
import { EventSchema } from '../../../entities/event.entity.ts';
import { ValidationError } from '../../errors.ts';

/** The tenant of events sent without one (spec 002 `project_id`). */
export const DEFAULT_PROJECT_ID = 'default';

const LIMIT = columnLimits(EventSchema).projectId!;
const SHAPE = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${LIMIT - 1}}$`);

/** A project id as given (receiver `?project_id=`, heartbeat body), or the default when absent. */
export function projectIdOf(raw: string | null | undefined): string {
  if (raw === null || raw === undefined || raw === '') return DEFAULT_PROJECT_ID;
  if (!SHAPE.test(raw)) throw new ValidationError(`project_id must be 1–${LIMIT} letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return raw;
}
