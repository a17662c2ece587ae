import { type Agent, TASK_STATUSES, type TaskStatus } from '@biged/core/config';
import { openQueueReader, type QueueReader } from '@biged/queue/read';
import type { Command } from 'commander';
import {
  contextFor,
  loadFleetConfig,
  type ProgramSession,
  queueFile,
  requireHome,
  withQueue,
} from '../context';
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

/** What `biged status --json` prints. */
export interface StatusJson {
  home: string;
  supervisor: SupervisorStatus;
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

const readStatus = (reader: QueueReader) => {
  try {
    return {
      agents: reader.listAgents(),
      counts: reader.counts(),
      runs: reader.listRunningWorkflowRuns(20),
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
      const config = loadFleetConfig(context);
      // A current queue file is read without Drizzle (fast start-up); anything else (no file yet, an older
      // schema, a damaged file) goes through createQueue, which creates, migrates or reports it.
      const reader = openQueueReader({ file: queueFile(context, config) });
      const { agents, counts, runs } = reader
        ? readStatus(reader)
        : await withQueue(context, config, async (queue) => {
            const { createWorkflowStore } = await import('@biged/queue');
            return {
              agents: queue.listAgents(),
              counts: queue.counts(),
              runs: createWorkflowStore({ queue }).listRuns({ status: 'RUNNING', limit: 20 }),
            };
          });
      // Every status appears, zero included, so scripts can index without checking.
      const tasks = Object.fromEntries(
        TASK_STATUSES.map((status) => [status, counts[status] ?? 0]),
      ) as Record<TaskStatus, number>;
      const supervisor = supervisorStatus(context.home);
      const status: StatusJson = {
        home: context.home,
        supervisor,
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
  let text = `fleet  ${fleet}\nhome   ${status.home}\n\n`;
  if (status.agents.length === 0) {
    text += 'no agents registered yet\n';
  } else {
    text += renderTable(
      ['AGENT', 'ROLE', 'STATUS', 'LAST HEARTBEAT', 'PID', 'TASK'],
      status.agents.map((agent) => [
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
