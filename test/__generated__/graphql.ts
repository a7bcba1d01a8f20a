/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Narrows the chamado list; every criterion given must hold. */
export type ChamadoFilter = {
  /** Username of the assignee. */
  assignee?: string | null | undefined;
  /** Exact customer domain (case-insensitive). */
  domain?: string | null | undefined;
  /** Tenant: chamados opened by events of this project (`default` for those opened by hand). */
  projectId?: string | null | undefined;
  /** Onboarding session id. */
  sessionId?: string | null | undefined;
  /** wazuh, onboard, support, audit … */
  source?: string | null | undefined;
  /** Any of these statuses. */
  status?: Array<ChamadoStatus> | null | undefined;
};

/** Where a chamado came from: an ingested source, or a person opening it by hand. */
export type ChamadoOrigin =
  /** A Prometheus Alertmanager alert. */
  | 'alertmanager'
  /** An audit-trail event. */
  | 'audit'
  /** A discovered resource changed health (the discovery monitor). */
  | 'discovery'
  /** Opened by hand in the console. */
  | 'manual'
  /** An onboarding portal event (account.created, onboarding.failed …). */
  | 'onboard'
  /** A Sentry issue. */
  | 'sentry'
  /** A SigNoz alert. */
  | 'signoz'
  /** Opened by hand for a support request, or by a support-desk event. */
  | 'support'
  /** A Wazuh security alert. */
  | 'wazuh';

/** novo → assumido → em_correcao → resolvido → fechado; aguardando from assumido/em_correcao; resolvido/fechado reopen to assumido. */
export type ChamadoStatus =
  /** Waiting on the customer or a third party. */
  | 'aguardando'
  /** Claimed: an operator (the assignee) owns it. */
  | 'assumido'
  /** Being fixed: the assignee is working on a remedy. */
  | 'em_correcao'
  /** Closed: done; may still be reopened to assumido. */
  | 'fechado'
  /** New: opened, nobody has claimed it yet. */
  | 'novo'
  /** Resolved: fixed (or every alert resolved); reopens to assumido when a related event arrives within the reopen window. */
  | 'resolvido';

/** A chamado opened by hand. */
export type CreateChamadoInput = {
  /** Longer free text. */
  description?: string | null | undefined;
  /** Customer domain it concerns. */
  domain?: string | null | undefined;
  /** Its ticket number in the legacy desk, if any. */
  legacyTicketId?: number | null | undefined;
  /** manual or support. */
  origin?: ChamadoOrigin | null | undefined;
  /** Onboarding portal session id, if it concerns one. */
  sessionId?: string | null | undefined;
  /** 0–15. */
  severity?: number | null | undefined;
  /** One-line subject. */
  title: string;
};

/** Health of a resource or of one finding, best first; a resource’s status is its worst finding’s. */
export type HealthStatus =
  /** A fatal error, no workaround: the resource is down. */
  | 'danger'
  /** An error with a workaround (not fatal). */
  | 'error'
  /** OK. */
  | 'success'
  /** A warning: works, but look at it. */
  | 'warning';

/** viewer (read) < ops (act on chamados) < ops_lead (approve, override claims) < admin. */
export type Role =
  /** Everything, plus users, the runbook catalog and outbound webhooks. */
  | 'admin'
  /** Operator: claims and works chamados, attaches events, requests runbooks, replays dead letters. */
  | 'ops'
  /** Lead: what ops does, plus approving R1/R2 runbooks and overriding claims. */
  | 'ops_lead'
  /** Reads everything; changes nothing. */
  | 'viewer';

/** What a timeline entry records. */
export type TimelineKind =
  /** Reserved: events attached by hand appear as `event` entries today. */
  | 'attach'
  /** Someone claimed the chamado (assumir) or took it over. */
  | 'claim'
  /** The chamado was opened (by ingestion or by hand). */
  | 'created'
  /** An event was taken off the chamado. */
  | 'detach'
  /** A received event joined the chamado (by correlation or attached by hand: anexar eventos). */
  | 'event'
  /** Another chamado was merged into this one, or this one into another. */
  | 'merge'
  /** An event was moved to or from another chamado. */
  | 'move'
  /** An investigation note (nota). */
  | 'note'
  /** A runbook execution step (requested, approved, ran, failed …). */
  | 'runbook'
  /** The status changed (eventType `status.<new status>`). */
  | 'status'
  /** Reserved: onboarding wizard step changes reach clients as WizardStepChanged (chamadoLive) today. */
  | 'wizard';

