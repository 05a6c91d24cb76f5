import { ecsName, previewBaseName, targetGroupName } from '@ecs-actions/kit';

/** Names of one PR's resources. They are deterministic, but ownership is always checked on tags. */
export interface PreviewNames {
  service: string;
  family: string;
  targetGroup: string;
  /** The GitHub deployment `task` that marks this PR's deployments. */
  deploymentTask: string;
}

export function previewNames(prefix: string, pr: number): PreviewNames {
  const base = ecsName(previewBaseName(prefix, pr));
  return {
    service: base,
    family: base,
    targetGroup: targetGroupName(prefix, pr),
    deploymentTask: `preview:pr-${pr}`,
  };
}
