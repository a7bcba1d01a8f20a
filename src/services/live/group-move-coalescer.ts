import type { EntityManager } from '@mikro-orm/postgresql';

/** Moves groups' change_seq (markGroupsChanged); returns the projects of the groups it moved. */
export type MoveGroups = (em: EntityManager, groups: Iterable<number>, groupChamados: Iterable<number>) => Promise<string[]>;

/**
 * The group moves of writers answered before them (ingest's batches), at most one statement per
 * interval. Each such move is its own transaction (its own WAL flush) updating every group of the
 * chamados a batch joined — dozens for a chamado a flapping alert keeps joining — and under a
 * burst every batch asked for nearly the same groups again (one move per 25 ms instead of one per
 * batch took PostgreSQL's CPU per delivery from 0.75 to 0.64 ms in the ingest bench). A request finding no move started within the interval runs at once (an idle server adds
 * no delay); the others wait for the interval's end and go together, the groups and chamados of
 * all of them in one statement, and the recurrence feed is poked once for all their projects.
 * A request that waits is lost if the process stops first: the groups are sent with their next
 * change, as after a lost poke.
 */
export class GroupMoveCoalescer {
  readonly #intervalMs: number;
  readonly #move: MoveGroups;
  readonly #announce: (projects: string[]) => void;
  #groups = new Set<number>();
  #groupChamados = new Set<number>();
  #projects = new Set<string>();
  #em: EntityManager | null = null;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #lastStart = -Infinity;

  constructor(intervalMs: number, move: MoveGroups, announce: (projects: string[]) => void) {
    this.#intervalMs = intervalMs;
    this.#move = move;
    this.#announce = announce;
  }

  /** Moves these groups and the groups of these chamados, then pokes the feed for `projects` and theirs. */
  request(em: EntityManager, groups: Iterable<number>, groupChamados: Iterable<number>, projects: Iterable<string>): void {
    for (const id of groups) this.#groups.add(id);
    for (const id of groupChamados) this.#groupChamados.add(id);
    for (const project of projects) this.#projects.add(project);
    this.#em = em;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#running || this.#timer || this.#em === null) return;
    const wait = this.#lastStart + this.#intervalMs - performance.now();
    if (wait <= 0) {
      void this.#run();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, wait);
    // A waiting move never keeps a stopping process alive.
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    this.#running = true;
    this.#lastStart = performance.now();
    const em = this.#em!;
    const groups = this.#groups;
    const groupChamados = this.#groupChamados;
    const projects = this.#projects;
    this.#em = null;
    this.#groups = new Set();
    this.#groupChamados = new Set();
    this.#projects = new Set();
    try {
      // markGroupsChanged answers [] when it fails: the groups go with their next change.
      for (const project of await this.#move(em.fork() as EntityManager, groups, groupChamados)) projects.add(project);
      if (projects.size) this.#announce([...projects]);
    } catch {
      // A poke that cannot be published (the process is stopping) is lost like any other.
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }
}
