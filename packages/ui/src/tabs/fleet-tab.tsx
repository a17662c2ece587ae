import { TASK_STATUSES } from '@biged/core/startup';
import { Box, Text } from 'ink';
import { ago, cell } from '../text';
import { usePoll } from '../use-poll';
import type { TabProps } from './tab-props';

/** Fleet: every agent with its role, state, current task and last heartbeat, and the task counts. */
export function FleetTab({ data, refreshMs, width, height, now }: TabProps) {
  // Ages are computed in the poll, so the tab re-renders when one changes (a silent agent's heartbeat
  // age keeps growing) and not otherwise.
  const fleet = usePoll(() => {
    const view = data.fleet();
    const at = now();
    return { ...view, ages: view.agents.map((agent) => ago(agent.lastHeartbeat, at)) };
  }, refreshMs);
  if (fleet.error) return <Text color="red">fleet: {fleet.error}</Text>;
  if (!fleet.value) return <Text dimColor>loading…</Text>;
  const { agents, counts, ages } = fleet.value;
  const rows = agents.slice(0, Math.max(1, height - 4));
  const nameWidth = Math.max(10, Math.min(24, width - 50));
  return (
    <Box flexDirection="column">
      <Text bold>
        {`Agents (${agents.length})`}
        {agents.length === 0 ? '  none registered: start the fleet with `biged up`' : ''}
      </Text>
      {agents.length > 0 && (
        <Text dimColor>
          {`${cell('NAME', nameWidth)} ${cell('ROLE', 12)} ${cell('STATE', 9)} ${cell('TASK', 8)} HEARTBEAT`}
        </Text>
      )}
      {rows.map((agent, index) => (
        <Text key={agent.name}>
          {`${cell(agent.name, nameWidth)} ${cell(agent.role, 12)} `}
          <Text color={agent.status === 'BUSY' ? 'green' : agent.status === 'IDLE' ? undefined : 'yellow'}>
            {cell(agent.status, 9)}
          </Text>
          {` ${cell(agent.currentTaskId === null ? '-' : `#${agent.currentTaskId}`, 8)} ${ages[index] ?? '-'}`}
        </Text>
      ))}
      {agents.length > rows.length && <Text dimColor>{`… ${agents.length - rows.length} more`}</Text>}
      <Text> </Text>
      <Text>
        {TASK_STATUSES.filter((status) => (counts[status] ?? 0) > 0 || status === 'PENDING')
          .map((status) => `${status} ${counts[status] ?? 0}`)
          .join('  ')}
      </Text>
    </Box>
  );
}
