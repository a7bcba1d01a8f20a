/** One console landing view: its REST path at a given limit, its largest limit, and how many items an answer holds. */
export interface View {
  name: string;
  rest: (limit: number) => string;
  maxLimit: number;
  items: (body: any) => number;
}

/** The landing views, each at its largest `limit`. */
export const views: View[] = [
  { name: 'recurrence dossier', rest: (limit) => `/api/v1/events/dossier/recurrence?limit=${limit}`, maxLimit: 300, items: (b) => b.items.length },
  { name: 'dossier coverage', rest: (limit) => `/api/v1/events/dossier/coverage?limit=${limit}`, maxLimit: 200, items: (b) => b.providers.length },
  { name: 'event dossier', rest: (limit) => `/api/v1/events/dossier?limit=${limit}`, maxLimit: 50, items: (b) => b.events.length },
  { name: 'recent events', rest: (limit) => `/api/v1/events/recent?limit=${limit}`, maxLimit: 100, items: (b) => b.events.length },
];
