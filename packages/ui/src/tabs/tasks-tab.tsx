import type { Task } from '@biged/core';
import { Box, Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import { ago, cell, fit } from '../text';
import { TextInput } from '../text-input';
import { usePoll } from '../use-poll';
import { useRefState } from '../use-ref-state';
import type { TabProps } from './tab-props';

type Mode =
  | { kind: 'list' }
  | { kind: 'detail'; taskId: number }
  | { kind: 'skill' }
  | { kind: 'payload'; skill: string };

const statusColor = (status: string) =>
  status === 'DONE'
    ? 'green'
    : status === 'FAILED' || status === 'CANCELLED'
      ? 'red'
      : status === 'RUNNING'
        ? 'cyan'
        : undefined;

const json = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
};

/**
 * Tasks: the newest tasks (↑/↓, enter for one task's result, error and dependency graph), and `n` to queue
 * a task by skill name and JSON payload.
 */
export function TasksTab({ data, refreshMs, width, height, setCapture, now }: TabProps) {
  const [mode, setModeState, modeRef] = useRefState<Mode>({ kind: 'list' });
  const [selected, setSelected, selectedRef] = useRefState(0);
  const [input, setInput] = useState('');
  const [notice, setNotice] = useState<{ text: string; error: boolean } | undefined>();
  const limit = Math.max(3, height - 4);
  const tasks = usePoll(
    () => {
      const at = now();
      return data.tasks(limit).map((task) => ({ ...task, age: ago(task.createdAt, at) }));
    },
    refreshMs,
    mode.kind === 'list',
  );
  const detailId = mode.kind === 'detail' ? mode.taskId : undefined;
  const detail = usePoll(
    () => {
      if (detailId === undefined) return undefined;
      const task = data.task(detailId);
      return task ? { task, graph: data.graph(detailId) } : undefined;
    },
    refreshMs,
    detailId !== undefined,
  );

  const setMode = (next: Mode) => {
    setCapture(next.kind === 'skill' || next.kind === 'payload');
    setModeState(next);
  };
  const list: (Task & { age: string })[] = tasks.value ?? [];
  const listRef = useRef(list);
  listRef.current = list;

  useInput((key, info) => {
    const now = modeRef.current;
    if (now.kind === 'list') {
      const list = listRef.current;
      const chosen = list[selectedRef.current];
      if (info.upArrow) setSelected((index) => Math.max(0, index - 1));
      else if (info.downArrow) setSelected((index) => Math.min(list.length - 1, index + 1));
      else if (info.return && chosen) setMode({ kind: 'detail', taskId: chosen.id });
      else if (key === 'n') {
        setInput('');
        setNotice(undefined);
        setMode({ kind: 'skill' });
      }
    } else if (now.kind === 'detail' && (info.escape || info.backspace || info.leftArrow)) {
      setMode({ kind: 'list' });
    }
  });

  if (mode.kind === 'skill' || mode.kind === 'payload') {
    return (
      <Box flexDirection="column">
        <Text bold>Queue a task</Text>
        {mode.kind === 'skill' ? (
          <TextInput
            label="skill: "
            value={input}
            width={width - 10}
            onChange={setInput}
            onCancel={() => setMode({ kind: 'list' })}
            onSubmit={(skill) => {
              if (skill.trim() === '') return;
              setInput('{}');
              setMode({ kind: 'payload', skill: skill.trim() });
            }}
          />
        ) : (
          <>
            <Text>{`skill: ${mode.skill}`}</Text>
            <TextInput
              label="payload (JSON): "
              value={input}
              width={width - 20}
              onChange={setInput}
              onCancel={() => setMode({ kind: 'list' })}
              onSubmit={(payload) => {
                try {
                  const task = data.submit(mode.skill, payload);
                  setNotice({ text: `queued #${task.id} ${task.skill} (${task.status})`, error: false });
                  setMode({ kind: 'detail', taskId: task.id });
                  tasks.reload();
                } catch (error) {
                  setNotice({ text: error instanceof Error ? error.message : String(error), error: true });
                }
              }}
            />
          </>
        )}
        {notice && <Text color={notice.error ? 'red' : 'green'}>{fit(notice.text, width)}</Text>}
        <Text dimColor>enter: next/submit esc: cancel</Text>
      </Box>
    );
  }

  if (mode.kind === 'detail') {
    if (detail.error)
      return (
        <Text color="red">
          task #{mode.taskId}: {detail.error}
        </Text>
      );
    const view = detail.value;
    if (!view) return <Text dimColor>{`task #${mode.taskId}: loading… (esc: back)`}</Text>;
    const { task, graph } = view;
    const graphLines = graph.inGraph ? graph.lines.slice(0, Math.max(2, height - 9)) : [];
    return (
      <Box flexDirection="column">
        {notice && !notice.error && <Text color="green">{fit(notice.text, width)}</Text>}
        <Text bold>
          {`#${task.id} ${task.skill} `}
          <Text color={statusColor(task.status)}>{task.status}</Text>
          {`  priority ${task.priority}  attempts ${task.attempts}/${task.maxAttempts}`}
        </Text>
        <Text>{fit(`payload: ${json(task.payload)}`, width)}</Text>
        <Text>
          {fit(`agent: ${task.claimedBy ?? '-'}  created ${ago(task.createdAt, now())} ago`, width)}
        </Text>
        {task.result !== null && task.result !== undefined && (
          <Text color="green">{fit(`result: ${json(task.result)}`, width * 2)}</Text>
        )}
        {task.error && <Text color="red">{fit(`error: ${task.error}`, width * 2)}</Text>}
        {graph.inGraph && <Text bold>Graph of its run</Text>}
        {graphLines.map((line, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines of a fixed drawing, in order
          <Text key={index}>{fit(line, width)}</Text>
        ))}
        {graph.inGraph && graph.lines.length > graphLines.length && (
          <Text dimColor>{`… ${graph.lines.length - graphLines.length} more lines`}</Text>
        )}
        <Text dimColor>esc: back to the list</Text>
      </Box>
    );
  }

  if (tasks.error) return <Text color="red">tasks: {tasks.error}</Text>;
  const skillWidth = Math.max(12, width - 40);
  return (
    <Box flexDirection="column">
      <Text bold>{`Newest tasks (${list.length})`}</Text>
      {list.length === 0 ? (
        <Text dimColor>the queue is empty</Text>
      ) : (
        <Text dimColor>{`  ${cell('ID', 7)} ${cell('SKILL', skillWidth)} ${cell('STATUS', 14)} AGE`}</Text>
      )}
      {list.map((task, index) => (
        <Text key={task.id} inverse={index === selected}>
          {`${index === selected ? '>' : ' '} ${cell(`#${task.id}`, 7)} ${cell(task.skill, skillWidth)} `}
          <Text color={statusColor(task.status)}>{cell(task.status, 14)}</Text>
          {` ${task.age}`}
        </Text>
      ))}
      <Text dimColor>↑/↓ select enter: details and graph n: queue a task</Text>
    </Box>
  );
}
