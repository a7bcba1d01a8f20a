import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';

/**
 * Queries and mutations run through graphql-jit: each operation is compiled once into a function
 * (cached per parsed document, which yoga already caches per document text), so execution is a
 * direct walk instead of graphql-js resolving every field generically. It cut the CPU of the
 * console's list (50 chamados with assignee, observables and timeline) by about a quarter.
 * Subscriptions keep graphql-js: the live transports own their execution. GRAPHQL_JIT=0 turns it
 * off (a bisecting aid, should an answer ever differ).
 */
export function compiledExecution(config: Config, log: Logger): Plugin[] {
  if (!config.graphqlJit) return [];
  // Typed for envelop's empty context; it reads none of ours, so it fits yoga's plugin list as is.
  const jit = useGraphQlJit(
    {},
    {
      enableIf: (args) => getOperationAST(args.document, args.operationName)?.operation !== 'subscription',
      // A valid document graphql-jit cannot compile is answered with the compiler's errors (none
      // of our operations or tests hits this); logged so that it never goes unseen.
      onError: (result) => log.error({ errors: result.errors?.map((e) => e.message) }, 'graphql-jit could not compile an operation'),
    },
  ) as Plugin;
  return [jit];
}
