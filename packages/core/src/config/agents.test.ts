import { describe, expect, it } from 'vitest';
import { affinityOf, resolveAgents, roleOfAgent } from './agents';
import { parseFleetConfig } from './load-config';

const configOf = (raw: unknown) => parseFleetConfig(raw).config;

describe('resolveAgents', () => {
  it('starts the default roles with coder_count coders', () => {
    const agents = resolveAgents(configOf({ workers: { coder_count: 2 } }));
    expect(agents.map((agent) => agent.name)).toEqual([
      'researcher',
      'coder_1',
      'coder_2',
      'archivist',
      'analyst',
      'security',
      'planner',
    ]);
  });

  it('honours roles, disabled_agents and max_workers', () => {
    const config = configOf({
      workers: { roles: ['coder', 'researcher', 'sales'], coder_count: 3 },
      fleet: { disabled_agents: ['coder_2', 'sales'], max_workers: 3 },
    });
    expect(resolveAgents(config)).toEqual([
      { name: 'coder_1', role: 'coder' },
      { name: 'coder_3', role: 'coder' },
      { name: 'researcher', role: 'researcher' },
    ]);
  });

  it('maps agent names to roles and affinities', () => {
    expect(roleOfAgent('coder_12')).toBe('coder');
    expect(roleOfAgent('researcher')).toBe('researcher');
    const config = configOf({ affinity: { coder: ['code_index'] } });
    expect(affinityOf(config, { name: 'coder_1', role: 'coder' })).toEqual(['code_index']);
    expect(affinityOf(config, { name: 'planner', role: 'planner' })).toEqual([]);
    const off = configOf({ affinity: { enabled: false, coder: ['code_index'] } });
    expect(affinityOf(off, { name: 'coder_1', role: 'coder' })).toEqual([]);
  });
});
