import { GraphQLError, Kind } from 'graphql';
import { builder } from '../src/builder.ts';
import { isoTimestamp } from '../src/db/timestamps.ts';

function invalid(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function parseDate(value: unknown): Date {
  if (typeof value !== 'string') throw invalid('DateTime must be an ISO-8601 string');
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(`not a valid DateTime: ${value}`);
  return date;
}

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 string in UTC (e.g. 2026-06-16T10:00:00.000Z).',
  serialize: (value) => isoTimestamp(value instanceof Date ? value : String(value)),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null),
});

builder.scalarType('JSON', {
  description: 'Arbitrary JSON (details that vary by kind).',
  serialize: (value) => value,
  parseValue: (value) => value,
});
