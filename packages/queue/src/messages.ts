import { PayloadError, parsePayload } from '@biged/core';
import { QueueError } from './errors/queue-error';
import type { QueueConnection } from './queue-database';

// NOTE: packages/queue/README.md ("Messaging") describes these queries and their indexes; keep both in sync.

/** The channels of the manual's messaging commands (`--channel fleet|sup|agent|pool`). */
export const MESSAGE_CHANNELS = ['fleet', 'sup', 'agent', 'pool'] as const;

/**
 * Agent (and sender) names: lowercase letter first, then `a-z 0-9 _ -`, at most 64 characters
 * (the `[workers] roles` pattern; `coder_2`, `hw-monitor`, `operator`).
 */
export const AGENT_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/** Channel names: lowercase letter first, then `a-z 0-9 _ . -`, at most 64 characters. */
export const CHANNEL_NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

/** Default and largest `limit` of inbox, notes and channel reads. */
const DEFAULT_MESSAGE_LIMIT = 50;
const MAX_MESSAGE_LIMIT = 10_000;

/** What a message is: to one agent, to every agent, or a note on a channel's scratchpad. */
export type MessageKind = 'direct' | 'broadcast' | 'note';

/** A message as the messaging methods return it. */
export interface Message {
  id: number;
  kind: MessageKind;
  channel: string;
  /** The sender's name. */
  from: string;
  /** The recipient of a direct message; null for broadcasts and notes. */
  to: string | null;
  /** The JSON object sent. */
  body: Record<string, unknown>;
  /** ISO 8601. */
  createdAt: string;
  /**
   * ISO 8601 when read: by its recipient (direct), by the agent whose inbox was read (broadcast, in
   * `inbox` results), otherwise null.
   */
  readAt: string | null;
}

/** What `sendMessage` takes. */
export interface SendMessageRequest {
  /** The recipient agent (need not be registered yet; must match `AGENT_NAME_PATTERN`). */
  to: string;
  /** The sender (`AGENT_NAME_PATTERN`), e.g. `operator`. */
  from: string;
  /** A JSON object, or JSON text of one, at most `maxPayloadBytes`. */
  body: Record<string, unknown> | string;
  /** Default `agent`. */
  channel?: string;
}

/** What `broadcast` takes. */
export interface BroadcastRequest {
  /** The sender (`AGENT_NAME_PATTERN`). */
  from: string;
  /** A JSON object, or JSON text of one, e.g. `{"type":"pause"}`. */
  body: Record<string, unknown> | string;
  /** Default `fleet`. */
  channel?: string;
}

/** What `postNote` takes. */
export interface PostNoteRequest {
  /** The author (`AGENT_NAME_PATTERN`). */
  from: string;
  /** A JSON object, or JSON text of one. */
  body: Record<string, unknown> | string;
}

/** Options of `inbox`. */
export interface InboxOptions {
  /** Read messages too (the latest `limit`). Default false: unread only, oldest first. */
  all?: boolean;
  /** Most messages returned, 1 to 10000. Default 50. */
  limit?: number;
  /** Only this channel. Default all channels. */
  channel?: string;
  /** Mark the returned messages read for this agent (workers do; the operator's `biged inbox` does not). Default false. */
  markRead?: boolean;
}

/** Options of `notes`. */
export interface NotesOptions {
  /** Only notes after this time (ISO 8601 text or a Date) or after this message id (a number). Default none. */
  since?: string | Date | number;
  /** Most notes, 1 to 10000: the first after `since`, or else the latest. Default 50. */
  limit?: number;
}

/** Options of `channelMessages`. */
export interface ChannelMessagesOptions {
  /** Most messages (the latest), 1 to 10000. Default 50. */
  limit?: number;
}

/** One line of `channelSummary`. */
export interface ChannelSummary {
  channel: string;
  /** Direct messages on the channel. */
  direct: number;
  /** Unread direct messages on the channel. */
  unread: number;
  broadcasts: number;
  notes: number;
  /** ISO 8601 of the latest message, or null. */
  lastAt: string | null;
}

