import type { AvailableModule, InstalledModule, ModuleHub } from '@biged/module-hub';
import { Box, Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import type { ModuleHost } from '../module-host';
import { cell, fit } from '../text';
import { usePoll } from '../use-poll';
import { useRefState } from '../use-ref-state';

/** The parts of the Module Hub the Modules tab uses. */
export type LauncherHub = Pick<ModuleHub, 'listInstalled' | 'listAvailable' | 'install' | 'setEnabled'>;

/** Props of `ModulesTab`. */
export interface ModulesTabProps {
  hub: LauncherHub | undefined;
  host: ModuleHost | undefined;
  /** Module folders that did not load. */
  loadFailures: readonly { name: string; message: string }[];
  /** Re-discovers and restarts the module tabs (after an install or enable change). */
  reloadModules(): Promise<void>;
  width: number;
  height: number;
}

type Row =
  | { kind: 'installed'; module: InstalledModule }
  | { kind: 'available'; module: AvailableModule; installed: string | undefined };

/**
 * Modules: what is installed (and on or off), and `b` to browse the hub's registries; `i` installs the
 * selected module (verified by the hub) and `e` switches an installed one on or off. Either way the module
 * tabs are reloaded at once, with no fleet.toml edit.
 */
export function ModulesTab({ hub, host, loadFailures, reloadModules, width, height }: ModulesTabProps) {
  const [selected, setSelected, selectedRef] = useRefState(0);
  const [available, setAvailable] = useState<AvailableModule[] | undefined>();
  const [busy, setBusy, busyRef] = useRefState<string | undefined>(undefined);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | undefined>();
  const installed = usePoll(() => (hub ? hub.listInstalled() : Promise.resolve([])), 3000);

  const installedList = installed.value ?? [];
  const rows: Row[] = [
    ...installedList.map((module) => ({ kind: 'installed' as const, module })),
    ...(available ?? []).map((module) => ({
      kind: 'available' as const,
      module,
      installed: installedList.find((entry) => entry.name === module.name)?.version,
    })),
  ];
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  const run = (label: string, work: () => Promise<string>) => {
    setBusy(label);
    setNotice(undefined);
    work().then(
      async (text) => {
        await reloadModules();
        installed.reload();
        setBusy(undefined);
        setNotice({ text, error: false });
      },
      (error: unknown) => {
        setBusy(undefined);
        setNotice({ text: error instanceof Error ? error.message : String(error), error: true });
      },
    );
  };

  useInput((key, info) => {
    if (busyRef.current !== undefined) return;
    const all = rowsRef.current;
    const current = all[Math.min(selectedRef.current, all.length - 1)];
    if (info.upArrow) setSelected((index) => Math.max(0, index - 1));
    else if (info.downArrow) setSelected((index) => Math.min(Math.max(0, all.length - 1), index + 1));
    else if (key === 'b' && hub) {
      setBusy('reading the registries');
      hub.listAvailable().then(
        (result) => {
          setBusy(undefined);
          setAvailable(result.modules);
          const problems = [
            ...result.errors.map((failure) => `${failure.source}: ${failure.error.message}`),
            ...result.refused.map((entry) => `${entry.name ?? '?'}: ${entry.reason}`),
          ];
          setNotice(
            problems.length > 0
              ? { text: problems.join('; '), error: true }
              : { text: `${result.modules.length} module(s) available`, error: false },
          );
        },
        (error: unknown) => {
          setBusy(undefined);
          setNotice({ text: error instanceof Error ? error.message : String(error), error: true });
        },
      );
    } else if (key === 'i' && hub && current?.kind === 'available') {
      const name = current.module.name;
      run(`installing ${name}`, async () => {
        const result = await hub.install(name);
        return `installed ${result.name} ${result.version} (sha256 ${result.sha256.slice(0, 12)}…)`;
      });
    } else if (key === 'e' && hub && current?.kind === 'installed') {
      const { name } = current.module;
      const on = !host?.tabs.some((tab) => tab.name === name);
      run(`${on ? 'enabling' : 'disabling'} ${name}`, async () => {
        await hub.setEnabled(name, on);
        return `${name} ${on ? 'enabled' : 'disabled'}`;
      });
    }
  });

  if (!hub) return <Text dimColor>the Module Hub is not available in this launcher</Text>;
  const shown = rows.slice(0, Math.max(2, height - 7));
  const tabs = new Set(host?.tabs.map((tab) => tab.name));
  return (
    <Box flexDirection="column">
      <Text
        bold
      >{`Installed (${installedList.length})${available ? `  Available (${available.length})` : ''}`}</Text>
      {installed.error && <Text color="red">{fit(installed.error, width)}</Text>}
      {rows.length === 0 && <Text dimColor>no modules installed; press b to browse the hub</Text>}
      {shown.map((row, index) => {
        const marker = index === selected ? '>' : ' ';
        const text =
          row.kind === 'installed'
            ? `${marker} ${cell(row.module.name, 20)} ${cell(row.module.version ?? '?', 10)} ${cell(tabs.has(row.module.name) ? 'tab shown' : 'off', 10)} ${row.module.problem ?? row.module.description}`
            : `${marker} ${cell(row.module.name, 20)} ${cell(row.module.version, 10)} ${cell(row.installed ? `have ${row.installed}` : 'hub', 10)} ${row.module.description ?? ''}`;
        return (
          <Text key={`${row.kind}:${row.module.name}`} inverse={index === selected}>
            {fit(text, width)}
          </Text>
        );
      })}
      {[...loadFailures, ...(host?.failures ?? [])].slice(0, 3).map((failure) => (
        <Text key={`failure:${failure.name}`} color="red">
          {fit(`${failure.name}: ${failure.message}`, width)}
        </Text>
      ))}
      {busy && <Text color="yellow">{`${busy}…`}</Text>}
      {notice && <Text color={notice.error ? 'red' : 'green'}>{fit(notice.text, width)}</Text>}
      <Text dimColor>↑/↓ select b: browse hub i: install e: enable/disable</Text>
    </Box>
  );
}
