import { DISCOVER, QUERIES } from '../scenarios/discover.ts';
import { OPSGRAPH_LIST_QUERY } from '../scenarios/list.ts';
import { soakDeliveries, type SoakDelivery } from './deliveries.ts';
import type { SoakMix } from './drive.ts';
import type { SoakRequest } from './load.ts';
import type { LoadKind } from './tally.ts';

/**
 * The three loads' requests: the list and Discover documents of their own scenarios (the console's
 * first screen, the three Discover searches in turn) with bench-viewer's token, and webhook
 * deliveries handed out one by one; `acknowledged` is called for each feed alert answered 202.
 */
export function soakRequests(
  setting: { token: string; webhookSecret: string; mix: SoakMix },
  agent: string,
  acknowledged: () => void,
): { kind: LoadKind; rate: { perSecond: number; connections: number }; okStatus: number; requests: SoakRequest[] }[] {
  const graphql = { 'content-type': 'application/json', authorization: `Bearer ${setting.token}` };
  const post = (body: object): SoakRequest => ({ method: 'POST', path: '/graphql', headers: graphql, body: JSON.stringify(body) });
  const next = soakDeliveries(agent, setting.webhookSecret, setting.mix.feedEvery);
  const ingest: SoakRequest = {
    method: 'POST',
    setupRequest: (request, context) => {
      const delivery: SoakDelivery = next();
      context.feed = delivery.feed;
      return { ...request, path: delivery.path, headers: delivery.headers, body: delivery.body };
    },
    onResponse: (status, _body, context) => {
      if (context.feed && status === 202) acknowledged();
    },
  };
  return [
    { kind: 'list', rate: setting.mix.list, okStatus: 200, requests: [post({ query: OPSGRAPH_LIST_QUERY })] },
    { kind: 'discover', rate: setting.mix.discover, okStatus: 200, requests: QUERIES.map((q) => post({ query: DISCOVER, variables: { q: q.q, first: 50 } })) },
    { kind: 'ingest', rate: setting.mix.ingest, okStatus: 202, requests: [ingest] },
  ];
}
