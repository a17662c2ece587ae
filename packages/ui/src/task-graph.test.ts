import { afterEach, describe, expect, it } from 'vitest';
import { renderTaskGraph } from './task-graph';
import { type TestHome, testHome } from './test-support';

describe('renderTaskGraph (real fleet.db)', () => {
  let fleet: TestHome;
  afterEach(() => fleet.cleanup());

  it('draws a diamond from its join: both parents, the shared root once, then "see above"', () => {
    fleet = testHome();
    const [root, left, right, join] = fleet.queue.submitMany([
      { ref: 'root', skill: 'fetch', payload: {} },
      { ref: 'left', skill: 'parse', payload: {}, dependsOn: ['root'] },
      { ref: 'right', skill: 'index', payload: {}, dependsOn: ['root'] },
      { ref: 'join', skill: 'report', payload: {}, dependsOn: ['left', 'right'] },
    ]);
    const graph = renderTaskGraph({ queue: fleet.queue, taskId: join!.task.id });
    expect(graph.inGraph).toBe(true);
    expect(graph.lines).toEqual([
      `#${join!.task.id} report BLOCKED (2 open)`,
      'needs',
      `├─ #${left!.task.id} parse BLOCKED`,
      `│  └─ #${root!.task.id} fetch PENDING`,
      `└─ #${right!.task.id} index BLOCKED`,
      `   └─ #${root!.task.id} (see above)`,
    ]);
    const fromRoot = renderTaskGraph({ queue: fleet.queue, taskId: root!.task.id });
    expect(fromRoot.lines[1]).toBe('feeds');
    expect(fromRoot.lines.filter((line) => line.includes('report'))).toHaveLength(1);
  });

  it('shows statuses as they change', () => {
    fleet = testHome();
    const [parent, child] = fleet.queue.submitMany([
      { ref: 'a', skill: 'fetch', payload: {} },
      { ref: 'b', skill: 'parse', payload: {}, dependsOn: ['a'] },
    ]);
    const claimed = fleet.queue.claim({ agent: 'w1' });
    fleet.queue.complete(claimed!.id, 'w1', { ok: true });
    expect(renderTaskGraph({ queue: fleet.queue, taskId: child!.task.id }).lines).toEqual([
      `#${child!.task.id} parse PENDING`,
      'needs',
      `└─ #${parent!.task.id} fetch DONE`,
    ]);
  });

  it('bounds a 200-child fan-in with maxNodes and says how many are left out', () => {
    fleet = testHome();
    const requests = [
      ...Array.from({ length: 200 }, (_, index) => ({ ref: `c${index}`, skill: 'part', payload: {} })),
      { ref: 'join', skill: 'join', payload: {}, dependsOn: Array.from({ length: 200 }, (_, i) => `c${i}`) },
    ];
    const results = fleet.queue.submitMany(requests);
    const join = results.at(-1)!.task;
    const graph = renderTaskGraph({ queue: fleet.queue, taskId: join.id, maxNodes: 10 });
    expect(graph.lines.filter((line) => line.includes(' part '))).toHaveLength(10);
    expect(graph.lines.at(-1)).toBe('… 190 more');
  });

  it('cuts deep chains at maxDepth', () => {
    fleet = testHome();
    const chain = fleet.queue.submitMany(
      Array.from({ length: 6 }, (_, index) => ({
        ref: `s${index}`,
        skill: `step${index}`,
        payload: {},
        ...(index > 0 ? { dependsOn: [`s${index - 1}`] } : {}),
      })),
    );
    const graph = renderTaskGraph({ queue: fleet.queue, taskId: chain[0]!.task.id, maxDepth: 2 });
    expect(graph.lines.some((line) => line.includes('step2'))).toBe(true);
    expect(graph.lines.some((line) => line.includes('step3'))).toBe(false);
    expect(graph.lines.at(-1)).toMatch(/… 1 more$/);
  });

  it('says so for a task outside any graph, and for a missing task', () => {
    fleet = testHome();
    const task = fleet.queue.enqueue({ skill: 'alone', payload: {} });
    expect(renderTaskGraph({ queue: fleet.queue, taskId: task.id })).toEqual({
      inGraph: false,
      lines: [`#${task.id} alone PENDING`, 'not part of a dependency graph'],
    });
  });
});
