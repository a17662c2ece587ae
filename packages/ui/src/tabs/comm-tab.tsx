import { Box, Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import { HITL_KEYS, type LauncherChat } from '../hitl-keys';
import { fit } from '../text';
import { TextInput } from '../text-input';
import { usePoll } from '../use-poll';
import { useRefState } from '../use-ref-state';
import type { TabProps } from './tab-props';

export type { LauncherChat } from '../hitl-keys';
export { HITL_KEYS } from '../hitl-keys';

type Focus = { kind: 'requests' } | { kind: 'answer'; requestId: number; key: string } | { kind: 'chat' };

interface ChatLine {
  who: 'you' | 'model' | 'error';
  text: string;
}

/**
 * Fleet Comm: the open HITL requests, each on one line (enter expands it, `p` pins it to the top, and
 * `a r m f d` give the five answers), and a manual chat with the local model (`c`).
 */
export function CommTab({
  data,
  refreshMs,
  width,
  height,
  setCapture,
  chat,
}: TabProps & { chat?: LauncherChat }) {
  const [focus, setFocusState, focusRef] = useRefState<Focus>({ kind: 'requests' });
  const [selected, setSelected, selectedRef] = useRefState(0);
  const [expanded, setExpanded] = useState<number | undefined>();
  const [input, setInput] = useState('');
  const [notice, setNotice] = useState<{ text: string; error: boolean } | undefined>();
  const [lines, setLines] = useState<ChatLine[]>([]);
  const [waiting, setWaiting] = useState(false);
  const requests = usePoll(() => data.hitl(), refreshMs);
  const list = requests.value ?? [];
  const latestList = useRef(list);
  latestList.current = list;

  const setFocus = (next: Focus) => {
    setCapture(next.kind !== 'requests');
    setFocusState(next);
  };
  const act = (run: () => string) => {
    try {
      setNotice({ text: run(), error: false });
    } catch (error) {
      setNotice({ text: error instanceof Error ? error.message : String(error), error: true });
    }
    requests.reload();
  };

  useInput((key, info) => {
    if (focusRef.current.kind !== 'requests') return;
    const items = latestList.current;
    const current = items[Math.min(selectedRef.current, items.length - 1)];
    if (info.upArrow) setSelected((index) => Math.max(0, index - 1));
    else if (info.downArrow) setSelected((index) => Math.min(Math.max(0, items.length - 1), index + 1));
    else if (info.return && current) setExpanded((id) => (id === current.id ? undefined : current.id));
    else if (key === 'p' && current) {
      act(() => {
        const request = data.pinHitl(current.id, !current.pinned);
        return `${request.pinned ? 'pinned' : 'unpinned'} request #${request.id}`;
      });
    } else if (key === 'c') {
      setInput('');
      setFocus({ kind: 'chat' });
    } else if (current && HITL_KEYS[key]) {
      setInput('');
      setFocus({ kind: 'answer', requestId: current.id, key });
    }
  });

  const chatLines = lines.slice(-Math.max(2, Math.floor(height / 3)));
  const requestRows = Math.max(1, height - chatLines.length - 8);
  const first = Math.max(0, Math.min(selected - requestRows + 1, list.length - requestRows));
  return (
    <Box flexDirection="column">
      <Text bold>{`Agent requests (${list.length} open)`}</Text>
      {requests.error && <Text color="red">{fit(`requests: ${requests.error}`, width)}</Text>}
      {list.length === 0 && !requests.error && <Text dimColor>no agent is waiting for a human</Text>}
      {list.slice(first, first + requestRows).map((request, offset) => {
        const index = first + offset;
        const open = expanded === request.id;
        const head = `${index === selected ? '>' : ' '} ${request.pinned ? '*' : ' '} #${request.id} task #${request.taskId} ${request.agent}: `;
        return (
          <Box key={request.id} flexDirection="column">
            <Text inverse={index === selected}>{fit(`${head}${request.question}`, width)}</Text>
            {open && (
              <>
                {request.question.length > width - head.length && (
                  <Text wrap="wrap">{request.question.slice(0, width * 4)}</Text>
                )}
                {request.context && (
                  <Text dimColor>{fit(`context: ${JSON.stringify(request.context)}`, width * 2)}</Text>
                )}
                <Text dimColor>a approve r reject m more info f feedback d discuss p pin</Text>
              </>
            )}
          </Box>
        );
      })}
      {focus.kind === 'answer' && (
        <TextInput
          label={`#${focus.requestId} ${HITL_KEYS[focus.key]?.label ?? ''}: `}
          value={input}
          width={width - 40}
          onChange={setInput}
          onCancel={() => setFocus({ kind: 'requests' })}
          onSubmit={(text) => {
            const status = HITL_KEYS[focus.key]?.status;
            setFocus({ kind: 'requests' });
            if (!status) return;
            act(() => {
              const result = data.answerHitl(focus.requestId, status, text);
              const follow = result.followUp
                ? `, follow-up #${result.followUp.id} ${result.followUp.skill}`
                : '';
              return `${status} #${focus.requestId}: task #${result.task.id} is ${result.task.status}${follow}`;
            });
          }}
        />
      )}
      {notice && <Text color={notice.error ? 'red' : 'green'}>{fit(notice.text, width)}</Text>}
      <Text> </Text>
      <Text bold>Manual chat (local model)</Text>
      {chatLines.map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: an append-only transcript
        <Text key={index} color={line.who === 'error' ? 'red' : line.who === 'you' ? 'cyan' : undefined}>
          {fit(`${line.who}: ${line.text}`, width * 2)}
        </Text>
      ))}
      {waiting && <Text dimColor>model: …</Text>}
      {focus.kind === 'chat' ? (
        <TextInput
          label="you: "
          value={input}
          width={width - 10}
          onChange={setInput}
          onCancel={() => setFocus({ kind: 'requests' })}
          onSubmit={(text) => {
            if (text.trim() === '' || waiting) return;
            setInput('');
            setLines((all) => [...all, { who: 'you', text }]);
            if (!chat) {
              setLines((all) => [...all, { who: 'error', text: 'no local model router in this launcher' }]);
              return;
            }
            setWaiting(true);
            chat(text).then(
              (answer) => {
                setWaiting(false);
                setLines((all) => [...all, { who: 'model', text: answer }]);
              },
              (error: unknown) => {
                setWaiting(false);
                setLines((all) => [
                  ...all,
                  { who: 'error', text: error instanceof Error ? error.message : String(error) },
                ]);
              },
            );
          }}
        />
      ) : (
        <Text dimColor>↑/↓ select enter: expand c: chat (esc leaves a text field)</Text>
      )}
    </Box>
  );
}
