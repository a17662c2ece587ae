import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFileSystemGuard, FsGuardError, parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSkillFs } from './create-skill-fs';
import { SkillFsError } from './errors/skill-fs-error';

// A fixed seed keeps CI repeatable; FC_SEED=<n> explores other inputs locally.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130) });

let zone: TempHome;
let outside: TempHome;
let home: TempHome;

beforeAll(() => {
  zone = createTempHome();
  outside = createTempHome();
  home = createTempHome();
  mkdirSync(path.join(zone.home, 'sub'));
  writeFileSync(path.join(zone.home, 'sub', 'file.txt'), 'inside');
  writeFileSync(path.join(outside.home, 'secret.txt'), 'OUTSIDE-SECRET');
  symlinkSync(outside.home, path.join(zone.home, 'link-out'));
  symlinkSync(path.join(outside.home, 'secret.txt'), path.join(zone.home, 'sub', 'secret-link'));
  symlinkSync(path.join(zone.home, 'sub'), path.join(zone.home, 'link-in'));
});

afterAll(() => {
  zone.cleanup();
  outside.cleanup();
  home.cleanup();
});

const outsideName = () => path.basename(outside.home);
const component = fc.constantFrom(
  '..',
  '.',
  'sub',
  'file.txt',
  'secret.txt',
  'link-out',
  'link-in',
  'secret-link',
  'x',
);
const candidate = fc.array(component, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('/'));

/** Errors a guarded read may end in: a refusal, or the file system's own answer for a path that is not a file. */
const expectedFailure = (error: unknown) =>
  FsGuardError.isInstance(error) ||
  SkillFsError.isInstance(error) ||
  ['ENOENT', 'ENOTDIR', 'EISDIR'].includes((error as { code?: string }).code ?? '');

describe('createSkillFs (property)', () => {
  for (const mode of ['guard', 'roots'] as const) {
    it(`${mode}: never returns the content of a file outside the zone`, async () => {
      const fs =
        mode === 'guard'
          ? createSkillFs({
              cwd: zone.home,
              guard: createFileSystemGuard({
                config: parseFleetConfig({
                  filesystem: { zones: { work: { path: zone.home } }, enterprise: { enforce: true } },
                }).config,
                home: home.home,
                cwd: zone.home,
              }),
            })
          : createSkillFs({ cwd: zone.home, readRoots: [zone.home] });
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            candidate,
            candidate.map((rest) => `../${outsideName()}/${rest}`),
          ),
          async (target) => {
            try {
              const content = await fs.readFile(target, 'utf8');
              expect(content).not.toBe('OUTSIDE-SECRET');
            } catch (error) {
              if (!expectedFailure(error)) throw error;
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});
