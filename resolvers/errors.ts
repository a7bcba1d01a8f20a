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
    message: t.exposeString('message', { description: 'What went wrong, for people (English; may change).' }),
    code: t.string({ description: 'Stable machine-readable code (named in each error type’s description); branch on this.', resolve: (e) => e.code }),
  }),
});

const FieldIssue = builder.objectRef<{ path: string; message: string }>('FieldIssue').implement({
  description: 'One input value that failed validation.',
  fields: (t) => ({
    path: t.exposeString('path', { description: 'Which input value, dotted when nested (e.g. `nota`, `filter.eventTypes`); `(input)` for the whole input.' }),
    message: t.exposeString('message', { description: 'What is wrong with it.' }),
  }),
});

/** An error type with no fields beyond the interface's. */
function errorObject(cls: new (...args: never[]) => DomainError, name: string, description: string): void {
  builder.objectType(cls, { name, description, interfaces: [ErrorInterface] as never, fields: () => ({}) });
}

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'Nothing has that id (code NOT_FOUND).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    resource: t.exposeString('resource', { description: 'What kind of thing was looked up (chamado, event, runbook …).' }),
    key: t.exposeString('key', { description: 'The id or key that matched nothing.' }),
  }),
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
    from: t.exposeString('from', { description: 'The chamado’s current status.' }),
    to: t.exposeString('to', { description: 'The status asked for.' }),
    allowed: t.field({ type: ['String'], description: 'Statuses reachable from `from`.', resolve: (e) => [...e.allowed] }),
  }),
});
builder.objectType(VersionConflictError, {
  name: 'VersionConflictError',
  description: 'expectedVersion is stale: someone changed the chamado first (code STALE_VERSION).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    expectedVersion: t.exposeInt('expectedVersion', { description: 'The version the request was sent with.' }),
    currentVersion: t.exposeInt('currentVersion', { description: 'The chamado’s version now: re-read it, then retry with this.' }),
  }),
});
builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'Input failed validation (code VALIDATION_FAILED).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ issues: t.field({ type: [FieldIssue], description: 'Each value that failed, and why.', resolve: (e) => e.issues }) }),
});
builder.objectType(UnknownReferenceError, {
  name: 'UnknownReferenceError',
  description: 'Input names things that do not exist (code UNKNOWN_REFERENCE).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    resource: t.exposeString('resource', { description: 'What kind of thing was referenced (events …).' }),
    keys: t.exposeStringList('keys', { description: 'The ids or keys that matched nothing.' }),
  }),
});
errorObject(ForbiddenActionError, 'ForbiddenActionError', 'Not allowed here: your role, or the state of what it acts on, forbids it (code FORBIDDEN_ACTION).');
errorObject(InvalidCredentialsError, 'InvalidCredentialsError', 'Unknown user or wrong password (code INVALID_CREDENTIALS).');
errorObject(UserDisabledError, 'UserDisabledError', 'The user exists but may not use the system (code USER_DISABLED).');

/** The errors every chamado-changing mutation can return. */
export const CHAMADO_MUTATION_ERRORS = [NotFoundError, VersionConflictError, ValidationError];
