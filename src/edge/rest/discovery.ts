import { z } from 'zod';
import { MAX_PAGE } from '../../../resolvers/pagination.ts';
import { worstStatus } from '../../services/discovery/status.ts';
import { RestError } from './errors.ts';
import { gql, intParam, route, unwrap, type RestRoute } from './route.ts';
import { schemaEnumValues } from './schema-enums.ts';
import { reshape, selectionOf, type Wire } from './wire-fields.ts';

/*
 * The discovery v1 API (spec 003) over the discovery graph: GET /discovery/v1/ids/receiver,
 * …/environments/{idTOTVS}, …/resources/{idTOTVS}/{name} and GET|POST …/config. Lists page as the
 * TOTVS API guide says: `page` (1-based) and `pageSize` (20, at most 100), answered as
 * `{total, hasNext, items}`. Where the spec spells a name twice the first spelling is served
 * (`historyDays`, health `type`, `detail`); config input accepts `historyDay` too.
 */

type Json = Record<string, unknown>;
type Connection = { totalCount: number; edges: { node: Json }[] };
type HealthStatus = Parameters<typeof worstStatus>[0][number]['type'];

const CATEGORIES = schemaEnumValues('ResourceCategory');

const INSTALLATION_WIRES: Wire[] = [['TOTVSID', 'totvsId'], 'name', 'alias', 'receive'];
const INFO_WIRES: Wire[] = ['code', 'title', 'detail', 'value'];
const HEALTH_WIRES: Wire[] = ['type', 'message', 'detail', 'helpUrl'];
/** `name` is the environment's, as the spec's table says; `date` is the discovery time. */
const RESOURCE_WIRES: Wire[] = [
  ['name', 'environmentName'], 'host', 'port', 'category', ['date', 'discoveredAt'], 'status', 'description', 'info', 'health',
];
const RESOURCE_FIELDS = `${selectionOf(RESOURCE_WIRES.filter((w) => w !== 'info' && w !== 'health'))}
  info { ${selectionOf(INFO_WIRES)} } health { ${selectionOf(HEALTH_WIRES)} }`;
const CONFIG_WIRES: Wire[] = ['monitorActive', 'historyDays', 'monitorInterval', 'sendDataTOTVS'];

/** `portGroup=true` groups in this shim over at most this many resources, read in pages of the graph's largest. */
const GROUP_PAGES = 5;
const GROUP_CAP = GROUP_PAGES * MAX_PAGE;

interface Paging {
  page: number;
  pageSize: number;
  offset: number;
}

function pagingOf(query: URLSearchParams): Paging {
  const page = intParam(query, 'page', 1, 1, 1_000_000);
  const pageSize = intParam(query, 'pageSize', 20, 1, 100);
  return { page, pageSize, offset: (page - 1) * pageSize };
}

function listBody(items: Json[], total: number, paging: Paging) {
  return { total, hasNext: paging.offset + paging.pageSize < total, items };
}

function enumParam(query: URLSearchParams, name: string, values: readonly string[]): string | null {
  const raw = query.get(name);
  if (raw === null || raw === '') return null;
  if (!values.includes(raw)) throw new RestError(400, 'BAD_REQUEST', `${name} must be one of ${values.join(', ')}`);
  return raw;
}

function booleanParam(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  if (raw === null || raw === '') return false;
  if (raw !== 'true' && raw !== 'false') throw new RestError(400, 'BAD_REQUEST', `${name} must be true or false`);
  return raw === 'true';
}

/** The spec's `yyyy-mm-ddThh:mm:ss.nnnnnn+hh:mm`, from the graph's UTC ISO-8601. */
export function spec003Date(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  if (!match) throw new Error(`unexpected DateTime ${iso}`);
  return `${match[1]}.${(match[2] ?? '').padEnd(6, '0').slice(0, 6)}+00:00`;
}

