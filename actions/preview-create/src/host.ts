import { fitName, LIMITS, type PreviewKey, slugOrHash, UserError } from '@ecs-actions/kit';

const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN = ['pr', 'branch', 'key', 'repo'] as const;

export interface HostValues {
  /** The PR or branch of the preview. */
  key: PreviewKey;
  /** The branch: a branch preview's own, or a PR's head branch. */
  branch: string | undefined;
  repo: string;
}

/**
 * Renders the host-name template (`pr-{pr}.preview.example.com`): `{pr}`, `{branch}` (DNS-safe slug of
 * the branch: a branch preview's, or the PR's head branch), `{key}` (the preview's key: `pr-42`, `br-main`,
 * unique per preview) and `{repo}` (slug of the repository name). The result must be a valid host-header
 * value for an ALB rule: ≤ 128 characters, labels of ≤ 63 letters, digits and hyphens.
 */
export function renderHost(template: string, values: HostValues): string {
  const unknown = [...template.matchAll(PLACEHOLDER)]
    .map((m) => m[1]!)
    .filter((n) => !KNOWN.includes(n as never));
  if (unknown.length > 0) {
    throw new UserError(
      `Input 'host': unknown placeholder {${unknown[0]}} in "${template}". Placeholders: {pr}, {branch}, {key}, {repo}.`,
    );
  }
  if (/[{}]/.test(template.replace(PLACEHOLDER, ''))) {
    throw new UserError(
      `Input 'host': unbalanced braces in "${template}". Example: pr-{pr}.preview.example.com.`,
    );
  }
  if (!['{pr}', '{branch}', '{key}'].some((p) => template.includes(p))) {
    throw new UserError(
      `Input 'host': "${template}" has none of {pr}, {branch} or {key}, so every preview would get the same host. Example: pr-{pr}.preview.example.com.`,
    );
  }
  const { key } = values;
  if (key.kind === 'branch' && template.includes('{pr}')) {
    throw new UserError(
      `Input 'host': "${template}" uses {pr}, but this is the preview of branch ${key.branch}, which has no pull request. Use {key} (pr-42 for a PR, br-<branch> for a branch) or {branch}, e.g. {key}.preview.example.com.`,
    );
  }
  const slots = { repo: () => slugOrHash(values.repo), branch: () => branchSlug(values.branch) };
  // Each label is a list of fixed text and slots; {pr} and {key} are fixed text (never shortened: the key
  // is what makes two previews' hosts differ).
  const parts = template
    .replace(/\{pr\}/g, key.kind === 'pr' ? String(key.pr) : '')
    .replace(/\{key\}/g, key.id)
    .toLowerCase()
    .split('.')
    .map((label) =>
      label.split(/(\{(?:branch|repo)\})/).flatMap((part): Part[] => {
        if (part === '') return [];
        const slot = /^\{(branch|repo)\}$/.exec(part)?.[1] as keyof typeof slots | undefined;
        if (!slot) return [{ fixed: part }];
        const value = slots[slot]();
        return [{ slot, value, max: value.length }];
      }),
    );
  // A slot is shortened (start kept, stable hash of the whole value appended) until its own label fits
  // 63 characters and then the whole host 128, counting the text around it.
  for (const label of parts) shrink(label, LIMITS.dnsLabel);
  shrink(parts.flat(), LIMITS.hostHeader - (parts.length - 1));
  const host = parts.map((label) => label.map(render).join('')).join('.');
  if (host.length > LIMITS.hostHeader) {
    throw new UserError(
      `Input 'host': "${host}" is ${host.length} characters; an ALB host condition allows ${LIMITS.hostHeader}.`,
    );
  }
  const labels = host.split('.');
  if (labels.length < 2 || labels.some((l) => !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) {
    throw new UserError(
      `Input 'host': "${host}" is not a valid host name (dot-separated labels of letters, digits and inner hyphens, each ≤ 63).`,
    );
  }
  return host;
}

type Part = { fixed: string } | { slot: 'branch' | 'repo'; value: string; max: number };

function branchSlug(branch: string | undefined): string {
  if (!branch) {
    throw new UserError(
      "Input 'host' uses {branch}, but this run has no branch (no pull_request or push event, no GITHUB_HEAD_REF or 'branch' input).",
    );
  }
  return slugOrHash(branch);
}

/** The shortest a slot may become: one character and the hash. */
const MIN_SLOT = 8;

function render(part: Part): string {
  if ('fixed' in part) return part.fixed;
  if (part.value.length <= part.max) return part.value;
  return fitName(part.value, Math.max(part.max, MIN_SLOT));
}

/** Shortens the longest slots of `parts` until their rendered length is at most `room`. */
function shrink(parts: Part[], room: number): void {
  const slots = parts.filter((p): p is Extract<Part, { slot: string }> => 'slot' in p);
  const length = () => parts.reduce((n, p) => n + render(p).length, 0);
  for (let over = length() - room; over > 0 && slots.length > 0; over = length() - room) {
    const longest = slots.reduce((a, b) => (render(b).length > render(a).length ? b : a));
    const current = render(longest).length;
    if (current <= MIN_SLOT) return; // the fixed text alone is too long: the checks below say so
    longest.max = Math.max(MIN_SLOT, current - over);
  }
}