/** The messaging part of `TaskQueue` (same connection, same busy retry). */
export interface QueueMessaging {
  /** Stores a direct message. Throws `QUEUE_INVALID_ARGUMENT` (bad name or channel) or `QUEUE_INVALID_MESSAGE` (body). */
  sendMessage(request: SendMessageRequest): Message;
  /** Stores one broadcast row that every agent's inbox shows once (until that agent marks it read). */
  broadcast(request: BroadcastRequest): Message;
  /** Direct messages to `agent` and broadcasts, oldest first. */
  inbox(agent: string, options?: InboxOptions): Message[];
  /** Adds a note to a channel's scratchpad. */
  postNote(channel: string, request: PostNoteRequest): Message;
  /** Notes of a channel, oldest first. */
  notes(channel: string, options?: NotesOptions): Message[];
  /** Every message (direct, broadcast, note) on a channel, the latest `limit`, oldest first. */
  channelMessages(channel: string, options?: ChannelMessagesOptions): Message[];
  /** Counts per channel that has messages, plus the four standard channels, sorted by name. */
  channelSummary(): ChannelSummary[];
}

interface RawMessage {
  id: number;
  kind: MessageKind;
  channel: string;
  sender: string;
  recipient: string | null;
  body: string;
  createdAt: number;
  readAt: number | null;
}

const COLUMNS = `id, kind, channel, sender, recipient, body, created_at AS createdAt, read_at AS readAt`;

/**
 * Inbox SQL. Direct messages: a seek in `messages_inbox_idx` (recipient, read_at, id). Broadcasts: a
 * range of `messages_broadcast_idx`, each probed in the primary key of `message_reads` (agent, message_id),
 * an index-only lookup. One row per broadcast (not one per agent) keeps a broadcast one insert whatever the
 * fleet size, and an agent registered later still sees it; broadcasts are rare operator actions, so the
 * probe per broadcast stays small. create-queue.messages.test.ts checks the plans.
 */
export const MESSAGE_SQL = {
  unreadDirect: `SELECT ${COLUMNS} FROM messages
    WHERE recipient = @agent AND read_at IS NULL AND (@channel IS NULL OR channel = @channel)
    ORDER BY id LIMIT @limit`,
  unreadBroadcasts: `SELECT ${COLUMNS} FROM messages AS m
    WHERE kind = 'broadcast' AND (@channel IS NULL OR channel = @channel)
      AND NOT EXISTS (SELECT 1 FROM message_reads AS r WHERE r.agent = @agent AND r.message_id = m.id)
    ORDER BY id LIMIT @limit`,
  allDirect: `SELECT ${COLUMNS} FROM messages
    WHERE recipient = @agent AND (@channel IS NULL OR channel = @channel)
    ORDER BY id DESC LIMIT @limit`,
  allBroadcasts: `SELECT id, kind, channel, sender, recipient, body, created_at AS createdAt,
      (SELECT r.read_at FROM message_reads AS r WHERE r.agent = @agent AND r.message_id = m.id) AS readAt
    FROM messages AS m WHERE kind = 'broadcast' AND (@channel IS NULL OR channel = @channel)
    ORDER BY id DESC LIMIT @limit`,
} as const;

