import type { Message, TaskQueue, TaskStore } from '@biged/queue';
import type { Command } from 'commander';
import {
  type CommandContext,
  contextFor,
  loadFleetConfig,
  type ProgramSession,
  requireHome,
  withQueue,
  withStore,
} from '../context';
import { parsePositiveInteger } from '../options';

// NOTE: packages/cli/README.md ("Messaging") documents these commands and their --json shapes; keep both in sync.

/** Who the operator's messages come from (`--from` overrides). */
export const OPERATOR_SENDER = 'operator';
/** Default `--limit` of inbox, notes and channels. */
export const MESSAGES_DEFAULT_LIMIT = 50;

/** A message as `--json` prints it. */
export interface MessageJson {
  id: number;
  kind: 'direct' | 'broadcast' | 'note';
  channel: string;
  from: string;
  to: string | null;
  body: Record<string, unknown>;
  created_at: string;
  read_at: string | null;
}

/** The public message shape to its `--json` form (snake_case like tasks). */
export function messageToJson(message: Message): MessageJson {
  return {
    id: message.id,
    kind: message.kind,
    channel: message.channel,
    from: message.from,
    to: message.to,
    body: message.body,
    created_at: message.createdAt,
    read_at: message.readAt,
  };
}

/**
 * The body the operator typed: text that starts with `{` is JSON (the queue checks it and refuses
 * anything but an object); anything else becomes `{"text": ...}`.
 */
export function messageBody(text: string): Record<string, unknown> | string {
  return text.trimStart().startsWith('{') ? text : { text };
}

/**
 * A broadcast body: `PAUSE` / `RESUME` (the manual's incident procedure: `broadcast "PAUSE" --channel
 * fleet`) become `{"type":"pause"}` / `{"type":"resume"}`; the rest as `messageBody`.
 */
export function broadcastBody(text: string): Record<string, unknown> | string {
  const word = text.trim();
  if (word === 'PAUSE') return { type: 'pause' };
  if (word === 'RESUME') return { type: 'resume' };
  return messageBody(text);
}

/** One message on one line: `#id  time  from -> to [channel]  body`. */
export function renderMessage(message: Message): string {
  const to =
    message.kind === 'direct' ? (message.to as string) : message.kind === 'broadcast' ? '*' : 'notes';
  const keys = Object.keys(message.body);
  const body =
    keys.length === 1 && typeof message.body.text === 'string'
      ? message.body.text
      : JSON.stringify(message.body);
  const unread = message.kind !== 'note' && message.readAt === null ? ' (unread)' : '';
  return `#${message.id}  ${message.createdAt.replace('T', ' ').slice(0, 19)}  ${message.from} -> ${to} [${message.channel}]${unread}  ${body}`;
}

async function onQueue<T>(context: CommandContext, work: (queue: TaskQueue) => T): Promise<T> {
  requireHome(context);
  return withQueue(context, loadFleetConfig(context), work);
}

/** Like `onQueue`, on the fleet's task store (SQLite or PostgreSQL): what every store has. */
async function onStore<T>(context: CommandContext, work: (store: TaskStore) => Promise<T>): Promise<T> {
  requireHome(context);
  return withStore(context, loadFleetConfig(context), work);
}

function printMessages(context: CommandContext, messages: Message[], empty: string): void {
  context.print(messages.length === 0 ? `${empty}\n` : `${messages.map(renderMessage).join('\n')}\n`);
}

