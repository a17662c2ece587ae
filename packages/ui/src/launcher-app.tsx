import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { LauncherData } from './launcher-data';
import type { ModuleHost } from './module-host';
import { BUILT_IN_TABS } from './tab-ids';
import { CommTab, type LauncherChat } from './tabs/comm-tab';
import { FleetTab } from './tabs/fleet-tab';
import { ModuleTabView } from './tabs/module-tab';
import { type LauncherHub, ModulesTab } from './tabs/modules-tab';
import { TasksTab } from './tabs/tasks-tab';
import { ThermalTab } from './tabs/thermal-tab';
import { UsageTab } from './tabs/usage-tab';
import { useRefState } from './use-ref-state';

export { BUILT_IN_TABS } from './tab-ids';

const LABELS: Record<(typeof BUILT_IN_TABS)[number], string> = {
  fleet: 'Fleet',
  tasks: 'Tasks',
  comm: 'Fleet Comm',
  usage: 'Usage',
  thermal: 'Thermal',
  modules: 'Modules',
};

/** The module tabs as the launcher has them now: the running host and the folders that did not load. */
export interface LauncherModules {
  host: ModuleHost | undefined;
  loadFailures: readonly { name: string; message: string }[];
}

/** Props of `LauncherApp`. */
export interface LauncherAppProps {
  /** The fleet's data (`createLauncherData`). */
  data: LauncherData;
  /** The module tabs at start. Default: none. */
  modules?: LauncherModules;
  /**
   * Re-discovers and starts the module tabs (after an install or an enable change in the Modules tab);
   * the app closes the previous host itself. Default: module tabs never change.
   */
  loadModules?: () => Promise<LauncherModules>;
  /** The Module Hub for the Modules tab. Default: none (the tab says so). */
  hub?: LauncherHub;
  /** Manual chat with the local model (Fleet Comm). Default: none (the chat says so). */
  chat?: LauncherChat;
  /** Data refresh interval in ms. Default 1000. */
  refreshMs?: number;
  /** Module tab refresh interval in ms. Default 5000. */
  moduleRefreshMs?: number;
  /** The tab shown first: a built-in tab id (`fleet`, `tasks`, `comm`, `usage`, `thermal`, `modules`) or a module name. Default `fleet`. */
  initialTab?: string;
  /** Terminal size; default the stdout's (80x24 when unknown). */
  columns?: number;
  rows?: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * The launcher: a tab bar, the current tab, and a key line. Keys: tab / shift+tab or 1-9 switch tabs,
 * arrows and enter work inside a tab, q quits (except while a text field has the keyboard: esc leaves it).
 */
export function LauncherApp(props: LauncherAppProps) {
  const { data, hub, chat, refreshMs = 1000, moduleRefreshMs = 5000, now = Date.now } = props;
  const { exit } = useApp();
  const { stdout } = useStdout();
  const columns = Math.max(40, props.columns ?? stdout?.columns ?? 80);
  const rows = Math.max(10, props.rows ?? stdout?.rows ?? 24);
  const [modules, setModules] = useState<LauncherModules>(
    props.modules ?? { host: undefined, loadFailures: [] },
  );
  const modulesRef = useRef(modules);
  modulesRef.current = modules;
  const moduleTabs = modules.host?.tabs ?? [];
  const moduleKey = moduleTabs.map((tab) => tab.name).join('\n');
  const tabIds = useMemo(
    () => [
      ...BUILT_IN_TABS,
      ...(moduleKey === '' ? [] : moduleKey.split('\n').map((name) => `module:${name}`)),
    ],
    [moduleKey],
  );
  const initial = props.initialTab
    ? Math.max(
        0,
        tabIds.findIndex((id) => id === props.initialTab || id === `module:${props.initialTab}`),
      )
    : 0;
  const [index, setIndex] = useState(initial);
  const [capture, setCapture, captureRef] = useRefState(false);
  const current = tabIds[Math.min(index, tabIds.length - 1)] ?? 'fleet';

  const { loadModules } = props;
  const reloadModules = useCallback(async () => {
    if (!loadModules) return;
    const next = await loadModules();
    const previous = modulesRef.current.host;
    setModules(next);
    await previous?.close();
  }, [loadModules]);

  // Without modules given, load them after the first frame; a module named as the first tab is shown once
  // it is there (unless a key was pressed first).
  const pendingTab = useRef(props.initialTab);
  const startWithLoad = props.modules === undefined;
  useEffect(() => {
    if (startWithLoad) {
      reloadModules().catch((error: unknown) =>
        setModules({
          host: undefined,
          loadFailures: [
            { name: 'modules', message: error instanceof Error ? error.message : String(error) },
          ],
        }),
      );
    }
  }, [startWithLoad, reloadModules]);
  useEffect(() => {
    const wanted = pendingTab.current;
    if (wanted === undefined) return;
    const found = tabIds.findIndex((id) => id === wanted || id === `module:${wanted}`);
    if (found >= 0) {
      pendingTab.current = undefined;
      setIndex(found);
    }
  }, [tabIds]);
  useEffect(() => {
    if (index >= tabIds.length) setIndex(tabIds.length - 1);
  }, [index, tabIds.length]);

  useInput((input, key) => {
    // A text field may have taken the keyboard a moment ago, before this handler was unsubscribed.
    if (captureRef.current) return;
    pendingTab.current = undefined;
    if (input === 'q' || (key.ctrl && input === 'c')) exit();
    else if (key.tab) setIndex((value) => (value + (key.shift ? tabIds.length - 1 : 1)) % tabIds.length);
    else if (/^[1-9]$/.test(input) && Number(input) <= tabIds.length) setIndex(Number(input) - 1);
  });

  const bodyHeight = rows - 3;
  const tabProps = { data, refreshMs, width: columns - 1, height: bodyHeight, setCapture, now };
  let body: ReactNode;
  if (current === 'fleet') body = <FleetTab {...tabProps} />;
  else if (current === 'tasks') body = <TasksTab {...tabProps} />;
  else if (current === 'comm') body = <CommTab {...tabProps} chat={chat} />;
  else if (current === 'usage') body = <UsageTab {...tabProps} />;
  else if (current === 'thermal') body = <ThermalTab {...tabProps} />;
  else if (current === 'modules') {
    body = (
      <ModulesTab
        hub={hub}
        host={modules.host}
        loadFailures={modules.loadFailures}
        reloadModules={reloadModules}
        width={columns - 1}
        height={bodyHeight}
      />
    );
  } else if (modules.host) {
    const name = current.slice('module:'.length);
    body = (
      <ModuleTabView
        key={name}
        host={modules.host}
        name={name}
        refreshMs={moduleRefreshMs}
        width={columns - 1}
        height={bodyHeight}
      />
    );
  }

  const labels = tabIds.map((id, position) => {
    const label = id.startsWith('module:')
      ? (moduleTabs.find((tab) => `module:${tab.name}` === id)?.label ?? id)
      : LABELS[id as (typeof BUILT_IN_TABS)[number]];
    return { id, text: position < 9 ? `${position + 1} ${label}` : label };
  });
  return (
    <Box flexDirection="column" width={columns}>
      <Text wrap="truncate">
        {labels.map((label, position) => (
          <Text key={label.id}>
            {position > 0 ? ' │ ' : ''}
            <Text bold={position === index} inverse={position === index}>
              {label.text}
            </Text>
          </Text>
        ))}
      </Text>
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        {body}
      </Box>
      <Text dimColor wrap="truncate">
        {capture
          ? 'typing: enter submits, esc leaves the field'
          : 'tab/1-9: switch tabs  ↑/↓ enter: select  q: quit'}
      </Text>
    </Box>
  );
}
