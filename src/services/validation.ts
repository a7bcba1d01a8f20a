import type { z } from 'zod';
import { ValidationError } from '../errors.ts';

/** Parses input with a zod schema, turning its issues into one ValidationError with field paths. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, field?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: [field, ...i.path.map(String)].filter(Boolean).join('.') || '(input)',
    message: i.message,
  }));
  throw new ValidationError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}
