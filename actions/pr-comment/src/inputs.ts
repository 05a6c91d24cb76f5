import {
  DEFAULT_ENVIRONMENT,
  DEFAULT_KEY,
  MODES,
  type Mode,
  type PrCommentInputs,
  type Report,
} from '@ecs-actions/comment/request';
import { STATUSES } from '@ecs-actions/comment/state';
import { UserError } from '@ecs-actions/kit/errors';
import type { Inputs } from '@ecs-actions/kit/inputs';

export { DEFAULT_ENVIRONMENT, DEFAULT_KEY, MODES, type Mode, type PrCommentInputs, type Report };

/** Input names, as in action.yml. */
export const INPUT = {
  token: 'github-token',
  prNumber: 'pr-number',
  key: 'key',
  mode: 'mode',
  environment: 'environment',
  status: 'status',
  url: 'url',
  message: 'message',
  sha: 'sha',
  title: 'title',
  failOnReadOnly: 'fail-on-read-only',
} as const;

/** Output names, as in action.yml. */
export const OUTPUT = {
  commentId: 'comment-id',
  commentUrl: 'comment-url',
  result: 'result',
} as const;

const MAX_ENVIRONMENT = 100;
const MAX_URL = 2048;
const MAX_TITLE = 200;

/** What the event tells, for the inputs' defaults. */
export interface EventDefaults {
  eventName: string;
  /** The pull request of a pull_request(_target) event or of an issue_comment on a pull request. */
  prNumber?: number | undefined;
  /** The PR's head commit, from a pull_request(_target) event (GITHUB_SHA is the merge commit there). */
  headSha?: string | undefined;
}

/** Reads and validates every input once; every error names its input and shows an accepted value. */
export function parseInputs(inputs: Inputs, event: EventDefaults): PrCommentInputs {
  const token = inputs.required(INPUT.token, 'leave it unset for the workflow token, or give a token');
  const prNumber = inputs.integer(INPUT.prNumber, { min: 1 }) ?? event.prNumber;
  if (prNumber === undefined) {
    throw new UserError(
      `Input '${INPUT.prNumber}' is required for '${event.eventName || 'unknown'}' events, which carry no pull request. Example: pr-number: \${{ inputs.pr }}`,
    );
  }
  const key = inputs.string(INPUT.key, DEFAULT_KEY);
  if (!/^[A-Za-z0-9_.]+(-[A-Za-z0-9_.]+)*$/.test(key) || key.length > 64) {
    throw invalid(
      INPUT.key,
      key,
      'letters, digits, ".", "_" and single "-", at most 64 characters',
      'preview',
    );
  }
  const mode = inputs.oneOf(INPUT.mode, MODES, 'upsert');
  const failOnReadOnly = inputs.boolean(INPUT.failOnReadOnly, false);

  const title = inputs.string(INPUT.title);
  if (title !== undefined && (title.length > MAX_TITLE || /[\r\n]/.test(title))) {
    throw invalid(INPUT.title, title, `one line of at most ${MAX_TITLE} characters`, 'Preview environments');
  }

  let report: Report | undefined;
  const statusText = inputs.string(INPUT.status);
  if (mode === 'upsert' && statusText === undefined) {
    throw new UserError(
      `Input '${INPUT.status}' is required with mode 'upsert'. Accepted: ${STATUSES.join(', ')}.`,
    );
  }
  if ((mode === 'upsert' || mode === 'recreate') && statusText !== undefined) {
    const status = inputs.oneOf(INPUT.status, STATUSES, 'queued');
    const environment = inputs.string(INPUT.environment, DEFAULT_ENVIRONMENT);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (environment.length > MAX_ENVIRONMENT || /[\u0000-\u001f\u007f]/.test(environment)) {
      throw invalid(
        INPUT.environment,
        environment,
        `one line of at most ${MAX_ENVIRONMENT} characters`,
        'web',
      );
    }
    report = { environment, status };
    const url = inputs.string(INPUT.url);
    if (url !== undefined) report.url = parseUrl(url);
    const message = inputs.string(INPUT.message);
    if (message !== undefined) report.message = message;
    const sha = inputs.string(INPUT.sha) ?? event.headSha;
    if (sha !== undefined) {
      if (!/^[0-9a-f]{7,64}$/i.test(sha)) {
        throw invalid(
          INPUT.sha,
          sha,
          'a commit SHA (7 to 64 hexadecimal digits)',
          'd6cd1e2bd19e03a81132a23b2025920577f84e37',
        );
      }
      report.sha = sha.toLowerCase();
    }
  }

  return {
    token,
    prNumber,
    key,
    mode,
    ...(report ? { report } : {}),
    ...(title !== undefined ? { title } : {}),
    failOnReadOnly,
  };
}

function parseUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || text.length > MAX_URL) {
    throw invalid(
      INPUT.url,
      text,
      `an absolute http(s) URL of at most ${MAX_URL} characters`,
      'https://pr-7.preview.example.com',
    );
  }
  return url.href;
}

function invalid(name: string, value: string, expected: string, example: string): UserError {
  return new UserError(
    `Input '${name}': ${JSON.stringify(value)} is not valid: use ${expected}. Example: ${example}`,
  );
}

/** The step's outputs from run()'s result (names as in action.yml). */
export function outputsOf(output: {
  commentId?: number | undefined;
  commentUrl?: string | undefined;
  result: string;
}) {
  return {
    [OUTPUT.commentId]: output.commentId,
    [OUTPUT.commentUrl]: output.commentUrl,
    [OUTPUT.result]: output.result,
  };
}
