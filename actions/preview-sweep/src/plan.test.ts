import {
  branchKey,
  isoSeconds,
  keyTags,
  type PreviewKey,
  prKey,
  suiteTags,
  type Tags,
} from '@ecs-actions/kit';
import { type FoundPreview as Environment, previewNames } from '@ecs-actions/preview';
import { describe, expect, it } from 'vitest';
import { type BranchState, keysToCheck, ORPHAN_GRACE_MS, type PrState, plan } from './plan.js';

const NOW = Date.parse('2026-11-22T04:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_AGE = 7 * DAY;

function tags(createdAgoMs: number, ttlMs = 7 * DAY, key: PreviewKey = prKey(1)): Tags {
  return suiteTags({
    repository: 'o/r',
    keyTags: keyTags(key),
    namePrefix: 'r',
    now: new Date(NOW - createdAgoMs),
    ttlMs,
  });
}

function env(id: number | string, options: { service?: string; tags: Tags; group?: boolean }): Environment {
  const key = typeof id === 'number' ? prKey(id) : branchKey(id);
  const pr = key.id;
  return {
    key,
    names: previewNames('r', key),
    taskDefinitions: [],
    foreign: [],
    ...(options.service
      ? {
          service: {
            arn: `arn:${pr}`,
            name: `r-${pr}`,
            status: options.service,
            taskDefinition: undefined,
            tags: options.tags,
          },
        }
      : {}),
    ...(options.group !== false
      ? { targetGroup: { arn: `tg:${pr}`, name: `r-${pr}`, loadBalancerArns: [], tags: options.tags } }
      : {}),
    rules: [],
  };
}

const decide = (
  envs: Environment[],
  extra: {
    prStates?: Map<number, PrState>;
    branchStates?: Map<string, BranchState>;
    maxDeletions?: number;
  } = {},
) =>
  Object.fromEntries(
    plan(envs, {
      now: NOW,
      maxAgeMs: MAX_AGE,
      maxDeletions: extra.maxDeletions ?? 100,
      prStates: extra.prStates,
      branchStates: extra.branchStates,
    }).map((d) => [d.env.key.kind === 'pr' ? d.env.key.pr : d.env.key.branch, `${d.action}:${d.reason}`]),
  );

describe('plan', () => {
  it('expires on expires-at or on created-at + max-age, whichever comes first', () => {
    const envs = [
      env(1, { service: 'ACTIVE', tags: tags(DAY) }), // fresh
      env(2, { service: 'ACTIVE', tags: tags(2 * DAY, DAY) }), // expires-at passed
      env(3, { service: 'ACTIVE', tags: tags(8 * DAY, 30 * DAY) }), // older than max-age
      env(4, { service: 'ACTIVE', tags: tags(7 * DAY - HOUR, 30 * DAY) }), // not yet
    ];
    expect(decide(envs)).toEqual({
      1: 'keep:fresh',
      2: 'delete:expired',
      3: 'delete:expired',
      4: 'keep:fresh',
    });
    const detail = plan(envs, { now: NOW, maxAgeMs: MAX_AGE, maxDeletions: 10 }).find(
      (d) => d.env.key.id === 'pr-4',
    )!.detail;
    expect(detail).toBe(`expires ${isoSeconds(new Date(NOW + HOUR))}`);
  });

  it('reads age from the service, which preview-create extends, not from the group', () => {
    const e = env(5, { service: 'ACTIVE', tags: tags(DAY) });
    e.targetGroup!.tags = tags(20 * DAY, DAY);
    expect(decide([e])).toEqual({ 5: 'keep:fresh' });
  });

  it('removes orphans past the grace period whatever their age, and keeps younger ones', () => {
    const envs = [
      env(6, { tags: tags(2 * HOUR) }), // no service
      env(7, { service: 'DRAINING', tags: tags(3 * HOUR) }),
      env(8, { tags: tags(ORPHAN_GRACE_MS / 2) }),
    ];
    expect(decide(envs)).toEqual({ 6: 'delete:orphaned', 7: 'delete:orphaned', 8: 'keep:creating' });
  });

  it('keeps a service-less environment whose target group still has targets (a service in another cluster)', () => {
    const e = env(17, { tags: tags(3 * HOUR) });
    e.registeredTargets = 2;
    expect(decide([e])).toEqual({ 17: 'keep:in-use' });
  });

  it('removes previews of closed and merged PRs, keeps open, unknown and missing ones', () => {
    const envs = [9, 10, 11, 12, 13].map((pr) => env(pr, { service: 'ACTIVE', tags: tags(DAY) }));
    const prStates = new Map<number, PrState>([
      [9, { state: 'open' }],
      [10, { state: 'closed' }],
      [11, { state: 'merged' }],
      [12, { state: 'not-found' }],
      [13, { state: 'unknown', detail: 'HTTP 403' }],
    ]);
    expect(keysToCheck(envs, { now: NOW, maxAgeMs: MAX_AGE, maxDeletions: 100 }).map((k) => k.id)).toEqual([
      'pr-9',
      'pr-10',
      'pr-11',
      'pr-12',
      'pr-13',
    ]);
    expect(decide(envs, { prStates })).toEqual({
      9: 'keep:fresh',
      10: 'delete:pr-closed',
      11: 'delete:pr-merged',
      12: 'keep:fresh',
      13: 'keep:fresh',
    });
  });

  it('removes branch previews whose branch was deleted; keeps existing, unknown and unchecked ones', () => {
    const branches = ['feature/gone', 'feature/here', 'feature/unknown', 'feature/unchecked'];
    const envs = branches.map((b) => env(b, { service: 'ACTIVE', tags: tags(DAY, 7 * DAY, branchKey(b)) }));
    const branchStates = new Map<string, BranchState>([
      ['feature/gone', { state: 'deleted' }],
      ['feature/here', { state: 'exists' }],
      ['feature/unknown', { state: 'unknown', detail: 'HTTP 403' }],
    ]);
    expect(keysToCheck(envs, { now: NOW, maxAgeMs: MAX_AGE, maxDeletions: 100 }).map((k) => k.kind)).toEqual([
      'branch',
      'branch',
      'branch',
      'branch',
    ]);
    // A PR-state map never decides a branch preview, even with a PR of the same number as nothing.
    expect(decide(envs, { branchStates, prStates: new Map([[1, { state: 'closed' }]]) })).toEqual({
      'feature/gone': 'delete:branch-deleted',
      'feature/here': 'keep:fresh',
      'feature/unknown': 'keep:fresh',
      'feature/unchecked': 'keep:fresh',
    });
    const expired = env('old', { service: 'ACTIVE', tags: tags(9 * DAY, 7 * DAY, branchKey('old')) });
    expect(decide([expired], { branchStates: new Map([['old', { state: 'exists' }]]) })).toEqual({
      old: 'delete:expired',
    });
  });

  it('asks GitHub only about working previews that have not expired', () => {
    const envs = [
      env(14, { service: 'ACTIVE', tags: tags(DAY) }),
      env(15, { service: 'ACTIVE', tags: tags(9 * DAY) }),
      env(16, { tags: tags(2 * HOUR) }),
    ];
    expect(keysToCheck(envs, { now: NOW, maxAgeMs: MAX_AGE, maxDeletions: 100 }).map((k) => k.id)).toEqual([
      'pr-14',
    ]);
  });

  it('holds back deletions beyond max-deletions, oldest first', () => {
    const envs = [
      env(20, { service: 'ACTIVE', tags: tags(10 * DAY) }),
      env(21, { service: 'ACTIVE', tags: tags(30 * DAY) }),
      env(22, { service: 'ACTIVE', tags: tags(20 * DAY) }),
    ];
    expect(decide(envs, { maxDeletions: 2 })).toEqual({
      20: 'keep:max-deletions',
      21: 'delete:expired',
      22: 'delete:expired',
    });
  });
});
