import { describe, expect, it } from 'vitest';
import { renderStatusMarkdown } from './status-file';

const emptyCounts = {
  PENDING: 0,
  RUNNING: 0,
  DONE: 0,
  FAILED: 0,
  CANCELLED: 0,
  WAITING_HUMAN: 0,
  BLOCKED: 0,
  SKIPPED: 0,
};

describe('renderStatusMarkdown', () => {
  it('lists agents, every task status and locks', () => {
    const text = renderStatusMarkdown({
      generatedAt: new Date('2026-01-02T03:04:05Z'),
      supervisorPid: 42,
      agents: [
        {
          name: 'coder_1',
          role: 'coder',
          status: 'BUSY',
          pid: 100,
          host: 'h',
          lastHeartbeat: '2026-01-02T03:04:00Z',
          currentTaskId: 7,
          startedAt: null,
          restarts: 1,
        },
      ],
      counts: { ...emptyCounts, PENDING: 3, RUNNING: 1, DONE: 10 },
      locks: [{ name: 'training', owner: 'trainer|x', expiresAt: null }],
    });
    expect(text).toContain('Generated 2026-01-02T03:04:05.000Z by supervisor pid 42.');
    expect(text).toContain('| coder_1 | coder | BUSY | 100 | 2026-01-02T03:04:00Z | 7 | 1 |');
    expect(text).toContain('| PENDING | 3 |');
    expect(text).toContain('| WAITING_HUMAN | 0 |');
    expect(text).toContain('| training | trainer\\|x | - |');
  });

  it('shows the local model backend when the supervisor knows it, and no line otherwise', () => {
    const snapshot = {
      generatedAt: new Date(0),
      supervisorPid: 1,
      agents: [],
      counts: emptyCounts,
      locks: [],
    };
    expect(renderStatusMarkdown(snapshot)).not.toContain('Local model backend');
    const text = renderStatusMarkdown({
      ...snapshot,
      localBackend: 'embedded at http://127.0.0.1:40123 serving tiny:latest',
    });
    expect(text).toContain(
      '\nLocal model backend: embedded at http://127.0.0.1:40123 serving tiny:latest.\n',
    );
  });
});
