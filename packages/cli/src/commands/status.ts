import { type Agent, queueTargetFromConfig, TASK_STATUSES, type TaskStatus } from '@biged/core/startup';
import { openQueueReader, type QueueReader } from '@biged/queue/read';
import type { Command } from 'commander';
import {
  contextFor,
  loadFleetConfigCached,
  type ProgramSession,
  queueFile,
  requireHome,
  withQueue,
  withStore,
} from '../context-core';
import { renderTable } from '../output/table';
import { formatAgo } from '../output/time';
import { type SupervisorStatus, supervisorStatus } from './supervisor-status';
import { type WorkflowStatusJson, workflowStatusJson } from './workflow-json';

// NOTE: README.md "JSON output" documents this shape; keep the two in sync.

/** One agent as `biged status --json` prints it. */
export interface AgentJson {
  name: string;
  role: string;
  status: Agent['status'];
  last_heartbeat: string | null;
  pid: number | null;
  host: string;
  current_task_id: number | null;
  restarts: number;
}

/** One host of the fleet (agents grouped by their `host`), as `biged status --json` prints it. */
export interface HostJson {
  host: string;
  agents: number;
  busy: number;
  idle: number;
  offline: number;
  /** The newest heartbeat of its agents (ISO 8601), or null. */
  last_heartbeat: string | null;
}

/** What `biged status --json` prints. */
export interface StatusJson {
  home: string;
  /** Which queue: `sqlite` (a file) or `postgres` (a server several hosts may share). */
  queue: { dialect: 'sqlite' | 'postgres'; location: string };
  /** The fleet-wide pause (`biged pause`): no host claims while it is set. */
  paused: { paused: boolean; by: string | null; since: string | null };
  supervisor: SupervisorStatus;
  /** Every host with registered agents, by name. */
  hosts: HostJson[];
  agents: AgentJson[];
  tasks: Record<TaskStatus, number>;
  /** The workflow runs still RUNNING, newest first (at most 20), with their step states. */
  workflows: WorkflowStatusJson[];
}

const agentToJson = (agent: Agent): AgentJson => ({
  name: agent.name,
  role: agent.role,
  status: agent.status,
  last_heartbeat: agent.lastHeartbeat ?? null,
  pid: agent.pid ?? null,
  host: agent.host,
  current_task_id: agent.currentTaskId ?? null,
  restarts: agent.restarts,
});

/** Agents grouped by host, by host name. */
export function hostsOf(agents: readonly Agent[]): HostJson[] {
  const hosts = new Map<string, HostJson>();
  for (const agent of agents) {
    const host = hosts.get(agent.host) ?? {
      host: agent.host,
      agents: 0,
      busy: 0,
      idle: 0,
      offline: 0,
      last_heartbeat: null,
    };
    host.agents += 1;
    if (agent.status === 'BUSY') host.busy += 1;
    else if (agent.status === 'IDLE') host.idle += 1;
    else if (agent.status === 'OFFLINE') host.offline += 1;
    if (agent.lastHeartbeat && (!host.last_heartbeat || agent.lastHeartbeat > host.last_heartbeat))
      host.last_heartbeat = agent.lastHeartbeat;
    hosts.set(agent.host, host);
  }
  return [...hosts.values()].sort((a, b) => a.host.localeCompare(b.host));
}

const readStatus = (reader: QueueReader) => {
  try {
    return {
      agents: reader.listAgents(),
      counts: reader.counts(),
      runs: reader.listRunningWorkflowRuns(20),
      paused: reader.fleetPause(),
    };
  } finally {
    reader.close();
  }
};

