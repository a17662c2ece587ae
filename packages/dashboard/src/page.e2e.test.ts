import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeHwState } from '@biged/hw-monitor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestFleet, hwStateFixture, TEST_TOKEN, type TestFleet } from './__fixtures__/test-fleet';
import { type DashboardServer, serveDashboard } from './serve-dashboard';

// End to end: the page in Debian's headless Chromium (driven by playwright-core) over a real fleet DB
// served on 127.0.0.1. .ci/run installs chromium; without it this suite is skipped with a message.
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (candidate): candidate is string =>
    typeof candidate === 'string' && candidate !== '' && existsSync(candidate),
);
if (!CHROMIUM)
  console.warn(
    'page.e2e.test.ts skipped: no chromium binary (apt-get install chromium, or set CHROMIUM_PATH)',
  );

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

describe.skipIf(!CHROMIUM)('the dashboard page in headless Chromium', () => {
  let fleet: TestFleet;
  let server: DashboardServer;
  let browser: import('playwright-core').Browser;

  beforeAll(async () => {
    fleet = createTestFleet({ stream: { pollMs: 100 } });
    // A live clock: the page runs in real time.
    Object.defineProperty(fleet.clock, 'now', { get: () => Date.now(), set: () => {} });
    server = await serveDashboard({ dashboard: fleet.dashboard, port: 0 });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-gpu'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fleet?.cleanup();
  });

  it('shows a task appear and finish, and an alert acknowledged, without reloading', async () => {
    const { queue, ledger } = fleet;
    queue.registerAgent({ name: 'coder_1', role: 'coder', pid: process.pid, status: 'IDLE' });
    ledger.recordUsage({
      skill: 'summarize',
      provider: 'claude',
      model: 'claude-sonnet-4-5',
      costUsd: 0.02,
      ok: true,
    });
    await writeHwState(
      fleet.paths.hwState,
      hwStateFixture({ updated_at: new Date(Date.now() - 10_000).toISOString() }),
    );
    const alert = queue.raiseAlert({
      type: 'thermal',
      severity: 'critical',
      message: 'GPU at 88 C',
      source: 'hw-monitor',
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });

    await page.goto(`${server.url}/#token=${TEST_TOKEN}`);
    await page.locator('[data-testid="live"]', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    await page.locator('[data-agent="coder_1"]').waitFor();
    const navigationsAfterLoad = navigations;

    const task = queue.enqueue({ skill: 'summarize', payload: { path: 'notes.md' } });
    await page.locator(`tr[data-task-id="${task.id}"][data-status="PENDING"]`).waitFor({ timeout: 15_000 });
    const [claimed] = queue.claimMany({ agent: 'coder_1' }, 1);
    expect(claimed?.id).toBe(task.id);
    await page.locator(`[data-agent="coder_1"][data-status="BUSY"]`).waitFor({ timeout: 15_000 });
    queue.settle({ agent: 'coder_1', completed: [{ taskId: task.id, result: { summary: 'ok' } }] });
    await page.locator(`tr[data-task-id="${task.id}"][data-status="DONE"]`).waitFor({ timeout: 15_000 });
    await page.locator('[data-count="DONE"] b', { hasText: '1' }).waitFor({ timeout: 15_000 });

    await page.locator(`li[data-alert-id="${alert.id}"]`).waitFor();
    await page.locator(`button[data-ack="${alert.id}"]`).click();
    await page.locator(`li[data-alert-id="${alert.id}"]`).waitFor({ state: 'detached', timeout: 15_000 });
    expect(queue.listAlerts({ activeOnly: true })).toEqual([]);

    // Agent requests: a skill parks its task for a human; the request appears live and is answered here.
    const review = queue.enqueue({ skill: 'code_review', payload: { path: 'a.ts' } });
    expect(queue.claimMany({ agent: 'coder_1' }, 1)[0]?.id).toBe(review.id);
    const asked = queue.parkForHuman(review.id, 'coder_1', {
      question: 'Apply the suggested refactor?',
      context: { diff: '- old\n+ new' },
    });
    const item = page.locator(`li[data-hitl-id="${asked.id}"]`);
    await item.waitFor({ timeout: 15_000 });
    await expect(item.textContent()).resolves.toContain('Apply the suggested refactor?');
    await item.locator('input').fill('looks right');
    await page.locator(`button[data-approve="${asked.id}"]`).click();
    await item.waitFor({ state: 'detached', timeout: 15_000 });
    expect(queue.getHitl(asked.id)).toMatchObject({
      status: 'approved',
      response: 'looks right',
      responder: 'dashboard',
    });
    expect(queue.getOrThrow(review.id).status).toBe('PENDING');
    // The approved task re-runs and finishes; then another asks and is rejected.
    expect(queue.claimMany({ agent: 'coder_1' }, 1)[0]?.id).toBe(review.id);
    queue.settle({ agent: 'coder_1', completed: [{ taskId: review.id, result: { applied: true } }] });
    const second = queue.enqueue({ skill: 'code_review', payload: { path: 'b.ts' } });
    expect(queue.claimMany({ agent: 'coder_1' }, 1)[0]?.id).toBe(second.id);
    const risky = queue.parkForHuman(second.id, 'coder_1', { question: 'Drop the table?' });
    await page.locator(`button[data-reject="${risky.id}"]`).click({ timeout: 15_000 });
    await page.locator(`li[data-hitl-id="${risky.id}"]`).waitFor({ state: 'detached', timeout: 15_000 });
    expect(queue.getOrThrow(second.id).status).toBe('FAILED');

    // The usage chart is drawn by uPlot (served from the package, no CDN).
    await page.locator('#usage-chart .uplot canvas').first().waitFor();
    await page.locator('#gpu-temp', { hasText: '78' }).waitFor();
    await page.locator('[data-testid="health"]', { hasText: 'healthy' }).waitFor({ timeout: 15_000 });
    expect(navigations).toBe(navigationsAfterLoad);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
    expect(existsSync(`${ARTIFACTS}dashboard.png`)).toBe(true);
    expect(errors).toEqual([]);
  }, 90_000);
});
