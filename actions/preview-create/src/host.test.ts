import { branchKey, prKey } from '@ecs-actions/kit';
import { describe, expect, it } from 'vitest';
import { renderHost } from './host.js';

describe('renderHost', () => {
  const values = { key: prKey(42), branch: 'Feature/Ünïcode_Login', repo: 'Shop.Web' };

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
    expect(() => renderHost('preview.example.com', values)).toThrowError(
      /none of \{pr\}, \{branch\} or \{key\}/,
    );
    expect(() => renderHost('{branch}.example.com', { ...values, branch: undefined })).toThrowError(
      /no branch/,
    );
    expect(() => renderHost('pr_{pr}.example.com', values)).toThrowError(/not a valid host name/);
  });
});

describe('renderHost for branch previews', () => {
  it('fills {branch} with the branch and {key} with the key that no other preview has', () => {
    const values = { key: branchKey('feature/x'), branch: 'feature/x', repo: 'shop' };
    expect(renderHost('{branch}.review.example.com', values)).toBe('feature-x.review.example.com');
    expect(renderHost('{key}.review.example.com', values)).toMatch(
      /^br-feature-x-[0-9a-f]{6}\.review\.example\.com$/,
    );
    expect(renderHost('{key}.review.example.com', { ...values, key: prKey(7) })).toBe(
      'pr-7.review.example.com',
    );
  });

  it('refuses {pr} for a branch, pointing at {key}', () => {
    expect(() =>
      renderHost('pr-{pr}.preview.example.com', { key: branchKey('main'), branch: 'main', repo: 'shop' }),
    ).toThrowError(/uses \{pr\}, but this is the preview of branch main.*Use \{key\}/);
  });
});

describe('renderHost with long branches (the label counts the text around the placeholder)', () => {
  const long = `feature/${'very-long-branch-name-'.repeat(7)}end`; // 150+ characters

  it('fits pr-{pr}-{branch} with PR 987654 and a 150-character branch into one 63-character label', () => {
    const host = renderHost('pr-{pr}-{branch}.preview.example.com', {
      key: prKey(987654),
      branch: long,
      repo: 'shop',
    });
    const [label] = host.split('.');
    expect(label!.length).toBe(63);
    expect(label).toMatch(/^pr-987654-feature-very-long-branch-name-.*-[0-9a-f]{6}$/);
    expect(host.endsWith('.preview.example.com')).toBe(true);
  });

  it('is stable, and two long branches that share a beginning get different hosts', () => {
    const a = renderHost('pr-{pr}-{branch}.preview.example.com', {
      key: prKey(1),
      branch: `${long}-a`,
      repo: 'shop',
    });
    const b = renderHost('pr-{pr}-{branch}.preview.example.com', {
      key: prKey(1),
      branch: `${long}-b`,
      repo: 'shop',
    });
    expect(a).not.toBe(b);
    expect(
      renderHost('pr-{pr}-{branch}.preview.example.com', {
        key: prKey(1),
        branch: `${long}-a`,
        repo: 'shop',
      }),
    ).toBe(a);
  });

  it('shares one label between {branch} and {repo}, and keeps the whole host within 128', () => {
    const host = renderHost('{branch}-{repo}.{branch}.{repo}.preview.example.com', {
      key: prKey(1),
      branch: long,
      repo: `shop-${'r'.repeat(80)}`,
    });
    expect(host.length).toBeLessThanOrEqual(128);
    for (const label of host.split('.')) expect(label.length).toBeLessThanOrEqual(63);
  });
});
