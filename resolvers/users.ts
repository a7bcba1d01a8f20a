import { ROLES } from '../entities/roles.ts';
import { loadAll } from '../src/loaders.ts';
import { builder } from '../src/builder.ts';
import { describedValues } from './described.ts';
import { InvalidCredentialsError, UserDisabledError } from '../src/errors.ts';
import { login } from '../src/services/auth/accounts.ts';
import { LoginRateLimitedError } from '../src/services/auth/login-rate-limited-error.ts';
import { ErrorInterface } from './errors.ts';
import type { UserRow } from '../src/services/chamados/reads.ts';

export const RoleEnum = builder.enumType('Role', {
  description: 'viewer (read) < ops (act on chamados) < ops_lead (approve, override claims) < admin.',
  values: describedValues(ROLES, {
    viewer: 'Reads everything; changes nothing.',
    ops: 'Operator: claims and works chamados, attaches events, requests runbooks, replays dead letters.',
    ops_lead: 'Lead: what ops does, plus approving R1/R2 runbooks and overriding claims.',
    admin: 'Everything, plus users, the runbook catalog and outbound webhooks.',
  }),
});

export const UserRef = builder.objectRef<UserRow>('User');
builder.node(UserRef, {
  description: 'A person who signs in to OpsGraph (an operator, lead, admin or read-only viewer).',
  id: { resolve: (u) => u.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.user, ids.map(Number)),
  fields: (t) => ({
    username: t.exposeString('username', { description: 'Login name, unique; how other fields refer to the user (e.g. filters by assignee).' }),
    email: t.exposeString('email', { nullable: true, description: 'Email address, when known.' }),
    fullName: t.exposeString('fullName', { description: 'Display name.' }),
    role: t.expose('role', { type: RoleEnum, description: 'What the user may do.' }),
    dialect: t.exposeString('dialect', { description: 'Preferred language of the console, as a locale tag (default pt-BR).' }),
    avatar: t.exposeString('avatar', { nullable: true, description: 'Avatar image (URL or data URI), when set.' }),
    disabled: t.exposeBoolean('disabled', { description: 'A disabled user cannot sign in and their tokens are refused.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account was created.' }),
  }),
});

const LoginPayload = builder.objectRef<{ token: string; expiresAt: Date; userId: number }>('LoginPayload').implement({
  description: 'A successful sign-in.',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'A JWT to send as `Authorization: Bearer <token>`.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When the token stops working (JWT_TTL after sign-in); sign in again then.' }),
    user: t.field({ type: UserRef, description: 'Who signed in.', resolve: async (p, _, ctx) => (await ctx.loaders.user.load(p.userId))! }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: UserRef,
    nullable: true,
    description: 'The signed-in user, or null without a valid token.',
    // Read from the viewer's identity: a shared subscription selecting it would be keyed per user (src/edge/transports/shared-key.ts).
    extensions: { viewerSpecific: true },
    resolve: (_, __, ctx) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.id) : null),
  }),
);

builder.objectType(LoginRateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many failed sign-ins for this account or address in the last hour (code RATE_LIMITED); no password was checked.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ retryAfter: t.exposeInt('retryAfter', { description: 'Seconds until an attempt is counted again (as HTTP Retry-After).' }) }),
});

builder.mutationField('login', (t) =>
  t.field({
    type: LoginPayload,
    description: 'Exchanges a username and password (8–128 characters) for a JWT. At most LOGIN_MAX_FAILURES_PER_HOUR failures per account per hour.',
    errors: { types: [InvalidCredentialsError, UserDisabledError, LoginRateLimitedError] },
    args: {
      username: t.arg.string({ description: 'Login name.' }),
      password: t.arg.string({ description: 'The password (never logged).' }),
    },
    resolve: (_, args, ctx) =>
      login(ctx.em, { tokens: ctx.config.jwt, limits: ctx.config.login }, { username: args.username, password: args.password, clientAddress: ctx.clientAddress }),
  }),
);
