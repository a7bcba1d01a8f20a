import { defineEntity, p } from '@mikro-orm/core';
import { ROLES } from './roles.ts';

const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.integer().primary().autoincrement(),
    username: p.string().length(64).unique(),
    email: p.string().length(254).nullable(),
    fullName: p.string().length(200),
    role: p.enum(ROLES).default('viewer'),
    /** scrypt hash in the form produced by src/services/auth/passwords.ts; never serialized. */
    passwordHash: p.string().length(300).hidden().lazy(),
    disabled: p.boolean().default(false),
    dialect: p.string().length(16).default('pt-BR'),
    avatar: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export class User extends UserSchema.class {}
UserSchema.setClass(User);
export { UserSchema };
