import type { TempHome } from '@biged/core/test';
import { createQueue } from '@biged/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import { broadcastBody, messageBody } from './messaging';

describe('message bodies', () => {
  it('wraps text, keeps JSON objects, and maps PAUSE/RESUME', () => {
    expect(messageBody('hello')).toEqual({ text: 'hello' });
    expect(messageBody(' {"type":"x"}')).toBe(' {"type":"x"}');
    expect(broadcastBody('PAUSE')).toEqual({ type: 'pause' });
    expect(broadcastBody('RESUME')).toEqual({ type: 'resume' });
    expect(broadcastBody('pause please')).toEqual({ text: 'pause please' });
  });
});

describe('biged send / inbox', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('sends text and JSON to an agent not registered yet; inbox shows them unread without marking them', async () => {
    const text = await runCli(['send', 'coder_1', 'look at issue 4', '--json', '--home', home.home]);
    expect(text.code).toBe(0);
    expect(text.json()).toMatchObject({
      kind: 'direct',
      channel: 'agent',
      from: 'operator',
      to: 'coder_1',
      body: { text: 'look at issue 4' },
      read_at: null,
    });
    const json = await runCli([
      'send',
      'coder_1',
      '{"type":"plan","step":2}',
      '--channel',
      'sup',
      '--home',
      home.home,
    ]);
    expect(json.code).toBe(0);
    expect(json.stdout).toBe('sent message 2 to coder_1 [sup]\n');

    const inbox = await runCli(['inbox', 'coder_1', '--json', '--home', home.home]);
    expect(inbox.code).toBe(0);
    const listed = inbox.json<{
      agent: string;
      all: boolean;
      messages: Array<{ id: number; body: unknown }>;
    }>();
    expect(listed.agent).toBe('coder_1');
    expect(listed.messages.map((message) => message.body)).toEqual([
      { text: 'look at issue 4' },
      { type: 'plan', step: 2 },
    ]);
    const filtered = await runCli(['inbox', 'coder_1', '--channel', 'sup', '--json', '--home', home.home]);
    expect(filtered.json<{ messages: unknown[] }>().messages).toHaveLength(1);

    // Still unread: the operator's inbox command only looks.
    const human = await runCli(['inbox', 'coder_1', '--limit', '1', '--home', home.home]);
    expect(human.stdout).toMatch(
      /^#1 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}operator -> coder_1 \[agent\] \(unread\) {2}look at issue 4\n$/,
    );
    const empty = await runCli(['inbox', 'researcher', '--home', home.home]);
    expect(empty.stdout).toBe('no unread messages for researcher\n');
  });

  it('refuses bad agent names, malformed JSON and bad limits with exit 1', async () => {
    const badName = await runCli(['send', '../x', 'hi', '--home', home.home]);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('is not an agent name');
    const badJson = await runCli(['send', 'coder_1', '{oops', '--json', '--home', home.home]);
    expect(badJson.code).toBe(1);
    expect(badJson.json()).toMatchObject({ error: { code: 'QUEUE_INVALID_MESSAGE' } });
    const badLimit = await runCli(['inbox', 'coder_1', '--limit', '0', '--home', home.home]);
    expect(badLimit.code).toBe(1);
    expect(badLimit.stderr).toContain('--limit must be a whole number above 0');
  });

  it('refuses a body over [queue] max_payload_bytes', async () => {
    const small = await initHome('[queue]\nmax_payload_bytes = 64\n');
    try {
      const big = await runCli(['send', 'coder_1', 'x'.repeat(200), '--home', small.home]);
      expect(big.code).toBe(1);
      expect(big.stderr).toContain('the limit is 64 bytes');
    } finally {
      small.cleanup();
    }
  });
});

