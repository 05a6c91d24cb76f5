import { ecsName, type PreviewKey, previewBaseName, targetGroupName } from '@ecs-actions/kit';

/** Names of one preview's resources. They are deterministic, but ownership is always checked on tags. */
export interface PreviewNames {
  service: string;
  family: string;
  targetGroup: string;
  /** The GitHub deployment `task` that marks this preview's deployments (`preview:pr-42`, `preview:br-main`). */
  deploymentTask: string;
}

export function previewNames(prefix: string, key: PreviewKey): PreviewNames {
  const base = ecsName(previewBaseName(prefix, key.id));
  return {
    service: base,
    family: base,
    targetGroup: targetGroupName(prefix, key.id),
    deploymentTask: `preview:${key.id}`,
  };
}
