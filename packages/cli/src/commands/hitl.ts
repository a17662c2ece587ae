import { userInfo } from 'node:os';
import type { AnswerHitlResult, HitlAnswerStatus, HitlRequest, TaskStore } from '@biged/queue';
import type { Command } from 'commander';
import {
  type CommandContext,
  contextFor,
  loadFleetConfig,
  type ProgramSession,
  requireHome,
  withStore,
} from '../context';
import { CliError } from '../errors';
import { parsePositiveInteger } from '../options';
import { type TaskJson, taskToJson } from '../output/task-json';

// NOTE: packages/cli/README.md ("Human in the loop") documents these commands and their --json shapes;
// keep both in sync.

/** Default `--limit` of `biged hitl list`. */
export const HITL_LIST_DEFAULT_LIMIT = 50;

/** A human-in-the-loop request as `--json` prints it (snake_case like tasks). */
export interface HitlRequestJson {
  id: number;
  task_id: number;
  agent: string;
  question: string;
  context: Record<string, unknown> | null;
  status: HitlRequest['status'];
  response: string | null;
  responder: string | null;
  follow_up_task_id: number | null;
  pinned: boolean;
  created_at: string;
  answered_at: string | null;
}

/** What an answering subcommand prints with `--json`. */
export interface HitlAnswerJson {
  request: HitlRequestJson;
  /** The waiting task after the answer. */
  task: TaskJson;
  /** The research_loop / code_discuss task created (more-info, discuss), else null. */
  follow_up: TaskJson | null;
}

/** The queue's request to its `--json` form. */
export function hitlRequestToJson(request: HitlRequest): HitlRequestJson {
  return {
    id: request.id,
    task_id: request.taskId,
    agent: request.agent,
    question: request.question,
    context: request.context,
    status: request.status,
    response: request.response,
    responder: request.responder,
    follow_up_task_id: request.followUpTaskId,
    pinned: request.pinned,
    created_at: request.createdAt,
    answered_at: request.answeredAt,
  };
}

/**
 * One request on one line: `#id  time  task <id> (agent)  [status]  question`, then, once answered,
 * `-> <responder>: <response>` and the follow-up task.
 */
export function renderHitlRequest(request: HitlRequest): string {
  const pinned = request.pinned ? ' (pinned)' : '';
  const question = request.question.replace(/\s+/g, ' ');
  let line = `#${request.id}  ${request.createdAt.replace('T', ' ').slice(0, 19)}  task ${request.taskId} (${request.agent})  [${request.status}]${pinned}  ${question}`;
  if (request.status !== 'open') {
    line += `  -> ${request.responder ?? '?'}${request.response === null ? '' : `: ${request.response.replace(/\s+/g, ' ')}`}`;
    if (request.followUpTaskId !== null) line += ` (task ${request.followUpTaskId})`;
  }
  return line;
}

/** Who answers from this terminal: `cli:<user>`. */
export function defaultResponder(env: Readonly<Record<string, string | undefined>>): string {
  let user = env.USER || env.USERNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `cli:${user}`;
}

/** The sentence an answer prints without `--json`. */
function describeAnswer({ request, task, followUp }: AnswerHitlResult): string {
  const subject = `task ${task.id} (${task.skill})`;
  switch (request.status) {
    case 'approved':
    case 'feedback':
      return `${request.status} request ${request.id}: ${subject} is ${task.status} again and re-runs with the answer`;
    case 'rejected':
      return task.status === 'FAILED'
        ? `rejected request ${request.id}: ${subject} FAILED (${task.error})`
        : `rejected request ${request.id}: closed (${subject} is ${task.status})`;
    default:
      return `${request.status} request ${request.id}: created ${followUp?.skill} task ${followUp?.id}; ${subject} is ${task.status} until it is DONE`;
  }
}

function requireText(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '')
    throw new CliError({
      code: 'CLI_INVALID_OPTION',
      message: `${flag} must not be empty`,
    });
  return value;
}

/** Runs `work` on the fleet's task store: the SQLite queue, or the PostgreSQL server every host shares. */
async function onStore<T>(context: CommandContext, work: (store: TaskStore) => Promise<T>): Promise<T> {
  requireHome(context);
  return withStore(context, loadFleetConfig(context), work);
}

/** What `biged hitl pin|unpin --json` prints. */
export interface HitlPinJson {
  /** The request after the change. */
  request: HitlRequestJson;
}