/** @internal The messaging methods on a queue's connection (called by `createQueue`). */
export function createMessaging(
  { sqlite, retry, clock }: QueueConnection,
  maxPayloadBytes: number,
): QueueMessaging {
  const transaction = sqlite.transaction((body: () => unknown) => body());
  const write = <T>(body: () => T): T => retry(() => transaction.immediate(body) as T);
  const read = <T>(body: () => T): T => retry(body);
  const statements = {
    insert: sqlite.prepare(
      `INSERT INTO messages (kind, channel, sender, recipient, body, created_at)
       VALUES (@kind, @channel, @sender, @recipient, @body, @now) RETURNING ${COLUMNS}`,
    ),
    unreadDirect: sqlite.prepare(MESSAGE_SQL.unreadDirect),
    unreadBroadcasts: sqlite.prepare(MESSAGE_SQL.unreadBroadcasts),
    allDirect: sqlite.prepare(MESSAGE_SQL.allDirect),
    allBroadcasts: sqlite.prepare(MESSAGE_SQL.allBroadcasts),
    markDirect: sqlite.prepare(
      'UPDATE messages SET read_at = @now WHERE id = @id AND recipient = @agent AND read_at IS NULL',
    ),
    markBroadcast: sqlite.prepare(
      'INSERT OR IGNORE INTO message_reads (agent, message_id, read_at) VALUES (@agent, @id, @now)',
    ),
    notesAfterId: sqlite.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE channel = @channel AND kind = 'note' AND id > @since
       ORDER BY id LIMIT @limit`,
    ),
    notesAfterTime: sqlite.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE channel = @channel AND kind = 'note' AND created_at > @since
       ORDER BY created_at, id LIMIT @limit`,
    ),
    latestNotes: sqlite.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE channel = @channel AND kind = 'note'
       ORDER BY created_at DESC, id DESC LIMIT @limit`,
    ),
    channelMessages: sqlite.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE channel = @channel ORDER BY created_at DESC, id DESC LIMIT @limit`,
    ),
    summary: sqlite.prepare(
      `SELECT channel,
         sum(kind = 'direct') AS direct, sum(kind = 'direct' AND read_at IS NULL) AS unread,
         sum(kind = 'broadcast') AS broadcasts, sum(kind = 'note') AS notes, max(created_at) AS lastAt
       FROM messages GROUP BY channel`,
    ),
  };

  const insert = (
    kind: MessageKind,
    channel: string,
    sender: string,
    recipient: string | null,
    body: unknown,
  ) => {
    const text = bodyText(body, maxPayloadBytes);
    const row = write(
      () =>
        statements.insert.get({ kind, channel, sender, recipient, body: text, now: clock() }) as RawMessage,
    );
    return toMessage(row);
  };

  return {
    sendMessage({ to, from, body, channel = 'agent' }) {
      assertName('recipient', to);
      assertName('sender', from);
      assertChannel(channel);
      return insert('direct', channel, from, to, body);
    },

    broadcast({ from, body, channel = 'fleet' }) {
      assertName('sender', from);
      assertChannel(channel);
      return insert('broadcast', channel, from, null, body);
    },

    inbox(agent, { all = false, limit = DEFAULT_MESSAGE_LIMIT, channel, markRead = false } = {}) {
      assertName('agent', agent);
      assertLimit(limit);
      if (channel !== undefined) assertChannel(channel);
      const parameters = { agent, channel: channel ?? null, limit };
      const run = (): Message[] => {
        const rows = all
          ? [
              ...(statements.allDirect.all(parameters) as RawMessage[]),
              ...(statements.allBroadcasts.all(parameters) as RawMessage[]),
            ]
              .sort((left, right) => right.id - left.id)
              .slice(0, limit)
              .reverse()
          : [
              ...(statements.unreadDirect.all(parameters) as RawMessage[]),
              ...(statements.unreadBroadcasts.all(parameters) as RawMessage[]),
            ]
              .sort((left, right) => left.id - right.id)
              .slice(0, limit);
        if (markRead) {
          const now = clock();
          for (const row of rows) {
            if (row.readAt !== null) continue;
            if (row.kind === 'direct') statements.markDirect.run({ id: row.id, agent, now });
            else statements.markBroadcast.run({ id: row.id, agent, now });
            row.readAt = now;
          }
        }
        return rows.map(toMessage);
      };
      // Marking read writes, so the read and the marks share one IMMEDIATE transaction: two readers of
      // the same inbox never both get a message as unread.
      return markRead ? write(run) : read(run);
    },

    postNote(channel, { from, body }) {
      assertChannel(channel);
      assertName('sender', from);
      return insert('note', channel, from, null, body);
    },

    notes(channel, { since, limit = DEFAULT_MESSAGE_LIMIT } = {}) {
      assertChannel(channel);
      assertLimit(limit);
      if (since === undefined) {
        return read(() => statements.latestNotes.all({ channel, limit }) as RawMessage[])
          .reverse()
          .map(toMessage);
      }
      if (typeof since === 'number') {
        if (!Number.isInteger(since) || since < 0)
          invalid(`since must be a message id (a whole number from 0) or an ISO time, got ${since}`);
        return read(() => statements.notesAfterId.all({ channel, since, limit }) as RawMessage[]).map(
          toMessage,
        );
      }
      const time = since instanceof Date ? since.getTime() : Date.parse(since);
      if (Number.isNaN(time))
        invalid(
          `since must be an ISO 8601 time (e.g. 2026-12-01T00:00:00Z) or a message id, got ${JSON.stringify(String(since))}`,
        );
      return read(() => statements.notesAfterTime.all({ channel, since: time, limit }) as RawMessage[]).map(
        toMessage,
      );
    },

    channelMessages(channel, { limit = DEFAULT_MESSAGE_LIMIT } = {}) {
      assertChannel(channel);
      assertLimit(limit);
      return read(() => statements.channelMessages.all({ channel, limit }) as RawMessage[])
        .reverse()
        .map(toMessage);
    },

    channelSummary() {
      const rows = read(() => statements.summary.all()) as Array<
        Omit<ChannelSummary, 'lastAt'> & { lastAt: number }
      >;
      const byName = new Map<string, ChannelSummary>(
        MESSAGE_CHANNELS.map((channel) => [
          channel,
          { channel, direct: 0, unread: 0, broadcasts: 0, notes: 0, lastAt: null },
        ]),
      );
      for (const row of rows) byName.set(row.channel, { ...row, lastAt: new Date(row.lastAt).toISOString() });
      return [...byName.values()].sort((left, right) => left.channel.localeCompare(right.channel));
    },
  };
}

