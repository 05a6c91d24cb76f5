import { createHash } from 'node:crypto';

/** AWS and DNS limits that names must respect (see the README's "Limits" section for sources). */
export const LIMITS = {
  targetGroupName: 32,
  serviceName: 255,
  taskFamily: 255,
  dnsLabel: 63,
  hostHeader: 128,
} as const;

const HASH_LENGTH = 6;

/** A short, stable hash of a text: the same input always gives the same suffix. */
export function shortHash(text: string, length = HASH_LENGTH): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * A DNS-safe slug: lower case a–z, 0–9 and single hyphens, no hyphen at either end; accents are
 * folded (é → e), anything else becomes a hyphen. Empty input gives an empty string.
 */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Fits a name into `max` characters. When it is too long, it is cut and a hash of the whole original
 * is appended, so that two long names that share a beginning still differ, and the result is stable.
 */
export function fitName(name: string, max: number, separator = '-'): string {
  if (name.length <= max) return name;
  const suffix = `${separator}${shortHash(name)}`;
  const head = name.slice(0, max - suffix.length).replace(/[-_.]+$/, '');
  return `${head}${suffix}`;
}

/** A DNS label (≤ 63 characters) from any text, e.g. a branch name: `feature/Ünïcode` → `feature-unicode`. */
export function dnsLabel(text: string): string {
  return fitName(slugOrHash(text), LIMITS.dnsLabel);
}

/** The slug of a text, or its hash when nothing of it survives slugging (`日本語` → `a1b2c3`). */
export function slugOrHash(text: string): string {
  return slugify(text) || shortHash(text);
}

/** The base name of a preview's resources: `<prefix>-<key>` (`shop-pr-42`, `shop-br-main`), prefix slugged. */
export function previewBaseName(prefix: string, keyId: string): string {
  const slug = slugify(prefix) || 'preview';
  return `${slug}-${keyId}`;
}

/** ECS service name or task-definition family (≤ 255: letters, digits, hyphens, underscores). */
export function ecsName(base: string): string {
  return fitName(base.replace(/[^A-Za-z0-9_-]+/g, '-'), LIMITS.serviceName);
}

/**
 * Target group name: ≤ 32 characters of letters, digits and hyphens, no hyphen at either end, not
 * starting with `internal-`. The key (`pr-42`) is kept whole at the end so names stay readable; a key too
 * long for that (a long branch) is cut like the rest, with a hash of the whole name.
 */
export function targetGroupName(prefix: string, keyId: string): string {
  const tail = `-${keyId}`;
  let slug = slugify(prefix).replace(/^internal-/, 'int-') || 'preview';
  const full = `${slug}${tail}`;
  if (full.length <= LIMITS.targetGroupName) return full;
  if (tail.length > LIMITS.targetGroupName - HASH_LENGTH - 2) return fitName(full, LIMITS.targetGroupName);
  // Too long: keep the start of the prefix, a hash of the whole prefix, then the PR.
  const hash = shortHash(prefix);
  const room = LIMITS.targetGroupName - tail.length - hash.length - 1;
  slug = slug.slice(0, Math.max(room, 0)).replace(/-+$/, '');
  return slug ? `${slug}-${hash}${tail}` : `${hash}${tail}`;
}
