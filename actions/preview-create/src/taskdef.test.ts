import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { toSpec as fromRegistered } from '@ecs-actions/ecs';
import { describe, expect, it } from 'vitest';
import { renderTaskDefinition } from './taskdef.js';

const registered: TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/web:3',
  family: 'web',
  revision: 3,
  status: 'ACTIVE',
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  requiresCompatibilities: ['FARGATE'],
  compatibilities: ['EC2', 'FARGATE'],
  registeredAt: new Date(0),
  containerDefinitions: [
    { name: 'sidecar', image: 'envoy:1' },
    {
      name: 'web',
      image: 'web:1',
      portMappings: [{ containerPort: 8080 }],
      environment: [{ name: 'LOG', value: 'info' }],
    },
  ],
};
const options = {
  family: 'shop-pr-1',
  image: 'web:2',
  containerName: undefined,
  containerPort: undefined,
  environment: { PREVIEW_PR: '1', LOG: 'debug' },
  cpu: undefined,
  memory: '1024',
};

describe('task definitions', () => {
  it('renders the preview revision: family, image and environment of the container with a port, sizes', () => {
    const rendered = renderTaskDefinition(fromRegistered(registered), options);
    expect(rendered.container).toBe('web');
    expect(rendered.port).toBe(8080);
    expect(rendered.spec).not.toHaveProperty('taskDefinitionArn');
    expect(rendered.spec).not.toHaveProperty('compatibilities');
    expect(rendered.spec).toMatchObject({ family: 'shop-pr-1', cpu: '256', memory: '1024' });
    const web = rendered.spec.containerDefinitions?.find((c) => c.name === 'web');
    expect(web?.image).toBe('web:2');
    expect(web?.environment).toEqual([
      { name: 'LOG', value: 'debug' },
      { name: 'PREVIEW_PR', value: '1' },
    ]);
    expect(rendered.spec.containerDefinitions?.[0]?.image).toBe('envoy:1');
  });

  it('hashes equal specs equally and different specs differently', () => {
    const a = renderTaskDefinition(fromRegistered(registered), options).hash;
    expect(renderTaskDefinition(fromRegistered({ ...registered, revision: 9 }), options).hash).toBe(a);
    expect(renderTaskDefinition(fromRegistered(registered), { ...options, image: 'web:3' }).hash).not.toBe(a);
  });

  it('names the input when the container or port cannot be found', () => {
    expect(() =>
      renderTaskDefinition(fromRegistered(registered), { ...options, containerName: 'api' }),
    ).toThrowError(/^Input 'container-name': no container 'api' .*sidecar, web/);
    const noPorts = fromRegistered({
      ...registered,
      containerDefinitions: [
        { name: 'a', image: 'a' },
        { name: 'b', image: 'b' },
      ],
    });
    expect(() => renderTaskDefinition(noPorts, options)).toThrowError(
      /^Input 'container-name': no container has a port mapping/,
    );
    const single = fromRegistered({ ...registered, containerDefinitions: [{ name: 'a', image: 'a' }] });
    expect(() => renderTaskDefinition(single, options)).toThrowError(/^Input 'container-port'/);
    expect(
      renderTaskDefinition(single, { ...options, containerPort: 3000 }).spec.containerDefinitions?.[0]
        ?.portMappings,
    ).toEqual([{ containerPort: 3000, protocol: 'tcp' }]);
  });
});
