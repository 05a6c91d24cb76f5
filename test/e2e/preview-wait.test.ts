import { describe, expect, it } from 'vitest';
import { CREATE, createInputs, runForPr, taggedFor, usePreviewWorld } from './preview-env.js';

// A moto whose services never report their tasks running (no MOTO_ECS_SERVICE_RUNNING): the rollout
// stays IN_PROGRESS, as a real service does when its tasks keep failing their health checks.
const world = usePreviewWorld({ running: false });

describe('waiting', () => {
  it('times out with a diagnosis: rollout state, events and stopped tasks', async () => {
    const result = await runForPr(
      world(),
      CREATE,
      7,
      createInputs(world(), { timeout: '3s', 'poll-interval': '1s' }),
    );
    expect(result.exitCode).toBe(1);
    const message = result.errors[0] ?? '';
    expect(message).toMatch(
      /^Timed out after 3s waiting for service shop-pr-7 to finish its deployment\. Last status: IN_PROGRESS: 0\/1 running, 1 pending/,
    );
    expect(message).toMatch(/Deployment: ecs-svc\/\d+ IN_PROGRESS/);
    expect(message).toContain('Recent service events:');
    expect(message).toContain('Stopped tasks:');
    // Progress was printed at the fixed interval while waiting.
    expect(result.stdout.match(/\] IN_PROGRESS: 0\/1 running/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    // The failure is recorded on the GitHub deployment, and the tagged resources stay for a re-run or destroy.
    const deployment = world().gh.state.deployments()[0]!;
    expect(deployment.statuses.at(-1)?.state).toBe('failure');
    expect((await taggedFor(world(), 7)).services).toHaveLength(1);
    world().gh.assertNoViolations();
  });

  it('with wait: false returns as soon as the service is created', async () => {
    const result = await runForPr(world(), CREATE, 8, createInputs(world(), { wait: 'false' }));
    expect(result.exitCode).toBe(0);
    expect(result.outputs.url).toBe('https://pr-8.preview.example.com');
  });
});
