/**
 * npm run persisted:build [-- <out file> [<documents glob> …]]
 *
 * Writes the allow-list PERSISTED_OPERATIONS_FILE names: { "<sha256>": "<document>" }, one entry per
 * operation codegen finds in the documents (by default codegen.ts's: the typed `graphql(…)` documents
 * of the tests; a console passes its own globs). Hashes and document text are codegen's client
 * preset `persistedDocuments` (sha256 of the normalized document), so a client generated with the
 * same preset sends exactly these hashes. Nothing is saved but the one file: test/__generated__ is
 * codegen.ts's output and stays untouched.
 *
 * The REST shims' documents are not listed: they are the server's own and bypass the allow-list
 * (src/edge/http/persisted-operations.ts).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import codegen from '../codegen.ts';

const [out = 'persisted-operations.json', ...globs] = process.argv.slice(2);
const documents = globs.length > 0 ? globs : codegen.documents!;

const outputs: { filename: string; content: string }[] = await generate(
  {
    schema: codegen.schema,
    documents,
    ignoreNoDocuments: true,
    silent: true,
    generates: {
      // Never saved (generate(…, false)); the preset only needs somewhere to say its files go.
      'persisted-build/': { preset: 'client', presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } } },
    },
  },
  false,
);
const persisted = outputs.find((o) => o.filename.endsWith('persisted-documents.json'));
if (!persisted) throw new Error('codegen produced no persisted-documents.json');
// Keys as bare hex (what Apollo's persistedQuery.sha256Hash carries; the server strips a `sha256:`
// prefix from a documentId), sorted so the file is the same on every run.
const entries = Object.entries(JSON.parse(persisted.content) as Record<string, string>).map(([hash, document]) => [hash.replace(/^sha256:/, ''), document] as const);
const allowList = Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(out, `${JSON.stringify(allowList, null, 2)}\n`);
console.log(`${path.resolve(out)}: ${Object.keys(allowList).length} operations`);
