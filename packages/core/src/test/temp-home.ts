import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FleetPaths, fleetPaths } from '../home/fleet-home';

/** A throw-away fleet home for tests. */
export interface TempHome extends FleetPaths {
  /** Deletes the home and everything in it. */
  cleanup(): void;
}

/** Creates an empty fleet home in the OS temp dir, optionally with a fleet.toml. */
export function createTempHome({
  fleetToml,
  prefix = 'biged-test-',
}: {
  fleetToml?: string;
  prefix?: string;
} = {}): TempHome {
  const home = mkdtempSync(path.join(tmpdir(), prefix));
  const paths = fleetPaths(home);
  if (fleetToml !== undefined) writeFileSync(paths.config, fleetToml);
  return { ...paths, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}