export type AuthLoginMutationVariables = Exact<{
  username: string;
  password: string;
}>;


export type AuthLoginMutation = { login:
    | { __typename: 'InvalidCredentialsError', code: string, message: string }
    | { __typename: 'LoginPayload', token: string, expiresAt: string, user: { id: string, username: string, role: Role, fullName: string, disabled: boolean } }
    | { __typename: 'RateLimitedError', code: string, message: string }
    | { __typename: 'UserDisabledError', code: string, message: string }
   };

export type AuthMeQueryVariables = Exact<{ [key: string]: never; }>;


export type AuthMeQuery = { me: { username: string, role: Role } | null };

export type AuthChamadosQueryVariables = Exact<{
  domain: string;
}>;


export type AuthChamadosQuery = { chamados: { totalCount: number, edges: Array<{ node: { publicId: string, status: ChamadoStatus, assignee: { username: string } | null } }> } };

export type AuthDetailQueryVariables = Exact<{
  publicId: string;
}>;


export type AuthDetailQuery = { chamado: { publicId: string, status: ChamadoStatus, version: number, eventCount: number, assignee: { username: string } | null, timeline: Array<{ kind: TimelineKind, summary: string | null, data: unknown, actor: { username: string } | null }> } | null };

export type AuthClaimMutationVariables = Exact<{
  publicId: string;
  override?: boolean | null | undefined;
}>;


export type AuthClaimMutation = { claimChamado:
    | { __typename: 'Chamado', version: number, assignee: { username: string } | null }
    | { __typename: 'ClaimConflictError', currentAssignee: string, code: string, message: string }
    | { __typename: 'ForbiddenActionError', code: string, message: string }
    | { __typename: 'InvalidTransitionError', code: string, message: string }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string }
    | { __typename: 'VersionConflictError', code: string, message: string }
   };

export type AuthStatusMutationVariables = Exact<{
  publicId: string;
}>;


export type AuthStatusMutation = { changeChamadoStatus:
    | { __typename: 'Chamado' }
    | { __typename: 'InvalidTransitionError', code: string }
    | { __typename: 'NotFoundError', code: string }
    | { __typename: 'ValidationError', code: string }
    | { __typename: 'VersionConflictError', code: string }
   };

export type AuthNoteMutationVariables = Exact<{
  publicId: string;
}>;


export type AuthNoteMutation = { addChamadoNote:
    | { __typename: 'AddChamadoNotePayload' }
    | { __typename: 'NotFoundError', code: string }
    | { __typename: 'ValidationError', code: string }
    | { __typename: 'VersionConflictError', code: string }
   };

export type AuthAttachMutationVariables = Exact<{
  publicId: string;
  eventIds: Array<number> | number;
}>;


export type AuthAttachMutation = { attachEventsToChamado:
    | { __typename: 'AttachEventsPayload' }
    | { __typename: 'NotFoundError', code: string }
    | { __typename: 'UnknownReferenceError', code: string }
    | { __typename: 'ValidationError', code: string }
    | { __typename: 'VersionConflictError', code: string }
   };

export type AuthCreateMutationVariables = Exact<{
  domain: string;
}>;


export type AuthCreateMutation = { createChamado:
    | { __typename: 'Chamado' }
    | { __typename: 'NotFoundError', code: string }
    | { __typename: 'ValidationError', code: string }
    | { __typename: 'VersionConflictError', code: string }
   };

export type ConcClaimMutationVariables = Exact<{
  publicId: string;
}>;


export type ConcClaimMutation = { claimChamado:
    | { __typename: 'Chamado', version: number, assignee: { username: string } | null }
    | { __typename: 'ClaimConflictError', currentAssignee: string, code: string, message: string }
    | { __typename: 'ForbiddenActionError', code: string, message: string }
    | { __typename: 'InvalidTransitionError', code: string, message: string }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string }
    | { __typename: 'VersionConflictError', code: string, message: string }
   };

export type ConcOverrideMutationVariables = Exact<{
  publicId: string;
}>;


