/*
 * A hop between the benchmarked servers and PostgreSQL, as when the database runs on another
 * machine (the usual deployment: many API instances, one PostgreSQL): every chunk, either way,
 * is passed on HOP_MS later (Node's timers: whole milliseconds, often a little more). Its own
 * process, so the hop's work never shares an event loop with a server or the load generator.
 * Started by db-hop.ts; prints the child-server ready line with the port it listens on.
 */
import { createServer, connect, type Socket } from 'node:net';

const host = process.env.DB_HOST ?? '127.0.0.1';
const port = Number(process.env.DB_PORT ?? 5432);
const hopMs = Number(process.env.HOP_MS ?? 1);

/** Chunks go on in order: equal delays fire in the order they were set. */
const relay = (from: Socket, to: Socket) => from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), hopMs));

const server = createServer((client) => {
  const db = connect(port, host);
  // Without it a pipelined statement's second message waits for the first one's ACK (Nagle).
  client.setNoDelay(true);
  db.setNoDelay(true);
  relay(client, db);
  relay(db, client);
  const close = () => (client.destroy(), db.destroy());
  client.on('close', close).on('error', close);
  db.on('close', close).on('error', close);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(JSON.stringify({ ready: true, port: address.port }));
});
process.once('SIGTERM', () => process.exit(0));
