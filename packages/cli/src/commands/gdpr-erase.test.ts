import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TempHome } from '@biged/core/test';
import { createAuditTrail, createQueue } from '@biged/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';

describe('biged gdpr-erase', () => {
  let home: TempHome;
  let reviewFile: string;
  let otherFile: string;
  let resultFile: string;
  let taskOfCoder: number;
  let taskOfOther: number;

  beforeEach(async () => {
    home = await initHome();
    const queue = createQueue({ file: home.db });
    queue.sendMessage({ from: 'operator', to: 'coder_1', body: { text: 'hi coder' } });
    queue.sendMessage({ from: 'coder_1', to: 'researcher', body: { text: 'my address is ...' } });
    queue.sendMessage({ from: 'operator', to: 'researcher', body: { text: 'for researcher only' } });
    queue.postNote('findings', { from: 'coder_1', body: { finding: 'x' } });
    queue.postNote('findings', { from: 'researcher', body: { finding: 'y' } });
    const broadcast = queue.broadcast({ from: 'operator', body: { type: 'resume' } });
    queue.inbox('coder_1', { markRead: true });
    mkdirSync(path.join(home.knowledge, 'code_reviews'), { recursive: true });
    reviewFile = path.join(home.knowledge, 'code_reviews', 'worker_ts_review_20260101_coder_1.md');
    otherFile = path.join(home.knowledge, 'code_reviews', 'worker_ts_review_20260101_coder_10.md');
    resultFile = path.join(home.knowledge, 'notes.md');
    for (const file of [reviewFile, otherFile, resultFile]) writeFileSync(file, 'x');
    const mine = queue.enqueue({ skill: 'code_review', payload: { path: 'a.ts' } });
    const claimed = queue.claim({ agent: 'coder_1' });
    queue.complete(claimed!.id, 'coder_1', { file: resultFile, summary: 'personal data' });
    taskOfCoder = mine.id;
    const theirs = queue.enqueue({ skill: 'code_review', payload: { path: 'b.ts' } });
    queue.claim({ agent: 'coder_10' });
    queue.complete(theirs.id, 'coder_10', { summary: 'kept' });
    taskOfOther = theirs.id;
    expect(broadcast.id).toBeGreaterThan(0);
    queue.close();
  });
  afterEach(() => home.cleanup());

  it('without --confirm prints what would be erased, changes nothing and exits 1', async () => {
    const result = await runCli(['gdpr-erase', 'coder_1', '--json', '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.json()).toEqual({
      erased: false,
      agent: 'coder_1',
      messages: 2,
      notes: 1,
      messageReads: 1,
      taskResults: 1,
      knowledgeFiles: [resultFile, reviewFile].sort(),
    });
    const human = await runCli(['gdpr-erase', 'coder_1', '--home', home.home]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('nothing was changed; run again with --confirm');
    expect(existsSync(reviewFile)).toBe(true);
    const queue = createQueue({ file: home.db });
    expect(queue.get(taskOfCoder)?.result).toEqual({ file: resultFile, summary: 'personal data' });
    expect(createAuditTrail(queue).list()).toEqual([]);
    queue.close();
  });

  it('with --confirm erases the agent data only, and writes one audit row', async () => {
    const result = await runCli(['gdpr-erase', 'coder_1', '--confirm', '--json', '--home', home.home]);
    expect(result.code, result.stderr).toBe(0);
    const body = result.json<{ erased: boolean; auditId: number; messages: number }>();
    expect(body).toMatchObject({ erased: true, messages: 2 });
    expect(existsSync(reviewFile)).toBe(false);
    expect(existsSync(resultFile)).toBe(false);
    expect(existsSync(otherFile)).toBe(true);

    const queue = createQueue({ file: home.db });
    expect(queue.inbox('coder_1', { all: true }).filter((message) => message.kind === 'direct')).toEqual([]);
    const researcherInbox = queue
      .inbox('researcher', { all: true })
      .filter((message) => message.kind === 'direct');
    expect(researcherInbox.map((message) => message.body)).toEqual([{ text: 'for researcher only' }]);
    expect(queue.notes('findings').map((note) => note.from)).toEqual(['researcher']);
    const erased = queue.get(taskOfCoder);
    expect(erased?.status).toBe('DONE');
    expect(erased?.result ?? null).toBeNull();
    expect(erased?.error).toBeNull();
    expect(queue.get(taskOfOther)?.result).toEqual({ summary: 'kept' });
    const audit = createAuditTrail(queue);
    const [row] = audit.list();
    expect(row).toMatchObject({
      id: body.auditId,
      actor: 'cli',
      action: 'gdpr_erase',
      resource: 'coder_1',
      decision: 'log',
      detail: { messages: 2, notes: 1, message_reads: 1, task_results: 1, knowledge_files: 2 },
    });
    expect(audit.verify()).toMatchObject({ ok: true, rows: 1 });
    queue.close();

    const again = await runCli(['gdpr-erase', 'coder_1', '--json', '--home', home.home]);
    expect(again.json()).toMatchObject({
      messages: 0,
      notes: 0,
      messageReads: 0,
      taskResults: 0,
      knowledgeFiles: [],
    });
  });

  it('refuses a name that is not an agent name (exit 1)', async () => {
    const result = await runCli(['gdpr-erase', '../etc', '--confirm', '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not an agent name');
  });
});