export type ConcOverrideMutation = { claimChamado:
    | { __typename: 'Chamado', version: number, assignee: { username: string } | null }
    | { __typename: 'ClaimConflictError', code: string, message: string }
    | { __typename: 'ForbiddenActionError', code: string, message: string }
    | { __typename: 'InvalidTransitionError', code: string, message: string }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string }
    | { __typename: 'VersionConflictError', code: string, message: string }
   };

export type ConcDetailQueryVariables = Exact<{
  publicId: string;
}>;


export type ConcDetailQuery = { chamado: { status: ChamadoStatus, version: number, eventCount: number, assignee: { username: string } | null, timeline: Array<{ kind: TimelineKind, eventId: number | null, summary: string | null, data: unknown, actor: { username: string } | null }> } | null };

export type ConcCreateMutationVariables = Exact<{
  input: CreateChamadoInput;
}>;


export type ConcCreateMutation = { createChamado:
    | { __typename: 'Chamado', publicId: string, version: number }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string }
    | { __typename: 'VersionConflictError', code: string, message: string }
   };

export type ConcCountQueryVariables = Exact<{
  domain: string;
}>;


export type ConcCountQuery = { chamados: { totalCount: number, edges: Array<{ node: { publicId: string } }> } };

export type ConcAttachMutationVariables = Exact<{
  publicId: string;
  eventIds: Array<number> | number;
}>;


export type ConcAttachMutation = { attachEventsToChamado:
    | { __typename: 'AttachEventsPayload', attached: number, timelineCount: number, chamado: { eventCount: number } }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'UnknownReferenceError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string }
    | { __typename: 'VersionConflictError', code: string, message: string }
   };

export type ConcNoteMutationVariables = Exact<{
  publicId: string;
  texto: string;
  expectedVersion?: number | null | undefined;
}>;


export type ConcNoteMutation = { addChamadoNote:
    | { __typename: 'AddChamadoNotePayload', chamado: { version: number } }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string }
    | { __typename: 'VersionConflictError', expectedVersion: number, currentVersion: number, code: string, message: string }
   };

export type ConcListQueryVariables = Exact<{
  domain: string;
  first: number;
}>;


export type ConcListQuery = { chamados: { totalCount: number, edges: Array<{ node: { publicId: string, assignee: { username: string } | null, timeline: Array<{ kind: TimelineKind, summary: string | null, actor: { username: string } | null }>, observables: Array<{ tipo: string, valor: string }> } }> } };

export type DiscReadQueryVariables = Exact<{
  totvsId: string;
  rid: string;
}>;


export type DiscReadQuery = { discoveryInstallation: { totvsId: string, name: string | null, alias: string | null, receive: string, environments: Array<{ name: string }> } | null, discoveryEnvironment: { name: string, resources: { totalCount: number, edges: Array<{ node: { resourceId: string } }> } } | null, discoveredResource: { resourceId: string, status: HealthStatus, dependsOn: { resourceId: string } | null } | null };

export type DiscMissingQueryVariables = Exact<{
  totvsId: string;
  unknown: string;
}>;


export type DiscMissingQuery = { discoveryInstallation: { totvsId: string } | null, discoveryEnvironment: { name: string } | null, other: { name: string } | null, discoveredResource: { resourceId: string } | null, notUuid: { resourceId: string } | null };

export type DiscEnvsQueryVariables = Exact<{
  totvsId: string;
}>;


export type DiscEnvsQuery = { discoveryInstallation: { all: Array<{ name: string }>, lsv: Array<{ name: string }>, database: Array<{ name: string }>, gateway: Array<{ name: string }> } | null };

export type DiscRetireEnvironmentMutationVariables = Exact<{
  totvsId: string;
}>;


export type DiscRetireEnvironmentMutation = { retireDiscoveryEnvironment:
    | { __typename: 'DiscoveryRetirement', resourcesRetired: number }
    | { __typename: 'NotFoundError', code: string }
   };

export type DiscRetireInstallationMutationVariables = Exact<{
  totvsId: string;
}>;


export type DiscRetireInstallationMutation = { retireDiscoveryInstallation:
    | { __typename: 'DiscoveryRetirement', resourcesRetired: number }
    | { __typename: 'NotFoundError', code: string }
   };

export type GqlChamadosCreateMutationVariables = Exact<{
  input: CreateChamadoInput;
}>;


