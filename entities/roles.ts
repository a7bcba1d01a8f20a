/** Roles from DOMAIN.md, lowest first: each role can do everything the ones before it can. */
export const ROLES = ['viewer', 'ops', 'ops_lead', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}
