import type { Task } from '@biged/core';
import { renderFields } from './table';
import { formatDuration } from './time';

const indent = (text: string, by = '  ') =>
  text
    .split('\n')
    .map((line) => by + line)
    .join('\n');

/** The human form of a task: a header line, aligned fields, then the result or error. */
export function renderTask(task: Task): string {
  const took = formatDuration(task.claimedAt, task.finishedAt);
  const fields: [string, string][] = [
    ['status', task.status],
    ['priority', String(task.priority)],
    ['attempts', `${task.attempts}/${task.maxAttempts}`],
  ];
  if (task.assignedTo) fields.push(['assigned to', task.assignedTo]);
  if (task.claimedBy) fields.push(['agent', task.claimedBy]);
  if (task.parentId != null) fields.push(['parent', String(task.parentId)]);
  fields.push(['created', task.createdAt]);
  if (task.claimedAt) fields.push(['claimed', task.claimedAt]);
  if (task.finishedAt)
    fields.push(['finished', took ? `${task.finishedAt} (took ${took})` : task.finishedAt]);
  fields.push(['payload', JSON.stringify(task.payload)]);
  let text = `task ${task.id}  ${task.skill}\n${renderFields(fields)}`;
  if (task.result !== null && task.result !== undefined) {
    const body = typeof task.result === 'string' ? task.result : JSON.stringify(task.result, null, 2);
    text += `result\n${indent(body)}\n`;
  }
  if (task.error) text += `error\n${indent(task.error)}\n`;
  return text;
}
