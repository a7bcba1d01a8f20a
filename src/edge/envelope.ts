import { GraphQLError, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Context } from '../context.ts';
import type { App } from '../yoga.ts';

/** An operation as a transport received it (the GraphQL-over-HTTP request parameters). */
export interface OperationParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/**
 * One operation run through yoga's envelope, exactly as /graphql runs it: the same parser cache,
 * validation rules (depth, cost and alias limits), context (built by the plugins, createContext
 * among them), execution hooks and error masking. Every transport that is not yoga's
 * own HTTP handler (REST shims, graphql-ws) goes through this, so there is one way to execute.
 *
 * `params` is read by plugins when they run, so a transport may fill in `variables` after it has
 * built the context (REST authenticates before it reads the body).
 */
export function openEnvelope(app: App, request: Request, params: OperationParams, serverContext: Record<string, unknown> = {}) {
  const enveloped = app.getEnveloped({ request, params, ...serverContext });
  return {
    params,
    schema: enveloped.schema as GraphQLSchema,
    /** Parses and validates: the document, or the errors a client would get from /graphql. */
    prepare(): { document: DocumentNode; errors: null } | { document: null; errors: readonly GraphQLError[] } {
      try {
        const document = enveloped.parse(params.query) as DocumentNode;
        const errors = enveloped.validate(enveloped.schema, document) as readonly GraphQLError[];
        return errors.length > 0 ? { document: null, errors } : { document, errors: null };
      } catch (err) {
        // Syntax errors and the armor limits (which reject by throwing) are answers, as on /graphql.
        if (err instanceof GraphQLError) return { document: null, errors: [err] };
        throw err;
      }
    },
    // createContext runs in this factory (a plugin's onContextBuilding); its type does not say so.
    context: async () => (await enveloped.contextFactory()) as unknown as Context,
    execute: (args: ExecutionArgs) => enveloped.execute(args) as unknown,
    subscribe: (args: ExecutionArgs) => enveloped.subscribe(args) as unknown,
  };
}

export type Envelope = ReturnType<typeof openEnvelope>;

/** Validates and executes a query or mutation whose context is already built; errors come back in the result. */
export async function executeThroughEnvelope(envelope: Envelope, contextValue: Context): Promise<ExecutionResult> {
  const prepared = envelope.prepare();
  if (prepared.errors) return { errors: prepared.errors };
  const result = await envelope.execute({
    schema: envelope.schema,
    document: prepared.document,
    variableValues: envelope.params.variables ?? undefined,
    operationName: envelope.params.operationName ?? undefined,
    contextValue,
  });
  if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
    throw new Error('a subscription or incremental delivery cannot be executed as one result');
  }
  return result as ExecutionResult;
}
