import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fleetPaths, parseFleetConfig } from '@biged/core';
import { createQueue, QueueError } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { startLauncher } from './start-launcher';

// Minimal terminal streams for Ink, recording what is drawn. (Under CI Ink writes only the last frame, on exit.)
class FakeStdout extends EventEmitter {
  columns = 80;
  rows = 24;
  text = '';
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}
class FakeStdin extends EventEmitter {
  isTTY = true;
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read() {
    return null;
  }
}

let home: string | undefined;
afterEach(() => {
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
});

const streams = () => {
  const stdout = new FakeStdout();
  const stdin = new FakeStdin();
  return {
    stdout,
    options: {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
    },
  };
};

describe('startLauncher (real fleet.db)', () => {
  it('draws the tab bar and Fleet from the reader, then quits on stop()', async () => {
    home = mkdtempSync(path.join(tmpdir(), 'biged-ui-start-'));
    const seed = createQueue({ file: fleetPaths(home).db });
    seed.registerAgent({ name: 'coder_1', role: 'coder', pid: 101, status: 'IDLE' });
    seed.close();
    const { stdout, options } = streams();
    const launcher = startLauncher({ home, config: parseFleetConfig({}).config, refreshMs: 100, ...options });
    await new Promise((resolve) => setTimeout(resolve, 300));
    launcher.stop();
    await launcher.waitUntilExit();
    expect(stdout.text).toContain('6 Modules');
    expect(stdout.text).toMatch(/coder_1\s+coder\s+IDLE/);
  });

  it('closes the app and rejects waitUntilExit() with the queue error when fleet.db is damaged', async () => {
    home = mkdtempSync(path.join(tmpdir(), 'biged-ui-start-'));
    writeFileSync(
      fleetPaths(home).db,
      'this is not a SQLite database, just text long enough to look like one',
    );
    const { stdout, options } = streams();
    const launcher = startLauncher({ home, config: parseFleetConfig({}).config, ...options });
    const failure = await launcher.waitUntilExit().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(QueueError.isInstance(failure), String(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'QUEUE_DB_CORRUPT' });
    expect(stdout.text).toContain('6 Modules');
  });
});
