import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TempHome } from '@biged/core/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import { formatSize, listCheckpoints } from './marathon';

describe('biged marathon', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('starts sessions, records snapshots, shows the last 5 sessions and the last 3 snapshots, ends them', async () => {
    const empty = await runCli(['marathon', '--home', home.home]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('no marathon sessions');

    for (const name of ['s1', 's2', 's3', 's4', 's5', 's6']) {
      const started = await runCli(['marathon', 'start', name, '--home', home.home]);
      expect(started.code).toBe(0);
      expect(started.stdout).toMatch(new RegExp(`^started marathon session \\d+ "${name}"\\n$`));
    }
    const withMeta = await runCli([
      'marathon',
      'start',
      'train-depth6',
      '--meta',
      '{"goal":"depth 6"}',
      '--json',
      '--home',
      home.home,
    ]);
    expect(withMeta.json()).toMatchObject({
      id: 7,
      name: 'train-depth6',
      status: 'active',
      meta: { goal: 'depth 6' },
      ended_at: null,
      snapshot_count: 0,
    });
    for (let step = 1; step <= 4; step += 1) {
      const snap = await runCli([
        'marathon',
        'snapshot',
        step % 2 ? 'train-depth6' : '7',
        '--label',
        `step ${step}`,
        '--data',
        JSON.stringify({ step, loss: 1 / step }),
        '--home',
        home.home,
      ]);
      expect(snap.code).toBe(0);
      expect(snap.stdout).toBe(`recorded snapshot ${step} of session 7\n`);
    }

    const listed = await runCli(['marathon', '--json', '--home', home.home]);
    const sessions = listed.json<{ sessions: Array<{ name: string }> }>().sessions;
    expect(sessions).toHaveLength(5);
    expect(sessions[0]?.name).toBe('train-depth6');
    expect(sessions.map((row) => row.name)).not.toContain('s1');

    const detail = await runCli(['marathon', 'train-depth6', '--json', '--home', home.home]);
    const shown = detail.json<{
      session: { snapshot_count: number };
      snapshots: Array<{ label: string; data: unknown }>;
    }>();
    expect(shown.session.snapshot_count).toBe(4);
    expect(shown.snapshots.map((snapshot) => snapshot.label)).toEqual(['step 4', 'step 3', 'step 2']);
    expect(shown.snapshots[0]?.data).toEqual({ step: 4, loss: 0.25 });

    const human = await runCli(['marathon', '7', '--home', home.home]);
    expect(human.stdout).toMatch(/^#7 {2}train-depth6 +active/);
    expect(human.stdout).toContain('meta {"goal":"depth 6"}');
    expect(human.stdout.match(/snapshot #/g)).toHaveLength(3);

    const ended = await runCli(['marathon', 'end', 'train-depth6', '--home', home.home]);
    expect(ended.stdout).toBe('ended marathon session 7 "train-depth6"\n');
    const again = await runCli(['marathon', 'end', 'train-depth6', '--json', '--home', home.home]);
    expect(again.code).toBe(1);
    expect(again.json()).toMatchObject({ error: { code: 'QUEUE_SESSION_ENDED' } });
  });

  it('answers unknown sessions with exit 3 and bad names, duplicates or data with exit 1', async () => {
    const missing = await runCli(['marathon', 'nope', '--home', home.home]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no marathon session "nope"');
    expect(missing.stderr).toContain('try: list the latest sessions with `biged marathon`');
    expect((await runCli(['marathon', 'snapshot', '42', '--home', home.home])).code).toBe(3);

    const badName = await runCli(['marathon', 'start', '9lives', '--home', home.home]);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('must start with a letter');
    await runCli(['marathon', 'start', 'alpha', '--home', home.home]);
    const duplicate = await runCli(['marathon', 'start', 'alpha', '--json', '--home', home.home]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.json()).toMatchObject({ error: { code: 'QUEUE_SESSION_EXISTS' } });
    const badData = await runCli(['marathon', 'snapshot', 'alpha', '--data', '{oops', '--home', home.home]);
    expect(badData.code).toBe(1);
    expect(badData.stderr).toContain('data: not valid JSON');
    const oversized = await runCli([
      'marathon',
      'snapshot',
      'alpha',
      '--data',
      JSON.stringify({ blob: 'x'.repeat(70_000) }),
      '--home',
      home.home,
    ]);
    expect(oversized.code).toBe(1);
    expect(oversized.stderr).toContain('more than the 65536 allowed');
    const noHome = await runCli(['marathon', '--home', path.join(home.home, 'absent')]);
    expect(noHome.code).toBe(1);
    expect(noHome.stderr).toContain('no fleet home');
  });
});

describe('biged marathon-checkpoint', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'biged-ckpt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (relative: string, bytes: number, minutesAgo: number) => {
    const file = path.join(dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, Buffer.alloc(bytes));
    const time = new Date(Date.UTC(2026, 10, 30, 12, 0, 0) - minutesAgo * 60_000);
    utimesSync(file, time, time);
  };

  it('lists the 10 newest .pt files by mtime, in subfolders too, ignoring other files and links', async () => {
    for (let index = 0; index < 12; index += 1)
      write(`step_${String(index).padStart(2, '0')}.pt`, 100 + index, 60 - index);
    write('run2/best.pt', 2048, 0);
    write('notes.txt', 10, 0);
    write('model.pth', 10, 0);
    symlinkSync(path.join(dir, 'run2'), path.join(dir, 'loop'));

    const result = await runCli(['marathon-checkpoint', '--dir', dir, '--json']);
    expect(result.code).toBe(0);
    const body = result.json<{
      dir: string;
      exists: boolean;
      checkpoints: Array<{ path: string; size_bytes: number; modified_at: string }>;
    }>();
    expect(body.exists).toBe(true);
    expect(body.checkpoints).toHaveLength(10);
    expect(body.checkpoints[0]).toEqual({
      path: 'run2/best.pt',
      size_bytes: 2048,
      modified_at: '2026-11-30T12:00:00.000Z',
    });
    expect(body.checkpoints.slice(1).map((file) => file.path)).toEqual(
      [11, 10, 9, 8, 7, 6, 5, 4, 3].map((index) => `step_${String(index).padStart(2, '0')}.pt`),
    );

    const human = await runCli(['marathon-checkpoint', '--dir', dir, '--limit', '2']);
    expect(human.stdout).toBe(
      `${dir}\n2026-11-30 12:00:00      2.0 KB  run2/best.pt\n2026-11-30 11:11:00       111 B  step_11.pt\n`,
    );
  });

  it('says so, with exit 0, when the folder is missing or holds no checkpoints; refuses a bad --limit', async () => {
    const absent = path.join(dir, 'absent');
    const missing = await runCli(['marathon-checkpoint', '--dir', absent]);
    expect(missing.code).toBe(0);
    expect(missing.stdout).toContain(`no checkpoint folder at ${absent}`);
    const missingJson = await runCli(['marathon-checkpoint', '--dir', absent, '--json']);
    expect(missingJson.json()).toEqual({ dir: absent, exists: false, checkpoints: [] });

    const none = await runCli(['marathon-checkpoint', '--dir', dir]);
    expect(none.stdout).toBe(`no .pt checkpoints in ${dir}\n`);

    // Default folder: <home>/autoresearch/checkpoints.
    write('home/autoresearch/checkpoints/a.pt', 5, 1);
    const fromHome = await runCli(['marathon-checkpoint', '--home', path.join(dir, 'home'), '--json']);
    expect(
      fromHome.json<{ checkpoints: Array<{ path: string }> }>().checkpoints.map((file) => file.path),
    ).toEqual(['a.pt']);

    const bad = await runCli(['marathon-checkpoint', '--dir', dir, '--limit', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--limit must be a whole number above 0');
  });

  it('formats sizes and treats a file given as the folder as missing', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(5 * 1024 ** 3)).toBe('5.0 GB');
    write('file.pt', 1, 0);
    expect(listCheckpoints({ dir: path.join(dir, 'file.pt') })).toBeUndefined();
  });
});
