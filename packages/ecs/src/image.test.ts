import { describe, expect, it } from 'vitest';
import { isImageReference } from './image.js';

describe('isImageReference', () => {
  it.each([
    'nginx',
    'nginx:1.27',
    'public.ecr.aws/nginx/nginx:1.27',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:3f2a1c9',
    'localhost:5000/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    'ghcr.io/octo-org/app:pr-42_build.7',
  ])('accepts %s', (ref) => expect(isImageReference(ref)).toBe(true));

  it.each([
    '',
    'docker run nginx',
    'https://example.com/app',
    'app:',
    'App:1',
    'app:tag with space',
    `app:${'x'.repeat(200)}`,
  ])('rejects %j', (ref) => expect(isImageReference(ref)).toBe(false));
});
