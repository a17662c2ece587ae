import { fileURLToPath } from 'node:url';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterEach, describe, expect, it } from 'vitest';
import { startDetached, stopSupervisor } from './detach';
import { FleetError } from './errors/fleet-error';
import { isProcessAlive, readSupervisorState } from './supervisor-state';

const script = fileURLToPath(new URL('./__fixtures__/run-supervisor.mjs', import.meta.url));
let home: TempHome | undefined;

afterEach(async () => {
  if (home) await stopSupervisor({ home: home.home, timeoutMs: 10_000 });
  home?.cleanup();
  home = undefined;
});

describe('startDetached / stopSupervisor', () => {
  it('returns once the fleet is ready and stops every fleet process', async () => {
    home = createTempHome({
      fleetToml: '[fleet]\nhw_monitor = false\n[workers]\nroles = ["coder", "researcher"]\ncoder_count = 2\n',
    });
    const { pid, alreadyRunning } = await startDetached({
      home: home.home,
      command: [process.execPath, script],
    });
    expect(alreadyRunning).toBe(false);
    const state = readSupervisorState(home.home)!;
    expect(state.ready).toBe(true);
    expect(state.pid).toBe(pid);
    const workerPids = state.workers.map((worker) => worker.pid!);
    expect(workerPids).toHaveLength(3);
    expect([pid, ...workerPids].every(isProcessAlive)).toBe(true);

    const again = await startDetached({ home: home.home, command: [process.execPath, script] });
    expect(again).toEqual({ pid, alreadyRunning: true });

    const stopped = await stopSupervisor({ home: home.home });
    expect(stopped).toMatchObject({ stopped: true, pid });
    expect([pid, ...workerPids].some(isProcessAlive)).toBe(false);
    expect(readSupervisorState(home.home)).toBeUndefined();
    expect(await stopSupervisor({ home: home.home })).toEqual({ stopped: false });
  }, 40_000);

  it('reports a supervisor that cannot start, with its output', async () => {
    home = createTempHome({ fleetToml: '[workers]\ncoder_count = "many"\n' });
    const error = await startDetached({ home: home.home, command: [process.execPath, script] }).catch(
      (caught: unknown) => caught,
    );
    expect(FleetError.isInstance(error)).toBe(true);
    expect((error as FleetError).code).toBe('FLEET_START_FAILED');
    expect((error as FleetError).message).toContain('workers.coder_count');
  }, 20_000);
});
