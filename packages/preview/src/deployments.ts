import { errorMessage, httpStatusOf, type Octokit, type PreviewKey, type RunContext } from '@ecs-actions/kit';

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface DeploymentTarget {
  octokit: Octokit;
  context: RunContext;
  /** GitHub environment name (one shared name for all previews by default). */
  environment: string;
  /** Marks the preview's deployments so that destroy can find them: `preview:pr-<n>`, `preview:br-<slug>`. */
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
  options: { ref: string; key: PreviewKey; payload: Record<string, unknown>; description: string },
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
      payload: {
        ...(options.key.kind === 'pr' ? { pr: options.key.pr } : { branch: options.key.branch }),
        ...options.payload,
      },
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

/** A deployment and its state as GraphQL reports it (the latest status: ACTIVE, INACTIVE, IN_PROGRESS, …). */
export interface DeploymentOfEnvironment {
  id: number;
  task: string;
  state: string;
}

/** States of a deployment that still claims a running environment. */
const LIVE_STATES = new Set(['ACTIVE', 'IN_PROGRESS', 'QUEUED', 'PENDING', 'WAITING']);

const DEPLOYMENTS_QUERY = `query Deployments($owner: String!, $name: String!, $environment: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    deployments(environments: [$environment], first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { databaseId task state }
    }
  }
}`;

/**
 * Every deployment of a GitHub environment with its state: one GraphQL request per 100 deployments, where
 * REST needs one more request per deployment to read its latest status.
 */
export async function listDeployments(
  octokit: Octokit,
  context: RunContext,
  environment: string,
): Promise<DeploymentOfEnvironment[]> {
  const out: DeploymentOfEnvironment[] = [];
  let after: string | null = null;
  do {
    const data: {
      repository: {
        deployments: {
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          nodes: ({ databaseId: number | null; task: string | null; state: string | null } | null)[];
        };
      };
    } = await octokit.graphql(DEPLOYMENTS_QUERY, {
      owner: context.owner,
      name: context.repo,
      environment,
      after,
    });
    const page = data.repository.deployments;
    for (const node of page.nodes) {
      if (node?.databaseId) out.push({ id: node.databaseId, task: node.task ?? '', state: node.state ?? '' });
    }
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return out;
}

/** The deployments of `task` that still claim a live environment. */
export function liveDeploymentsOf(deployments: DeploymentOfEnvironment[], task: string): number[] {
  return deployments.filter((d) => d.task === task && LIVE_STATES.has(d.state)).map((d) => d.id);
}

/** Marks deployments inactive (their environment is gone); returns how many were marked. */
export async function markInactive(target: DeploymentTarget, ids: number[]): Promise<number> {
  for (const id of ids) {
    await setDeploymentStatus(target, id, 'inactive', { description: 'Preview environment removed' });
  }
  return ids.length;
}

/** Marks every live deployment of the PR inactive (the environment is gone); returns how many changed. */
export async function deactivateDeployments(target: DeploymentTarget): Promise<number> {
  try {
    const deployments = await listDeployments(target.octokit, target.context, target.environment);
    return await markInactive(target, liveDeploymentsOf(deployments, target.task));
  } catch (error) {
    permissionWarning(target, 'deactivate deployments', error);
    return 0;
  }
}

/**
 * After a successful deploy: marks the PR's earlier deployments that are still live inactive, so that a
 * preview has one live deployment (the PR's deployments box shows the current one, and clean-up has one
 * to mark). Reads the PR's latest deployments (one REST request, newest first).
 */
export async function retireEarlierDeployments(target: DeploymentTarget, current: number): Promise<void> {
  const { owner, repo } = target.context;
  try {
    const { data } = await target.octokit.rest.repos.listDeployments({
      owner,
      repo,
      task: target.task,
      environment: target.environment,
      per_page: 2,
    });
    // Newest first: the one before this run's. Earlier ones were retired by the runs that followed them.
    const previous = data.find((d) => d.id !== current && d.id < current);
    if (previous) {
      await setDeploymentStatus(target, previous.id, 'inactive', {
        description: 'Superseded by a newer deploy',
      });
    }
  } catch (error) {
    permissionWarning(target, 'retire earlier deployments', error);
  }
}
