/*
 * Spec 002's items list their JSON names in the reference's order; most are a GraphQL field in
 * snake_case, a few come from a field of another name. One list per item gives both the GraphQL
 * selection and the reshape, so a name is written once.
 */

type Json = Record<string, unknown>;

/** A wire name (its field is the camelCase of it), or [wire name, the field it comes from]. */
export type Wire = string | readonly [wire: string, field: string];

const fieldOf = (w: Wire) => (typeof w === 'string' ? w.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : w[1]);
const wireOf = (w: Wire) => (typeof w === 'string' ? w : w[0]);

/** The GraphQL fields to select for these wire names. */
export const selectionOf = (wires: readonly Wire[]): string => wires.map(fieldOf).join(' ');

/** A GraphQL result object under the wire names, in their order. */
export const reshape = (node: Json, wires: readonly Wire[]): Json => Object.fromEntries(wires.map((w) => [wireOf(w), node[fieldOf(w)]]));
