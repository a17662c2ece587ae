// Ratios and the markdown report of a queue-peers run. Pure functions of the results object (see
// queue-peers.mjs for its shape), so the JSON and the markdown always say the same thing.

/** Acceptance target of issue 10: BigEd PostgreSQL at 4 workers against the best peer of the same run. */
export const ACCEPTANCE = { system: 'biged-postgres', workers: 4, ratio: 0.5 };

const isBiged = (row) => row.system.startsWith('biged-');
const measured = (row) => row.status === 'measured';

/** The measured peer row with the most jobs/s among `rows` (optionally only at `workers`), or null. */
export function bestPeer(rows, workers) {
  let best = null;
  for (const row of rows) {
    if (isBiged(row) || !measured(row)) continue;
    if (workers !== undefined && row.workers !== workers) continue;
    if (!best || row.jobsPerSec > best.jobsPerSec) best = row;
  }
  return best;
}

/** The measured peer latency row with the lowest p50 at `workers`, or null. */
function fastestPeer(rows, workers) {
  let best = null;
  for (const row of rows) {
    if (isBiged(row) || !measured(row) || row.workers !== workers) continue;
    if (!best || row.startMs.p50 < best.startMs.p50) best = row;
  }
  return best;
}

/**
 * Adds to every measured BigEd row its ratio to the best peer: throughput rows get `vsSameWorkers` (best
 * peer at the same worker count) and `vsBestOfRun` (best peer of the whole run); latency rows get
 * `vsFastestPeer` (p50 and p99 over the peer with the lowest p50 at the same worker count; below 1 is
 * faster). Also sets `results.acceptance`. Returns `results`.
 */
export function addRatios(results) {
  const overall = bestPeer(results.throughput);
  for (const row of results.throughput) {
    if (!isBiged(row) || !measured(row)) continue;
    const same = bestPeer(results.throughput, row.workers);
    row.vsSameWorkers = same ? ratioTo(row, same) : null;
    row.vsBestOfRun = overall ? ratioTo(row, overall) : null;
  }
  for (const row of results.latency) {
    if (!isBiged(row) || !measured(row)) continue;
    const peer = fastestPeer(results.latency, row.workers);
    row.vsFastestPeer = peer
      ? {
          peer: peer.label,
          p50: row.startMs.p50 / peer.startMs.p50,
          p99: row.startMs.p99 / peer.startMs.p99,
        }
      : null;
  }
  const ours = results.throughput.find(
    (row) => row.system === ACCEPTANCE.system && row.workers === ACCEPTANCE.workers,
  );
  results.acceptance = {
    target: `${ACCEPTANCE.system} at ${ACCEPTANCE.workers} workers >= ${ACCEPTANCE.ratio}x the best peer of the run`,
    ratio: ours && measured(ours) && overall ? ours.jobsPerSec / overall.jobsPerSec : null,
    bestPeer: overall ? `${overall.label} (${overall.settings})` : null,
  };
  results.acceptance.met =
    results.acceptance.ratio === null ? null : results.acceptance.ratio >= ACCEPTANCE.ratio;
  return results;
}

function ratioTo(row, peer) {
  return {
    peer: `${peer.label} (${peer.settings})`,
    peerJobsPerSec: peer.jobsPerSec,
    ratio: row.jobsPerSec / peer.jobsPerSec,
  };
}

const integer = (value) => Math.round(value).toLocaleString('en-US');
const ms = (value) =>
  value === null || value === undefined ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1);
const times = (value) => `${value.toFixed(2)}x`;
const load = (values) => values.map((value) => value.toFixed(2)).join(' / ');

/** The report as markdown: run facts, the throughput table, the start-latency table, the acceptance line. */
export function formatReport(results) {
  const { machine, servers } = results;
  const lines = [
    `# Queue throughput against peers${results.quick ? ' (quick smoke run: not for comparison)' : ''}`,
    '',
    `${results.date}. ${results.jobs.toLocaleString('en-US')} no-op jobs per throughput row; ` +
      `${results.latencyPlan.count} jobs ${results.latencyPlan.gapMs} ms apart per latency row.`,
    '',
    `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.platform} ` +
      `${machine.release}, Node ${machine.node}`,
    `- Load average (1 / 5 / 15 min): before ${load(machine.loadBefore)}, after ${load(machine.loadAfter)}`,
    `- PostgreSQL: ${
      servers.postgres.error
        ? `not available (${servers.postgres.error})`
        : `${servers.postgres.version}, ${servers.postgres.source}, fsync ${servers.postgres.fsync}, ` +
          `synchronous_commit ${servers.postgres.synchronous_commit}, full_page_writes ${servers.postgres.full_page_writes}, ` +
          `shared_buffers ${servers.postgres.shared_buffers}`
    }`,
    `- Redis: ${servers.redis.error ? `not available (${servers.redis.error})` : `redis-server ${servers.redis.version}`}`,
    `- Versions: ${Object.entries(results.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    '',
    '## Throughput',
    '',
    'Jobs per second from the first claim (peers: first handler start) to the last stored completion. ' +
      'BigEd workers are processes; a peer runs its concurrency inside one process, as each documents.',
    '',
    '| system | workers | settings | jobs/s | x best peer, same workers | x best peer of run | bulk enqueue jobs/s | claim p50 / p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of results.throughput) {
    if (!measured(row)) {
      lines.push(`| ${row.label} | ${row.workers} | ${row.settings} | not measured: ${row.reason} | | | | |`);
      continue;
    }
    const same = row.vsSameWorkers
      ? times(row.vsSameWorkers.ratio)
      : isBiged(row)
        ? 'no peer at this count'
        : '';
    const best = row.vsBestOfRun ? times(row.vsBestOfRun.ratio) : '';
    const claim = row.claimMs ? `${ms(row.claimMs.p50)} / ${ms(row.claimMs.p99)}` : '';
    lines.push(
      `| ${row.label} | ${row.workers} | ${row.settings} | ${integer(row.jobsPerSec)} | ${same} | ${best} | ` +
        `${integer(row.enqueuePerSec)} | ${claim} |`,
    );
  }
  lines.push(
    '',
    '## Job start latency',
    '',
    `${results.latencyPlan.count} jobs enqueued one at a time, ${results.latencyPlan.gapMs} ms apart, into idle workers; ` +
      'latency = handler start - enqueue time. Ratios are over the peer with the lowest p50 at the same ' +
      'worker count (below 1 is faster).',
    '',
    '| system | workers | settings | p50 ms | p99 ms | max ms | x fastest peer p50 / p99 |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const row of results.latency) {
    if (!measured(row)) {
      lines.push(`| ${row.label} | ${row.workers} | ${row.settings} | not measured: ${row.reason} | | | |`);
      continue;
    }
    const ratio = row.vsFastestPeer
      ? `${times(row.vsFastestPeer.p50)} / ${times(row.vsFastestPeer.p99)}`
      : '';
    lines.push(
      `| ${row.label} | ${row.workers} | ${row.settings} | ${ms(row.startMs.p50)} | ${ms(row.startMs.p99)} | ` +
        `${ms(row.startMs.max)} | ${ratio} |`,
    );
  }
  const { acceptance } = results;
  lines.push(
    '',
    '## Acceptance (issue 10)',
    '',
    acceptance.ratio === null
      ? `${acceptance.target}: not measured.`
      : `${acceptance.target}: ${times(acceptance.ratio)} of ${acceptance.bestPeer}: ` +
          `${acceptance.met ? 'met' : 'not met'}.`,
    '',
  );
  return lines.join('\n');
}
