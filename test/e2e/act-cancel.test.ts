// A deploy cancelled under act: act receives SIGINT (what a user's Ctrl-C or a cancelled run delivers), and the
// outcome is read from moto — whether the deploy's post step put the service back on its previous revision.
// moto without MOTO_ECS_SERVICE_RUNNING never finishes a rolling deployment, so the deploy is still waiting.
import { rmSync, writeFileSync } from 'node:fs';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { afterAll, describe, expect, it } from 'vitest';
import { assertActBuilt, repositoryWith, runAct } from '../harness/act.js';
import { awsEnv, TOKEN, usePreviewWorld } from './preview-env.js';

const world = usePreviewWorld({ running: false });
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const DEPLOY = `name: deploy
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./actions/deploy
        with:
          cluster: \${{ env.CLUSTER }}
          service: \${{ env.SERVICE }}
          image: public.ecr.aws/nginx/nginx:1.29
          interval: 200ms
          timeout: 5m
`;

describe('act delivers a cancel', () => {
  it('SIGINT to act while deploy waits: the post step reverts the service to its previous revision', async () => {
    assertActBuilt();
    const w = world();
    const repo = repositoryWith(DEPLOY);
    temps.push(repo);
    const event = `${repo}-event.json`;
    temps.push(event);
    writeFileSync(event, JSON.stringify({ inputs: {} }));
    const revision = async () =>
      (
        await w.clients.ecs.send(
          new DescribeServicesCommand({ cluster: w.sandbox.clusterName, services: [w.sandbox.serviceName] }),
        )
      ).services![0]!.taskDefinition;
    const before = await revision();
    w.proxy.resetCounts();
    const result = await runAct({
      repo,
      eventName: 'workflow_dispatch',
      eventPath: event,
      token: TOKEN,
      env: { ...awsEnv(w), CLUSTER: w.sandbox.clusterName, SERVICE: w.sandbox.serviceName },
      onStart: (child) => {
        // Cancel once the deploy has updated the service and is waiting for the rollout.
        const timer = setInterval(() => {
          const waiting = w.proxy.calls.filter((c) => c.operation === 'DescribeServices').length >= 3;
          if (w.proxy.counts()['ecs:UpdateService'] && waiting) {
            clearInterval(timer);
            child.kill('SIGINT');
          }
        }, 100);
        child.on('close', () => clearInterval(timer));
      },
    });
    const updates = w.proxy.calls.filter((c) => c.operation === 'UpdateService').length;
    expect(updates, `${result.stdout}\n${result.stderr}`).toBe(2); // the deploy, then the post step's revert
    expect(await revision()).toBe(before);
  });
});
