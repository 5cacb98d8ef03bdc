/**
 * True when `actual` has every key of `filter` with an equal value (compared as JSON),
 * the way the search operations filter on metadata and values.
 */
export function matchesAll(
  actual: Record<string, unknown> | undefined,
  filter: Record<string, unknown> | undefined,
): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(
    ([k, v]) => JSON.stringify(actual?.[k]) === JSON.stringify(v),
  );
}
