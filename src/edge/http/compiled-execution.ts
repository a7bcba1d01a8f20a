import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, getVariableValues, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';

/**
 * Queries and mutations run through graphql-jit: each operation is compiled once into a function
 * (cached per parsed document, which yoga already caches per document text), so execution is a
 * direct walk instead of graphql-js resolving every field generically. It cut the CPU of the
 * console's list (50 chamados with assignee, observables and timeline) by about a quarter.
 * Subscriptions keep graphql-js: the live transports own their execution. So do operations whose
 * variables do not coerce: graphql-js answers those as request errors (HTTP 400, with locations),
 * where graphql-jit would answer 200. GRAPHQL_JIT=0 turns it off (a bisecting aid, should an
 * answer ever differ).
 */
export function compiledExecution(config: Config, log: Logger): Plugin[] {
  if (!config.graphqlJit) return [];
  // Typed for envelop's empty context; it reads none of ours, so it fits yoga's plugin list as is.
  const jit = useGraphQlJit(
    {},
    {
      enableIf: compilable,
      // A valid document graphql-jit cannot compile is answered with the compiler's errors (none
      // of our operations or tests hits this); logged so that it never goes unseen.
      onError: (result) => log.error({ errors: result.errors?.map((e) => e.message) }, 'graphql-jit could not compile an operation'),
    },
  ) as Plugin;
  return [jit];
}

function compilable(args: ExecutionArgs): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation || operation.operation === 'subscription') return false;
  if (!operation.variableDefinitions?.length) return true;
  return !getVariableValues(args.schema, operation.variableDefinitions, args.variableValues ?? {}).errors;
}
