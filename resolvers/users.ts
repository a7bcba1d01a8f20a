import { ROLES } from '../entities/roles.ts';
import { loadAll } from '../src/loaders.ts';
import { builder } from '../src/builder.ts';
import { InvalidCredentialsError, UserDisabledError } from '../src/errors.ts';
import { login } from '../src/services/auth/accounts.ts';
import type { UserRow } from '../src/services/chamados/reads.ts';

export const RoleEnum = builder.enumType('Role', {
  description: 'viewer (read) < ops (act on chamados) < ops_lead (approve, override claims) < admin.',
  values: ROLES,
});

export const UserRef = builder.objectRef<UserRow>('User');
builder.node(UserRef, {
  id: { resolve: (u) => u.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.user, ids.map(Number)),
  fields: (t) => ({
    username: t.exposeString('username'),
    email: t.exposeString('email', { nullable: true }),
    fullName: t.exposeString('fullName'),
    role: t.expose('role', { type: RoleEnum }),
    dialect: t.exposeString('dialect'),
    avatar: t.exposeString('avatar', { nullable: true }),
    disabled: t.exposeBoolean('disabled'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const LoginPayload = builder.objectRef<{ token: string; expiresAt: Date; userId: number }>('LoginPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'A JWT to send as `Authorization: Bearer <token>`.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    user: t.field({ type: UserRef, resolve: async (p, _, ctx) => (await ctx.loaders.user.load(p.userId))! }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: UserRef,
    nullable: true,
    description: 'The signed-in user, or null without a valid token.',
    resolve: (_, __, ctx) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.id) : null),
  }),
);

builder.mutationField('login', (t) =>
  t.field({
    type: LoginPayload,
    description: 'Exchanges a username and password for a JWT.',
    errors: { types: [InvalidCredentialsError, UserDisabledError] },
    args: { username: t.arg.string(), password: t.arg.string() },
    resolve: (_, args, ctx) => login(ctx.em, ctx.config.jwt, args.username, args.password),
  }),
);
