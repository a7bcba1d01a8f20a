import { AGENT_ROLES, DOMAIN_PARTS, PROBLEMS } from './catalogs.ts';
import type { LoadSession } from './session.ts';

/** How many customer domains and agents the generated traffic spreads over. */
export const DOMAINS = 400;
export const AGENTS = 300;

/**
 * The helpers every later step uses, as temp objects dropped with the session: `u(key, salt)` is
 * a uniform number in [0, 1) hashed from integers (so the data is the same on every run, whatever
 * the plan's row order), `fill` puts an event's values into a catalog text, and the catalogs as
 * tables to join on.
 */
export async function createCatalogTables(session: LoadSession): Promise<void> {
  await session.step(
    'helpers',
    `create function pg_temp.u(k bigint, salt int) returns float8 language sql immutable parallel safe
       as $$ select (hashint8extended(k, salt) & 4503599627370495)::float8 / 4503599627370496 $$;
     create function pg_temp.pick(k bigint, salt int, n int) returns int language sql immutable parallel safe
       as $$ select floor(pg_temp.u(k, salt) * n)::int $$;
     create function pg_temp.skewed(k bigint, salt int, n int, power float8) returns int language sql immutable parallel safe
       as $$ select floor(power(pg_temp.u(k, salt), power) * n)::int $$;`,
  );
  await session.step(
    'helpers: text',
    `create function pg_temp.fill(t text, domain text, agent text, usr text, ip text, port int, pid int, ns text, app text)
       returns text language sql immutable parallel safe as $$
       select replace(replace(replace(replace(replace(replace(replace(replace(t,
         '{domain}', coalesce(domain, '-')), '{agent}', coalesce(agent, '-')), '{user}', coalesce(usr, '-')), '{ip}', coalesce(ip, '-')),
         '{port}', coalesce(port::text, '-')), '{pid}', coalesce(pid::text, '-')), '{namespace}', coalesce(ns, '-')), '{app}', coalesce(app, '-')) $$`,
  );
  const problems = PROBLEMS.map((p, ord) => ({ ...p, ord, x: p.x }));
  // Three ways to pick a problem of a source: among those that open a chamado, among the noise
  // (Sentry issues are both: the action decides), or among all. One row per way, one equality join.
  await session.step(
    'catalog: problem table',
    `create temp table ds_problem (src text, name text, "eventType" text, severity int, word text, summary text, opens boolean, x jsonb, ord int, idx int)`,
  );
  await session.step(
    'catalog: problems',
    `insert into ds_problem
     select p.*, (row_number() over (partition by p.src order by p.ord) - 1)::int
     from jsonb_to_recordset($1::jsonb) as p(src text, name text, "eventType" text, severity int, word text, summary text, opens boolean, x jsonb, ord int)`,
    [JSON.stringify(problems)],
  );
  // Three ways to pick a problem of a source: among those that open a chamado, among the noise
  // (Sentry issues are both: the action decides), or among all. One row per way, one equality join.
  await session.step(
    'catalog: picks',
    `create temp table ds_pick as
     select k.kind, (row_number() over (partition by p.src, k.kind order by p.ord) - 1)::int as n, p.*
     from ds_problem p cross join (values ('open'), ('noise'), ('all')) k(kind)
     where k.kind = 'all' or (k.kind = 'open' and p.opens) or (k.kind = 'noise' and (not p.opens or p.src = 'sentry'));
     create temp table ds_count as
     select src, count(*) filter (where kind = 'all')::int as n_all, count(*) filter (where kind = 'open')::int as n_open,
       count(*) filter (where kind = 'noise')::int as n_noise
     from ds_pick group by src;
     create temp table ds_domain (idx int, name text);
     create temp table ds_agent (idx int, name text, ip text);`,
  );
  await session.step(
    'catalog: domains',
    `insert into ds_domain
     select g, ($1::text[])[1 + g % 20] || ($2::text[])[1 + (g / 20) % 20] || '.' || ($3::text[])[1 + (g * 7) % 5]
     from generate_series(0, ${DOMAINS - 1}) g`,
    [DOMAIN_PARTS.first, DOMAIN_PARTS.second, DOMAIN_PARTS.tld],
  );
  await session.step(
    'catalog: agents',
    `insert into ds_agent
     select g, 'vm' || (100 + g) || '-' || ($1::text[])[1 + g % ${AGENT_ROLES.length}], '10.20.' || (g / 250) || '.' || (g % 250 + 1)
     from generate_series(0, ${AGENTS - 1}) g`,
    [AGENT_ROLES],
  );
  // Temp tables are never auto-analyzed; without statistics the planner misjudges every join on them.
  await session.step('catalog: analyze', 'analyze ds_problem, ds_pick, ds_count, ds_domain, ds_agent');
}
