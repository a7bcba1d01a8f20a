/**
 * Expected failures of the domain. Each carries a stable machine-readable `code`; the GraphQL
 * schema exposes them as typed errors (resolvers/errors.ts) and the REST shims map the code to an
 * HTTP status (src/edge/rest/errors.ts). Anything else is a bug and is masked.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  readonly resource: string;
  readonly key: string;
  constructor(resource: string, key: string) {
    super(`${resource} ${key} not found`);
    this.resource = resource;
    this.key = key;
  }
}

export class ClaimConflictError extends DomainError {
  readonly code = 'CLAIMED_BY_ANOTHER';
  readonly currentAssignee: string;
  constructor(currentAssignee: string) {
    super(`already claimed by ${currentAssignee}`);
    this.currentAssignee = currentAssignee;
  }
}

export class InvalidTransitionError extends DomainError {
  readonly code = 'INVALID_TRANSITION';
  readonly from: string;
  readonly to: string;
  readonly allowed: readonly string[];
  /** `why`, when given, says why nothing is allowed (e.g. the chamado was merged). */
  constructor(from: string, to: string, allowed: readonly string[], why?: string) {
    super(`cannot go from ${from} to ${to}; allowed: ${allowed.join(', ') || 'none'}${why ? ` (${why})` : ''}`);
    this.from = from;
    this.to = to;
    this.allowed = allowed;
  }
}

export class VersionConflictError extends DomainError {
  readonly code = 'STALE_VERSION';
  readonly expectedVersion: number;
  readonly currentVersion: number;
  constructor(expectedVersion: number, currentVersion: number) {
    super(`the chamado changed since version ${expectedVersion}; it is now at version ${currentVersion}`);
    this.expectedVersion = expectedVersion;
    this.currentVersion = currentVersion;
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends DomainError {
  readonly code: string = 'VALIDATION_FAILED';
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[] = []) {
    super(message);
    this.issues = issues;
  }
}

/** Well-formed input that names things that do not exist (e.g. unknown event ids to attach). */
export class UnknownReferenceError extends DomainError {
  readonly code = 'UNKNOWN_REFERENCE';
  readonly resource: string;
  readonly keys: string[];
  constructor(resource: string, keys: string[]) {
    super(`unknown ${resource}: ${keys.join(', ')}`);
    this.resource = resource;
    this.keys = keys;
  }
}

/** An authenticated caller asking for something their role does not allow in this case. */
export class ForbiddenActionError extends DomainError {
  readonly code = 'FORBIDDEN_ACTION';
}

export class InvalidCredentialsError extends DomainError {
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('invalid username or password');
  }
}

export class UserDisabledError extends DomainError {
  readonly code = 'USER_DISABLED';
  constructor() {
    super('this user is not allowed to use the system');
  }
}

/** Something whose current `status` does not allow what was asked; the status is in the answer. */
abstract class StatusError extends DomainError {
  readonly status: string;
  constructor(message: string, status: string) {
    super(message);
    this.status = status;
  }
}

/** The approval request is no longer open (decided, expired or cancelled). */
export class ApprovalClosedError extends StatusError {
  readonly code = 'APPROVAL_CLOSED';
  constructor(status: string) {
    super(`the approval request is ${status}`, status);
  }
}

/** This approver already decided this request. */
export class AlreadyDecidedError extends DomainError {
  readonly code = 'ALREADY_DECIDED';
  constructor() {
    super('you already decided this approval request');
  }
}

/** The execution is not in a state that allows this (e.g. cancelling one that already ran). */
export class ExecutionStateError extends StatusError {
  readonly code = 'EXECUTION_STATE';
  constructor(status: string, action: string) {
    super(`cannot ${action} an execution that is ${status}`, status);
  }
}

/** The recurrence ticket proposal was already accepted: accepting it again would open a second chamado. */
export class ProposalClosedError extends StatusError {
  readonly code = 'PROPOSAL_CLOSED';
  constructor(status: string) {
    super(`the ticket proposal is ${status}, not proposed`, status);
  }
}

/** Runbook params that do not satisfy the runbook's JSON Schema (REST answers 422). */
export class InvalidParamsError extends ValidationError {
  override readonly code = 'INVALID_PARAMS';
}

/** Something with that key already exists (a second installation with the same TOTVS id …). */
export class AlreadyExistsError extends DomainError {
  readonly code = 'ALREADY_EXISTS';
  readonly resource: string;
  readonly key: string;
  constructor(resource: string, key: string) {
    super(`${resource} ${key} already exists`);
    this.resource = resource;
    this.key = key;
  }
}
