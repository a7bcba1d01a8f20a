import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { roleAtLeast, type Role } from '../entities/roles.ts';
import { operatorRefusal, type Context } from './context.ts';

export interface AuthScopes {
  /** Any signed-in, enabled user. */
  authenticated: boolean;
  /** The viewer's role is at least this one (viewer < ops < ops_lead < admin). */
  role: Role;
  /** The request carries the operator key (X-Operator-Key); a user's token never stands in for it. */
  operator: boolean;
}

/** Whether the named scope is among those that refused (scope maps nest any/all groups). */
function refusedScope(failure: AuthFailure, scope: keyof AuthScopes): boolean {
  switch (failure.kind) {
    case AuthScopeFailureType.AuthScope:
      return failure.scope === scope;
    case AuthScopeFailureType.AnyAuthScopes:
    case AuthScopeFailureType.AllAuthScopes:
      return failure.failures.some((f) => refusedScope(f, scope));
    default:
      return false;
  }
}

function authError(code: 'UNAUTHENTICATED' | 'FORBIDDEN', message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: code === 'FORBIDDEN' ? 403 : 401 } } });
}

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    // Subscriptions are refused when they start, not event by event.
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      authenticated: ctx.viewer !== null,
      role: (required: Role) => ctx.viewer !== null && roleAtLeast(ctx.viewer.role, required),
      operator: ctx.operator.status === 'valid',
    }),
    // Operator fields answer for the key alone: no key → UNAUTHENTICATED, a wrong one → FORBIDDEN.
    // Otherwise: no viewer → UNAUTHENTICATED; a viewer without the role → FORBIDDEN.
    unauthorizedError: (_parent, ctx, _info, result) => {
      const refusal = refusedScope(result.failure, 'operator') ? operatorRefusal(ctx.operator) : null;
      if (refusal) return authError(refusal.code, refusal.message);
      if (ctx.viewer) return authError('FORBIDDEN', 'your role does not allow this');
      return authError('UNAUTHENTICATED', ctx.authProblem === 'invalid' ? 'invalid or expired token' : 'authentication required');
    },
  },
  errors: {
    directResult: true,
    defaultUnionOptions: {
      name: ({ fieldName }) => `${fieldName[0]!.toUpperCase()}${fieldName.slice(1)}Result`,
      description:
        'The mutation’s result, or one of its expected failures: a type implementing Error (stable `code`, readable `message`). Select `... on Error { code message }` to read them.',
    },
  },
  // Descriptions of the types and fields the relay plugin generates (Node, PageInfo, edges, paging arguments).
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeTypeOptions: { description: 'An object that can be fetched again by its global `id` (query `node` / `nodes`).' },
    idFieldOptions: { description: 'Global id (opaque): fetch this object again with `node(id:)`.' },
    nodeQueryOptions: {
      authScopes: { authenticated: true },
      description: 'Fetches any Node by its global id; null when nothing has it. Signed-in users.',
      args: { id: { description: 'A global `id` as returned by a Node’s `id` field.' } },
    },
    nodesQueryOptions: {
      authScopes: { authenticated: true },
      description: 'Fetches several Nodes by global id, in the order asked; null where nothing has one. Signed-in users.',
      args: { ids: { description: 'Global `id`s as returned by Nodes’ `id` fields.' } },
    },
    pageInfoTypeOptions: { description: 'Where this page sits in the whole list (Relay cursor paging).' },
    hasNextPageFieldOptions: { description: 'More items follow: ask again with `after: endCursor`.' },
    hasPreviousPageFieldOptions: { description: 'Items precede this page (it was asked for with `after` or `offset`).' },
    startCursorFieldOptions: { description: 'Cursor of the first item; null on an empty page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item, to pass as `after` for the next page; null on an empty page.' },
    defaultConnectionTypeOptions: { description: 'One page of a list, newest first, with its paging info.' },
    defaultEdgeTypeOptions: { description: 'One item of a page with its cursor.' },
    pageInfoFieldOptions: { description: 'Paging state: whether more items follow and the cursors to continue from.' },
    edgesFieldOptions: { description: 'The items of this page, each with its cursor.' },
    nodeFieldOptions: { description: 'The item.' },
    cursorFieldOptions: { description: 'Opaque position of this item; pass it as `after` to continue after it.' },
    firstArgOptions: { description: 'Page size (forward paging).' },
    afterArgOptions: { description: 'Continue after this cursor (an edge’s `cursor` or `pageInfo.endCursor`).' },
    lastArgOptions: { description: 'Backward paging: not supported (refused with BAD_USER_INPUT).' },
    beforeArgOptions: { description: 'Backward paging: not supported (refused with BAD_USER_INPUT).' },
  },
});
