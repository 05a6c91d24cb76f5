import { errorMessage, httpStatusOf, type Octokit, type RunContext } from '@ecs-actions/kit';

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface DeploymentTarget {
  octokit: Octokit;
  context: RunContext;
  /** GitHub environment name (one shared name for all previews by default). */
  environment: string;
  /** Marks the PR's deployments so that destroy can find them: `preview:pr-<n>`. */
  task: string;
  warn: (message: string) => void;
}

/** A missing permission (fork PRs' read-only token, no `deployments: write`) is a warning, not a failure. */
function permissionWarning(target: DeploymentTarget, what: string, error: unknown): void {
  const status = httpStatusOf(error);
  if (status === 403 || status === 404) {
    target.warn(
      `GitHub deployment not recorded (${what}: ${errorMessage(error)}). Give the job 'deployments: write' to see previews in the PR's deployments.`,
    );
    return;
  }
  throw error;
}

/**
 * Records a transient deployment for the PR's commit and marks it in progress. Transient, so that one
 * PR's success does not mark the other PRs' previews inactive (GitHub's auto_inactive skips transient
 * deployments). Returns undefined when the token may not create deployments.
 */
export async function startDeployment(
  target: DeploymentTarget,
  options: { ref: string; pr: number; payload: Record<string, unknown>; description: string },
): Promise<number | undefined> {
  const { owner, repo } = target.context;
  try {
    const { data } = await target.octokit.rest.repos.createDeployment({
      owner,
      repo,
      ref: options.ref,
      task: target.task,
      environment: target.environment,
      transient_environment: true,
      production_environment: false,
      auto_merge: false,
      required_contexts: [],
      payload: { pr: options.pr, ...options.payload },
      description: options.description.slice(0, 140),
    });
    if (!('id' in data)) return undefined;
    await setDeploymentStatus(target, data.id, 'in_progress', { description: 'Deploying the preview' });
    return data.id;
  } catch (error) {
    permissionWarning(target, 'create deployment', error);
    return undefined;
  }
}

export async function setDeploymentStatus(
  target: DeploymentTarget,
  id: number,
  state: DeploymentState,
  options: { environmentUrl?: string; description?: string } = {},
): Promise<void> {
  const { owner, repo, runUrl } = target.context;
  try {
    await target.octokit.rest.repos.createDeploymentStatus({
      owner,
      repo,
      deployment_id: id,
      state,
      ...(options.environmentUrl ? { environment_url: options.environmentUrl } : {}),
      ...(runUrl ? { log_url: runUrl } : {}),
      ...(options.description ? { description: options.description.slice(0, 140) } : {}),
      auto_inactive: false,
    });
  } catch (error) {
    permissionWarning(target, `set deployment status ${state}`, error);
  }
}

/** Marks every deployment of the PR inactive (the environment is gone); returns how many changed. */
export async function deactivateDeployments(target: DeploymentTarget): Promise<number> {
  const { owner, repo } = target.context;
  let changed = 0;
  try {
    const deployments = await target.octokit.paginate(target.octokit.rest.repos.listDeployments, {
      owner,
      repo,
      task: target.task,
      environment: target.environment,
      per_page: 100,
    });
    for (const deployment of deployments) {
      const { data: statuses } = await target.octokit.rest.repos.listDeploymentStatuses({
        owner,
        repo,
        deployment_id: deployment.id,
        per_page: 1,
      });
      if (statuses[0]?.state === 'inactive') continue;
      await setDeploymentStatus(target, deployment.id, 'inactive', {
        description: 'Preview environment removed',
      });
      changed++;
    }
  } catch (error) {
    permissionWarning(target, 'deactivate deployments', error);
  }
  return changed;
}