function resourceItem(node: Json): Json {
  return {
    ...reshape(node, RESOURCE_WIRES),
    date: spec003Date(node.discoveredAt as string),
    info: (node.info as Json[]).map((i) => reshape(i, INFO_WIRES)),
    health: (node.health as Json[]).map((h) => reshape(h, HEALTH_WIRES)),
  };
}

/**
 * One item per host, in the order its first resource is served: port null, the worst status,
 * the earliest date, info and health of all its resources in that order, and the category and
 * description of its first resource.
 */
function groupByHost(items: Json[]): Json[] {
  const groups = new Map<string, Json>();
  for (const item of items) {
    const group = groups.get(item.host as string);
    if (!group) {
      groups.set(item.host as string, { ...item, port: null, info: [...(item.info as Json[])], health: [...(item.health as Json[])] });
      continue;
    }
    group.status = worstStatus([group, item].map((g) => ({ type: g.status as HealthStatus })));
    if ((item.date as string) < (group.date as string)) group.date = item.date;
    (group.info as Json[]).push(...(item.info as Json[]));
    (group.health as Json[]).push(...(item.health as Json[]));
  }
  return [...groups.values()];
}

/** The pages after the first that portGroup reads, so it groups up to GROUP_CAP resources in one operation. */
const RESOURCE_PAGES = Array.from({ length: GROUP_PAGES - 1 }, (_, i) => {
  const n = i + 1;
  // `first` as a variable: a literal would multiply the operation's cost estimate by it.
  return `p${n}: resources(filter: $filter, first: $first, offset: ${n * MAX_PAGE}) @include(if: $grouped) {
    edges { node { ${RESOURCE_FIELDS} } } }`;
}).join('\n');

const notFound = (message: string) => new RestError(404, 'NOT_FOUND', message);

/** Config input: types are a 400 here, ranges are the mutation's (a 422). */
const configBody = z
  .object({
    monitorActive: z.boolean(),
    historyDays: z.number().int(),
    historyDay: z.number().int(),
    monitorInterval: z.number().int(),
    sendDataTOTVS: z.boolean(),
  })
  .partial()
  .strict();