export type GqlChamadosCreateMutation = { createChamado:
    | { __typename: 'Chamado', id: string, publicId: string, status: ChamadoStatus, origin: ChamadoOrigin, title: string, description: string | null, domain: string | null, sessionId: string | null, maxSeverity: number | null, sources: Array<string>, eventCount: number, version: number, allowedTransitions: Array<ChamadoStatus>, legacyTicketId: number | null, createdAt: string, updatedAt: string, resolvedAt: string | null, closedAt: string | null, assignee: { username: string } | null, createdBy: { username: string } | null, observables: Array<{ tipo: string, valor: string, fonte: string }>, timeline: Array<{ kind: TimelineKind, eventType: string, source: string, summary: string | null, severity: number | null, actor: { username: string } | null }> }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, issues: Array<{ path: string, message: string }> }
    | { __typename: 'VersionConflictError', code: string, message: string }
   };

export type GqlChamadosDetailQueryVariables = Exact<{
  publicId: string;
}>;


export type GqlChamadosDetailQuery = { chamado: { id: string, publicId: string, status: ChamadoStatus, version: number, allowedTransitions: Array<ChamadoStatus>, eventCount: number, sources: Array<string>, maxSeverity: number | null, resolvedAt: string | null, closedAt: string | null, updatedAt: string, assignee: { id: string, username: string, role: Role } | null, observables: Array<{ tipo: string, valor: string, fonte: string }>, timeline: Array<{ id: string, kind: TimelineKind, eventType: string, source: string, summary: string | null, eventId: number | null, data: unknown, actor: { username: string } | null }> } | null };

export type GqlChamadosListQueryVariables = Exact<{
  filter?: ChamadoFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type GqlChamadosListQuery = { chamados: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { publicId: string, status: ChamadoStatus, domain: string | null, sources: Array<string>, assignee: { username: string } | null } }> } };

export type GqlChamadosClaimMutationVariables = Exact<{
  publicId: string;
  override?: boolean | null | undefined;
  nota?: string | null | undefined;
  expectedVersion?: number | null | undefined;
}>;


export type GqlChamadosClaimMutation = { claimChamado:
    | { __typename: 'Chamado', publicId: string, status: ChamadoStatus, version: number, assignee: { username: string } | null, timeline: Array<{ kind: TimelineKind, eventType: string, summary: string | null, data: unknown, actor: { username: string } | null }> }
    | { __typename: 'ClaimConflictError', currentAssignee: string, code: string, message: string }
    | { __typename: 'ForbiddenActionError', code: string, message: string }
    | { __typename: 'InvalidTransitionError', code: string, message: string }
    | { __typename: 'NotFoundError', resource: string, key: string, code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string }
    | { __typename: 'VersionConflictError', expectedVersion: number, currentVersion: number, code: string, message: string }
   };

export type GqlChamadosStatusMutationVariables = Exact<{
  publicId: string;
  status: ChamadoStatus;
  nota?: string | null | undefined;
  expectedVersion?: number | null | undefined;
}>;


export type GqlChamadosStatusMutation = { changeChamadoStatus:
    | { __typename: 'Chamado', status: ChamadoStatus, version: number, allowedTransitions: Array<ChamadoStatus>, resolvedAt: string | null, closedAt: string | null, assignee: { username: string } | null, timeline: Array<{ kind: TimelineKind, eventType: string, summary: string | null, data: unknown, actor: { username: string } | null }> }
    | { __typename: 'InvalidTransitionError', from: string, to: string, allowed: Array<string>, code: string, message: string }
    | { __typename: 'NotFoundError', resource: string, key: string, code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, issues: Array<{ path: string, message: string }> }
    | { __typename: 'VersionConflictError', expectedVersion: number, currentVersion: number, code: string, message: string }
   };

export type GqlChamadosNoteMutationVariables = Exact<{
  publicId: string;
  texto: string;
  expectedVersion?: number | null | undefined;
}>;


export type GqlChamadosNoteMutation = { addChamadoNote:
    | { __typename: 'AddChamadoNotePayload', chamado: { version: number, timeline: Array<{ kind: TimelineKind, summary: string | null }> }, entry: { id: string, kind: TimelineKind, eventType: string, source: string, summary: string | null, data: unknown, createdAt: string, actor: { username: string } | null } }
    | { __typename: 'NotFoundError', resource: string, key: string, code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, issues: Array<{ path: string, message: string }> }
    | { __typename: 'VersionConflictError', expectedVersion: number, currentVersion: number, code: string, message: string }
   };

