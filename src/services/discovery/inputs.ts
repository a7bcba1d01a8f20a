import { z } from 'zod';
import { columnLimits } from '../../../entities/column-facts.ts';
import {
  DiscoveredResourceSchema,
  DiscoveryEnvironmentSchema,
  DiscoveryInstallationSchema,
  HEALTH_STATUSES,
  RESOURCE_CATEGORIES,
} from '../../../entities/discovery.entity.ts';
import { PROBE_KINDS } from './probes/types.ts';

/*
 * The shapes of the inventory's commands. String lengths come from the entities; the JSON items
 * (info, health) have no column to carry a limit, so theirs are set here.
 */

const installation = columnLimits(DiscoveryInstallationSchema);
const environment = columnLimits(DiscoveryEnvironmentSchema);
const resource = columnLimits(DiscoveredResourceSchema);

const text = (max: number) => z.string().trim().max(max);
const key = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
/** An IPv4/IPv6 address or a DNS name (labels of 1–63 letters, digits, hyphens; 253 characters in all). */
export const Host = z
  .string()
  .trim()
  .max(resource.host!)
  .refine((h) => z.ipv4().safeParse(h).success || z.ipv6().safeParse(h).success || h.replace(/\.$/, '').split('.').every((l) => DNS_LABEL.test(l)), {
    message: 'must be an IP address or a DNS name',
  });

export const Port = z.number().int().min(1).max(65535);

/** The HTTP(S) probe's GET path: origin-form, so no spaces or control characters (Node refuses them in a request). */
const HttpPath = z
  .string()
  .max(resource.httpPath!)
  .regex(/^\/[^\s\x00-\x1f\x7f]*$/, "must start with '/' and hold no spaces or control characters");

const InfoItem = z.object({
  code: key(100),
  title: text(200),
  detail: text(2000).nullish().transform((v) => v ?? null),
  // The spec shows both `"90"` and `true|false`: kept as reported, served as text by the graph.
  value: z
    .union([text(2000), z.number(), z.boolean()])
    .nullish()
    .transform((v) => v ?? null),
});

const HealthItem = z.object({
  type: z.enum(HEALTH_STATUSES),
  message: text(500),
  detail: text(2000).nullish().transform((v) => v ?? null),
  helpUrl: z.url().max(2000).nullish().transform((v) => v ?? null),
});

/** At most this many info or health items per resource: one check's findings, not a log. */
const MAX_ITEMS = 100;

export const InstallationInput = z.object({
  totvsId: key(installation.totvsId!),
  name: text(installation.name!).nullish().transform((v) => v || null),
  alias: text(installation.alias!).nullish().transform((v) => v || null),
  receive: text(installation.receive!).nullish().transform((v) => v ?? ''),
});

export const EnvironmentName = key(environment.name!);

/** Every resource field a caller may set; registering requires some, updating none. */
const resourceFields = {
  totvsId: key(installation.totvsId!),
  environment: EnvironmentName,
  host: Host,
  port: Port.nullish(),
  category: z.enum(RESOURCE_CATEGORIES),
  description: text(resource.description!).nullish(),
  agent: text(resource.agent!).nullish(),
  /** The public id of the resource this one depends on; null for none. */
  dependsOn: z.uuid('must be a resource id (a UUID)').nullish(),
  info: z.array(InfoItem).max(MAX_ITEMS).nullish(),
  health: z.array(HealthItem).max(MAX_ITEMS).nullish(),
  /** When absent, the worst health item's type. */
  status: z.enum(HEALTH_STATUSES).nullish(),
  /** Absent: monitored. */
  monitored: z.boolean().nullish(),
  /** null: the port table's kind. */
  probe: z.enum(PROBE_KINDS).nullish(),
  /** null: '/'. */
  httpPath: HttpPath.nullish(),
};

export const ResourceInput = z.object(resourceFields);
export type ResourceInput = z.output<typeof ResourceInput>;

/** An edit: only what is given changes; `null` clears the optional fields (port, agent, dependsOn, probe, httpPath back to '/'). */
export const ResourceChange = z
  .object(resourceFields)
  .partial()
  .refine((c) => (c.totvsId == null) === (c.environment == null), {
    message: 'moving a resource takes both totvsId and environment',
    path: ['environment'],
  });
export type ResourceChange = z.output<typeof ResourceChange>;
