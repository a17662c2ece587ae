import type { FleetConfig } from './fleet-config-schema';

/** The roles the original fleet starts by default (the manual's Worker Roles Reference, active ones). */
export const DEFAULT_ROLES = ['researcher', 'coder', 'archivist', 'analyst', 'security', 'planner'] as const;

/** One worker the supervisor keeps alive. */
export interface AgentSpec {
  /** Unique agent name on this host, e.g. `coder_2`. */
  name: string;
  /** The role whose affinity applies, e.g. `coder` for `coder_2`. */
  role: string;
}

/** The role of an agent name: `coder_3` (or `coder_3@host`) -> `coder`; other names are their own role. */
export function roleOfAgent(name: string): string {
  const match = /^(.*)_(\d+)$/.exec(localAgentName(name));
  return match?.[1] ?? name;
}

/**
 * The agents the supervisor runs for this config: `[workers] roles` (or the defaults), with `coder`
 * expanded to coder_1..coder_N, minus `[fleet] disabled_agents`, capped by `[fleet] max_workers`.
 */
export function resolveAgents(config: FleetConfig): AgentSpec[] {
  const roles = config.workers.roles ?? [...DEFAULT_ROLES];
  const disabled = new Set(config.fleet.disabled_agents);
  const agents: AgentSpec[] = [];
  for (const role of roles) {
    if (disabled.has(role)) continue;
    if (role === 'coder') {
      for (let index = 1; index <= config.workers.coder_count; index++) {
        const name = `coder_${index}`;
        if (!disabled.has(name)) agents.push({ name, role: 'coder' });
      }
    } else {
      agents.push({ name: role, role: roleOfAgent(role) });
    }
  }
  const cap = config.fleet.max_workers;
  return cap > 0 ? agents.slice(0, cap) : agents;
}

/** An agent name without its `@device` qualifier: `coder_2@alpha` -> `coder_2`. */
export function localAgentName(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

/**
 * The agents this host runs: `resolveAgents`, each name qualified as `<agent>@<device>` when the fleet
 * names its hosts (`deviceNameFromConfig`: a PostgreSQL queue, or `[naming] device_name`), so that hosts
 * sharing one queue never mistake each other's workers (recovery at boot requeues only this host's).
 */
export function resolveHostAgents(config: FleetConfig, device: string | undefined): AgentSpec[] {
  const agents = resolveAgents(config);
  return device ? agents.map((agent) => ({ ...agent, name: `${agent.name}@${device}` })) : agents;
}

/** Skills an agent prefers, from `[affinity]` (by agent name first, then by role). Empty when disabled. */
export function affinityOf(config: FleetConfig, agent: AgentSpec): string[] {
  if (!config.affinity.enabled) return [];
  const byName = config.affinity[localAgentName(agent.name)];
  const byRole = config.affinity[agent.role];
  const list = Array.isArray(byName) ? byName : Array.isArray(byRole) ? byRole : [];
  return [...list];
}
