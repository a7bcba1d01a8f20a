/**
 * Enum `values` with a description each, for GraphiQL. Typed `Record<T, string>` over the entity's
 * value list, so the compiler asks for every value and refuses one the entity does not have.
 */
export function describedValues<T extends string>(descriptions: Record<T, string>): Record<T, { description: string }> {
  return Object.fromEntries(Object.entries(descriptions).map(([value, description]) => [value, { description }])) as Record<
    T,
    { description: string }
  >;
}
