import { builder } from '../src/builder.ts';
import { NotFoundError, ValidationError } from '../src/errors.ts';
import { checkResourcesNow, type CheckRun } from '../src/services/discovery/monitor/check-now.ts';
import { DiscoveredResourceRef } from './discovery.ts';

/* Running the discovery monitor on demand; its schedule is src/workers/discovery-monitor.ts. */

const CheckRunRef = builder.objectRef<CheckRun>('DiscoveryCheckRun').implement({
  description: 'What one on-demand check of discovered resources did.',
  fields: (t) => ({
    checked: t.exposeInt('checked', { description: 'Resources probed.' }),
    passed: t.exposeInt('passed', { description: 'Probes whose every check passed.' }),
    failed: t.exposeInt('failed', { description: 'Probes with a failing check.' }),
    skipped: t.exposeInt('skipped', { description: 'Resources not probed: their host is outside the allowed networks.' }),
    statusChanges: t.exposeInt('statusChanges', { description: 'Resources whose status changed (each became a `discovery` event).' }),
    durationMs: t.exposeInt('durationMs', { description: 'Wall time of the run, in milliseconds.' }),
    resources: t.field({ type: [DiscoveredResourceRef], description: 'The resources as they are after the check.', resolve: (run) => run.resources }),
  }),
});

builder.mutationFields((t) => ({
  checkDiscoveredResources: t.field({
    type: CheckRunRef,
    authScopes: { role: 'ops_lead' },
    description:
      'Probes these resources now, whatever their schedule and whether the monitor is active; results count like scheduled ones (streaks, history, status changes). Ops leads and admins.',
    errors: { types: [NotFoundError, ValidationError] },
    args: { resourceIds: t.arg.stringList({ description: 'Public ids of the resources (1–1000).' }) },
    resolve: (_, { resourceIds }, ctx) => checkResourcesNow(ctx.em, resourceIds, ctx.config.ingest, ctx.log),
  }),
}));
