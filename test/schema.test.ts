import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../resolvers/print.ts';

describe('schema.graphql', () => {
  it('matches the schema printed from the code (run `npm run schema:print` after changing resolvers)', async () => {
    const committed = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printedSchema());
  });
});
