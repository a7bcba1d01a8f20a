// The side-by-side suite (issue 12): OpsGraph in production mode against reference servers, on a
// fresh database filled with a generated dataset. See bench/results/README.md for what each
// scenario compares and how to read the results.
//
//   npm run bench -- [--scale small|large] [--rounds 3] [--only list,fixed-cost] [--keep-database] [--duration 10]
//
// PostgreSQL: DATABASE_URL (any database of the server), else 127.0.0.1:5432 as postgres, else
// the embedded one. Progress on stderr; one JSON line per scenario on stdout; files in bench/results/.
import { BENCH_USERS, generateDataset } from './dataset.ts';
import { readOptions } from './harness/options.ts';
import { runSuite } from './harness/suite.ts';
import { SCENARIOS } from './scenarios/index.ts';

process.exitCode = await runSuite(readOptions(process.argv.slice(2)), SCENARIOS, generateDataset, BENCH_USERS);
