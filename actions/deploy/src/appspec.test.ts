import type { Service } from '@aws-sdk/client-ecs';
import { UserError } from '@ecs-actions/kit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appSpecContent, appSpecFromFile, generateAppSpec } from './appspec.js';

const service: Service = {
  serviceName: 'web',
  platformVersion: '1.4.0',
  loadBalancers: [{ targetGroupArn: 'arn:tg', containerName: 'app', containerPort: 8080 }],
  networkConfiguration: {
    awsvpcConfiguration: {
      subnets: ['subnet-a', 'subnet-b'],
      securityGroups: ['sg-1'],
      assignPublicIp: 'DISABLED',
    },
  },
  capacityProviderStrategy: [
    { capacityProvider: 'FARGATE', base: 1, weight: 1 },
    { capacityProvider: 'FARGATE_SPOT', weight: 3 },
  ],
};
const TD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7';

describe('generateAppSpec', () => {
  it('takes container, port, platform version, network and capacity providers from the service', () => {
    const spec = generateAppSpec(service, TD, { BeforeAllowTraffic: 'arn:lambda:check' });
    expect(spec.Resources[0]!.TargetService.Properties).toEqual({
      TaskDefinition: TD,
      LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 },
      PlatformVersion: '1.4.0',
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: ['subnet-a', 'subnet-b'],
          SecurityGroups: ['sg-1'],
          AssignPublicIp: 'DISABLED',
        },
      },
      CapacityProviderStrategy: [
        { CapacityProvider: 'FARGATE', Base: 1, Weight: 1 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 3 },
      ],
    });
    expect(spec.Hooks).toEqual([{ BeforeAllowTraffic: 'arn:lambda:check' }]);
  });

  it('omits what the service does not set (EC2 bridge networking, no capacity providers)', () => {
    const spec = generateAppSpec(
      { serviceName: 'web', loadBalancers: [{ containerName: 'app', containerPort: 80 }] },
      TD,
      {},
    );
    expect(spec.Resources[0]!.TargetService.Properties).toEqual({
      TaskDefinition: TD,
      LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 80 },
    });
    expect(spec.Hooks).toBeUndefined();
  });

  it('refuses a service without a load balancer, pointing at the appspec input', () => {
    expect(() => generateAppSpec({ serviceName: 'worker' }, TD, {})).toThrow(UserError);
    expect(() => generateAppSpec({ serviceName: 'worker' }, TD, {})).toThrow(/'appspec'/);
  });
});

describe('appSpecFromFile', () => {
  it("replaces the file's task definition and lets the hooks input override the file's hooks", () => {
    const yaml = [
      'version: 0.0',
      'Resources:',
      '  - TargetService:',
      '      Type: AWS::ECS::Service',
      '      Properties:',
      '        TaskDefinition: <TASK_DEFINITION>',
      '        LoadBalancerInfo: { ContainerName: app, ContainerPort: 80 }',
      'Hooks:',
      '  - AfterInstall: arn:lambda:old',
      '  - AfterAllowTraffic: arn:lambda:keep',
    ].join('\n');
    const spec = appSpecFromFile(yaml, 'appspec.yml', TD, { AfterInstall: 'arn:lambda:new' });
    expect(spec.Resources[0]!.TargetService.Properties.TaskDefinition).toBe(TD);
    expect(spec.Hooks).toEqual([
      { AfterInstall: 'arn:lambda:new' },
      { AfterAllowTraffic: 'arn:lambda:keep' },
    ]);
  });

  it('names the file when it is not an ECS AppSpec', () => {
    expect(() => appSpecFromFile('version: 0.0\n', 'deploy/appspec.yml', TD, {})).toThrow(
      /deploy\/appspec.yml/,
    );
  });
});

describe('appSpecContent', () => {
  it('is JSON that reads back as the spec, with version 0.0 and its SHA-256', () => {
    const spec = generateAppSpec(service, TD, {});
    const { content, sha256 } = appSpecContent(spec);
    expect(content).toMatch(/"version": 0\.0,/);
    expect(parse(content)).toEqual({ ...spec, version: 0 });
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
