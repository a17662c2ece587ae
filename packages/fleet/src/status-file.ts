import { type Agent, TASK_STATUSES, type TaskStatus, writeFileAtomicSync } from '@biged/core';

/** What STATUS.md shows. */
export interface FleetSnapshot {
  generatedAt: Date;
  supervisorPid: number;
  agents: Agent[];
  counts: Record<TaskStatus, number>;
  locks: { name: string; owner: string; expiresAt: string | null }[];
  /**
   * How local models are reached: `ollama at <url>`, `embedded at <url> serving <models>` or
   * `unreachable (<what to do>)` (see `LocalBackend.describe`). Omitted: the line is left out.
   */
  localBackend?: string;
  /**
   * The hardware monitor's line (see `describeHwState`): `ok, tier default (qwen3:8b), GPU 64 °C, ...`,
   * `monitor not running (...)` or `monitor off (...)`. Omitted: the line is left out.
   */
  hardware?: string;
}

const cell = (value: unknown) => String(value ?? '-').replaceAll('|', '\\|');

/** Renders the human-readable fleet snapshot the manual calls STATUS.md. */
export function renderStatusMarkdown(snapshot: FleetSnapshot): string {
  const lines = [
    '# BigEd fleet status',
    '',
    `Generated ${snapshot.generatedAt.toISOString()} by supervisor pid ${snapshot.supervisorPid}.`,
    '',
    ...(snapshot.localBackend === undefined ? [] : [`Local model backend: ${snapshot.localBackend}.`, '']),
    ...(snapshot.hardware === undefined ? [] : [`Hardware: ${snapshot.hardware}.`, '']),
    '## Agents',
    '',
    '| name | role | status | pid | last heartbeat | task | restarts |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...snapshot.agents.map(
      (agent) =>
        `| ${cell(agent.name)} | ${cell(agent.role)} | ${cell(agent.status)} | ${cell(agent.pid)} | ${cell(agent.lastHeartbeat)} | ${cell(agent.currentTaskId)} | ${cell(agent.restarts)} |`,
    ),
    '',
    '## Tasks',
    '',
    '| status | count |',
    '| --- | --- |',
    ...TASK_STATUSES.map((status) => `| ${status} | ${snapshot.counts[status] ?? 0} |`),
    '',
    '## Locks',
    '',
    ...(snapshot.locks.length === 0
      ? ['None held.']
      : [
          '| name | owner | expires |',
          '| --- | --- | --- |',
          ...snapshot.locks.map(
            (lock) => `| ${cell(lock.name)} | ${cell(lock.owner)} | ${cell(lock.expiresAt)} |`,
          ),
        ]),
    '',
  ];
  return lines.join('\n');
}

/** Writes STATUS.md atomically. */
export function writeStatusMarkdown(file: string, snapshot: FleetSnapshot): void {
  writeFileAtomicSync(file, renderStatusMarkdown(snapshot), { mkdir: false });
}
