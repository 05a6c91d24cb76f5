import { describe, expect, it } from 'vitest';
import { renderHost } from './host.js';

describe('renderHost', () => {
  const values = { pr: 42, branch: 'Feature/Ünïcode_Login', repo: 'Shop.Web' };

  it('fills {pr}, {branch} and {repo} with DNS-safe values', () => {
    expect(renderHost('pr-{pr}.preview.example.com', values)).toBe('pr-42.preview.example.com');
    expect(renderHost('{branch}.{repo}.preview.example.com', values)).toBe(
      'feature-unicode-login.shop-web.preview.example.com',
    );
  });

  it('keeps a long branch within a 63-character label and the host within 128', () => {
    const host = renderHost('{branch}.preview.example.com', { ...values, branch: 'x'.repeat(200) });
    expect(host.split('.')[0]!.length).toBeLessThanOrEqual(63);
    expect(() => renderHost(`pr-{pr}.${'a'.repeat(60)}.${'b'.repeat(60)}.example.com`, values)).toThrowError(
      /is 1\d\d characters; an ALB host condition allows 128/,
    );
  });

  it('rejects unknown placeholders, unbalanced braces, and templates every PR would share', () => {
    expect(() => renderHost('pr-{number}.example.com', values)).toThrowError(
      /unknown placeholder \{number\}/,
    );
    expect(() => renderHost('pr-{pr.example.com', values)).toThrowError(/unbalanced braces/);
    expect(() => renderHost('preview.example.com', values)).toThrowError(/neither \{pr\} nor \{branch\}/);
    expect(() => renderHost('{branch}.example.com', { ...values, branch: undefined })).toThrowError(
      /no branch/,
    );
    expect(() => renderHost('pr_{pr}.example.com', values)).toThrowError(/not a valid host name/);
  });
});
