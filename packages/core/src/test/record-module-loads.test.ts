import { describe, expect, it } from 'vitest';
import { recordModuleLoads } from './record-module-loads';

describe('recordModuleLoads', () => {
  it('sees ES module imports, CommonJS requires and markers the child writes, in order', async () => {
    const { loaded, stdout } = await recordModuleLoads({
      args: [
        '--input-type=module',
        '-e',
        `import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
appendFileSync(process.env.MODULE_LOAD_LOG, 'MARK\\n');
await import('node:zlib');
createRequire(import.meta.url)('node:dns');
console.log('ran');`,
      ],
    });
    expect(stdout.trim()).toBe('ran');
    const mark = loaded.indexOf('MARK');
    expect(mark).toBeGreaterThan(-1);
    expect(loaded.slice(mark + 1)).toEqual(expect.arrayContaining(['node:zlib', 'node:dns']));
  });

  it('rejects when the child fails', async () => {
    await expect(recordModuleLoads({ args: ['-e', 'process.exit(3)'] })).rejects.toMatchObject({ code: 3 });
  });
});
