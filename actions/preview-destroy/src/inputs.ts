import type { Inputs } from '@ecs-actions/kit/inputs';

export interface DestroyInputs {
  region: string | undefined;
  cluster: string;
  prNumber: number | undefined;
  branch: string | undefined;
  namePrefix: string | undefined;
  listenerArns: string[];
  deregisterTaskDefinitions: boolean;
  githubDeployments: boolean;
  deploymentEnvironment: string;
  githubToken: string | undefined;
}

export function parseDestroyInputs(inputs: Inputs): DestroyInputs {
  return {
    region: inputs.string('region'),
    cluster: inputs.required('cluster'),
    prNumber: inputs.integer('pr-number', { min: 1 }),
    branch: inputs.string('branch'),
    namePrefix: inputs.string('name-prefix'),
    listenerArns: inputs.list('listener-arn'),
    deregisterTaskDefinitions: inputs.boolean('deregister-task-definitions', true),
    githubDeployments: inputs.boolean('github-deployments', true),
    deploymentEnvironment: inputs.string('deployment-environment', 'preview'),
    githubToken: inputs.string('github-token'),
  };
}