export const discoveryRoutes: RestRoute<any>[] = [
  route({
    method: 'GET',
    path: '/discovery/v1/ids/receiver',
    document: gql`query RestDiscoveryInstallations($first: Int, $offset: Int) {
      discoveryInstallations(first: $first, offset: $offset) { totalCount edges { node { ${selectionOf(INSTALLATION_WIRES)} } } }
    }`,
    variables: ({ query }) => {
      const { pageSize, offset } = pagingOf(query);
      return { first: pageSize, offset };
    },
    respond: (data, { query }) => {
      const conn = data.discoveryInstallations as Connection;
      const items = conn.edges.map((e) => reshape(e.node, INSTALLATION_WIRES));
      return [200, listBody(items, conn.totalCount, pagingOf(query))];
    },
  }),
  route({
    method: 'GET',
    path: '/discovery/v1/environments/:totvsId',
    // An installation has few environments: the graph lists them whole and the page is cut here.
    document: gql`query RestDiscoveryEnvironments($totvsId: String!, $category: ResourceCategory) {
      discoveryInstallation(totvsId: $totvsId) { environments(category: $category) { name } }
    }`,
    variables: ({ params, query }) => {
      pagingOf(query); // a bad page is a 400 before anything runs
      return { totvsId: params.totvsId, category: enumParam(query, 'category', CATEGORIES) };
    },
    respond: (data, { params, query }) => {
      const installation = data.discoveryInstallation as { environments: Json[] } | null;
      if (!installation) throw notFound(`installation ${params.totvsId} not found`);
      const paging = pagingOf(query);
      const items = installation.environments.slice(paging.offset, paging.offset + paging.pageSize).map((e) => ({ name: e.name }));
      return [200, listBody(items, installation.environments.length, paging)];
    },
  }),
  route({
    method: 'GET',
    path: '/discovery/v1/resources/:totvsId/:name',
    document: gql`query RestDiscoveryResources($totvsId: String!, $name: String!, $filter: ResourceFilter,
        $first: Int, $offset: Int, $grouped: Boolean!) {
      discoveryInstallation(totvsId: $totvsId) { totvsId }
      discoveryEnvironment(totvsId: $totvsId, name: $name) {
        resources(filter: $filter, first: $first, offset: $offset) { totalCount edges { node { ${RESOURCE_FIELDS} } } }
        ${RESOURCE_PAGES}
      }
    }`,
    variables: ({ params, query }) => {
      const grouped = booleanParam(query, 'portGroup');
      const { pageSize, offset } = pagingOf(query);
      const filter = {
        // `hostip` is how the spec's parameter list names it; its path template says `host`.
        host: query.get('host') || query.get('hostip') || null,
        port: query.get('port') ? intParam(query, 'port', 0, 1, 65_535) : null,
        category: enumParam(query, 'category', CATEGORIES),
      };
      return grouped
        ? { totvsId: params.totvsId, name: params.name, filter, first: MAX_PAGE, offset: 0, grouped }
        : { totvsId: params.totvsId, name: params.name, filter, first: pageSize, offset, grouped };
    },
    respond: (data, { params, query }) => {
      if (!data.discoveryInstallation) throw notFound(`installation ${params.totvsId} not found`);
      const environment = data.discoveryEnvironment as Record<string, Connection> | null;
      if (!environment) throw notFound(`environment ${params.name} of installation ${params.totvsId} not found`);
      const paging = pagingOf(query);
      const first = environment.resources!;
      if (!booleanParam(query, 'portGroup')) {
        return [200, listBody(first.edges.map((e) => resourceItem(e.node)), first.totalCount, paging)];
      }
      if (first.totalCount > GROUP_CAP) {
        throw new RestError(422, 'TOO_MANY_TO_GROUP', `portGroup groups at most ${GROUP_CAP} resources; narrow it with host or category`);
      }
      const all = [first, ...Array.from({ length: GROUP_PAGES - 1 }, (_, i) => environment[`p${i + 1}`]!)]
        .flatMap((conn) => conn.edges.map((e) => resourceItem(e.node)));
      const groups = groupByHost(all);
      return [200, listBody(groups.slice(paging.offset, paging.offset + paging.pageSize), groups.length, paging)];
    },
  }),
  route({
    method: 'GET',
    path: '/discovery/v1/config',
    document: gql`query RestDiscoveryConfig { discoveryConfig { ${selectionOf(CONFIG_WIRES)} } }`,
    variables: () => ({}),
    respond: (data) => [200, reshape(data.discoveryConfig as Json, CONFIG_WIRES)],
  }),
  route({
    method: 'POST',
    path: '/discovery/v1/config',
    body: configBody,
    document: gql`mutation RestUpdateDiscoveryConfig($input: UpdateDiscoveryConfigInput!) {
      updateDiscoveryConfig(input: $input) {
        ... on DiscoveryConfig { ${selectionOf(CONFIG_WIRES)} }
        ... on Error { __typename code message ... on ValidationError { issues { path message } } }
      }
    }`,
    variables: ({ body }) => {
      const { historyDay, ...rest } = body;
      if (historyDay !== undefined && rest.historyDays !== undefined && historyDay !== rest.historyDays) {
        throw new RestError(400, 'BAD_REQUEST', 'historyDays and historyDay (its other spelling) disagree');
      }
      return { input: { ...rest, historyDays: rest.historyDays ?? historyDay } };
    },
    respond: (data) => {
      const result = data.updateDiscoveryConfig as Json;
      // Well-typed values out of range: 422, where a wrong type or unknown field was a 400.
      if (result.code === 'VALIDATION_FAILED') {
        throw new RestError(422, 'VALIDATION_FAILED', result.message as string, { issues: result.issues });
      }
      return [200, reshape(unwrap<Json>(result), CONFIG_WIRES)];
    },
  }),
];
