import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetPaths, resolveHome } from './fleet-home';

describe('resolveHome', () => {
  it('prefers --home, then BIGED_HOME, then ~/.biged', () => {
    expect(resolveHome({ home: 'rel/home', env: { BIGED_HOME: '/env' } })).toBe(path.resolve('rel/home'));
    expect(resolveHome({ env: { BIGED_HOME: '/env/home' } })).toBe('/env/home');
    expect(resolveHome({ env: {} })).toBe(path.join(homedir(), '.biged'));
    expect(resolveHome({ home: '', env: { BIGED_HOME: '' } })).toBe(path.join(homedir(), '.biged'));
  });

  it('lays out the home as the design says', () => {
    const paths = fleetPaths('/h');
    expect(paths.config).toBe('/h/fleet.toml');
    expect(paths.db).toBe('/h/fleet.db');
    expect(paths.logs).toBe('/h/logs');
    expect(paths.debugReports).toBe('/h/reports/debug');
  });
});
