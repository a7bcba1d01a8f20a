/*
 * Tries the generator by hand (not part of the suite): `node bench/suite/dataset/try.ts small large`
 * loads each scale into its own throwaway database, checks what ingestion keeps consistent, runs
 * OpsGraph on it (list and Discover queries as the bench users), and drops the database unless KEEP=1.
 */
import { createThrowawayDatabase } from '../../../scripts/throwaway-database.ts';
import { generateDataset } from '../dataset.ts';
import { checkDataset } from './checks.ts';
import { tryServer } from './try-server.ts';
import type { Scale } from '../types.ts';

const server = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const scales = (process.argv.slice(2).length ? process.argv.slice(2) : ['small']) as Scale[];

// DATASET_URL: check and serve an already loaded database instead.
if (process.env.DATASET_URL) {
  await checkDataset(process.env.DATASET_URL, (line) => console.log(line));
  await tryServer(process.env.DATASET_URL, Number(process.env.PORT ?? 4731), (line) => console.log(line));
  process.exit(0);
}

for (const scale of scales) {
  const db = await createThrowawayDatabase(server, `dataset_try_${scale}`);
  try {
    const summary = await generateDataset(db.url, scale, (line) => console.log(line));
    console.log(JSON.stringify(summary));
    await checkDataset(db.url, (line) => console.log(line));
    await tryServer(db.url, Number(process.env.PORT ?? 4731), (line) => console.log(line));
    if (process.env.KEEP === '1') console.log(`kept ${db.url}`);
  } finally {
    await db.dispose(process.env.KEEP === '1');
  }
}