describe('biged broadcast', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('stores PAUSE as {"type":"pause"} once, seen by every agent once', async () => {
    const pause = await runCli(['broadcast', 'PAUSE', '--channel', 'fleet', '--json', '--home', home.home]);
    expect(pause.code).toBe(0);
    expect(pause.json()).toMatchObject({
      kind: 'broadcast',
      channel: 'fleet',
      to: null,
      body: { type: 'pause' },
    });
    const resume = await runCli(['broadcast', '{"type":"resume"}', '--home', home.home]);
    expect(resume.stdout).toBe('broadcast message 2 [fleet] {"type":"resume"}\n');

    const queue = createQueue({ file: home.db });
    try {
      for (const agent of ['coder_1', 'researcher']) {
        expect(queue.inbox(agent, { markRead: true }).map((message) => message.body)).toEqual([
          { type: 'pause' },
          { type: 'resume' },
        ]);
        expect(queue.inbox(agent, { markRead: true })).toEqual([]);
      }
    } finally {
      queue.close();
    }
    const all = await runCli(['inbox', 'coder_1', '--all', '--json', '--home', home.home]);
    expect(
      all.json<{ messages: Array<{ read_at: string | null }> }>().messages.every((m) => m.read_at !== null),
    ).toBe(true);
  });
});

describe('biged notes / channels', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('posts and reads notes with --since (id or ISO) and --limit', async () => {
    const first = await runCli([
      'notes',
      'research.plan',
      '--post',
      '{"step":1}',
      '--json',
      '--home',
      home.home,
    ]);
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ id: 1, kind: 'note', channel: 'research.plan', body: { step: 1 } });
    const second = await runCli(['notes', 'research.plan', '--post', 'plain idea', '--home', home.home]);
    expect(second.stdout).toBe('posted note 2 to research.plan\n');

    const read = await runCli(['notes', 'research.plan', '--json', '--home', home.home]);
    expect(read.json<{ channel: string; notes: Array<{ body: unknown }> }>()).toMatchObject({
      channel: 'research.plan',
      notes: [{ body: { step: 1 } }, { body: { text: 'plain idea' } }],
    });
    const sinceId = await runCli(['notes', 'research.plan', '--since', '1', '--json', '--home', home.home]);
    expect(sinceId.json<{ notes: Array<{ id: number }> }>().notes.map((note) => note.id)).toEqual([2]);
    const sinceFuture = await runCli([
      'notes',
      'research.plan',
      '--since',
      '2999-01-01T00:00:00Z',
      '--home',
      home.home,
    ]);
    expect(sinceFuture.stdout).toBe('no notes on research.plan\n');
    const badSince = await runCli(['notes', 'research.plan', '--since', 'yesterday', '--home', home.home]);
    expect(badSince.code).toBe(1);
    expect(badSince.stderr).toContain('since must be an ISO 8601 time');
    const badPost = await runCli(['notes', 'fleet', '--post', '{"a":', '--home', home.home]);
    expect(badPost.code).toBe(1);
    expect(badPost.stderr).toContain('message body is not valid JSON');
  });

  it('summarises channels and lists one', async () => {
    await runCli(['send', 'coder_1', 'hi', '--home', home.home]);
    await runCli(['broadcast', 'PAUSE', '--home', home.home]);
    const summary = await runCli(['channels', '--json', '--home', home.home]);
    expect(summary.code).toBe(0);
    const rows = summary.json<{ channels: Array<Record<string, unknown>> }>().channels;
    expect(rows.map((row) => row.channel)).toEqual(['agent', 'fleet', 'pool', 'sup']);
    expect(rows[0]).toMatchObject({ direct: 1, unread: 1, broadcasts: 0, notes: 0 });
    expect(rows[1]).toMatchObject({ broadcasts: 1 });
    expect(rows[2]).toMatchObject({ last_at: null });
    const human = await runCli(['channels', '--home', home.home]);
    expect(human.stdout.split('\n')[0]).toBe('CHANNEL          DIRECT  UNREAD  BROADCASTS  NOTES  LAST');

    const fleet = await runCli(['channels', 'fleet', '--json', '--home', home.home]);
    expect(fleet.json()).toMatchObject({
      channel: 'fleet',
      messages: [{ kind: 'broadcast', body: { type: 'pause' } }],
    });
    const bad = await runCli(['channels', 'Not A Channel', '--home', home.home]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not a channel name');
  });
});