export type GqlChamadosAttachMutationVariables = Exact<{
  publicId: string;
  eventIds: Array<number> | number;
  expectedVersion?: number | null | undefined;
}>;


export type GqlChamadosAttachMutation = { attachEventsToChamado:
    | { __typename: 'AttachEventsPayload', attached: number, timelineCount: number, chamado: { version: number, eventCount: number, sources: Array<string>, maxSeverity: number | null, observables: Array<{ tipo: string, valor: string, fonte: string }>, timeline: Array<{ kind: TimelineKind, eventType: string, source: string, eventId: number | null, severity: number | null, summary: string | null, actor: { username: string } | null }> } }
    | { __typename: 'NotFoundError', resource: string, key: string, code: string, message: string }
    | { __typename: 'UnknownReferenceError', resource: string, keys: Array<string>, code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string }
    | { __typename: 'VersionConflictError', expectedVersion: number, currentVersion: number, code: string, message: string }
   };

export type GqlChamadosNodeQueryVariables = Exact<{
  id: string | number;
}>;


export type GqlChamadosNodeQuery = { node:
    | { __typename: 'Chamado', publicId: string, domain: string | null, id: string }
    | { __typename: 'DiscoveredResource', id: string }
    | { __typename: 'DiscoveryEnvironment', id: string }
    | { __typename: 'DiscoveryInstallation', id: string }
    | { __typename: 'Event', id: string }
    | { __typename: 'RecurrenceGroup', id: string }
    | { __typename: 'RecurrenceWorkItemEntry', id: string }
    | { __typename: 'ResourceHealthChange', id: string }
    | { __typename: 'TimelineEntry', id: string }
    | { __typename: 'User', username: string, role: Role, id: string }
   | null };

export type GqlChamadosNodesQueryVariables = Exact<{
  ids: Array<string | number> | string | number;
}>;


