import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { NoSchemaIntrospectionCustomRule, type DocumentNode, type GraphQLError, type ValidationRule } from 'graphql';
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
  return [
    // Counted by the lexer while parsing (yoga codes it GRAPHQL_PARSE_FAILED), so a huge document costs no validation either.
    maxTokensPlugin({ n: config.limits.maxTokens }),
    // "Did you mean …" hands the schema out field by field to whoever cannot introspect it. Before
    // validationLimits, whose cache then keeps the masked messages.
    ...(config.nodeEnv === 'development' ? [] : [blockFieldSuggestionsPlugin<YogaInitialContext>()]),
    validationLimits(config),
    argumentBounds(graphqlEndpoint),
  ];
}

/**
 * armor's depth, alias, directive and cost rules and the introspection switch, as one validation
 * step with its own cache (yoga's is off in yoga.ts): the rules are made once, there are two rule
 * sets (introspection allowed or not), and a document already validated under a set is answered
 * from a WeakMap. Yoga's cache keyed each validation by the names of every rule, joined anew on
 * every request; armor's plugins made their rules anew on every request too.
 */
function validationLimits(config: Config): Plugin {
  const { limits } = config;
  const armorRules: ValidationRule[] = [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, onReject }),
    // armor exempts `__typename` aliases by default; 100 of them are as costly as any other field.
    maxAliasesRule({ n: limits.maxAliases, allowList: [], onReject }),
    maxDirectivesRule({ n: limits.maxDirectives, onReject }),
    costLimitRule({ maxCost: limits.maxCost, onReject }),
  ];
  const ruleSets = {
    open: { rules: armorRules, validated: new WeakMap<DocumentNode, readonly Error[]>() },
    closed: { rules: [...armorRules, NoSchemaIntrospectionCustomRule], validated: new WeakMap<DocumentNode, readonly Error[]>() },
  };
  return {
    onValidate({ params, context, addValidationRule, setResult }) {
      const request = (context as { request?: Request }).request;
      const { rules, validated } = request && mayIntrospect(config, request) ? ruleSets.open : ruleSets.closed;
      const known = validated.get(params.documentAST);
      if (known) return setResult(known);
      for (const rule of rules) addValidationRule(rule);
      return ({ result }) => void validated.set(params.documentAST, result);
    },
  };
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
