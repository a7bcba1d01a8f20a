import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { roleAtLeast, type Role } from '../entities/roles.ts';
import type { Context } from './context.ts';

export interface AuthScopes {
  /** Any signed-in, enabled user. */
  authenticated: boolean;
  /** The viewer's role is at least this one (viewer < ops < ops_lead < admin). */
  role: Role;
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
    }),
    // No viewer → 401-style UNAUTHENTICATED; a viewer without the role → FORBIDDEN.
    unauthorizedError: (_parent, ctx) =>
      ctx.viewer
        ? new GraphQLError('your role does not allow this', { extensions: { code: 'FORBIDDEN', http: { status: 403 } } })
        : new GraphQLError(ctx.authProblem === 'invalid' ? 'invalid or expired token' : 'authentication required', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          }),
  },
  errors: {
    directResult: true,
    defaultUnionOptions: { name: ({ fieldName }) => `${fieldName[0]!.toUpperCase()}${fieldName.slice(1)}Result` },
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: { authScopes: { authenticated: true } },
    nodesQueryOptions: { authScopes: { authenticated: true } },
  },
});
