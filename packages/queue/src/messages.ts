import { DlpError, PayloadError, parsePayload, redactJson } from '@biged/core';
import { QueueError } from './errors/queue-error';
import {
  AGENT_NAME_PATTERN,
  type BroadcastRequest,
  CHANNEL_NAME_PATTERN,
  type ChannelMessagesOptions,
  type ChannelSummary,
  type InboxOptions,
  MESSAGE_CHANNELS,
  type Message,
  type MessageKind,
  type NotesOptions,
  type PostNoteRequest,
  type QueueMessaging,
  type SendMessageRequest,
} from './message-types';
import type { QueueConnection } from './queue-database';

export { AGENT_NAME_PATTERN, CHANNEL_NAME_PATTERN, MESSAGE_CHANNELS };
export type {
  MessageKind,
  Message,
  SendMessageRequest,
  BroadcastRequest,
  PostNoteRequest,
  InboxOptions,
  NotesOptions,
  ChannelMessagesOptions,
  ChannelSummary,
  QueueMessaging,
};

// NOTE: packages/queue/README.md ("Messaging") describes these queries and their indexes; keep both in sync.

/** Default and largest `limit` of inbox, notes and channel reads. */
export const DEFAULT_MESSAGE_LIMIT = 50;
const MAX_MESSAGE_LIMIT = 10_000;

/** @internal A `messages` row under the names `COLUMNS` gives (shared with the PostgreSQL store). */
export interface RawMessage {
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
    dlpAlert: sqlite.prepare(
      `INSERT INTO alerts (type, severity, message, source, created_at)
       VALUES ('dlp_alert', 'warning', @message, @source, @now)`,
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
    const { text, kinds } = redactedBody(bodyText(body, maxPayloadBytes));
    const row = write(() => {
      const now = clock();
      // DLP (issue 9): the body is stored redacted; the alert names the kinds found, never the secret, and
      // is written in the same transaction so a redaction is never silent.
      if (kinds.length > 0) {
        statements.dlpAlert.run({
          message: dlpAlertMessage(kind, sender, channel, kinds),
          source: sender,
          now,
        });
      }
      return statements.insert.get({ kind, channel, sender, recipient, body: text, now }) as RawMessage;
    });
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

/** @internal The text of the `dlp_alert` raised when secrets were redacted from a message body. */
export function dlpAlertMessage(
  kind: MessageKind,
  sender: string,
  channel: string,
  kinds: readonly string[],
): string {
  return `${kinds.length} secret(s) redacted from a ${kind} from ${sender} on ${channel}: ${[...new Set(kinds)].join(', ')}`;
}

/** @internal A stored message to the API shape. */
export function toMessage(row: RawMessage): Message {
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
export function bodyText(body: unknown, maxBytes: number): string {
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

/** The body with every secret `redactJson` finds replaced, and the kinds found. */
export function redactedBody(text: string): { text: string; kinds: string[] } {
  try {
    const { value, findings } = redactJson(JSON.parse(text) as unknown);
    return findings.length === 0
      ? { text, kinds: [] }
      : { text: JSON.stringify(value), kinds: findings.map((finding) => finding.kind) };
  } catch (error) {
    if (!DlpError.isInstance(error)) throw error;
    throw new QueueError({
      code: 'QUEUE_INVALID_MESSAGE',
      message: `message body could not be scanned for secrets: ${error.message}`,
      cause: error,
      hint: 'send a flatter JSON object',
    });
  }
}

function invalid(message: string): never {
  throw new QueueError({ code: 'QUEUE_INVALID_ARGUMENT', message });
}

/** Throws `QUEUE_INVALID_ARGUMENT` unless `name` is an agent name (`AGENT_NAME_PATTERN`). */
export function assertName(what: string, name: unknown): void {
  if (typeof name !== 'string' || !AGENT_NAME_PATTERN.test(name))
    invalid(
      `${what} ${JSON.stringify(name)} is not an agent name: use a lowercase letter, then a-z 0-9 _ - (at most 64 characters)`,
    );
}

/** Throws `QUEUE_INVALID_ARGUMENT` unless `channel` is a channel name (`CHANNEL_NAME_PATTERN`). */
export function assertChannel(channel: unknown): void {
  if (typeof channel !== 'string' || !CHANNEL_NAME_PATTERN.test(channel))
    invalid(
      `channel ${JSON.stringify(channel)} is not a channel name: use ${MESSAGE_CHANNELS.join(', ')} or a lowercase name (a-z 0-9 _ . -, at most 64 characters)`,
    );
}

/** Throws `QUEUE_INVALID_ARGUMENT` unless `limit` is a whole number from 1 to 10000. */
export function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MESSAGE_LIMIT)
    invalid(`limit must be a whole number from 1 to ${MAX_MESSAGE_LIMIT}, got ${String(limit)}`);
}
