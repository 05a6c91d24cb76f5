import { createHash } from 'node:crypto';

/**
 * A free rule priority in [low, high]. The search starts at a point derived from the PR's identity, so
 * concurrent runs for different PRs that read the same list of used priorities usually pick different
 * ones (a PriorityInUse collision is rare, and retried with `attempt` moving the start).
 */
export function choosePriority(
  used: Set<number>,
  range: [number, number],
  identity: string,
  attempt = 0,
): number | undefined {
  const [low, high] = range;
  const size = high - low + 1;
  const seed = createHash('sha256').update(`${identity}#${attempt}`).digest().readUInt32BE(0);
  const start = seed % size;
  for (let i = 0; i < size; i++) {
    const candidate = low + ((start + i) % size);
    if (!used.has(candidate)) return candidate;
  }
  return undefined;
}
