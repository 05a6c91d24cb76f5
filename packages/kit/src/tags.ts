/** Tag keys of the suite: resources carrying managed-by and repository are ours; nothing else is. */
export const TAG = {
  managedBy: 'ecs-actions:managed-by',
  repository: 'ecs-actions:repository',
  pr: 'ecs-actions:pr',
  /** A branch preview's branch (as is, or `b64:` and its base64url where tag values cannot hold it). */
  branch: 'ecs-actions:branch',
  createdAt: 'ecs-actions:created-at',
  expiresAt: 'ecs-actions:expires-at',
  namePrefix: 'ecs-actions:name-prefix',
  environment: 'ecs-actions:environment',
  /** Hash of the rendered task definition (service and revisions): equal means nothing to deploy. */
  spec: 'ecs-actions:spec',
  /** A preview's task size, architecture and Spot share (`256/512/X86_64/0`), for its cost estimate. */
  costBasis: 'ecs-actions:cost-basis',
  /** The expires-at the PR's comment row was last warned about (the sweep warns once a day before). */
  expiryWarned: 'ecs-actions:expiry-warned',
  /** A preview's host name, so that a sweep can report URLs. */
  host: 'ecs-actions:host',
  /** On a preview's rule: `POOL_ID/CLIENT_ID` of the Cognito app client that lists its callback URL. */
  authCallback: 'ecs-actions:auth-callback',
} as const;

/** Value of the managed-by tag. */
export const MANAGED_BY = 'ecs-actions';

export type Tags = Record<string, string>;

export interface SuiteTagOptions {
  repository: string;
  /** Which preview: keyTags(key), its PR or branch tag. */
  keyTags?: Tags;
  namePrefix?: string;
  environment?: string;
  now: Date;
  /** Time to live; sets expires-at. */
  ttlMs?: number;
}

/** The tags the suite writes on everything it creates. */
export function suiteTags(options: SuiteTagOptions): Tags {
  const tags: Tags = {
    [TAG.managedBy]: MANAGED_BY,
    [TAG.repository]: options.repository,
    [TAG.createdAt]: isoSeconds(options.now),
  };
  Object.assign(tags, options.keyTags);
  if (options.namePrefix !== undefined) tags[TAG.namePrefix] = options.namePrefix;
  if (options.environment !== undefined) tags[TAG.environment] = options.environment;
  if (options.ttlMs !== undefined)
    tags[TAG.expiresAt] = isoSeconds(new Date(options.now.getTime() + options.ttlMs));
  return tags;
}

/** True only when the resource carries our managed-by tag and this repository's tag. */
export function isOwned(tags: Tags, repository: string): boolean {
  return tags[TAG.managedBy] === MANAGED_BY && tags[TAG.repository] === repository;
}

/** ECS writes tags as `{ key, value }`. */
export function toEcsTags(tags: Tags): { key: string; value: string }[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** ELBv2 writes tags as `{ Key, Value }`. */
export function toElbTags(tags: Tags): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Reads tags in either SDK shape into a plain record. */
export function fromTags(
  list: readonly { key?: string; value?: string; Key?: string; Value?: string }[] | undefined,
): Tags {
  const tags: Tags = {};
  for (const t of list ?? []) {
    const key = t.key ?? t.Key;
    if (key !== undefined) tags[key] = t.value ?? t.Value ?? '';
  }
  return tags;
}

/** ISO 8601 to the second (tag values allow `:`), e.g. 2026-11-22T04:00:00Z. */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
