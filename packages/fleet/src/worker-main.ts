// Entry point of one worker process, forked by the supervisor with an IPC channel.
// Environment: BIGED_HOME, BIGED_AGENT (agent name), BIGED_ROLE.
import { hostname } from 'node:os';
import { createLogger, fleetPaths, loadConfig, queueOptionsFromConfig, toError } from '@biged/core';
import { createQueue } from '@biged/queue';
import { loadFleetSkills } from './load-fleet-skills';
import { runWorker } from './worker';

const home = process.env.BIGED_HOME;
const name = process.env.BIGED_AGENT;
const role = process.env.BIGED_ROLE ?? name;

async function main(): Promise<number> {
  if (!home || !name || !role) {
    console.error('worker-main: BIGED_HOME and BIGED_AGENT must be set (the supervisor starts workers)');
    return 2;
  }
  const paths = fleetPaths(home);
  const { config } = loadConfig({ file: paths.config });
  const log = createLogger({ logsDir: paths.logs, role: name, level: config.logging.level });
  const queue = createQueue(queueOptionsFromConfig(config, home));
  try {
    const skills = await loadFleetSkills({ home, config });
    queue.registerAgent({ name, role, pid: process.pid, host: hostname(), status: 'IDLE' });
    const worker = runWorker({ agent: { name, role }, config, paths, queue, skills, log });
    const stop = () => void worker.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // The supervisor is gone: finish up instead of running orphaned.
    process.once('disconnect', stop);
    log.info('worker ready', { skills: skills.list().length });
    process.send?.({ type: 'ready', name, pid: process.pid });
    await worker.done;
    queue.setAgentStatus(name, 'OFFLINE');
    log.info('worker stopped');
    return 0;
  } catch (error) {
    log.error('worker crashed', { error: toError(error).stack });
    throw error;
  } finally {
    log.flush();
    queue.close();
  }
}

main().then(
  // Exit explicitly: a skill that timed out but ignored its abort signal may still hold timers or sockets,
  // and must not keep a stopped worker alive.
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(toError(error).stack);
    process.exit(1);
  },
);
