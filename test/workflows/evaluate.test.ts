import { describe, expect, it } from 'vitest';
import { condition, evaluate, interpolate } from './replay.js';

// The replay evaluates with GitHub's own expression engine (@actions/expressions); the status functions are the replay's.
describe('replay expressions', () => {
  const context = {
    inputs: { environment: 'preview', 'dry-run': false },
    needs: { sweep: { result: 'success', outputs: { prs: '[3,4]' } } },
    steps: { aws: { outcome: 'success', outputs: {} }, create: { outcome: 'failure', outputs: { url: '' } } },
    github: {
      event_name: 'pull_request',
      repository: 'octo-org/shop',
      event: { pull_request: { head: { repo: { full_name: 'someone/shop' } } } },
    },
  };

  it('reads contexts, compares case-insensitively, and short-circuits like GitHub', () => {
    expect(evaluate('github.event.pull_request.head.repo.full_name != github.repository', context)).toBe(
      true,
    );
    expect(evaluate("github.event_name == 'PULL_REQUEST'", context)).toBe(true);
    expect(
      evaluate(
        "steps.aws.outcome == 'failure' && 'a' || steps.create.outcome == 'failure' && 'b' || 'c'",
        context,
      ),
    ).toBe('b');
    expect(evaluate('fromJSON(needs.sweep.outputs.prs)', context)).toEqual([3, 4]);
    expect(evaluate("!inputs.dry-run && needs.sweep.outputs.prs != '[]'", context)).toBe(true);
  });

  it('conditions need success unless they name a status function', () => {
    expect(condition(undefined, context, true)).toBe(false);
    expect(condition('failure()', context, true)).toBe(true);
    expect(condition(`\${{ !cancelled() && inputs.environment == 'preview' }}`, context, true)).toBe(true);
    expect(condition("inputs.environment == 'preview'", context, true)).toBe(false);
  });

  it('interpolates within text and keeps the type of a whole expression', () => {
    expect(interpolate(`pr-\${{ inputs.environment }}-x`, context)).toBe('pr-preview-x');
    expect(interpolate(`\${{ inputs.dry-run }}`, context)).toBe(false);
  });

  it("has GitHub's built-in functions and coercions, not a subset", () => {
    expect(evaluate("contains(github.repository, 'SHOP')", context)).toBe(true);
    expect(evaluate("startsWith(github.event_name, 'pull')", context)).toBe(true);
    expect(evaluate("endsWith(github.event_name, 'request')", context)).toBe(true);
    expect(evaluate("format('{0}-{1}', inputs.environment, 42)", context)).toBe('preview-42');
    expect(evaluate('join(fromJSON(\'["a","b"]\'), \', \')', context)).toBe('a, b');
    expect(evaluate('toJSON(needs.sweep.result)', context)).toBe('"success"');
    expect(evaluate("contains(fromJSON('[3,4]'), 4)", context)).toBe(true);
    expect(evaluate("1 == '1' && null == 0 && 'ABC' == 'abc'", context)).toBe(true);
    expect(evaluate('github.missing.deeper', context)).toBe(null);
    expect(() => evaluate('unknownFunction()', context)).toThrow();
  });
});
