// What a preview is for: a pull request or a branch. The key names its resources (`pr-42`,
// `br-feature-x-1a2b3c`) and its tags say which one, so every action finds the same preview again.
import { eventPullRequest, type RunContext } from './context.js';
import { UserError } from './errors.js';
import { shortHash, slugOrHash } from './naming.js';
import { TAG, type Tags } from './tags.js';

export type PreviewKey =
  | { kind: 'pr'; pr: number /** `pr-42` */; id: string }
  | { kind: 'branch'; branch: string /** `br-feature-x` or `br-feature-x-1a2b3c` */; id: string };

/** Characters of a branch slug kept in a key before its hash (keys stay short enough for every name). */
const KEY_SLUG_MAX = 32;

/** Tag values allow letters, digits, spaces and `_ . : / = + - @` (ECS, ELB), and 256 characters. */
const TAG_VALUE_SAFE = /^[\p{L}\p{N}_./=+\-@]+$/u;
const TAG_VALUE_MAX = 256;
/** Git refuses `:` in branch names, so this prefix never starts a real branch's tag value. */
const ENCODED = 'b64:';

export function prKey(pr: number): PreviewKey {
  return { kind: 'pr', pr, id: `pr-${pr}` };
}

/**
 * The key of a branch's preview. Its id is the DNS-safe slug of the branch when the slug is the branch name
 * itself (`main`, `feature-x`); otherwise (`feature/x`, `Feature-X`, a long name) the slug's start and a
 * hash of the exact name, so that `feature/x` and `feature-x` never share resources.
 */
export function branchKey(branch: string): PreviewKey {
  if (!validBranch(branch)) {
    throw new UserError(
      `"${branch}" is not a branch name git allows (no spaces, no ~ ^ : ? * [ \\, no "..", not ending in / or .lock).`,
    );
  }
  if (encodeBranch(branch).length > TAG_VALUE_MAX) {
    throw new UserError(
      `Branch "${branch.slice(0, 40)}…" is too long for a preview: its name must fit a ${TAG_VALUE_MAX}-character AWS tag value.`,
    );
  }
  const slug = slugOrHash(branch);
  const exact = slug === branch && slug.length <= KEY_SLUG_MAX;
  const id = exact
    ? `br-${slug}`
    : `br-${slug.slice(0, KEY_SLUG_MAX).replace(/-+$/, '')}-${shortHash(branch)}`;
  return { kind: 'branch', branch, id };
}

/** `PR #42` or `branch feature/x`, for messages. */
export function keyLabel(key: PreviewKey): string {
  return key.kind === 'pr' ? `PR #${key.pr}` : `branch ${key.branch}`;
}

/** The tags that say which preview a resource belongs to. */
export function keyTags(key: PreviewKey): Tags {
  return key.kind === 'pr' ? { [TAG.pr]: String(key.pr) } : { [TAG.branch]: encodeBranch(key.branch) };
}

/** The preview a resource's tags name, or undefined when they name none (or something unreadable). */
export function keyOfTags(tags: Tags): PreviewKey | undefined {
  const pr = tags[TAG.pr];
  if (pr !== undefined) return /^[1-9]\d*$/.test(pr) ? prKey(Number(pr)) : undefined;
  const value = tags[TAG.branch];
  if (value === undefined) return undefined;
  const branch = value.startsWith(ENCODED)
    ? Buffer.from(value.slice(ENCODED.length), 'base64url').toString('utf8')
    : value;
  return validBranch(branch) ? branchKey(branch) : undefined;
}

/** Same preview? */
export function sameKey(a: PreviewKey, b: PreviewKey): boolean {
  return (
    a.id === b.id &&
    (a.kind === 'pr' ? b.kind === 'pr' && a.pr === b.pr : b.kind === 'branch' && a.branch === b.branch)
  );
}

/** PRs first (by number), then branches (by name): the order of reports. */
export function compareKeys(a: PreviewKey, b: PreviewKey): number {
  if (a.kind === 'pr' && b.kind === 'pr') return a.pr - b.pr;
  if (a.kind === 'pr') return -1;
  if (b.kind === 'pr') return 1;
  return a.branch < b.branch ? -1 : a.branch > b.branch ? 1 : 0;
}

/** The branch name as a tag value: as is where tags allow it, else base64url behind `b64:`. */
function encodeBranch(branch: string): string {
  return TAG_VALUE_SAFE.test(branch)
    ? branch
    : `${ENCODED}${Buffer.from(branch, 'utf8').toString('base64url')}`;
}

/** The rules of `git check-ref-format --branch` that matter here. */
export function validBranch(branch: string): boolean {
  return (
    branch.length > 0 &&
    // No control characters (git refuses them too); \p{Cc} keeps them out without writing them here.
    !/\p{Cc}/u.test(branch) &&
    !/[\s~^:?*[\\]|\.\.|@\{|\/\/|^[/.-]|[/.]$|\.lock$|\/\./.test(branch) &&
    branch !== '@'
  );
}

/** The branch a `push` (to a branch) or `delete` (of a branch) event is about, if it is one of those. */
export function eventBranchOfPushOrDelete(
  context: RunContext,
): { branch: string; deleted: boolean } | undefined {
  const payload = context.payload as { ref?: unknown; ref_type?: unknown; deleted?: unknown };
  if (typeof payload.ref !== 'string') return undefined;
  if (context.eventName === 'push' && payload.ref.startsWith('refs/heads/'))
    return { branch: payload.ref.slice('refs/heads/'.length), deleted: payload.deleted === true };
  if (context.eventName === 'delete' && payload.ref_type === 'branch')
    return { branch: payload.ref, deleted: true };
  return undefined;
}

/**
 * Which preview a run is about: `pr-number` or `branch` when given (not both), else the event's pull request,
 * else the branch of a `push` or `delete` event. `onDeleted` says what a deleted branch means for the caller:
 * preview-destroy takes it, preview-create refuses it.
 */
export function previewKeyOf(
  inputs: { prNumber: number | undefined; branch: string | undefined },
  context: RunContext,
  onDeleted: 'use' | 'refuse',
): PreviewKey {
  if (inputs.prNumber !== undefined && inputs.branch !== undefined) {
    throw new UserError(
      "Inputs 'pr-number' and 'branch' are both set: a preview belongs to a pull request or to a branch, set one.",
    );
  }
  if (inputs.prNumber !== undefined) return prKey(inputs.prNumber);
  if (inputs.branch !== undefined) return withInput('branch', () => branchKey(inputs.branch!));
  const pr = eventPullRequest(context);
  if (pr !== undefined) return prKey(pr);
  const pushed = eventBranchOfPushOrDelete(context);
  if (pushed?.deleted && onDeleted === 'refuse') {
    throw new UserError(
      `This ${context.eventName} event deleted branch ${pushed.branch}: there is nothing to deploy (preview-destroy removes its preview).`,
    );
  }
  if (pushed) return branchKey(pushed.branch);
  throw new UserError(
    `Input 'pr-number' or 'branch' is required: this ${context.eventName || 'run'} event has neither a pull request nor a pushed or deleted branch.`,
  );
}

function withInput<T>(name: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`Input '${name}': ${error.message}`);
    throw error;
  }
}