function toMessage(row: RawMessage): Message {
  return {
    id: row.id,
    kind: row.kind,
    channel: row.channel,
    from: row.sender,
    to: row.recipient,
    body: JSON.parse(row.body) as Record<string, unknown>,
    createdAt: new Date(row.createdAt).toISOString(),
    readAt: row.readAt === null ? null : new Date(row.readAt).toISOString(),
  };
}

/** The body as compact JSON text of an object no larger than `maxBytes`, or `QUEUE_INVALID_MESSAGE`. */
function bodyText(body: unknown, maxBytes: number): string {
  let value: Record<string, unknown>;
  try {
    value = parsePayload(body, { maxBytes });
  } catch (error) {
    if (!PayloadError.isInstance(error)) throw error;
    throw new QueueError({
      code: 'QUEUE_INVALID_MESSAGE',
      message: `message body ${error.message.replace(/^payload /, '')}`,
      cause: error,
      hint:
        error.code === 'PAYLOAD_TOO_LARGE'
          ? 'send a path to a file under the fleet home instead, or raise [queue] max_payload_bytes'
          : 'send a JSON object, e.g. {"text": "hello"}',
    });
  }
  return JSON.stringify(value);
}

function invalid(message: string): never {
  throw new QueueError({ code: 'QUEUE_INVALID_ARGUMENT', message });
}

function assertName(what: string, name: unknown): void {
  if (typeof name !== 'string' || !AGENT_NAME_PATTERN.test(name))
    invalid(
      `${what} ${JSON.stringify(name)} is not an agent name: use a lowercase letter, then a-z 0-9 _ - (at most 64 characters)`,
    );
}

function assertChannel(channel: unknown): void {
  if (typeof channel !== 'string' || !CHANNEL_NAME_PATTERN.test(channel))
    invalid(
      `channel ${JSON.stringify(channel)} is not a channel name: use ${MESSAGE_CHANNELS.join(', ')} or a lowercase name (a-z 0-9 _ . -, at most 64 characters)`,
    );
}

function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MESSAGE_LIMIT)
    invalid(`limit must be a whole number from 1 to ${MAX_MESSAGE_LIMIT}, got ${String(limit)}`);
}
