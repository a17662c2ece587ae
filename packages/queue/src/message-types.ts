// NOTE: packages/queue/README.md ("Messaging") describes these shapes; keep both in sync.
// Types and name rules only: task-queue.ts imports them, and messages.ts (which needs the database type)
// implements them, so no import cycle runs through the queue's types.

/** The channels of the manual's messaging commands (`--channel fleet|sup|agent|pool`). */
export const MESSAGE_CHANNELS = ['fleet', 'sup', 'agent', 'pool'] as const;

/**
 * Agent (and sender) names: lowercase letter first, then `a-z 0-9 _ -`, at most 64 characters
 * (the `[workers] roles` pattern; `coder_2`, `hw-monitor`, `operator`), optionally qualified by the host's
 * `[naming] device_name` in a fleet that spans hosts (`coder_2@alpha`).
 */
export const AGENT_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,63}(@[a-z0-9][a-z0-9_.-]{0,62})?$/;

/** Channel names: lowercase letter first, then `a-z 0-9 _ . -`, at most 64 characters. */
export const CHANNEL_NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

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
