/*
 * The list reference: PostGraphile v5 (Amber preset) serving OpsGraph's own tables, schema built
 * once at start from introspection (no watch), no GraphiQL, no explain, no websockets; grafast
 * runs in production mode. Same pool size as OpsGraph (10), so neither side wins by holding
 * more connections. No bearer token is checked (OpsGraph checks one). Every statement its pool
 * sends is counted for /bench/stats. `node bench/suite/references/postgraphile.ts` with PORT and DATABASE_URL.
 */
import './graphile-production.ts';
import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { jsonPgSmartTags } from 'postgraphile/utils';
import { answerStats, listenAndAnnounce, referencePort, requiredDatabaseUrl } from './lifecycle.ts';
import { countStatements } from './sql-counter.ts';

const pool = new pg.Pool({ connectionString: requiredDatabaseUrl(), max: 10 });
const sqlStatements = countStatements(pool);

const pgl = postgraphile({
  extends: [PostGraphileAmberPreset],
  // Inference needs no help; only the password hashes are kept out of the schema.
  plugins: [jsonPgSmartTags({ version: 1, config: { class: { users: { attribute: { password_hash: { tags: { behavior: '-*' } } } } } } })],
  pgServices: [makePgService({ pool, schemas: ['public'], pubsub: false })],
  grafserv: { graphqlPath: '/graphql', graphiql: false, graphiqlOnGraphQLGET: false, watch: false, websockets: false },
  grafast: { explain: false },
});
const serv = pgl.createServ(grafserv);
// Build the schema before announcing readiness, so no measured request pays for introspection.
await pgl.getSchema();
// createHandler rather than addTo: /bench/stats is answered first, and websockets are off anyway.
const handle = serv.createHandler();

const server = createServer((req, res) => {
  if (!answerStats(req, res, sqlStatements)) handle(req, res);
});
await listenAndAnnounce(server, referencePort(), async () => {
  await pgl.release(); // releases the grafserv instance too
  await pool.end();
});
