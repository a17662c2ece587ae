import { describe, expect, it } from 'vitest';
import { createStopFilter } from './stop-filter';

describe('createStopFilter', () => {
  it('cuts before the first stop string, even one split across chunks', () => {
    const filter = createStopFilter([' l', 'zz']);
    expect(['m', 'p', 's', ' ', 'l', 'o'].map((chunk) => filter.push(chunk))).toEqual([
      'm',
      'p',
      's',
      '',
      '',
      '',
    ]);
    expect(filter.stopped).toBe(true);
    expect(filter.flush()).toBe('');
  });

  it('releases held-back text that turned out not to be a stop string', () => {
    const filter = createStopFilter(['\n\n']);
    expect(filter.push('a\n')).toBe('a');
    expect(filter.push('b')).toBe('\nb');
    expect(filter.push('\n')).toBe('');
    expect(filter.flush()).toBe('\n');
    expect(filter.stopped).toBe(false);
  });

  it('picks the earliest of several stop strings in one chunk', () => {
    const filter = createStopFilter(['c', 'b']);
    expect(filter.push('abc')).toBe('a');
  });

  it('passes everything through without stop strings', () => {
    const filter = createStopFilter([]);
    expect(filter.push('mps log.')).toBe('mps log.');
    expect(filter.flush()).toBe('');
  });
});
