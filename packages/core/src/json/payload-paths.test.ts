import { describe, expect, it } from 'vitest';
import { payloadPaths, resolvePayloadPaths } from './payload-paths';

describe('payload paths', () => {
  it('makes the path keys absolute against the caller cwd and leaves everything else alone', () => {
    const payload = { path: '.', files: ['a.ts', '/abs/b.ts', 3], query: 'src', nested: { path: 'x' } };
    expect(resolvePayloadPaths(payload, '/home/me/repo')).toEqual({
      path: '/home/me/repo',
      files: ['/home/me/repo/a.ts', '/abs/b.ts', 3],
      query: 'src',
      nested: { path: 'x' },
    });
    expect(payload.path).toBe('.');
  });

  it('lists only absolute paths a payload names', () => {
    expect(payloadPaths({ path: '/a/../b', dir: 'relative', files: ['/c', ''], root: 7 })).toEqual([
      '/b',
      '/c',
    ]);
  });
});
