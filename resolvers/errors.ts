import {
  ClaimConflictError,
  DomainError,
  ForbiddenActionError,
  InvalidCredentialsError,
  InvalidTransitionError,
  NotFoundError,
  UnknownReferenceError,
  UserDisabledError,
  ValidationError,
  VersionConflictError,
} from '../src/errors.ts';
import { builder } from '../src/builder.ts';

/** Every typed mutation error: a human message and a stable machine-readable code. */
export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'An expected failure of a mutation. `code` is stable; `message` is for people.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.string({ resolve: (e) => e.code }),
  }),
});

const FieldIssue = builder.objectRef<{ path: string; message: string }>('FieldIssue').implement({
  fields: (t) => ({ path: t.exposeString('path'), message: t.exposeString('message') }),
});

/** An error type with no fields beyond the interface's. */
function errorObject(cls: new (...args: never[]) => DomainError, name: string, description: string): void {
  builder.objectType(cls, { name, description, interfaces: [ErrorInterface] as never, fields: () => ({}) });
}

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'Nothing has that id (code NOT_FOUND).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ resource: t.exposeString('resource'), key: t.exposeString('key') }),
});
builder.objectType(ClaimConflictError, {
  name: 'ClaimConflictError',
  description: 'Claimed by another operator (code CLAIMED_BY_ANOTHER); ops_lead/admin may override.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ currentAssignee: t.exposeString('currentAssignee', { description: 'Username holding the chamado.' }) }),
});
builder.objectType(InvalidTransitionError, {
  name: 'InvalidTransitionError',
  description: 'The lifecycle does not allow this status change (code INVALID_TRANSITION).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    from: t.exposeString('from'),
    to: t.exposeString('to'),
    allowed: t.field({ type: ['String'], resolve: (e) => [...e.allowed] }),
  }),
});
builder.objectType(VersionConflictError, {
  name: 'VersionConflictError',
  description: 'expectedVersion is stale: someone changed the chamado first (code STALE_VERSION).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ expectedVersion: t.exposeInt('expectedVersion'), currentVersion: t.exposeInt('currentVersion') }),
});
builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'Input failed validation (code VALIDATION_FAILED).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ issues: t.field({ type: [FieldIssue], resolve: (e) => e.issues }) }),
});
builder.objectType(UnknownReferenceError, {
  name: 'UnknownReferenceError',
  description: 'Input names things that do not exist (code UNKNOWN_REFERENCE).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ resource: t.exposeString('resource'), keys: t.exposeStringList('keys') }),
});
errorObject(ForbiddenActionError, 'ForbiddenActionError', 'Your role does not allow this action here (code FORBIDDEN_ACTION).');
errorObject(InvalidCredentialsError, 'InvalidCredentialsError', 'Unknown user or wrong password (code INVALID_CREDENTIALS).');
errorObject(UserDisabledError, 'UserDisabledError', 'The user exists but may not use the system (code USER_DISABLED).');

/** The errors every chamado-changing mutation can return. */
export const CHAMADO_MUTATION_ERRORS = [NotFoundError, VersionConflictError, ValidationError];
