/**
 * Whether a parsed JSON value nests deeper than `limit` (objects and arrays count one level
 * each). Iterative, with an explicit stack, so a value nested 100,000 deep is measured without
 * overflowing the call stack the way a recursive walk (or Sentry's serializer) would; it stops
 * as soon as the limit is passed. Linear in the number of values visited.
 */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
