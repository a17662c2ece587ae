import { describe, expect, it } from 'vitest';
import { compareVersions, MODULE_VERSION_PATTERN } from './compare-versions';

describe('compareVersions', () => {
  it.each([
    ['1.0.0', '1.0.0', 0],
    ['1.2', '1.2.0', 0],
    ['0.31', '0.4', 1],
    ['1.10.0', '1.9.9', 1],
    ['2.0.0', '10.0.0', -1],
    ['1.0.0-beta.1', '1.0.0', -1],
    ['1.0.0', '1.0.0-rc.1', 1],
    ['1.0.0-beta.2', '1.0.0-beta.10', -1],
    ['1.0.0-alpha', '1.0.0-beta', -1],
    ['1.0.0-1', '1.0.0-alpha', -1],
    ['1.0.0-beta', '1.0.0-beta.1', -1],
    ['0.0.0-test', '0.1.0', -1],
  ])('%s vs %s -> %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });

  it('throws on something that is not a version', () => {
    expect(() => compareVersions('1.x', '1.0')).toThrow(/not a module version: "1.x"/);
    expect(() => compareVersions('1.0', '')).toThrow(TypeError);
    expect(MODULE_VERSION_PATTERN.test('01.2')).toBe(false);
    expect(MODULE_VERSION_PATTERN.test('1.2.3.4.5')).toBe(false);
  });
});
