import { describe, expect, it } from 'vitest';
import { decisionOf } from './gate.js';

describe('decisionOf (pure)', () => {
  it('reads /approve and /reject [reason] from the first line only, in plain ASCII', () => {
    expect(decisionOf('/approve')).toEqual({ decision: 'approve', reason: '' });
    expect(decisionOf('  /Reject error rate is up\nmore')).toEqual({
      decision: 'reject',
      reason: 'error rate is up',
    });
    for (const body of ['LGTM /approve', '/approved', '/аpprove', 'please\n/approve', '/approve\u202e']) {
      expect(decisionOf(body)).toBeUndefined();
    }
  });
});
