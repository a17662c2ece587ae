import { describe, expect, it } from 'vitest';
import { checksumMatches, listBundle, safeEntryPath, sha256Hex, toTar } from './bundle';
import { HubError } from './errors';
import { buildBundle, moduleSource, rawTar } from './hub-test-helpers';

const limits = { maxUnpackedBytes: 1024 * 1024, maxEntries: 100 };

describe('checksumMatches', () => {
  const digest = sha256Hex(Buffer.from('bundle'));

  it('matches exactly, ignoring hex case and surrounding blanks of the published value', () => {
    expect(checksumMatches(digest, digest)).toBe(true);
    expect(checksumMatches(` ${digest.toUpperCase()}\n`, digest)).toBe(true);
  });

  it('never matches a different, shorter, longer, empty or non-hex value', () => {
    expect(checksumMatches(sha256Hex(Buffer.from('other')), digest)).toBe(false);
    expect(checksumMatches(digest.slice(0, 63), digest)).toBe(false);
    expect(checksumMatches(`${digest}0`, digest)).toBe(false);
    expect(checksumMatches('', digest)).toBe(false);
    expect(checksumMatches(`${digest.slice(0, 63)}g`, `${digest.slice(0, 63)}g`)).toBe(false);
  });
});

describe('safeEntryPath', () => {
  it('normalises harmless paths', () => {
    expect(safeEntryPath('./lib//util.js')).toBe('lib/util.js');
    expect(safeEntryPath('module.json')).toBe('module.json');
    expect(safeEntryPath('./')).toBe('');
  });

  it.each([
    ['../x', /contains "\.\."/],
    ['a/../../x', /contains "\.\."/],
    ['..', /contains "\.\."/],
    ['/etc/passwd', /absolute path/],
    ['C:/Windows/x', /absolute path/],
    ['a\\..\\x', /backslash/],
    ['a\0b', /NUL byte/],
    [`${'a/'.repeat(40)}x`, /nested deeper than 32/],
    ['x'.repeat(1100), /longer than 1024/],
  ])('refuses %j', (raw, message) => {
    expect(() => safeEntryPath(raw)).toThrow(message);
    try {
      safeEntryPath(raw);
    } catch (error) {
      expect(HubError.isInstance(error) && error.code).toBe('HUB_UNSAFE_ARCHIVE');
    }
  });
});

describe('listBundle', () => {
  it('lists the files of a real tar.gz and of a plain tar', async () => {
    const files = moduleSource({ name: 'crm', files: { 'lib/a.js': 'a' } });
    for (const gzip of [true, false]) {
      const listing = await listBundle(toTar(buildBundle(files, { gzip }), limits), limits);
      expect(listing.files.sort()).toEqual(['index.js', 'lib/a.js', 'module.json']);
      expect(listing.unpackedBytes).toBe(
        Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0),
      );
    }
  });

  it('refuses too many entries or too many bytes', async () => {
    const many = rawTar(Array.from({ length: 5 }, (_, index) => ({ path: `f${index}`, content: 'x' })));
    await expect(listBundle(toTar(many, limits), { ...limits, maxEntries: 4 })).rejects.toThrow(
      /more than 4 entries/,
    );
    const big = rawTar([{ path: 'module.json', content: 'x'.repeat(2000) }]);
    await expect(listBundle(toTar(big, limits), { ...limits, maxUnpackedBytes: 1000 })).rejects.toThrow(
      /add up to more than 1000 bytes/,
    );
  });

  it('refuses damaged tar data', async () => {
    const tar = toTar(buildBundle(moduleSource({ name: 'crm' }), { gzip: false }), limits);
    const damaged = Buffer.from(tar);
    damaged.fill(0x41, 512, 1024);
    damaged.write('garbage', 148, 'latin1');
    await expect(listBundle(damaged, limits)).rejects.toSatisfy(
      (error: unknown) => HubError.isInstance(error) && error.code === 'HUB_BAD_ARCHIVE',
    );
  });
});
