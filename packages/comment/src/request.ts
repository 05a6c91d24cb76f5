// What a run of the sticky comment is asked to do: the action's inputs, or another action's report.
import type { CommandOutcome, Status } from './state.js';

export const MODES = ['upsert', 'recreate', 'delete', 'hide'] as const;
export type Mode = (typeof MODES)[number];

export const DEFAULT_KEY = 'preview';
export const DEFAULT_ENVIRONMENT = 'preview';

/** One environment's news, as the step's inputs give it. */
export interface Report {
  environment: string;
  status: Status;
  url?: string;
  message?: string;
  /** Unset when neither the input nor the event gives it: run() asks for the PR's head. */
  sha?: string;
}

export interface PrCommentInputs {
  token: string;
  prNumber: number;
  key: string;
  mode: Mode;
  /** The row to write; absent for delete and hide, and for recreate without a status. */
  report?: Report;
  title?: string;
  /** A command's line for the comment's Commands table (commands from PR comments). */
  command?: { by: string; text: string; outcome: CommandOutcome; detail?: string };
  failOnReadOnly: boolean;
}