export type GqlChamadosNodesQuery = { nodes: Array<
    | { __typename: 'Chamado', publicId: string, id: string }
    | { __typename: 'DiscoveredResource', id: string }
    | { __typename: 'DiscoveryEnvironment', id: string }
    | { __typename: 'DiscoveryInstallation', id: string }
    | { __typename: 'Event', id: string }
    | { __typename: 'RecurrenceGroup', id: string }
    | { __typename: 'RecurrenceWorkItemEntry', id: string }
    | { __typename: 'ResourceHealthChange', id: string }
    | { __typename: 'TimelineEntry', id: string }
    | { __typename: 'User', username: string, id: string }
   | null> };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { username: string, fullName: string, role: Role, email: string | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const AuthLoginDocument = new TypedDocumentString(`
    mutation AuthLogin($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename
    ... on LoginPayload {
      token
      expiresAt
      user {
        id
        username
        role
        fullName
        disabled
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<AuthLoginMutation, AuthLoginMutationVariables>;
export const AuthMeDocument = new TypedDocumentString(`
    query AuthMe {
  me {
    username
    role
  }
}
    `) as unknown as TypedDocumentString<AuthMeQuery, AuthMeQueryVariables>;
export const AuthChamadosDocument = new TypedDocumentString(`
    query AuthChamados($domain: String!) {
  chamados(filter: {domain: $domain}) {
    totalCount
    edges {
      node {
        publicId
        status
        assignee {
          username
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<AuthChamadosQuery, AuthChamadosQueryVariables>;
export const AuthDetailDocument = new TypedDocumentString(`
    query AuthDetail($publicId: String!) {
  chamado(publicId: $publicId) {
    publicId
    status
    version
    eventCount
    assignee {
      username
    }
    timeline {
      kind
      summary
      data
      actor {
        username
      }
    }
  }
}
    `) as unknown as TypedDocumentString<AuthDetailQuery, AuthDetailQueryVariables>;
export const AuthClaimDocument = new TypedDocumentString(`
    mutation AuthClaim($publicId: String!, $override: Boolean) {
  claimChamado(publicId: $publicId, override: $override) {
    __typename
    ... on Chamado {
      version
      assignee {
        username
      }
    }
    ... on ClaimConflictError {
      currentAssignee
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<AuthClaimMutation, AuthClaimMutationVariables>;
export const AuthStatusDocument = new TypedDocumentString(`
    mutation AuthStatus($publicId: String!) {
  changeChamadoStatus(publicId: $publicId, status: assumido) {
    __typename
    ... on Error {
      code
    }
  }
}
    `) as unknown as TypedDocumentString<AuthStatusMutation, AuthStatusMutationVariables>;
export const AuthNoteDocument = new TypedDocumentString(`
    mutation AuthNote($publicId: String!) {
  addChamadoNote(publicId: $publicId, texto: "nota do viewer") {
    __typename
    ... on Error {
      code
    }
  }
}
    `) as unknown as TypedDocumentString<AuthNoteMutation, AuthNoteMutationVariables>;
export const AuthAttachDocument = new TypedDocumentString(`
    mutation AuthAttach($publicId: String!, $eventIds: [Int!]!) {
  attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) {
    __typename
    ... on Error {
      code
    }
  }
}
    `) as unknown as TypedDocumentString<AuthAttachMutation, AuthAttachMutationVariables>;
export const AuthCreateDocument = new TypedDocumentString(`
    mutation AuthCreate($domain: String!) {
  createChamado(input: {title: "Aberto sem permissão?", domain: $domain}) {
    __typename
    ... on Error {
      code
    }
  }
}
    `) as unknown as TypedDocumentString<AuthCreateMutation, AuthCreateMutationVariables>;
export const ConcClaimDocument = new TypedDocumentString(`
    mutation ConcClaim($publicId: String!) {
  claimChamado(publicId: $publicId) {
    __typename
    ... on Chamado {
      version
      assignee {
        username
      }
    }
    ... on ClaimConflictError {
      currentAssignee
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConcClaimMutation, ConcClaimMutationVariables>;
export const ConcOverrideDocument = new TypedDocumentString(`
    mutation ConcOverride($publicId: String!) {
  claimChamado(publicId: $publicId, override: true) {
    __typename
    ... on Chamado {
      version
      assignee {
        username
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConcOverrideMutation, ConcOverrideMutationVariables>;
export const ConcDetailDocument = new TypedDocumentString(`
    query ConcDetail($publicId: String!) {
  chamado(publicId: $publicId) {
    status
    version
    eventCount
    assignee {
      username
    }
    timeline {
      kind
      eventId
      summary
      data
      actor {
        username
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConcDetailQuery, ConcDetailQueryVariables>;
export const ConcCreateDocument = new TypedDocumentString(`
    mutation ConcCreate($input: CreateChamadoInput!) {
  createChamado(input: $input) {
    __typename
    ... on Chamado {
      publicId
      version
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConcCreateMutation, ConcCreateMutationVariables>;
export const ConcCountDocument = new TypedDocumentString(`
    query ConcCount($domain: String!) {
  chamados(filter: {domain: $domain}, first: 100) {
    totalCount
    edges {
      node {
        publicId
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConcCountQuery, ConcCountQueryVariables>;
export const ConcAttachDocument = new TypedDocumentString(`
    mutation ConcAttach($publicId: String!, $eventIds: [Int!]!) {
  attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) {
    __typename
    ... on AttachEventsPayload {
      attached
      timelineCount
      chamado {
        eventCount
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConcAttachMutation, ConcAttachMutationVariables>;
export const ConcNoteDocument = new TypedDocumentString(`
    mutation ConcNote($publicId: String!, $texto: String!, $expectedVersion: Int) {
  addChamadoNote(
    publicId: $publicId
    texto: $texto
    expectedVersion: $expectedVersion
  ) {
    __typename
    ... on AddChamadoNotePayload {
      chamado {
        version
      }
    }
    ... on VersionConflictError {
      expectedVersion
      currentVersion
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConcNoteMutation, ConcNoteMutationVariables>;
export const ConcListDocument = new TypedDocumentString(`
    query ConcList($domain: String!, $first: Int!) {
  chamados(filter: {domain: $domain}, first: $first) {
    edges {
      node {
        publicId
        assignee {
          username
        }
        timeline {
          kind
          summary
          actor {
            username
          }
        }
        observables {
          tipo
          valor
        }
      }
    }
    totalCount
  }
}
    `) as unknown as TypedDocumentString<ConcListQuery, ConcListQueryVariables>;
export const DiscReadDocument = new TypedDocumentString(`
    query DiscRead($totvsId: String!, $rid: String!) {
  discoveryInstallation(totvsId: $totvsId) {
    totvsId
    name
    alias
    receive
    environments {
      name
    }
  }
  discoveryEnvironment(totvsId: $totvsId, name: "PRODUCAO") {
    name
    resources {
      totalCount
      edges {
        node {
          resourceId
        }
      }
    }
  }
  discoveredResource(resourceId: $rid) {
    resourceId
    status
    dependsOn {
      resourceId
    }
  }
}
    `) as unknown as TypedDocumentString<DiscReadQuery, DiscReadQueryVariables>;
export const DiscMissingDocument = new TypedDocumentString(`
    query DiscMissing($totvsId: String!, $unknown: String!) {
  discoveryInstallation(totvsId: $unknown) {
    totvsId
  }
  discoveryEnvironment(totvsId: $totvsId, name: "NOPE") {
    name
  }
  other: discoveryEnvironment(totvsId: $unknown, name: "PRODUCAO") {
    name
  }
  discoveredResource(resourceId: "00000000-0000-4000-8000-000000000000") {
    resourceId
  }
  notUuid: discoveredResource(resourceId: "not-a-uuid") {
    resourceId
  }
}
    `) as unknown as TypedDocumentString<DiscMissingQuery, DiscMissingQueryVariables>;
export const DiscEnvsDocument = new TypedDocumentString(`
    query DiscEnvs($totvsId: String!) {
  discoveryInstallation(totvsId: $totvsId) {
    all: environments {
      name
    }
    lsv: environments(category: lsv) {
      name
    }
    database: environments(category: database) {
      name
    }
    gateway: environments(category: gateway) {
      name
    }
  }
}
    `) as unknown as TypedDocumentString<DiscEnvsQuery, DiscEnvsQueryVariables>;
export const DiscRetireEnvironmentDocument = new TypedDocumentString(`
    mutation DiscRetireEnvironment($totvsId: String!) {
  retireDiscoveryEnvironment(totvsId: $totvsId, name: "HOMOLOGACAO") {
    __typename
    ... on DiscoveryRetirement {
      resourcesRetired
    }
    ... on Error {
      code
    }
  }
}
    `) as unknown as TypedDocumentString<DiscRetireEnvironmentMutation, DiscRetireEnvironmentMutationVariables>;
export const DiscRetireInstallationDocument = new TypedDocumentString(`
    mutation DiscRetireInstallation($totvsId: String!) {
  retireDiscoveryInstallation(totvsId: $totvsId) {
    __typename
    ... on DiscoveryRetirement {
      resourcesRetired
    }
    ... on Error {
      code
    }
  }
}
    `) as unknown as TypedDocumentString<DiscRetireInstallationMutation, DiscRetireInstallationMutationVariables>;
export const GqlChamadosCreateDocument = new TypedDocumentString(`
    mutation GqlChamadosCreate($input: CreateChamadoInput!) {
  createChamado(input: $input) {
    __typename
    ... on Chamado {
      id
      publicId
      status
      origin
      title
      description
      domain
      sessionId
      maxSeverity
      sources
      eventCount
      version
      allowedTransitions
      legacyTicketId
      createdAt
      updatedAt
      resolvedAt
      closedAt
      assignee {
        username
      }
      createdBy {
        username
      }
      observables {
        tipo
        valor
        fonte
      }
      timeline {
        kind
        eventType
        source
        summary
        severity
        actor {
          username
        }
      }
    }
    ... on ValidationError {
      code
      message
      issues {
        path
        message
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<GqlChamadosCreateMutation, GqlChamadosCreateMutationVariables>;
export const GqlChamadosDetailDocument = new TypedDocumentString(`
    query GqlChamadosDetail($publicId: String!) {
  chamado(publicId: $publicId) {
    id
    publicId
    status
    version
    allowedTransitions
    eventCount
    sources
    maxSeverity
    resolvedAt
    closedAt
    updatedAt
    assignee {
      id
      username
      role
    }
    observables {
      tipo
      valor
      fonte
    }
    timeline {
      id
      kind
      eventType
      source
      summary
      eventId
      data
      actor {
        username
      }
    }
  }
}
    `) as unknown as TypedDocumentString<GqlChamadosDetailQuery, GqlChamadosDetailQueryVariables>;
export const GqlChamadosListDocument = new TypedDocumentString(`
    query GqlChamadosList($filter: ChamadoFilter, $first: Int, $after: String) {
  chamados(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    edges {
      cursor
      node {
        publicId
        status
        domain
        sources
        assignee {
          username
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<GqlChamadosListQuery, GqlChamadosListQueryVariables>;
export const GqlChamadosClaimDocument = new TypedDocumentString(`
    mutation GqlChamadosClaim($publicId: String!, $override: Boolean, $nota: String, $expectedVersion: Int) {
  claimChamado(
    publicId: $publicId
    override: $override
    nota: $nota
    expectedVersion: $expectedVersion
  ) {
    __typename
    ... on Chamado {
      publicId
      status
      version
      assignee {
        username
      }
      timeline {
        kind
        eventType
        summary
        data
        actor {
          username
        }
      }
    }
    ... on ClaimConflictError {
      currentAssignee
    }
    ... on VersionConflictError {
      expectedVersion
      currentVersion
    }
    ... on NotFoundError {
      resource
      key
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<GqlChamadosClaimMutation, GqlChamadosClaimMutationVariables>;
export const GqlChamadosStatusDocument = new TypedDocumentString(`
    mutation GqlChamadosStatus($publicId: String!, $status: ChamadoStatus!, $nota: String, $expectedVersion: Int) {
  changeChamadoStatus(
    publicId: $publicId
    status: $status
    nota: $nota
    expectedVersion: $expectedVersion
  ) {
    __typename
    ... on Chamado {
      status
      version
      allowedTransitions
      resolvedAt
      closedAt
      assignee {
        username
      }
      timeline {
        kind
        eventType
        summary
        data
        actor {
          username
        }
      }
    }
    ... on InvalidTransitionError {
      from
      to
      allowed
    }
    ... on VersionConflictError {
      expectedVersion
      currentVersion
    }
    ... on ValidationError {
      issues {
        path
        message
      }
    }
    ... on NotFoundError {
      resource
      key
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<GqlChamadosStatusMutation, GqlChamadosStatusMutationVariables>;
export const GqlChamadosNoteDocument = new TypedDocumentString(`
    mutation GqlChamadosNote($publicId: String!, $texto: String!, $expectedVersion: Int) {
  addChamadoNote(
    publicId: $publicId
    texto: $texto
    expectedVersion: $expectedVersion
  ) {
    __typename
    ... on AddChamadoNotePayload {
      chamado {
        version
        timeline {
          kind
          summary
        }
      }
      entry {
        id
        kind
        eventType
        source
        summary
        data
        actor {
          username
        }
        createdAt
      }
    }
    ... on ValidationError {
      issues {
        path
        message
      }
    }
    ... on VersionConflictError {
      expectedVersion
      currentVersion
    }
    ... on NotFoundError {
      resource
      key
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<GqlChamadosNoteMutation, GqlChamadosNoteMutationVariables>;
export const GqlChamadosAttachDocument = new TypedDocumentString(`
    mutation GqlChamadosAttach($publicId: String!, $eventIds: [Int!]!, $expectedVersion: Int) {
  attachEventsToChamado(
    publicId: $publicId
    eventIds: $eventIds
    expectedVersion: $expectedVersion
  ) {
    __typename
    ... on AttachEventsPayload {
      attached
      timelineCount
      chamado {
        version
        eventCount
        sources
        maxSeverity
        observables {
          tipo
          valor
          fonte
        }
        timeline {
          kind
          eventType
          source
          eventId
          severity
          summary
          actor {
            username
          }
        }
      }
    }
    ... on UnknownReferenceError {
      resource
      keys
    }
    ... on VersionConflictError {
      expectedVersion
      currentVersion
    }
    ... on NotFoundError {
      resource
      key
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<GqlChamadosAttachMutation, GqlChamadosAttachMutationVariables>;
export const GqlChamadosNodeDocument = new TypedDocumentString(`
    query GqlChamadosNode($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Chamado {
      publicId
      domain
    }
    ... on User {
      username
      role
    }
  }
}
    `) as unknown as TypedDocumentString<GqlChamadosNodeQuery, GqlChamadosNodeQueryVariables>;
export const GqlChamadosNodesDocument = new TypedDocumentString(`
    query GqlChamadosNodes($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename
    id
    ... on Chamado {
      publicId
    }
    ... on User {
      username
    }
  }
}
    `) as unknown as TypedDocumentString<GqlChamadosNodesQuery, GqlChamadosNodesQueryVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    username
    fullName
    role
    email
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;