// Writes schema.graphql from the Pothos schema, sorted so diffs show real changes only.
import { writeFile } from 'node:fs/promises';
import { printedSchema } from '../resolvers/print.ts';

await writeFile(new URL('../schema.graphql', import.meta.url), printedSchema());
console.log('wrote schema.graphql');
