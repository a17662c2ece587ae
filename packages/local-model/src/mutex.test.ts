import { describe, expect, it } from 'vitest';
import { createMutex } from './mutex';

describe('createMutex', () => {
  it('runs tasks one at a time, in order, past failures', async () => {
    const mutex = createMutex();
    const events: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        events.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      mutex.run(task('a')),
      mutex.run(task('b', true)),
      mutex.run(task('c')),
    ]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(mutex.pending).toBe(0);
  });
});
