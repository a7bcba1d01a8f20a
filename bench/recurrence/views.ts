export interface View {
  name: string;
  rest: (limit: number) => string;
  maxLimit: number;
  /** The GraphQL query measured when the REST path is missing. */
  gql: string;
  items: (body: any, transport: 'rest' | 'graphql') => number;
}

/** The landing views, each at its largest `limit`. */
export const views: View[] = [
  {
    name: 'recurrence dossier',
    rest: (limit) => `/api/v1/events/dossier/recurrence?limit=${limit}`,
    maxLimit: 300,
    gql: `query B($limit: Int) { recurrenceDossier(limit: $limit) {
      projectId limit
      summary { sourceEventTotal recurrenceGroupTotal recurrentGroupTotal duplicateEventTotal linkedRunTotal unlinkedEventTotal
        autoRepairLinkedTotal verifiedRepairGroupTotal openWorkItemGroupTotal manualGateGroupTotal automationGapGroupTotal
        failedRepairGroupTotal latestReceivedAt }
      items { workItemId projectId recurrenceKey provider alertname ruleId severity namespace targetResource occurrenceTotal duplicateTotal
        resolvedTotal sourceRefTotal missingSourceRefsTotal sentryRefTotal signozRefTotal alertRefTotal firstReceivedAt latestReceivedAt
        lifecycle linkedRunTotal runStateCounts latestRun { runId status } chamadoPublicIds latestAgent repairSummary
        latestChamado { publicId } workItem { id state reason nextStep title } }
    } }`,
    items: (b, t) => (t === 'rest' ? b.items : b.data.recurrenceDossier.items).length,
  },
  {
    name: 'dossier coverage',
    rest: (limit) => `/api/v1/events/dossier/coverage?limit=${limit}`,
    maxLimit: 200,
    gql: `query B($limit: Int) { eventCoverage(limit: $limit) {
      projectId limit
      summary { sourceCount sourceEnvelopeTotal missingSourceEnvelopeTotal withSourceRefsTotal missingSourceRefsTotal duplicateTotal
        redactedTotal sourceRefTotal sentryRefTotal signozRefTotal alertRefTotal latestReceivedAt }
      providers { provider total duplicateTotal redactedTotal sourceRefTotal missingSourceRefsTotal sentryRefTotal signozRefTotal alertRefTotal latestReceivedAt }
    } }`,
    items: (b, t) => (t === 'rest' ? b.providers : b.data.eventCoverage.providers).length,
  },
  {
    name: 'event dossier',
    rest: (limit) => `/api/v1/events/dossier?limit=${limit}`,
    maxLimit: 50,
    gql: `query B($limit: Int) { events(first: $limit) { edges { node {
      eventUuid projectId provider stage contentPreview contentRedacted hasRedactedContent sourceUrl sourceRefCount logCorrelation
      providerEventIdOrFallback channelChatId isDuplicate receivedAt occurredAt
    } } } }`,
    items: (b, t) => (t === 'rest' ? b.events : b.data.events.edges).length,
  },
  {
    name: 'recent events',
    rest: (limit) => `/api/v1/events/recent?limit=${limit}`,
    maxLimit: 100,
    gql: `query B($limit: Int) { events(first: $limit) { edges { node {
      eventUuid projectId source providerEventIdOrFallback channelChatId contentPreview isDuplicate receivedAt
    } } } }`,
    items: (b, t) => (t === 'rest' ? b.events : b.data.events.edges).length,
  },
];