/** The answering subcommands: name, answer kind, the option carrying the human's words, and help. */
const ANSWERS: ReadonlyArray<{
  name: string;
  status: HitlAnswerStatus;
  flag?: { spec: string; key: string; label: string; required: boolean; help: string };
  help: string;
}> = [
  {
    name: 'approve',
    status: 'approved',
    flag: {
      spec: '--note <text>',
      key: 'note',
      label: '--note',
      required: false,
      help: 'a note for the skill',
    },
    help: 'approve a request: the task re-runs and its skill gets the approval',
  },
  {
    name: 'reject',
    status: 'rejected',
    flag: {
      spec: '--reason <text>',
      key: 'reason',
      label: '--reason',
      required: true,
      help: 'why (stored as the task error)',
    },
    help: 'reject a request: the task ends FAILED (closes the request of a cancelled task)',
  },
  {
    name: 'more-info',
    status: 'more_info',
    flag: {
      spec: '--question <text>',
      key: 'question',
      label: '--question',
      required: true,
      help: 'what to find out first',
    },
    help: 'ask for research first: a research_loop task runs, then the task re-runs with its result',
  },
  {
    name: 'feedback',
    status: 'feedback',
    flag: { spec: '--text <text>', key: 'text', label: '--text', required: true, help: 'the feedback' },
    help: 'give feedback: the task re-runs and its skill gets the text',
  },
  {
    name: 'discuss',
    status: 'discuss',
    flag: {
      spec: '--topic <text>',
      key: 'topic',
      label: '--topic',
      required: false,
      help: 'what to discuss (default: the question)',
    },
    help: 'open a discussion: a code_discuss task runs, then the task re-runs with its transcript',
  },
];

/** `biged hitl list|approve|reject|more-info|feedback|discuss|pin|unpin`: answers the questions skills ask. */
export function registerHitl(program: Command, session: ProgramSession): void {
  const hitl = program
    .command('hitl')
    .description("human in the loop: list and answer the skills' questions (tasks in WAITING_HUMAN)");

  hitl
    .command('list')
    .description('list open requests, oldest first (--all: every request, newest first)')
    .option('--all', 'answered requests too')
    .option('--limit <n>', 'most requests', String(HITL_LIST_DEFAULT_LIMIT))
    .action(async (options: { all?: boolean; limit: string }, command: Command) => {
      const context = contextFor(session, command);
      const limit = parsePositiveInteger(options.limit, '--limit');
      const all = options.all === true;
      const requests = await onStore(context, (store) =>
        store.listHitl({ status: all ? 'all' : 'open', limit }),
      );
      if (context.json) {
        context.printJson({ all, requests: requests.map(hitlRequestToJson) });
        return;
      }
      if (requests.length === 0) {
        context.print(all ? 'no requests\n' : 'no open requests\n');
        return;
      }
      context.print(`${requests.map(renderHitlRequest).join('\n')}\n`);
    });

  for (const pinned of [true, false]) {
    hitl
      .command(pinned ? 'pin' : 'unpin')
      .description(
        pinned
          ? 'pin a request (open or answered) so the launcher keeps it in view'
          : 'unpin a pinned request',
      )
      .argument('<id>', 'request id (see `biged hitl list --all`)')
      .action(async (id: string, _options: unknown, command: Command) => {
        const context = contextFor(session, command);
        const requestId = parsePositiveInteger(id, 'request id');
        const request = await onStore(context, (store) => store.setHitlPinned(requestId, pinned));
        if (context.json) {
          const json: HitlPinJson = { request: hitlRequestToJson(request) };
          context.printJson(json);
        } else context.print(`${pinned ? 'pinned' : 'unpinned'} request ${request.id} [${request.status}]\n`);
      });
  }

  for (const answer of ANSWERS) {
    const subcommand = hitl
      .command(answer.name)
      .description(answer.help)
      .argument('<id>', 'request id (see `biged hitl list`)')
      .option('--as <name>', 'who answers (default cli:<user>)');
    if (answer.flag) {
      if (answer.flag.required) subcommand.requiredOption(answer.flag.spec, answer.flag.help);
      else subcommand.option(answer.flag.spec, answer.flag.help);
    }
    subcommand.action(async (id: string, options: Record<string, string | undefined>, command: Command) => {
      const context = contextFor(session, command);
      const requestId = parsePositiveInteger(id, 'request id');
      const flag = answer.flag;
      const words = flag === undefined ? undefined : options[flag.key];
      if (flag?.required) requireText(words, flag.label);
      const responder =
        options.as === undefined ? defaultResponder(session.io.env) : requireText(options.as, '--as');
      const result = await onStore(context, (store) =>
        store.answerHitl(requestId, {
          status: answer.status,
          responder,
          ...(words === undefined ? {} : { response: words }),
        }),
      );
      if (context.json) {
        const json: HitlAnswerJson = {
          request: hitlRequestToJson(result.request),
          task: taskToJson(result.task),
          follow_up: result.followUp ? taskToJson(result.followUp) : null,
        };
        context.printJson(json);
      } else context.print(`${describeAnswer(result)}\n`);
    });
  }
}
