import {
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFleetConfig } from '../config/load-config';
import { createFileSystemGuard, type FileSystemGuard } from './create-file-system-guard';

// A fixed seed keeps CI repeatable; FC_SEED=<n> explores other inputs locally.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130) });

let base: string;
let zone: string;
let home: string;
let guard: FileSystemGuard;

beforeAll(() => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), 'biged-guard-prop-')));
  zone = path.join(base, 'zone');
  home = path.join(base, 'home');
  for (const dir of [zone, home, path.join(zone, 'sub'), path.join(base, 'outside', 'inner')])
    mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(zone, 'sub', 'file.txt'), 'in');
  writeFileSync(path.join(base, 'outside', 'secret.txt'), 'out');
  symlinkSync(path.join(base, 'outside'), path.join(zone, 'link-out'));
  symlinkSync(path.join(zone, 'sub'), path.join(zone, 'link-in'));
  symlinkSync('../../outside/inner', path.join(zone, 'sub', 'rel-out'));
  symlinkSync(path.join(base, 'outside', 'missing'), path.join(zone, 'dangling'));
  symlinkSync(path.join(zone, 'sub', 'file.txt'), path.join(base, 'outside', 'link-back'));
  const config = parseFleetConfig({
    filesystem: { zones: { work: { path: zone, access: 'read_write' } }, enterprise: { enforce: true } },
  }).config;
  guard = createFileSystemGuard({ config, home, cwd: zone });
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

/**
 * The oracle, independent of the guard: libc realpath of the longest existing prefix (kernel semantics,
 * `link/..` included), the rest appended lexically.
 */
const oracle = (absolute: string): string => {
  const rest: string[] = [];
  let current = absolute;
  for (let hops = 0; hops < 100; hops += 1) {
    try {
      return path.resolve(realpathSync.native(current), ...rest.reverse());
    } catch {
      const link = (() => {
        try {
          return readlinkSync(current);
        } catch {
          return undefined;
        }
      })();
      if (link !== undefined) {
        current = path.resolve(path.dirname(current), link);
        continue;
      }
      const parent = path.dirname(current);
      if (parent === current) return path.resolve(absolute);
      rest.push(path.basename(current));
      current = parent;
    }
  }
  return path.resolve(current, ...rest.reverse());
};

const insideAZone = (target: string) =>
  [zone, home].some((root) => target === root || target.startsWith(`${root}/`));

const component = fc.constantFrom(
  '..',
  '.',
  '',
  'sub',
  'file.txt',
  'link-out',
  'link-in',
  'rel-out',
  'dangling',
  'outside',
  'secret.txt',
  'link-back',
  'zone',
  'new',
  'inner',
);
const candidate = fc
  .tuple(fc.boolean(), fc.array(component, { maxLength: 10 }))
  .map(([absolute, parts]) => (absolute ? `${base}/${parts.join('/')}` : parts.join('/')));

describe('FileSystemGuard.check (property)', () => {
  it('never allows a path whose resolution lies outside every zone', async () => {
    await fc.assert(
      fc.asyncProperty(
        candidate,
        fc.constantFrom('read' as const, 'write' as const),
        async (target, access) => {
          const result = await guard.check(target, access);
          if (!result.allowed) return;
          // The guard treats `x/` like `x` (a trailing slash after a link to a file still names the file).
          const absolute = (target.startsWith('/') ? target : `${zone}/${target}`).replace(/\/+$/, '') || '/';
          expect(insideAZone(result.resolvedPath)).toBe(true);
          expect(insideAZone(oracle(absolute))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('is idempotent: checking the resolved path again gives the same path and decision', async () => {
    await fc.assert(
      fc.asyncProperty(candidate, async (target) => {
        const first = await guard.check(target, 'read');
        if (first.resolvedPath === '') return;
        const second = await guard.check(first.resolvedPath, 'read');
        expect(second.resolvedPath).toBe(first.resolvedPath);
        expect(second.allowed).toBe(first.allowed);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws, whatever the string (size-capped by the guard itself)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (target) => {
        const result = await guard.check(target, 'read');
        expect(typeof result.allowed).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