/** `biged status`: whether the fleet runs, every agent, and task counts by status. */
export function registerStatus(program: Command, session: ProgramSession): void {
  program
    .command('status')
    .description('show the fleet: supervisor, agents (status, last heartbeat, pid) and task counts')
    .action(async (_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      // Through the config cache: an unchanged fleet.toml costs no TOML parser and no zod.
      const config = await loadFleetConfigCached(context);
      const target = queueTargetFromConfig(config, context.home);
      // A current queue file is read without Drizzle (fast start-up); anything else (no file yet, an older
      // schema, a damaged file) goes through createQueue, which creates, migrates or reports it. A
      // PostgreSQL queue is read through its store: every host's agents.
      const reader =
        target.kind === 'sqlite' ? openQueueReader({ file: queueFile(context, config) }) : undefined;
      const { agents, counts, runs, paused } =
        target.kind === 'postgres'
          ? await withStore(context, config, async (store) => ({
              agents: await store.listAgents(),
              counts: await store.counts(),
              runs: [],
              paused: await store.fleetPause(),
            }))
          : reader
            ? readStatus(reader)
            : await withQueue(context, config, async (queue) => {
                const { createWorkflowStore } = await import('@biged/queue');
                return {
                  agents: queue.listAgents(),
                  counts: queue.counts(),
                  runs: createWorkflowStore({ queue }).listRuns({ status: 'RUNNING', limit: 20 }),
                  paused: queue.fleetPause(),
                };
              });
      // Every status appears, zero included, so scripts can index without checking.
      const tasks = Object.fromEntries(
        TASK_STATUSES.map((status) => [status, counts[status] ?? 0]),
      ) as Record<TaskStatus, number>;
      const supervisor = supervisorStatus(context.home);
      const status: StatusJson = {
        home: context.home,
        queue: {
          dialect: target.kind,
          location: target.kind === 'postgres' ? target.location : target.file,
        },
        paused,
        supervisor,
        hosts: hostsOf(agents),
        agents: agents.map(agentToJson),
        tasks,
        workflows: runs.map(workflowStatusJson),
      };
      if (context.json) {
        context.printJson(status);
        return;
      }
      context.print(renderStatus(status));
    });
}

/** The human form of `biged status`. */
export function renderStatus(status: StatusJson, now: number = Date.now()): string {
  const { supervisor } = status;
  const fleet = supervisor.running
    ? `running (pid ${supervisor.pid}${supervisor.started_at ? `, since ${supervisor.started_at}` : ''}${supervisor.ready ? '' : ', starting'})`
    : 'not running (start it with `biged up --detach`)';
  let text = `fleet  ${fleet}\nhome   ${status.home}\n`;
  if (status.queue?.dialect === 'postgres') text += `queue  ${status.queue.location}\n`;
  if (status.paused?.paused)
    text += `PAUSED fleet-wide by ${status.paused.by} since ${status.paused.since} (\`biged resume\`)\n`;
  text += '\n';
  // Several hosts on one queue: one line per host, and a HOST column.
  const multiHost = (status.hosts?.length ?? 0) > 1;
  if (multiHost) {
    text += `${renderTable(
      ['HOST', 'AGENTS', 'BUSY', 'IDLE', 'OFFLINE', 'LAST HEARTBEAT'],
      status.hosts.map((host) => [
        host.host,
        String(host.agents),
        String(host.busy),
        String(host.idle),
        String(host.offline),
        formatAgo(host.last_heartbeat, now),
      ]),
    )}\n`;
  }
  if (status.agents.length === 0) {
    text += 'no agents registered yet\n';
  } else {
    text += renderTable(
      [...(multiHost ? ['HOST'] : []), 'AGENT', 'ROLE', 'STATUS', 'LAST HEARTBEAT', 'PID', 'TASK'],
      status.agents.map((agent) => [
        ...(multiHost ? [agent.host] : []),
        agent.name,
        agent.role,
        agent.status,
        formatAgo(agent.last_heartbeat, now),
        agent.pid == null ? '-' : String(agent.pid),
        agent.current_task_id == null ? '-' : String(agent.current_task_id),
      ]),
    );
  }
  const entries = Object.entries(status.tasks) as [TaskStatus, number][];
  text += `\n${renderTable(
    entries.map(([name]) => name),
    [entries.map(([, count]) => String(count))],
  )}`;
  if (status.workflows.length > 0) text += `\n${renderWorkflowRuns(status.workflows)}`;
  return text;
}

/** The running workflow runs: one line each, with how many steps are in each state. */
export function renderWorkflowRuns(runs: readonly WorkflowStatusJson[]): string {
  return renderTable(
    ['WORKFLOW RUN', 'STEPS'],
    runs.map((run) => {
      const byStatus = new Map<string, number>();
      for (const step of run.steps) byStatus.set(step.status, (byStatus.get(step.status) ?? 0) + 1);
      const parts = [...byStatus].map(([name, count]) => `${count} ${name}`);
      return [String(run.run), `${run.steps.length}: ${parts.join(', ')}`];
    }),
  );
}
