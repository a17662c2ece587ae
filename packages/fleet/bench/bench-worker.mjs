// One worker process of the queue benchmark. argv: <mode> <db file> <worker index>
// mode: biged (the real @biged/fleet worker loop), raw (better-sqlite3, no framework), plainjob.
// In biged mode the worker gets the model router a fleet worker builds (createFleetRouter with the usage
// ledger), as worker-main does; BENCH_ROUTER=0 leaves it out, to measure what it costs.
// Records, per task, the gap between finishing one task and starting the next (the claim wait as the
// worker experiences it: complete + claim + any lock waiting), and the wall-clock end of its last task.
import Database from 'better-sqlite3';

const [mode, file, index] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();
const gaps = [];
let lastEnd = 0;
let lastFinishedAt = 0;
let processed = 0;
const handle = () => {
  const start = now();
  if (lastEnd) gaps.push(start - lastEnd);
  processed += 1;
  lastEnd = now();
  lastFinishedAt = lastEnd;
};

let stop = async () => {};
const go = new Promise((resolve) => process.on('message', (message) => message === 'go' && resolve()));

if (mode === 'biged') {
  const { createSilentLogger, fleetPaths, parseFleetConfig } = await import('@biged/core');
  const { createLedgerUsageSink, createQueue, createUsageLedger } = await import('@biged/queue');
  const { createFleetRouter } = await import('@biged/model-providers');
  const { createSkillRegistry, defineSkill } = await import('@biged/skill-sdk');
  const { runWorker } = await import('@biged/fleet');
  const { z } = await import('zod');
  const skill = defineSkill({
    name: 'noop',
    description: 'benchmark no-op',
    payload: z.object({}).passthrough(),
    run: () => {
      handle();
      return null;
    },
  });
  const queue = createQueue({ file });
  // BENCH_HW=0: a worker that ignores hw_state.json (to see what following the monitor costs).
  const config = parseFleetConfig({
    fleet: { heartbeat_interval_secs: 5, hw_monitor: process.env.BENCH_HW !== '0' },
  }).config;
  const name = `bench_${index}`;
  const paths = fleetPaths(file.replace(/\/[^/]+$/, ''));
  const models =
    process.env.BENCH_ROUTER === '0'
      ? undefined
      : createFleetRouter({
          config,
          paths,
          usage: createLedgerUsageSink({ ledger: createUsageLedger({ queue }), config }),
        });
  queue.registerAgent({ name, role: 'bench', pid: process.pid, status: 'IDLE' });
  process.send('ready');
  await go;
  const worker = runWorker({
    agent: { name, role: 'bench' },
    config,
    paths,
    queue,
    skills: createSkillRegistry([skill]),
    log: createSilentLogger(),
    idlePollMs: { min: 2, max: 20 },
    ...(models ? { models } : {}),
  });
  stop = async () => {
    await worker.stop(1000);
    queue.close();
  };
} else if (mode === 'raw') {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const claim = db.prepare(
    `UPDATE raw_tasks SET status = 'RUNNING', claimed_by = ? WHERE id = (
       SELECT id FROM raw_tasks WHERE status = 'PENDING' ORDER BY priority DESC, id LIMIT 1
     ) RETURNING id, payload`,
  );
  const complete = db.prepare(`UPDATE raw_tasks SET status = 'DONE', result = ? WHERE id = ?`);
  process.send('ready');
  await go;
  let running = true;
  const loop = (async () => {
    while (running) {
      const row = claim.get(String(index));
      if (!row) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      JSON.parse(row.payload);
      handle();
      complete.run('null', row.id);
    }
  })();
  stop = async () => {
    running = false;
    await loop;
    db.close();
  };
} else if (mode === 'plainjob') {
  const { better, defineQueue, defineWorker } = await import('plainjob');
  const connection = better(new Database(file));
  const queue = defineQueue({ connection, logger: { error() {}, warn() {}, info() {}, debug() {} } });
  const worker = defineWorker('noop', async () => handle(), {
    queue,
    pollIntervall: 2,
    logger: { error() {}, warn() {}, info() {}, debug() {} },
  });
  process.send('ready');
  await go;
  void worker.start();
  stop = async () => {
    await worker.stop();
    queue.close();
  };
} else {
  throw new Error(`unknown mode ${mode}`);
}

process.on('message', async (message) => {
  if (message !== 'stop') return;
  await stop();
  process.send({ processed, gaps, lastFinishedAt });
  process.disconnect();
});
