import type { NormalisedModuleView } from '@biged/module-sdk';
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import type { ModuleHost } from '../module-host';
import { cell, fit } from '../text';
import { usePoll } from '../use-poll';

/** Props of `ModuleTabView`. */
export interface ModuleTabProps {
  host: ModuleHost;
  /** The module's NAME. */
  name: string;
  /** How often the module is refreshed (`refresh`, then `render`) while its tab is shown, in ms. */
  refreshMs: number;
  width: number;
  height: number;
}

const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));

/** Lays out a module's view (title, lines, table, footer) within `width` x `height`. */
export function ModuleView({
  view,
  width,
  height,
}: {
  view: NormalisedModuleView;
  width: number;
  height: number;
}) {
  const lines = (view.lines ?? []).slice(0, Math.max(0, height - 3));
  const room = Math.max(1, height - 3 - lines.length - 1);
  const table = view.table;
  let columnWidths: number[] = [];
  if (table) {
    const natural = table.columns.map((column, index) =>
      Math.max(column.length, ...table.rows.slice(0, room).map((row) => text(row[index]).length)),
    );
    const total = natural.reduce((sum, size) => sum + size + 1, 0);
    const scale = total > width ? width / total : 1;
    columnWidths = natural.map((size) => Math.max(3, Math.floor(size * scale)));
  }
  return (
    <Box flexDirection="column">
      <Text bold>{fit(view.title, width)}</Text>
      {lines.map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the module's lines, in order
        <Text key={index}>{fit(line, width)}</Text>
      ))}
      {table && (
        <>
          <Text dimColor>
            {table.columns.map((column, index) => cell(column, columnWidths[index] ?? 3)).join(' ')}
          </Text>
          {table.rows.slice(0, room).map((row, rowIndex) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows as the module ordered them
            <Text key={rowIndex}>
              {table.columns.map((_, index) => cell(text(row[index]), columnWidths[index] ?? 3)).join(' ')}
            </Text>
          ))}
          {table.rows.length > room && <Text dimColor>{`… ${table.rows.length - room} more rows`}</Text>}
        </>
      )}
      {view.footer !== undefined && <Text dimColor>{fit(view.footer, width)}</Text>}
    </Box>
  );
}

/**
 * One enabled module's tab: its `render` output, refreshed (`refresh` then `render`) every `refreshMs`
 * while shown; `r` refreshes now, `x` exports its data to `<home>/exports/`, `s` shows its settings.
 */
export function ModuleTabView({ host, name, refreshMs, width, height }: ModuleTabProps) {
  const [notice, setNotice] = useState<{ text: string; error: boolean } | undefined>();
  const [settings, setSettings] = useState<string | undefined>();
  const view = usePoll(async () => {
    await host.refresh(name);
    return host.render(name);
  }, refreshMs);
  const fail = (error: unknown) =>
    setNotice({ text: error instanceof Error ? error.message : String(error), error: true });

  useInput((key) => {
    if (key === 'r') view.reload();
    else if (key === 'x') {
      host
        .exportToFile(name)
        .then(
          ({ file, count }) => setNotice({ text: `exported ${count} record(s) to ${file}`, error: false }),
          fail,
        );
    } else if (key === 's') {
      if (settings !== undefined) setSettings(undefined);
      else host.getSettings(name).then((value) => setSettings(JSON.stringify(value)), fail);
    }
  });

  const extra = (notice ? 1 : 0) + (settings !== undefined ? 1 : 0) + 1;
  return (
    <Box flexDirection="column">
      {view.error && <Text color="red">{fit(`module ${name}: ${view.error}`, width)}</Text>}
      {!view.value && !view.error && <Text dimColor>loading…</Text>}
      {view.value && <ModuleView view={view.value} width={width} height={height - extra} />}
      {settings !== undefined && <Text>{fit(`settings: ${settings}`, width)}</Text>}
      {notice && <Text color={notice.error ? 'red' : 'green'}>{fit(notice.text, width)}</Text>}
      <Text dimColor>r: refresh x: export data s: settings</Text>
    </Box>
  );
}
