import { describe, expect, it } from 'vitest';
import * as root from '../index';
import * as config from './entry';

// `@biged/core/config` is a subset of the root export, not a second copy: every value is the same object.
describe('@biged/core/config', () => {
  it('exports only values the root exports too, identical', () => {
    const names = Object.keys(config);
    expect(names).toEqual(
      expect.arrayContaining([
        'loadConfig',
        'queueOptionsFromConfig',
        'fleetPaths',
        'BigedError',
        'TASK_STATUSES',
      ]),
    );
    for (const name of names) {
      expect((root as Record<string, unknown>)[name], name).toBe((config as Record<string, unknown>)[name]);
    }
  });
});
