// The Fleet Comm tab's keys and chat type, in a file without Ink so the package entry can export them
// without loading Ink.
import type { HitlAnswerStatus } from '@biged/queue';

/** Sends one prompt to the local model and resolves with its answer. */
export type LauncherChat = (prompt: string) => Promise<string>;

/** The five response types, by key: Approve, Reject, Need More Info, Provide Feedback, Open Discussion. */
export const HITL_KEYS: Readonly<Record<string, { status: HitlAnswerStatus; label: string }>> = {
  a: { status: 'approved', label: 'approve (note)' },
  r: { status: 'rejected', label: 'reject (reason)' },
  m: { status: 'more_info', label: 'more info (what to find out)' },
  f: { status: 'feedback', label: 'feedback' },
  d: { status: 'discuss', label: 'discuss (topic)' },
};
