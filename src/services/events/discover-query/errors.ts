import { DomainError } from '../../../errors.ts';

/**
 * A Discover query the compiler cannot accept. `position` is the 0-based offset into the query (a
 * JavaScript string index, i.e. UTF-16 code units, which is what a browser input's caret uses), so
 * the console can put the caret where the problem is; the message repeats it for people and logs.
 */
export class DiscoverQuerySyntaxError extends DomainError {
  readonly code = 'QUERY_SYNTAX';
  readonly position: number;
  /** `problem` says what was expected; `hint` (optional) says why, after the position. */
  constructor(problem: string, position: number, hint?: string) {
    super(`${problem} at position ${position}${hint ? ` (${hint})` : ''}`);
    this.position = position;
  }
}
