import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { NoSchemaIntrospectionCustomRule, type GraphQLError } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import type { Config } from '../../config.ts';
import { bearerOf } from '../../context.ts';
import { argumentBounds } from './argument-bounds.ts';

/*
 * What an operation may ask for, checked while parsing and validating: before the context is
 * built and before any resolver runs. Every transport (/graphql with SSE, graphql-ws, the REST
 * shims) executes through yoga's envelope, so these plugins apply to all of them.
 */

/** armor's validation refusals carry no code; clients (and the REST shims' 400) get the one graphql-js rules use. */
const onReject = [(_: unknown, error: GraphQLError) => void Object.assign(error.extensions, { code: 'GRAPHQL_VALIDATION_FAILED' })];

export function graphqlLimits(config: Config, graphqlEndpoint: string): Plugin[] {
  const { limits } = config;
  return [
    // Counted by the lexer while parsing (yoga codes it GRAPHQL_PARSE_FAILED), so a huge document costs no validation either.
    maxTokensPlugin({ n: limits.maxTokens }),
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, onReject }),
    // armor exempts `__typename` aliases by default; 100 of them are as costly as any other field.
    maxAliasesPlugin({ n: limits.maxAliases, allowList: [], onReject }),
    maxDirectivesPlugin({ n: limits.maxDirectives, onReject }),
    costLimitPlugin({ maxCost: limits.maxCost, onReject }),
    // "Did you mean …" hands the schema out field by field to whoever cannot introspect it.
    ...(config.nodeEnv === 'development' ? [] : [blockFieldSuggestionsPlugin<YogaInitialContext>()]),
    introspectionGate(config),
    argumentBounds(graphqlEndpoint),
  ];
}

/**
 * Whether this request may introspect (and be served GraphiQL). "Signed in" is a valid bearer
 * token: validation runs before the context (and its user lookup) exists, and a token is what
 * every later operation of the same client is judged by anyway.
 */
export function mayIntrospect(config: Config, request: Request): boolean {
  switch (config.introspection) {
    case 'public':
      return true;
    case 'off':
      return false;
    case 'authenticated': {
      return bearerOf(request, config).userId !== null;
    }
  }
}

function introspectionGate(config: Config): Plugin {
  return {
    onValidate({ addValidationRule, context }) {
      const request = (context as { request?: Request }).request;
      if (!request || !mayIntrospect(config, request)) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