/** `biged send`, `broadcast`, `inbox`, `notes` and `channels`: the manual's messaging commands. */
export function registerMessaging(program: Command, session: ProgramSession): void {
  program
    .command('send')
    .description(
      'send a direct message to an agent (text becomes {"text": ...}; a JSON object is stored as is)',
    )
    .argument('<agent>', 'agent name, e.g. coder_1 (need not be running yet)')
    .argument('<message>', 'text, or a JSON object')
    .option('--channel <channel>', 'fleet|sup|agent|pool (or a named channel)', 'agent')
    .option('--from <name>', 'sender name', OPERATOR_SENDER)
    .action(
      async (agent: string, text: string, options: { channel: string; from: string }, command: Command) => {
        const context = contextFor(session, command);
        const message = await onStore(context, (store) =>
          store.sendMessage({
            to: agent,
            from: options.from,
            body: messageBody(text),
            channel: options.channel,
          }),
        );
        if (context.json) context.printJson(messageToJson(message));
        else context.print(`sent message ${message.id} to ${agent} [${message.channel}]\n`);
      },
    );

  program
    .command('broadcast')
    .description(
      'broadcast to every agent; "PAUSE" / "RESUME" (or {"type":"pause"}) pause and resume workers',
    )
    .argument('<message>', 'text, PAUSE, RESUME, or a JSON object')
    .option('--channel <channel>', 'fleet|sup|agent|pool (or a named channel)', 'fleet')
    .option('--from <name>', 'sender name', OPERATOR_SENDER)
    .action(async (text: string, options: { channel: string; from: string }, command: Command) => {
      const context = contextFor(session, command);
      const message = await onStore(context, (store) =>
        store.broadcast({ from: options.from, body: broadcastBody(text), channel: options.channel }),
      );
      if (context.json) context.printJson(messageToJson(message));
      else
        context.print(
          `broadcast message ${message.id} [${message.channel}] ${JSON.stringify(message.body)}\n`,
        );
    });

  program
    .command('inbox')
    .description("show an agent's inbox (unread by default; reading here does not mark anything read)")
    .argument('<agent>', 'agent name')
    .option('--all', 'read messages too (the latest --limit)')
    .option('--limit <n>', 'most messages', String(MESSAGES_DEFAULT_LIMIT))
    .option('--channel <channel>', 'only this channel')
    .action(
      async (
        agent: string,
        options: { all?: boolean; limit: string; channel?: string },
        command: Command,
      ) => {
        const context = contextFor(session, command);
        const limit = parsePositiveInteger(options.limit, '--limit');
        const all = options.all === true;
        const messages = await onStore(context, (store) =>
          store.inbox(agent, {
            all,
            limit,
            ...(options.channel === undefined ? {} : { channel: options.channel }),
          }),
        );
        if (context.json) context.printJson({ agent, all, messages: messages.map(messageToJson) });
        else
          printMessages(
            context,
            messages,
            all ? `no messages for ${agent}` : `no unread messages for ${agent}`,
          );
      },
    );

  program
    .command('notes')
    .description("read a channel's scratchpad, or add to it with --post")
    .argument('<channel>', 'channel name, e.g. fleet or research.plan')
    .option('--post <json>', 'add a note (a JSON object; plain text becomes {"text": ...})')
    .option('--from <name>', 'author of --post', OPERATOR_SENDER)
    .option('--since <time|id>', 'only notes after this ISO time or message id')
    .option('--limit <n>', 'most notes', String(MESSAGES_DEFAULT_LIMIT))
    .action(
      async (
        channel: string,
        options: { post?: string; from: string; since?: string; limit: string },
        command: Command,
      ) => {
        const context = contextFor(session, command);
        const limit = parsePositiveInteger(options.limit, '--limit');
        if (options.post !== undefined) {
          const post = options.post;
          const note = await onStore(context, (store) =>
            store.postNote(channel, { from: options.from, body: messageBody(post) }),
          );
          if (context.json) context.printJson(messageToJson(note));
          else context.print(`posted note ${note.id} to ${channel}\n`);
          return;
        }
        const since =
          options.since === undefined
            ? undefined
            : /^\d+$/.test(options.since)
              ? Number(options.since)
              : options.since;
        const notes = await onStore(context, (store) =>
          store.notes(channel, { limit, ...(since === undefined ? {} : { since }) }),
        );
        if (context.json) context.printJson({ channel, notes: notes.map(messageToJson) });
        else printMessages(context, notes, `no notes on ${channel}`);
      },
    );

  program
    .command('channels')
    .description('message counts per channel, or the latest messages of one channel (fleet|sup|agent|pool)')
    .argument('[channel]', 'a channel to list')
    .option('--limit <n>', 'most messages of the channel', String(MESSAGES_DEFAULT_LIMIT))
    .action(async (channel: string | undefined, options: { limit: string }, command: Command) => {
      const context = contextFor(session, command);
      const limit = parsePositiveInteger(options.limit, '--limit');
      if (channel !== undefined) {
        const messages = await onQueue(context, (queue) => queue.channelMessages(channel, { limit }));
        if (context.json) context.printJson({ channel, messages: messages.map(messageToJson) });
        else printMessages(context, messages, `no messages on ${channel}`);
        return;
      }
      const summary = await onQueue(context, (queue) => queue.channelSummary());
      if (context.json) {
        context.printJson({
          channels: summary.map(({ lastAt, ...row }) => ({ ...row, last_at: lastAt })),
        });
        return;
      }
      const header = 'CHANNEL          DIRECT  UNREAD  BROADCASTS  NOTES  LAST';
      const lines = summary.map(
        (row) =>
          `${row.channel.padEnd(16)} ${String(row.direct).padStart(6)}  ${String(row.unread).padStart(6)}  ${String(row.broadcasts).padStart(10)}  ${String(row.notes).padStart(5)}  ${row.lastAt ?? '-'}`,
      );
      context.print(`${[header, ...lines].join('\n')}\n`);
    });
}
