import { readFileSync } from 'node:fs';
import { defineModule, z } from '@biged/module-sdk';

/** One agent row of STATUS.md's `## Agents` table. */
export interface StatusAgent {
  name: string;
  role: string;
  status: string;
  task: string;
  heartbeat: string;
}

/** What the supervisor's STATUS.md says. */
export interface FleetStatus {
  /** The `Generated ... by supervisor pid N.` line, or null. */
  generated: string | null;
  agents: StatusAgent[];
  /** Task status -> count, from the `## Tasks` table. */
  counts: Record<string, number>;
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replaceAll('\\|', '|'));

/** Reads STATUS.md's agents and task counts; a missing section gives an empty list. */
export function parseStatusMarkdown(text: string): FleetStatus {
  const status: FleetStatus = { generated: null, agents: [], counts: {} };
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('Generated ')) status.generated = line.trim();
    if (line.startsWith('## ')) section = line.slice(3).trim().toLowerCase();
    if (!line.startsWith('|') || line.startsWith('| ---') || /^\|\s*(name|status)\s*\|/.test(line)) continue;
    const row = cells(line);
    if (section === 'agents' && row.length >= 6) {
      const [name = '', role = '', state = '', , heartbeat = '', task = ''] = row;
      status.agents.push({ name, role, status: state, task, heartbeat });
    } else if (section === 'tasks' && row.length === 2) {
      const count = Number(row[1]);
      if (row[0] && Number.isFinite(count)) status.counts[row[0]] = count;
    }
  }
  return status;
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

interface Snapshot {
  status: FleetStatus | undefined;
  thermal: Record<string, unknown> | undefined;
}

// What the last refresh read, per fleet home (a host may run the module for several homes in one process).
const snapshots = new Map<string, Snapshot>();

function load(paths: { home: string; status: string; hwState: string }): Snapshot {
  const statusText = read(paths.status);
  let thermal: Record<string, unknown> | undefined;
  const hwText = read(paths.hwState);
  if (hwText !== undefined) {
    try {
      const parsed = JSON.parse(hwText) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        thermal = parsed as Record<string, unknown>;
    } catch {
      // Mid-write or damaged: shown as "no thermal data" until the next refresh.
    }
  }
  const snapshot = {
    status: statusText === undefined ? undefined : parseStatusMarkdown(statusText),
    thermal,
  };
  snapshots.set(paths.home, snapshot);
  return snapshot;
}

/**
 * Fleet at a glance, as a launcher module built only on @biged/module-sdk: it reads what the fleet
 * publishes in its home (the supervisor's STATUS.md, the hardware monitor's hw_state.json) through
 * `ctx.paths`, so it needs no database access of its own and stores nothing (no DATA_SCHEMA).
 */
export default defineModule({
  name: 'fleet_glance',
  label: 'Glance',
  version: '1.0.0',
  defaultEnabled: true,
  settings: {
    schema: z.object({
      /** Show the thermal line. Default true. */
      showThermal: z.boolean().default(true),
      /** Agents listed at most. Default 12. */
      maxAgents: z.number().int().min(1).max(100).default(12),
    }),
  },
  refresh({ paths }) {
    load(paths);
  },
  render({ paths, settings }) {
    const { status, thermal } = snapshots.get(paths.home) ?? load(paths);
    const lines: string[] = [];
    if (!status) lines.push('No STATUS.md yet: start the fleet with `biged up`.');
    else {
      const counts = Object.entries(status.counts)
        .filter(([, count]) => count > 0)
        .map(([name, count]) => `${name} ${count}`);
      lines.push(`Tasks: ${counts.length > 0 ? counts.join(', ') : 'none'}`);
    }
    if (settings.showThermal) {
      const summary = thermal?.thermal as Record<string, unknown> | undefined;
      lines.push(
        thermal
          ? `Thermal: ${String(thermal.status)}, model ${String(thermal.model)}, GPU ${summary?.gpu_temp_c ?? '-'} °C`
          : 'Thermal: no hw_state.json (hardware monitor off)',
      );
    }
    const agents = status?.agents ?? [];
    return {
      title: 'Fleet at a glance',
      lines,
      ...(agents.length > 0
        ? {
            table: {
              columns: ['agent', 'role', 'status', 'task'],
              rows: agents
                .slice(0, settings.maxAgents)
                .map((agent) => [agent.name, agent.role, agent.status, agent.task]),
            },
          }
        : {}),
      ...(status?.generated ? { footer: status.generated } : {}),
    };
  },
  close({ paths }) {
    snapshots.delete(paths.home);
  },
  exportData({ paths }) {
    // No records of its own: export what it shows, so the data portability contract still holds.
    const { status } = snapshots.get(paths.home) ?? load(paths);
    return Promise.resolve((status?.agents ?? []).map((agent) => ({ ...agent })));
  },
});
