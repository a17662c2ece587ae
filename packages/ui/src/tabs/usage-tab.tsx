import { Box, Text } from 'ink';
import { sparkline } from '../sparkline';
import { cell } from '../text';
import { usePoll } from '../use-poll';
import type { TabProps } from './tab-props';

const usd = (value: number) => `$${value.toFixed(value >= 100 ? 0 : 4)}`;

/** Usage: today's cost per skill from the usage ledger, and a sparkline of the last 24 hours. */
export function UsageTab({ data, refreshMs, height }: TabProps) {
  const usage = usePoll(() => data.usage(), Math.max(refreshMs, 2000));
  if (usage.error) return <Text color="red">usage: {usage.error}</Text>;
  if (!usage.value) return <Text dimColor>loading…</Text>;
  const { rows, totalUsd, totalCalls, hourly } = usage.value;
  const shown = rows.slice(0, Math.max(1, height - 6));
  return (
    <Box flexDirection="column">
      <Text
        bold
      >{`Today (UTC): ${usd(totalUsd)} over ${totalCalls} call${totalCalls === 1 ? '' : 's'}`}</Text>
      {rows.length === 0 ? (
        <Text dimColor>no model calls booked today</Text>
      ) : (
        <Text dimColor>{`${cell('SKILL', 28)} ${cell('CALLS', 8)} COST`}</Text>
      )}
      {shown.map((row) => (
        <Text
          key={row.skill}
        >{`${cell(row.skill, 28)} ${cell(String(row.calls), 8)} ${usd(row.costUsd)}`}</Text>
      ))}
      {rows.length > shown.length && <Text dimColor>{`… ${rows.length - shown.length} more skills`}</Text>}
      <Text> </Text>
      <Text>
        {'Last 24h  '}
        <Text color="cyan">{sparkline(hourly)}</Text>
        {`  peak ${usd(Math.max(0, ...hourly))}/h`}
      </Text>
    </Box>
  );
}
