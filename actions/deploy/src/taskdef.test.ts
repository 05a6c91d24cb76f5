import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { fakeClient } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import type { DeployInputs } from './inputs.js';
import { prepareTaskDefinition, render } from './taskdef.js';

const TD1 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const base: TaskDefinition = {
  taskDefinitionArn: TD1,
  family: 'web',
  revision: 1,
  status: 'ACTIVE',
  registeredAt: new Date(0),
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
  compatibilities: ['EC2', 'FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    { name: 'app', image: 'app:1', environment: [{ name: 'LOG_LEVEL', value: 'info' }] },
    { name: 'sidecar', image: 'envoy:1' },
  ],
};
const service: Service = {
  serviceName: 'web',
  taskDefinition: TD1,
  loadBalancers: [{ containerName: 'app', containerPort: 80 }],
};
const inputs = (over: Partial<DeployInputs>): DeployInputs =>
  ({
    taskDefinitionArn: undefined,
    source: { kind: 'service' },
    image: undefined,
    containerName: undefined,
    environmentVariables: {},
    service: 'web',
    ...over,
  }) as DeployInputs;

function ecs() {
  return fakeClient({
    DescribeTaskDefinition: () => ({ taskDefinition: base }),
    RegisterTaskDefinition: (input) => ({
      taskDefinition: {
        ...input,
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
      },
    }),
  });
}

describe('render', () => {
  it("puts the image and variables in the load balancer's container and lists the changes", () => {
    const { definition, changes } = render(
      base,
      { image: 'app:2', environmentVariables: { LOG_LEVEL: 'debug', NEW: '1' } },
      service,
    );
    expect(definition.containerDefinitions?.[0]).toMatchObject({
      image: 'app:2',
      environment: [
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'NEW', value: '1' },
      ],
    });
    expect(definition.containerDefinitions?.[1]?.image).toBe('envoy:1');
    expect(changes).toEqual(['app: image app:1 → app:2', 'app: LOG_LEVEL=debug', 'app: NEW=1']);
    expect(base.containerDefinitions?.[0]?.image).toBe('app:1');
  });

  it('asks for container-name when nothing says which container', () => {
    expect(() => render(base, { image: 'x', environmentVariables: {} }, undefined)).toThrow(
      /Input 'container-name' is required/,
    );
    expect(() =>
      render(base, { image: 'x', containerName: 'db', environmentVariables: {} }, service),
    ).toThrow(/has no container 'db'/);
  });
});

describe('prepareTaskDefinition', () => {
  it('registers only what RegisterTaskDefinition accepts', async () => {
    const client = ecs();
    const result = await prepareTaskDefinition(inputs({ image: 'app:2' }), service, {
      ecs: client,
      readFile: () => '',
    });
    expect(result.registered).toBe(true);
    const sent = client.calls.find((c) => c.command === 'RegisterTaskDefinition')!.input;
    expect(Object.keys(sent).sort()).toEqual(['containerDefinitions', 'cpu', 'family', 'memory']);
  });

  it('reuses the current revision when nothing changes (a re-run registers nothing)', async () => {
    const client = ecs();
    const result = await prepareTaskDefinition(inputs({ image: 'app:1' }), service, {
      ecs: client,
      readFile: () => '',
    });
    expect(result).toMatchObject({ arn: TD1, registered: false });
    expect(client.count.RegisterTaskDefinition).toBeUndefined();
  });

  it('promotes a given ARN without registering', async () => {
    const client = ecs();
    const result = await prepareTaskDefinition(inputs({ taskDefinitionArn: TD1 }), service, {
      ecs: client,
      readFile: () => '',
    });
    expect(result).toMatchObject({ arn: TD1, registered: false });
    expect(client.count).toEqual({ DescribeTaskDefinition: 1 });
  });

  it('reads a file as registered or as describe-task-definition prints it', async () => {
    const client = ecs();
    const text = JSON.stringify({
      taskDefinition: { family: 'web', containerDefinitions: [{ name: 'app', image: 'a' }] },
    });
    const result = await prepareTaskDefinition(
      inputs({ source: { kind: 'file', path: 'td.json' }, image: 'b' }),
      service,
      { ecs: client, readFile: () => text },
    );
    expect(result.registered).toBe(true);
    expect(client.calls.at(-1)?.input).toMatchObject({
      family: 'web',
      containerDefinitions: [{ name: 'app', image: 'b' }],
    });
  });
});
