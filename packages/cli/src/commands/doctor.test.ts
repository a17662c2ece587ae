import { closeSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TempHome } from '@biged/core/test';
import { createAuditTrail, createQueue } from '@biged/queue';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import type { DoctorResult } from './doctor-checks';

const homes: TempHome[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const home of homes.splice(0)) home.cleanup();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A home after `biged init` with a fleet.db holding tasks and a few audit rows. */
async function goodHome(fleetToml?: string): Promise<TempHome> {
  const home = await initHome(fleetToml);
  homes.push(home);
  const queue = createQueue({ file: home.db });
  for (let index = 0; index < 200; index += 1)
    queue.enqueue({ skill: 'echo', payload: { text: 'x'.repeat(200) } });
  const audit = createAuditTrail(queue);
  audit.append({ actor: 'cli', action: 'dispatch', resource: '1', decision: 'allow' });
  audit.append({ actor: 'cli', action: 'dispatch', resource: '2', decision: 'allow' });
  queue.close();
  return home;
}

/** A stand-in Ollama on 127.0.0.1 that answers /api/version. */
async function ollamaStub(): Promise<string> {
  const server = createServer((request, response) => {
    response.writeHead(request.url === '/api/version' ? 200 : 404, { 'content-type': 'application/json' });
    response.end('{"version":"0.12.0"}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const statusOf = (result: DoctorResult, name: string) =>
  result.checks.find((check) => check.name === name)?.status;

describe('biged doctor', () => {
  it('passes on a good home, with Ollama reachable, and prints a table', async () => {
    const host = await ollamaStub();
    const home = await goodHome(`[models]\nollama_host = "${host}"\n`);
    const json = await runCli(['doctor', '--json', '--home', home.home]);
    expect(json.code, json.stdout).toBe(0);
    const result = json.json<DoctorResult>();
    expect(result.ok).toBe(true);
    expect(result.checks.map((check) => [check.name, check.status])).toEqual([
      ['imports', 'ok'],
      ['config', 'ok'],
      ['database', 'ok'],
      ['ollama', 'ok'],
      ['skills', 'ok'],
      ['audit', 'ok'],
    ]);
    expect(result.checks.find((check) => check.name === 'audit')?.detail).toBe(
      'hash chain of 2 rows verifies',
    );
    expect(result.checks.find((check) => check.name === 'database')?.detail).toContain('integrity_check ok');
    const human = await runCli(['doctor', '--home', home.home]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^CHECK\s+STATUS\s+DETAIL\n/);
    expect(human.stdout).toContain('all checks passed');
  });

  it('--fast uses quick_check and skips Ollama; an unreachable Ollama is only a warning', async () => {
    const home = await goodHome('[models]\nollama_host = "http://127.0.0.1:9"\n');
    const fast = (await runCli(['doctor', '--fast', '--json', '--home', home.home])).json<DoctorResult>();
    expect(fast.ok).toBe(true);
    expect(statusOf(fast, 'ollama')).toBe('skip');
    expect(fast.checks.find((check) => check.name === 'database')?.detail).toContain('quick_check ok');
    const full = await runCli(['doctor', '--json', '--home', home.home]);
    expect(full.code).toBe(0);
    expect(statusOf(full.json<DoctorResult>(), 'ollama')).toBe('warn');
  });

  it('fails (exit 1) on a corrupt fleet.db', async () => {
    const home = await goodHome();
    // Overwrite pages in the middle of the file (the header stays, so it still opens as a database).
    const size = statSync(home.db).size;
    const descriptor = openSync(home.db, 'r+');
    writeSync(descriptor, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(descriptor);
    const result = await runCli(['doctor', '--json', '--home', home.home]);
    expect(result.code).toBe(1);
    const body = result.json<DoctorResult>();
    expect(body.ok).toBe(false);
    expect(statusOf(body, 'database')).toBe('fail');
    expect(statusOf(body, 'audit')).toBe('skip');
    const human = await runCli(['doctor', '--fast', '--home', home.home]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('some checks failed');
  });

  it('fails on a file that is not a database at all', async () => {
    const home = await goodHome();
    writeFileSync(home.db, 'not a database, just text that is long enough to have a header'.repeat(10));
    const result = (await runCli(['doctor', '--fast', '--json', '--home', home.home])).json<DoctorResult>();
    expect(statusOf(result, 'database')).toBe('fail');
  });

  it('fails on an invalid fleet.toml, and skips the skills that need it', async () => {
    const home = await goodHome('[workers]\ncoder_count = "many"\n');
    const result = await runCli(['doctor', '--fast', '--json', '--home', home.home]);
    expect(result.code).toBe(1);
    const body = result.json<DoctorResult>();
    expect(statusOf(body, 'config')).toBe('fail');
    expect(body.checks.find((check) => check.name === 'config')?.detail).toContain('workers.coder_count');
    expect(statusOf(body, 'skills')).toBe('skip');
  });

  it('fails when the audit chain was edited', async () => {
    const home = await goodHome();
    const db = new Database(home.db);
    db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE id = 1").run();
    db.close();
    const result = await runCli(['doctor', '--fast', '--json', '--home', home.home]);
    expect(result.code).toBe(1);
    const audit = result.json<DoctorResult>().checks.find((check) => check.name === 'audit');
    expect(audit).toMatchObject({ status: 'fail', detail: expect.stringContaining('broken at row 1') });
  });

  it('warns (not fails) on a home without fleet.db yet, and does not create one', async () => {
    const home = await initHome();
    homes.push(home);
    rmSync(home.db, { force: true });
    const result = await runCli(['doctor', '--fast', '--json', '--home', home.home]);
    expect(result.code).toBe(0);
    expect(statusOf(result.json<DoctorResult>(), 'database')).toBe('warn');
    expect(() => statSync(home.db)).toThrow();
  });
});
