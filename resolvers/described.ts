/**
 * Enum `values` with a description each, for GraphiQL. The values come from the entity's list (so a
 * value added there reaches the schema); the `Record` makes the compiler ask for its description.
 */
export function describedValues<T extends string>(
  values: readonly T[],
  descriptions: NoInfer<Record<T, string>>,
): Record<T, { description: string }> {
  return Object.fromEntries(values.map((value) => [value, { description: descriptions[value] }])) as Record<T, { description: string }>;
}
