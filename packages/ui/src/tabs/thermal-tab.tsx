import { Box, Text } from 'ink';
import { fit } from '../text';
import { usePoll } from '../use-poll';
import type { TabProps } from './tab-props';

const value = (input: unknown, unit = '') =>
  input === null || input === undefined ? '-' : `${String(input)}${unit}`;

/** Thermal: the hardware monitor's hw_state.json: status, tier and model, temperatures, VRAM, GPUs. */
export function ThermalTab({ data, refreshMs, width }: TabProps) {
  const thermal = usePoll(() => data.thermal(), refreshMs);
  if (thermal.error) return <Text color="red">thermal: {thermal.error}</Text>;
  const view = thermal.value;
  if (!view) return <Text dimColor>loading…</Text>;
  if (!view.found) return <Text dimColor>{fit(view.reason, width)}</Text>;
  const state = view.state;
  const t = (state.thermal ?? {}) as Record<string, unknown>;
  const gpus = Array.isArray(state.gpus) ? (state.gpus as Record<string, unknown>[]) : [];
  const reasons = Array.isArray(state.reasons) ? (state.reasons as unknown[]).map(String) : [];
  const status = String(state.status ?? '?');
  return (
    <Box flexDirection="column">
      <Text>
        {'Status '}
        <Text
          bold
          color={status === 'ok' ? 'green' : status === 'hot' || status === 'cooldown' ? 'red' : 'yellow'}
        >
          {status}
        </Text>
        {`  tier ${value(state.tier)} (${value(state.model)})  GPU-heavy ${state.gpu_heavy_allowed === false ? 'paused' : 'allowed'}`}
      </Text>
      <Text>
        {`GPU ${value(t.gpu_temp_c, ' °C')}  CPU ${value(t.cpu_temp_c, ' °C')}  VRAM ${value(t.vram_used_mb)}/${value(t.vram_total_mb)} MiB`}
      </Text>
      {gpus.slice(0, 4).map((gpu) => (
        <Text key={String(gpu.index)}>
          {fit(
            `  GPU ${value(gpu.index)} ${value(gpu.name)}: ${value(gpu.temp_c, ' °C')}, ${value(gpu.util_percent, '%')}, ${value(gpu.power_w, ' W')}`,
            width,
          )}
        </Text>
      ))}
      {reasons.slice(0, 4).map((reason) => (
        <Text key={reason} dimColor>
          {fit(`- ${reason}`, width)}
        </Text>
      ))}
      {state.updated_at !== undefined && <Text dimColor>{`updated ${value(state.updated_at)}`}</Text>}
    </Box>
  );
}
