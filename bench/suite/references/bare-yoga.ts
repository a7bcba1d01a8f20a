/*
 * The fixed-cost ceiling for yoga: graphql-yoga with a one-field schema and no plugins of ours
 * (no auth, limits, logging or metrics), on node:http, POST /graphql. What OpsGraph adds per
 * request on top of yoga itself is the gap between the two. Sends no SQL.
 */
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { answerStats, listenAndAnnounce, referencePort } from './lifecycle.ts';

const yoga = createYoga({
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      "The only type: the benchmark asks for { __typename }."
      type Query {
        "Always true; present because a query type needs a field."
        ok: Boolean!
      }
    `,
    resolvers: { Query: { ok: () => true } },
  }),
  graphqlEndpoint: '/graphql',
  graphiql: false,
  landingPage: false,
  logging: false,
});

const server = createServer((req, res) => {
  if (!answerStats(req, res, () => 0)) void yoga(req, res);
});
await listenAndAnnounce(server, referencePort());
