import { writeFileSync } from 'node:fs';
import { fleetPaths } from '@biged/core';
import { createUsageLedger } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { createLauncherData } from './launcher-data';
import { type TestHome, testHome } from './test-support';

let fleet: TestHome;
afterEach(() => fleet?.cleanup());

const dataFor = (now = Date.now) =>
  createLauncherData({
    queue: fleet.queue,
    ledger: createUsageLedger({ queue: fleet.queue }),
    paths: fleetPaths(fleet.home),
    now,
  });

describe('createLauncherData (real fleet.db)', () => {
  it('queues a task from skill and payload text; empty payload text means {}', () => {
    fleet = testHome();
    const data = dataFor();
    expect(data.submit(' summarize ', '{"text": "hi"}')).toMatchObject({
      skill: 'summarize',
      payload: { text: 'hi' },
    });
    expect(data.submit('summarize', '  ').payload).toEqual({});
    expect(data.tasks()).toHaveLength(2);
  });

  it('refuses a malformed, non-object or oversized payload and a bad skill name, storing nothing', () => {
    fleet = testHome();
    const data = dataFor();
    expect(() => data.submit('summarize', '{"text": oops}')).toThrow(/JSON/);
    expect(() => data.submit('summarize', '[1, 2]')).toThrow(/object/);
    expect(() => data.submit('summarize', JSON.stringify({ text: 'x'.repeat(1_100_000) }))).toThrow(
      /bytes|large|size/i,
    );
    expect(() => data.submit('Not A Skill!', '{}')).toThrow(/skill/i);
    expect(data.tasks()).toEqual([]);
  });

  it('lists open HITL requests pinned first, then oldest first', () => {
    fleet = testHome();
    const park = (question: string) => {
      const task = fleet.queue.enqueue({ skill: 'code_write', payload: {} });
      fleet.queue.claim({ agent: 'coder_1' });
      return fleet.queue.parkForHuman(task.id, 'coder_1', { question });
    };
    const [one, two, three] = [park('one?'), park('two?'), park('three?')];
    const data = dataFor();
    data.pinHitl(three.id, true);
    expect(data.hitl().map((request) => request.id)).toEqual([three.id, one.id, two.id]);
    data.answerHitl(one.id, 'approved', '   ');
    expect(fleet.queue.getHitl(one.id)).toMatchObject({
      status: 'approved',
      response: null,
      responder: 'ui',
    });
    expect(data.hitl().map((request) => request.id)).toEqual([three.id, two.id]);
    expect(() => data.answerHitl(one.id, 'rejected', 'late')).toThrow();
  });

  it('reads hw_state.json, and says why when it is missing, damaged or not an object', () => {
    fleet = testHome();
    const data = dataFor();
    expect(data.thermal()).toMatchObject({ found: false, reason: expect.stringContaining('not running') });
    writeFileSync(fleetPaths(fleet.home).hwState, '[1]');
    expect(data.thermal()).toMatchObject({ found: false, reason: expect.stringContaining('JSON object') });
    writeFileSync(fleetPaths(fleet.home).hwState, '{"status":');
    expect(data.thermal()).toMatchObject({ found: false, reason: expect.stringContaining('not valid JSON') });
    writeFileSync(fleetPaths(fleet.home).hwState, '{"status":"ok"}');
    expect(data.thermal()).toEqual({ found: true, state: { status: 'ok' } });
  });

  it('reports no usage as zeros with 24 empty hours', () => {
    fleet = testHome();
    const usage = dataFor().usage();
    expect(usage).toMatchObject({ rows: [], totalUsd: 0, totalCalls: 0 });
    expect(usage.hourly).toEqual(Array(24).fill(0));
  });
});
