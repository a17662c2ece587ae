import { type ChildProcess, fork } from 'node:child_process';

// The multi-process tests fork worker scripts (./*.mjs) that import the built package, send one message
// when ready, wait for `go`, and end with `{ type: 'done', ... }`. This holds that protocol once.

/** Forked workers: their processes, and promises for their ready and done messages. */
export interface ForkedWorkers<Report> {
  children: ChildProcess[];
  /** Resolves once every worker sent its first message; rejects when one exits before. */
  ready: Promise<void>;
  /** Every worker's `done` message, in fork order; rejects when one exits without it. */
  reports: Promise<Report[]>;
}

/** Forks `script` once per entry of `argvs` (its arguments), without the test runner's execArgv. */
export function forkWorkers<Report extends { type: 'done' }>(
  script: string,
  argvs: string[][],
): ForkedWorkers<Report> {
  const ready: Array<Promise<void>> = [];
  const reports: Array<Promise<Report>> = [];
  const children = argvs.map((argv, index) => {
    const child = fork(script, argv, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    ready.push(
      new Promise((resolve, reject) => {
        child.once('message', () => resolve());
        exited.then((code) => reject(new Error(`worker ${index} exited with ${code} before it was ready`)));
      }),
    );
    reports.push(
      new Promise((resolve, reject) => {
        child.on('message', (message: { type: string }) => {
          if (message.type === 'done') resolve(message as Report);
        });
        exited.then((code) => reject(new Error(`worker ${index} exited with ${code} without a report`)));
      }),
    );
    return child;
  });
  // Either may be awaited alone; a rejection the test never awaits must not crash the run.
  const all = { ready: Promise.all(ready).then(() => undefined), reports: Promise.all(reports) };
  all.reports.catch(() => {});
  return { children, ...all };
}
