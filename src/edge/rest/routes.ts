import { chamadoRoutes } from './chamados.ts';
import { discoveryAuthRoutes } from './discovery-auth.ts';
import { discoveryRoutes } from './discovery.ts';
import { eventDossierRoutes } from './event-dossier.ts';
import { eventRoutes } from './events.ts';
import { recurrenceDossierRoutes } from './recurrence-dossier.ts';
import type { RestRoute } from './route.ts';
import { runbookRoutes } from './runbooks.ts';

/** Every legacy REST path the server answers, as one table (the router serves it; tests enumerate it). */
export const REST_ROUTES: RestRoute<any>[] = [
  ...chamadoRoutes,
  ...eventRoutes,
  ...eventDossierRoutes,
  ...recurrenceDossierRoutes,
  ...runbookRoutes,
  ...discoveryAuthRoutes,
  ...discoveryRoutes,
];
