import { dnsLabel, LIMITS, UserError } from '@ecs-actions/kit';

const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN = ['pr', 'branch', 'repo'] as const;

export interface HostValues {
  pr: number;
  branch: string | undefined;
  repo: string;
}

/**
 * Renders the host-name template (`pr-{pr}.preview.example.com`): `{pr}`, `{branch}` (DNS-safe slug of
 * the PR's branch) and `{repo}` (slug of the repository name). The result must be a valid host-header
 * value for an ALB rule: ≤ 128 characters, labels of ≤ 63 letters, digits and hyphens.
 */
export function renderHost(template: string, values: HostValues): string {
  const unknown = [...template.matchAll(PLACEHOLDER)]
    .map((m) => m[1]!)
    .filter((n) => !KNOWN.includes(n as never));
  if (unknown.length > 0) {
    throw new UserError(
      `Input 'host': unknown placeholder {${unknown[0]}} in "${template}". Placeholders: {pr}, {branch}, {repo}.`,
    );
  }
  if (/[{}]/.test(template.replace(PLACEHOLDER, ''))) {
    throw new UserError(
      `Input 'host': unbalanced braces in "${template}". Example: pr-{pr}.preview.example.com.`,
    );
  }
  if (!template.includes('{pr}') && !template.includes('{branch}')) {
    throw new UserError(
      `Input 'host': "${template}" has neither {pr} nor {branch}, so every PR would get the same host. Example: pr-{pr}.preview.example.com.`,
    );
  }
  const host = template
    .replace(/\{pr\}/g, String(values.pr))
    .replace(/\{repo\}/g, () => dnsLabel(values.repo))
    .replace(/\{branch\}/g, () => {
      if (!values.branch) {
        throw new UserError(
          "Input 'host' uses {branch}, but this run has no branch (no pull_request event or GITHUB_HEAD_REF).",
        );
      }
      return dnsLabel(values.branch);
    })
    .toLowerCase();
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
