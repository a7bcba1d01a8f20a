/*
 * The contract's JSON names are the GraphQL field names in snake_case (`wizardStepLabel` →
 * `wizard_step_label`, as the columns are named), so a reshape that only renames lists the fields
 * once, for the GraphQL selection and the JSON alike.
 */

export const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The listed fields of a GraphQL result object under their snake_case names. */
export function snakeCased(node: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [snakeCase(field), node[field]]));
}
