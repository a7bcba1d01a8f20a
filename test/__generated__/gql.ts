/* eslint-disable */
import * as types from './graphql.ts';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation AuthLogin($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on LoginPayload { token expiresAt user { id username role fullName disabled } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.AuthLoginDocument,
    "\n  query AuthMe {\n    me { username role }\n  }\n": typeof types.AuthMeDocument,
    "\n  query AuthChamados($domain: String!) {\n    chamados(filter: { domain: $domain }) { totalCount edges { node { publicId status assignee { username } } } }\n  }\n": typeof types.AuthChamadosDocument,
    "\n  query AuthDetail($publicId: String!) {\n    chamado(publicId: $publicId) {\n      publicId\n      status\n      version\n      eventCount\n      assignee { username }\n      timeline { kind summary data actor { username } }\n    }\n  }\n": typeof types.AuthDetailDocument,
    "\n  mutation AuthClaim($publicId: String!, $override: Boolean) {\n    claimChamado(publicId: $publicId, override: $override) {\n      __typename\n      ... on Chamado { version assignee { username } }\n      ... on ClaimConflictError { currentAssignee }\n      ... on Error { code message }\n    }\n  }\n": typeof types.AuthClaimDocument,
    "\n  mutation AuthStatus($publicId: String!) {\n    changeChamadoStatus(publicId: $publicId, status: assumido) { __typename ... on Error { code } }\n  }\n": typeof types.AuthStatusDocument,
    "\n  mutation AuthNote($publicId: String!) {\n    addChamadoNote(publicId: $publicId, texto: \"nota do viewer\") { __typename ... on Error { code } }\n  }\n": typeof types.AuthNoteDocument,
    "\n  mutation AuthAttach($publicId: String!, $eventIds: [Int!]!) {\n    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) { __typename ... on Error { code } }\n  }\n": typeof types.AuthAttachDocument,
    "\n  mutation AuthCreate($domain: String!) {\n    createChamado(input: { title: \"Aberto sem permissão?\", domain: $domain }) { __typename ... on Error { code } }\n  }\n": typeof types.AuthCreateDocument,
    "\n  mutation ConcClaim($publicId: String!) {\n    claimChamado(publicId: $publicId) {\n      __typename\n      ... on Chamado { version assignee { username } }\n      ... on ClaimConflictError { currentAssignee }\n      ... on Error { code message }\n    }\n  }\n": typeof types.ConcClaimDocument,
    "\n  mutation ConcOverride($publicId: String!) {\n    claimChamado(publicId: $publicId, override: true) {\n      __typename\n      ... on Chamado { version assignee { username } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.ConcOverrideDocument,
    "\n  query ConcDetail($publicId: String!) {\n    chamado(publicId: $publicId) {\n      status\n      version\n      eventCount\n      assignee { username }\n      timeline { kind eventId summary data actor { username } }\n    }\n  }\n": typeof types.ConcDetailDocument,
    "\n  mutation ConcCreate($input: CreateChamadoInput!) {\n    createChamado(input: $input) {\n      __typename\n      ... on Chamado { publicId version }\n      ... on Error { code message }\n    }\n  }\n": typeof types.ConcCreateDocument,
    "\n  query ConcCount($domain: String!) {\n    chamados(filter: { domain: $domain }, first: 100) { totalCount edges { node { publicId } } }\n  }\n": typeof types.ConcCountDocument,
    "\n  mutation ConcAttach($publicId: String!, $eventIds: [Int!]!) {\n    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) {\n      __typename\n      ... on AttachEventsPayload { attached timelineCount chamado { eventCount } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.ConcAttachDocument,
    "\n  mutation ConcNote($publicId: String!, $texto: String!, $expectedVersion: Int) {\n    addChamadoNote(publicId: $publicId, texto: $texto, expectedVersion: $expectedVersion) {\n      __typename\n      ... on AddChamadoNotePayload { chamado { version } }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on Error { code message }\n    }\n  }\n": typeof types.ConcNoteDocument,
    "\n  query ConcList($domain: String!, $first: Int!) {\n    chamados(filter: { domain: $domain }, first: $first) {\n      edges {\n        node {\n          publicId\n          assignee { username }\n          timeline { kind summary actor { username } }\n          observables { tipo valor }\n        }\n      }\n      totalCount\n    }\n  }\n": typeof types.ConcListDocument,
    "query DiscRead($totvsId: String!, $rid: String!) {\n        discoveryInstallation(totvsId: $totvsId) { totvsId name alias receive environments { name } }\n        discoveryEnvironment(totvsId: $totvsId, name: \"PRODUCAO\") { name resources { totalCount edges { node { resourceId } } } }\n        discoveredResource(resourceId: $rid) { resourceId status dependsOn { resourceId } }\n      }": typeof types.DiscReadDocument,
    "query DiscMissing($totvsId: String!, $unknown: String!) {\n        discoveryInstallation(totvsId: $unknown) { totvsId }\n        discoveryEnvironment(totvsId: $totvsId, name: \"NOPE\") { name }\n        other: discoveryEnvironment(totvsId: $unknown, name: \"PRODUCAO\") { name }\n        discoveredResource(resourceId: \"00000000-0000-4000-8000-000000000000\") { resourceId }\n        notUuid: discoveredResource(resourceId: \"not-a-uuid\") { resourceId }\n      }": typeof types.DiscMissingDocument,
    "query DiscEnvs($totvsId: String!) {\n        discoveryInstallation(totvsId: $totvsId) {\n          all: environments { name } lsv: environments(category: lsv) { name } database: environments(category: database) { name }\n          gateway: environments(category: gateway) { name }\n        }\n      }": typeof types.DiscEnvsDocument,
    "mutation DiscRetireEnvironment($totvsId: String!) { retireDiscoveryEnvironment(totvsId: $totvsId, name: \"HOMOLOGACAO\") {\n        __typename ... on DiscoveryRetirement { resourcesRetired } ... on Error { code } } }": typeof types.DiscRetireEnvironmentDocument,
    "mutation DiscRetireInstallation($totvsId: String!) { retireDiscoveryInstallation(totvsId: $totvsId) {\n        __typename ... on DiscoveryRetirement { resourcesRetired } ... on Error { code } } }": typeof types.DiscRetireInstallationDocument,
    "\n  mutation GqlChamadosCreate($input: CreateChamadoInput!) {\n    createChamado(input: $input) {\n      __typename\n      ... on Chamado {\n        id\n        publicId\n        status\n        origin\n        title\n        description\n        domain\n        sessionId\n        maxSeverity\n        sources\n        eventCount\n        version\n        allowedTransitions\n        legacyTicketId\n        createdAt\n        updatedAt\n        resolvedAt\n        closedAt\n        assignee { username }\n        createdBy { username }\n        observables { tipo valor fonte }\n        timeline { kind eventType source summary severity actor { username } }\n      }\n      ... on ValidationError { code message issues { path message } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.GqlChamadosCreateDocument,
    "\n  query GqlChamadosDetail($publicId: String!) {\n    chamado(publicId: $publicId) {\n      id\n      publicId\n      status\n      version\n      allowedTransitions\n      eventCount\n      sources\n      maxSeverity\n      resolvedAt\n      closedAt\n      updatedAt\n      assignee { id username role }\n      observables { tipo valor fonte }\n      timeline { id kind eventType source summary eventId data actor { username } }\n    }\n  }\n": typeof types.GqlChamadosDetailDocument,
    "\n  query GqlChamadosList($filter: ChamadoFilter, $first: Int, $after: String) {\n    chamados(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      edges { cursor node { publicId status domain sources assignee { username } } }\n    }\n  }\n": typeof types.GqlChamadosListDocument,
    "\n  mutation GqlChamadosClaim($publicId: String!, $override: Boolean, $nota: String, $expectedVersion: Int) {\n    claimChamado(publicId: $publicId, override: $override, nota: $nota, expectedVersion: $expectedVersion) {\n      __typename\n      ... on Chamado {\n        publicId\n        status\n        version\n        assignee { username }\n        timeline { kind eventType summary data actor { username } }\n      }\n      ... on ClaimConflictError { currentAssignee }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n": typeof types.GqlChamadosClaimDocument,
    "\n  mutation GqlChamadosStatus($publicId: String!, $status: ChamadoStatus!, $nota: String, $expectedVersion: Int) {\n    changeChamadoStatus(publicId: $publicId, status: $status, nota: $nota, expectedVersion: $expectedVersion) {\n      __typename\n      ... on Chamado {\n        status\n        version\n        allowedTransitions\n        resolvedAt\n        closedAt\n        assignee { username }\n        timeline { kind eventType summary data actor { username } }\n      }\n      ... on InvalidTransitionError { from to allowed }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on ValidationError { issues { path message } }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n": typeof types.GqlChamadosStatusDocument,
    "\n  mutation GqlChamadosNote($publicId: String!, $texto: String!, $expectedVersion: Int) {\n    addChamadoNote(publicId: $publicId, texto: $texto, expectedVersion: $expectedVersion) {\n      __typename\n      ... on AddChamadoNotePayload {\n        chamado { version timeline { kind summary } }\n        entry { id kind eventType source summary data actor { username } createdAt }\n      }\n      ... on ValidationError { issues { path message } }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n": typeof types.GqlChamadosNoteDocument,
    "\n  mutation GqlChamadosAttach($publicId: String!, $eventIds: [Int!]!, $expectedVersion: Int) {\n    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds, expectedVersion: $expectedVersion) {\n      __typename\n      ... on AttachEventsPayload {\n        attached\n        timelineCount\n        chamado {\n          version\n          eventCount\n          sources\n          maxSeverity\n          observables { tipo valor fonte }\n          timeline { kind eventType source eventId severity summary actor { username } }\n        }\n      }\n      ... on UnknownReferenceError { resource keys }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n": typeof types.GqlChamadosAttachDocument,
    "\n  query GqlChamadosNode($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Chamado { publicId domain }\n      ... on User { username role }\n    }\n  }\n": typeof types.GqlChamadosNodeDocument,
    "\n  query GqlChamadosNodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ... on Chamado { publicId }\n      ... on User { username }\n    }\n  }\n": typeof types.GqlChamadosNodesDocument,
    "\n  query Me {\n    me { username fullName role email }\n  }\n": typeof types.MeDocument,
};
const documents: Documents = {
    "\n  mutation AuthLogin($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on LoginPayload { token expiresAt user { id username role fullName disabled } }\n      ... on Error { code message }\n    }\n  }\n": types.AuthLoginDocument,
    "\n  query AuthMe {\n    me { username role }\n  }\n": types.AuthMeDocument,
    "\n  query AuthChamados($domain: String!) {\n    chamados(filter: { domain: $domain }) { totalCount edges { node { publicId status assignee { username } } } }\n  }\n": types.AuthChamadosDocument,
    "\n  query AuthDetail($publicId: String!) {\n    chamado(publicId: $publicId) {\n      publicId\n      status\n      version\n      eventCount\n      assignee { username }\n      timeline { kind summary data actor { username } }\n    }\n  }\n": types.AuthDetailDocument,
    "\n  mutation AuthClaim($publicId: String!, $override: Boolean) {\n    claimChamado(publicId: $publicId, override: $override) {\n      __typename\n      ... on Chamado { version assignee { username } }\n      ... on ClaimConflictError { currentAssignee }\n      ... on Error { code message }\n    }\n  }\n": types.AuthClaimDocument,
    "\n  mutation AuthStatus($publicId: String!) {\n    changeChamadoStatus(publicId: $publicId, status: assumido) { __typename ... on Error { code } }\n  }\n": types.AuthStatusDocument,
    "\n  mutation AuthNote($publicId: String!) {\n    addChamadoNote(publicId: $publicId, texto: \"nota do viewer\") { __typename ... on Error { code } }\n  }\n": types.AuthNoteDocument,
    "\n  mutation AuthAttach($publicId: String!, $eventIds: [Int!]!) {\n    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) { __typename ... on Error { code } }\n  }\n": types.AuthAttachDocument,
    "\n  mutation AuthCreate($domain: String!) {\n    createChamado(input: { title: \"Aberto sem permissão?\", domain: $domain }) { __typename ... on Error { code } }\n  }\n": types.AuthCreateDocument,
    "\n  mutation ConcClaim($publicId: String!) {\n    claimChamado(publicId: $publicId) {\n      __typename\n      ... on Chamado { version assignee { username } }\n      ... on ClaimConflictError { currentAssignee }\n      ... on Error { code message }\n    }\n  }\n": types.ConcClaimDocument,
    "\n  mutation ConcOverride($publicId: String!) {\n    claimChamado(publicId: $publicId, override: true) {\n      __typename\n      ... on Chamado { version assignee { username } }\n      ... on Error { code message }\n    }\n  }\n": types.ConcOverrideDocument,
    "\n  query ConcDetail($publicId: String!) {\n    chamado(publicId: $publicId) {\n      status\n      version\n      eventCount\n      assignee { username }\n      timeline { kind eventId summary data actor { username } }\n    }\n  }\n": types.ConcDetailDocument,
    "\n  mutation ConcCreate($input: CreateChamadoInput!) {\n    createChamado(input: $input) {\n      __typename\n      ... on Chamado { publicId version }\n      ... on Error { code message }\n    }\n  }\n": types.ConcCreateDocument,
    "\n  query ConcCount($domain: String!) {\n    chamados(filter: { domain: $domain }, first: 100) { totalCount edges { node { publicId } } }\n  }\n": types.ConcCountDocument,
    "\n  mutation ConcAttach($publicId: String!, $eventIds: [Int!]!) {\n    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) {\n      __typename\n      ... on AttachEventsPayload { attached timelineCount chamado { eventCount } }\n      ... on Error { code message }\n    }\n  }\n": types.ConcAttachDocument,
    "\n  mutation ConcNote($publicId: String!, $texto: String!, $expectedVersion: Int) {\n    addChamadoNote(publicId: $publicId, texto: $texto, expectedVersion: $expectedVersion) {\n      __typename\n      ... on AddChamadoNotePayload { chamado { version } }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on Error { code message }\n    }\n  }\n": types.ConcNoteDocument,
    "\n  query ConcList($domain: String!, $first: Int!) {\n    chamados(filter: { domain: $domain }, first: $first) {\n      edges {\n        node {\n          publicId\n          assignee { username }\n          timeline { kind summary actor { username } }\n          observables { tipo valor }\n        }\n      }\n      totalCount\n    }\n  }\n": types.ConcListDocument,
    "query DiscRead($totvsId: String!, $rid: String!) {\n        discoveryInstallation(totvsId: $totvsId) { totvsId name alias receive environments { name } }\n        discoveryEnvironment(totvsId: $totvsId, name: \"PRODUCAO\") { name resources { totalCount edges { node { resourceId } } } }\n        discoveredResource(resourceId: $rid) { resourceId status dependsOn { resourceId } }\n      }": types.DiscReadDocument,
    "query DiscMissing($totvsId: String!, $unknown: String!) {\n        discoveryInstallation(totvsId: $unknown) { totvsId }\n        discoveryEnvironment(totvsId: $totvsId, name: \"NOPE\") { name }\n        other: discoveryEnvironment(totvsId: $unknown, name: \"PRODUCAO\") { name }\n        discoveredResource(resourceId: \"00000000-0000-4000-8000-000000000000\") { resourceId }\n        notUuid: discoveredResource(resourceId: \"not-a-uuid\") { resourceId }\n      }": types.DiscMissingDocument,
    "query DiscEnvs($totvsId: String!) {\n        discoveryInstallation(totvsId: $totvsId) {\n          all: environments { name } lsv: environments(category: lsv) { name } database: environments(category: database) { name }\n          gateway: environments(category: gateway) { name }\n        }\n      }": types.DiscEnvsDocument,
    "mutation DiscRetireEnvironment($totvsId: String!) { retireDiscoveryEnvironment(totvsId: $totvsId, name: \"HOMOLOGACAO\") {\n        __typename ... on DiscoveryRetirement { resourcesRetired } ... on Error { code } } }": types.DiscRetireEnvironmentDocument,
    "mutation DiscRetireInstallation($totvsId: String!) { retireDiscoveryInstallation(totvsId: $totvsId) {\n        __typename ... on DiscoveryRetirement { resourcesRetired } ... on Error { code } } }": types.DiscRetireInstallationDocument,
    "\n  mutation GqlChamadosCreate($input: CreateChamadoInput!) {\n    createChamado(input: $input) {\n      __typename\n      ... on Chamado {\n        id\n        publicId\n        status\n        origin\n        title\n        description\n        domain\n        sessionId\n        maxSeverity\n        sources\n        eventCount\n        version\n        allowedTransitions\n        legacyTicketId\n        createdAt\n        updatedAt\n        resolvedAt\n        closedAt\n        assignee { username }\n        createdBy { username }\n        observables { tipo valor fonte }\n        timeline { kind eventType source summary severity actor { username } }\n      }\n      ... on ValidationError { code message issues { path message } }\n      ... on Error { code message }\n    }\n  }\n": types.GqlChamadosCreateDocument,
    "\n  query GqlChamadosDetail($publicId: String!) {\n    chamado(publicId: $publicId) {\n      id\n      publicId\n      status\n      version\n      allowedTransitions\n      eventCount\n      sources\n      maxSeverity\n      resolvedAt\n      closedAt\n      updatedAt\n      assignee { id username role }\n      observables { tipo valor fonte }\n      timeline { id kind eventType source summary eventId data actor { username } }\n    }\n  }\n": types.GqlChamadosDetailDocument,
    "\n  query GqlChamadosList($filter: ChamadoFilter, $first: Int, $after: String) {\n    chamados(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      edges { cursor node { publicId status domain sources assignee { username } } }\n    }\n  }\n": types.GqlChamadosListDocument,
    "\n  mutation GqlChamadosClaim($publicId: String!, $override: Boolean, $nota: String, $expectedVersion: Int) {\n    claimChamado(publicId: $publicId, override: $override, nota: $nota, expectedVersion: $expectedVersion) {\n      __typename\n      ... on Chamado {\n        publicId\n        status\n        version\n        assignee { username }\n        timeline { kind eventType summary data actor { username } }\n      }\n      ... on ClaimConflictError { currentAssignee }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n": types.GqlChamadosClaimDocument,
    "\n  mutation GqlChamadosStatus($publicId: String!, $status: ChamadoStatus!, $nota: String, $expectedVersion: Int) {\n    changeChamadoStatus(publicId: $publicId, status: $status, nota: $nota, expectedVersion: $expectedVersion) {\n      __typename\n      ... on Chamado {\n        status\n        version\n        allowedTransitions\n        resolvedAt\n        closedAt\n        assignee { username }\n        timeline { kind eventType summary data actor { username } }\n      }\n      ... on InvalidTransitionError { from to allowed }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on ValidationError { issues { path message } }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n": types.GqlChamadosStatusDocument,
    "\n  mutation GqlChamadosNote($publicId: String!, $texto: String!, $expectedVersion: Int) {\n    addChamadoNote(publicId: $publicId, texto: $texto, expectedVersion: $expectedVersion) {\n      __typename\n      ... on AddChamadoNotePayload {\n        chamado { version timeline { kind summary } }\n        entry { id kind eventType source summary data actor { username } createdAt }\n      }\n      ... on ValidationError { issues { path message } }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n": types.GqlChamadosNoteDocument,
    "\n  mutation GqlChamadosAttach($publicId: String!, $eventIds: [Int!]!, $expectedVersion: Int) {\n    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds, expectedVersion: $expectedVersion) {\n      __typename\n      ... on AttachEventsPayload {\n        attached\n        timelineCount\n        chamado {\n          version\n          eventCount\n          sources\n          maxSeverity\n          observables { tipo valor fonte }\n          timeline { kind eventType source eventId severity summary actor { username } }\n        }\n      }\n      ... on UnknownReferenceError { resource keys }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n": types.GqlChamadosAttachDocument,
    "\n  query GqlChamadosNode($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Chamado { publicId domain }\n      ... on User { username role }\n    }\n  }\n": types.GqlChamadosNodeDocument,
    "\n  query GqlChamadosNodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ... on Chamado { publicId }\n      ... on User { username }\n    }\n  }\n": types.GqlChamadosNodesDocument,
    "\n  query Me {\n    me { username fullName role email }\n  }\n": types.MeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AuthLogin($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on LoginPayload { token expiresAt user { id username role fullName disabled } }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').AuthLoginDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuthMe {\n    me { username role }\n  }\n"): typeof import('./graphql.ts').AuthMeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuthChamados($domain: String!) {\n    chamados(filter: { domain: $domain }) { totalCount edges { node { publicId status assignee { username } } } }\n  }\n"): typeof import('./graphql.ts').AuthChamadosDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuthDetail($publicId: String!) {\n    chamado(publicId: $publicId) {\n      publicId\n      status\n      version\n      eventCount\n      assignee { username }\n      timeline { kind summary data actor { username } }\n    }\n  }\n"): typeof import('./graphql.ts').AuthDetailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AuthClaim($publicId: String!, $override: Boolean) {\n    claimChamado(publicId: $publicId, override: $override) {\n      __typename\n      ... on Chamado { version assignee { username } }\n      ... on ClaimConflictError { currentAssignee }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').AuthClaimDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AuthStatus($publicId: String!) {\n    changeChamadoStatus(publicId: $publicId, status: assumido) { __typename ... on Error { code } }\n  }\n"): typeof import('./graphql.ts').AuthStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AuthNote($publicId: String!) {\n    addChamadoNote(publicId: $publicId, texto: \"nota do viewer\") { __typename ... on Error { code } }\n  }\n"): typeof import('./graphql.ts').AuthNoteDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AuthAttach($publicId: String!, $eventIds: [Int!]!) {\n    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) { __typename ... on Error { code } }\n  }\n"): typeof import('./graphql.ts').AuthAttachDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AuthCreate($domain: String!) {\n    createChamado(input: { title: \"Aberto sem permissão?\", domain: $domain }) { __typename ... on Error { code } }\n  }\n"): typeof import('./graphql.ts').AuthCreateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConcClaim($publicId: String!) {\n    claimChamado(publicId: $publicId) {\n      __typename\n      ... on Chamado { version assignee { username } }\n      ... on ClaimConflictError { currentAssignee }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').ConcClaimDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConcOverride($publicId: String!) {\n    claimChamado(publicId: $publicId, override: true) {\n      __typename\n      ... on Chamado { version assignee { username } }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').ConcOverrideDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConcDetail($publicId: String!) {\n    chamado(publicId: $publicId) {\n      status\n      version\n      eventCount\n      assignee { username }\n      timeline { kind eventId summary data actor { username } }\n    }\n  }\n"): typeof import('./graphql.ts').ConcDetailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConcCreate($input: CreateChamadoInput!) {\n    createChamado(input: $input) {\n      __typename\n      ... on Chamado { publicId version }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').ConcCreateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConcCount($domain: String!) {\n    chamados(filter: { domain: $domain }, first: 100) { totalCount edges { node { publicId } } }\n  }\n"): typeof import('./graphql.ts').ConcCountDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConcAttach($publicId: String!, $eventIds: [Int!]!) {\n    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) {\n      __typename\n      ... on AttachEventsPayload { attached timelineCount chamado { eventCount } }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').ConcAttachDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConcNote($publicId: String!, $texto: String!, $expectedVersion: Int) {\n    addChamadoNote(publicId: $publicId, texto: $texto, expectedVersion: $expectedVersion) {\n      __typename\n      ... on AddChamadoNotePayload { chamado { version } }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').ConcNoteDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConcList($domain: String!, $first: Int!) {\n    chamados(filter: { domain: $domain }, first: $first) {\n      edges {\n        node {\n          publicId\n          assignee { username }\n          timeline { kind summary actor { username } }\n          observables { tipo valor }\n        }\n      }\n      totalCount\n    }\n  }\n"): typeof import('./graphql.ts').ConcListDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DiscRead($totvsId: String!, $rid: String!) {\n        discoveryInstallation(totvsId: $totvsId) { totvsId name alias receive environments { name } }\n        discoveryEnvironment(totvsId: $totvsId, name: \"PRODUCAO\") { name resources { totalCount edges { node { resourceId } } } }\n        discoveredResource(resourceId: $rid) { resourceId status dependsOn { resourceId } }\n      }"): typeof import('./graphql.ts').DiscReadDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DiscMissing($totvsId: String!, $unknown: String!) {\n        discoveryInstallation(totvsId: $unknown) { totvsId }\n        discoveryEnvironment(totvsId: $totvsId, name: \"NOPE\") { name }\n        other: discoveryEnvironment(totvsId: $unknown, name: \"PRODUCAO\") { name }\n        discoveredResource(resourceId: \"00000000-0000-4000-8000-000000000000\") { resourceId }\n        notUuid: discoveredResource(resourceId: \"not-a-uuid\") { resourceId }\n      }"): typeof import('./graphql.ts').DiscMissingDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DiscEnvs($totvsId: String!) {\n        discoveryInstallation(totvsId: $totvsId) {\n          all: environments { name } lsv: environments(category: lsv) { name } database: environments(category: database) { name }\n          gateway: environments(category: gateway) { name }\n        }\n      }"): typeof import('./graphql.ts').DiscEnvsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DiscRetireEnvironment($totvsId: String!) { retireDiscoveryEnvironment(totvsId: $totvsId, name: \"HOMOLOGACAO\") {\n        __typename ... on DiscoveryRetirement { resourcesRetired } ... on Error { code } } }"): typeof import('./graphql.ts').DiscRetireEnvironmentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DiscRetireInstallation($totvsId: String!) { retireDiscoveryInstallation(totvsId: $totvsId) {\n        __typename ... on DiscoveryRetirement { resourcesRetired } ... on Error { code } } }"): typeof import('./graphql.ts').DiscRetireInstallationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GqlChamadosCreate($input: CreateChamadoInput!) {\n    createChamado(input: $input) {\n      __typename\n      ... on Chamado {\n        id\n        publicId\n        status\n        origin\n        title\n        description\n        domain\n        sessionId\n        maxSeverity\n        sources\n        eventCount\n        version\n        allowedTransitions\n        legacyTicketId\n        createdAt\n        updatedAt\n        resolvedAt\n        closedAt\n        assignee { username }\n        createdBy { username }\n        observables { tipo valor fonte }\n        timeline { kind eventType source summary severity actor { username } }\n      }\n      ... on ValidationError { code message issues { path message } }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').GqlChamadosCreateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GqlChamadosDetail($publicId: String!) {\n    chamado(publicId: $publicId) {\n      id\n      publicId\n      status\n      version\n      allowedTransitions\n      eventCount\n      sources\n      maxSeverity\n      resolvedAt\n      closedAt\n      updatedAt\n      assignee { id username role }\n      observables { tipo valor fonte }\n      timeline { id kind eventType source summary eventId data actor { username } }\n    }\n  }\n"): typeof import('./graphql.ts').GqlChamadosDetailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GqlChamadosList($filter: ChamadoFilter, $first: Int, $after: String) {\n    chamados(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      edges { cursor node { publicId status domain sources assignee { username } } }\n    }\n  }\n"): typeof import('./graphql.ts').GqlChamadosListDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GqlChamadosClaim($publicId: String!, $override: Boolean, $nota: String, $expectedVersion: Int) {\n    claimChamado(publicId: $publicId, override: $override, nota: $nota, expectedVersion: $expectedVersion) {\n      __typename\n      ... on Chamado {\n        publicId\n        status\n        version\n        assignee { username }\n        timeline { kind eventType summary data actor { username } }\n      }\n      ... on ClaimConflictError { currentAssignee }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').GqlChamadosClaimDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GqlChamadosStatus($publicId: String!, $status: ChamadoStatus!, $nota: String, $expectedVersion: Int) {\n    changeChamadoStatus(publicId: $publicId, status: $status, nota: $nota, expectedVersion: $expectedVersion) {\n      __typename\n      ... on Chamado {\n        status\n        version\n        allowedTransitions\n        resolvedAt\n        closedAt\n        assignee { username }\n        timeline { kind eventType summary data actor { username } }\n      }\n      ... on InvalidTransitionError { from to allowed }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on ValidationError { issues { path message } }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').GqlChamadosStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GqlChamadosNote($publicId: String!, $texto: String!, $expectedVersion: Int) {\n    addChamadoNote(publicId: $publicId, texto: $texto, expectedVersion: $expectedVersion) {\n      __typename\n      ... on AddChamadoNotePayload {\n        chamado { version timeline { kind summary } }\n        entry { id kind eventType source summary data actor { username } createdAt }\n      }\n      ... on ValidationError { issues { path message } }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').GqlChamadosNoteDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GqlChamadosAttach($publicId: String!, $eventIds: [Int!]!, $expectedVersion: Int) {\n    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds, expectedVersion: $expectedVersion) {\n      __typename\n      ... on AttachEventsPayload {\n        attached\n        timelineCount\n        chamado {\n          version\n          eventCount\n          sources\n          maxSeverity\n          observables { tipo valor fonte }\n          timeline { kind eventType source eventId severity summary actor { username } }\n        }\n      }\n      ... on UnknownReferenceError { resource keys }\n      ... on VersionConflictError { expectedVersion currentVersion }\n      ... on NotFoundError { resource key }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').GqlChamadosAttachDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GqlChamadosNode($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Chamado { publicId domain }\n      ... on User { username role }\n    }\n  }\n"): typeof import('./graphql.ts').GqlChamadosNodeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GqlChamadosNodes($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ... on Chamado { publicId }\n      ... on User { username }\n    }\n  }\n"): typeof import('./graphql.ts').GqlChamadosNodesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { username fullName role email }\n  }\n"): typeof import('./graphql.ts').MeDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
