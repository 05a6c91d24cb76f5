import { type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { CreateInputs } from './inputs.js';
import { createService } from './service.js';

// moto silently replaces a duplicate CreateService; ECS refuses a second, different one. This fake
// answers the way ECS does.
describe('createService when a concurrent run created the service first (ECS behaviour moto lacks)', () => {
  it('deploys this run onto the service the other run created', async () => {
    const sent: string[] = [];
    const ecs = {
      send: async (command: object) => {
        const name = command.constructor.name;
        sent.push(name);
        if (name === 'CreateServiceCommand') {
          throw Object.assign(new Error('Creation of service was not idempotent.'), {
            name: 'InvalidParameterException',
          });
        }
        if (command instanceof UpdateServiceCommand)
          return { service: { serviceArn: 'arn:svc', taskDefinition: command.input.taskDefinition } };
        return {};
      },
    } as unknown as ECSClient;
    const inputs = { cluster: 'c', desiredCount: 1 } as CreateInputs;
    const service = await createService(
      ecs,
      inputs,
      'shop-pr-1',
      'arn:td:2',
      { container: 'web', port: 80, hash: 'h' },
      'arn:tg',
      undefined,
      undefined,
      {},
    );
    expect(service).toMatchObject({ serviceArn: 'arn:svc', taskDefinition: 'arn:td:2' });
    expect(sent).toEqual(['CreateServiceCommand', 'UpdateServiceCommand', 'TagResourceCommand']);
  });

  it('passes any other error on', async () => {
    const ecs = {
      send: async () => Promise.reject(Object.assign(new Error('no'), { name: 'AccessDeniedException' })),
    } as unknown as ECSClient;
    await expect(
      createService(
        ecs,
        { cluster: 'c', desiredCount: 1 } as CreateInputs,
        'n',
        'td',
        { container: 'w', port: 1, hash: 'h' },
        'tg',
        undefined,
        undefined,
        {},
      ),
    ).rejects.toThrowError('no');
  });
});
