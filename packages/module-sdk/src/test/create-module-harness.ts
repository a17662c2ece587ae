import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSilentLogger, type FleetConfig, fleetPaths, type Logger, parseFleetConfig } from '@biged/core';
import { resolveModuleSettings } from '../module-settings';
import type { ModuleContextV1, ModuleDataV1, ModuleV1 } from '../module-v1';
import { type NormalisedModuleView, normaliseModuleView } from '../module-view';
import { type RecordValidation, validateRecord } from '../validate-record';
import { createInMemoryModuleData } from './create-in-memory-module-data';

/** Options for `createModuleHarness` and `runModuleLifecycle`. */
export interface CreateModuleHarnessOptions {
  /** The module under test. */
  module: ModuleV1;
  /** The fleet config the module sees. Default: every fleet.toml default. */
  config?: FleetConfig;
  /** The fleet home the module's `paths` point into. Default: `<os tmpdir>/biged-module-harness` (not created). */
  home?: string;
  /** Settings as stored, validated by the module's schema at start. Default `{}`. */
  settings?: unknown;
  /**
   * The module's table. Default: an in-memory one (`createInMemoryModuleData`) when the module has a
   * DATA_SCHEMA, else none.
   */
  data?: ModuleDataV1;
  /** Clock for the default in-memory table's `created_at`. Default `Date.now`. */
  now?: () => number;
  /** Logger handed to the module. Default: silent. */
  log?: Logger;
}

/** A module started the way the launcher starts it, with each lifecycle step one call away. */
export interface ModuleHarness {
  /** The module under test. */
  readonly module: ModuleV1;
  /** The table the module writes to (undefined without a DATA_SCHEMA). */
  readonly data: ModuleDataV1 | undefined;
  /** The context the module's methods get (settings are the latest applied). */
  readonly context: ModuleContextV1;
  /** Every lifecycle call made so far, in order (`apply`, `render`, `refresh`, `export`, `close`). */
  readonly calls: readonly string[];
  /** build_tab: the module's view, normalised as a host sees it (`normaliseModuleView`). */
  render(): Promise<NormalisedModuleView>;
  /** on_refresh. */
  refresh(): Promise<void>;
  /** export_data. */
  exportData(): Promise<Readonly<Record<string, unknown>>[]>;
  /** get_settings: the module's `settings.get`, or the settings last applied. */
  getSettings(): Promise<Record<string, unknown>>;
  /** apply_settings: validates `raw` (throws `ModuleSettingsError`), then calls `settings.apply`. */
  applySettings(raw: unknown): Promise<Record<string, unknown>>;
  /** validate_record: `validateRecord(module, record)`. */
  validate(record: unknown): RecordValidation;
  /** on_close; aborts the context's signal. Any later call throws. */
  close(): Promise<void>;
}

/**
 * Starts a module as the launcher does: builds its context (config, paths, table, settings, logger,
 * signal), validates the stored settings and calls `settings.apply` with them. Then drive it step by step.
 *
 * @example
 * ```ts
 * const harness = await createModuleHarness({ module: crm });
 * await harness.data!.insert({ name: 'Ada', status: 'active' });
 * expect((await harness.render()).table?.rows).toEqual([['Ada', 'active']]);
 * await harness.close();
 * ```
 */
export async function createModuleHarness(options: CreateModuleHarnessOptions): Promise<ModuleHarness> {
  const { module } = options;
  const config = options.config ?? parseFleetConfig({}).config;
  const paths = fleetPaths(path.resolve(options.home ?? path.join(tmpdir(), 'biged-module-harness')));
  const data =
    options.data ?? (module.dataSchema ? createInMemoryModuleData({ module, now: options.now }) : undefined);
  const controller = new AbortController();
  const calls: string[] = [];
  let settings = resolveModuleSettings(module, options.settings);
  let closed = false;
  const context = (): ModuleContextV1 => ({
    config,
    paths,
    data,
    settings,
    log: options.log ?? createSilentLogger(),
    signal: controller.signal,
  });
  let current = context();
  const open = (step: string) => {
    if (closed) throw new Error(`module "${module.name}" is closed; ${step} is not allowed after close()`);
    calls.push(step);
  };
  const apply = async (raw: unknown) => {
    const next = resolveModuleSettings(module, raw);
    open('apply');
    settings = next;
    current = context();
    await module.settings?.apply?.(settings, current);
    return settings;
  };
  if (module.settings) await apply(options.settings);

  return {
    module,
    data,
    get context() {
      return current;
    },
    get calls() {
      return [...calls];
    },
    async render() {
      open('render');
      return normaliseModuleView(module, await module.render(current));
    },
    async refresh() {
      open('refresh');
      await module.refresh(current);
    },
    async exportData() {
      open('export');
      return [...(await module.exportData(current))];
    },
    async getSettings() {
      if (closed) throw new Error(`module "${module.name}" is closed`);
      const got = module.settings?.get ? await module.settings.get(current) : settings;
      return { ...(got as Record<string, unknown>) };
    },
    applySettings: apply,
    validate(record: unknown) {
      return validateRecord(module, record);
    },
    async close() {
      open('close');
      closed = true;
      try {
        await module.close(current);
      } finally {
        controller.abort(new Error(`module "${module.name}" closed`));
      }
    },
  };
}

/** What `runModuleLifecycle` saw. */
export interface ModuleLifecycleRun {
  /** The first render, right after start. */
  readonly firstView: NormalisedModuleView;
  /** The render after one refresh. */
  readonly refreshedView: NormalisedModuleView;
  /** What export_data returned. */
  readonly exported: readonly Readonly<Record<string, unknown>>[];
  /** What get_settings returned. */
  readonly settings: Record<string, unknown>;
  /** The lifecycle calls in order (`apply`?, `render`, `refresh`, `render`, `export`, `close`). */
  readonly calls: readonly string[];
}

/**
 * Runs a module's whole lifecycle once: start (settings applied), render, refresh, render, export, get
 * settings, close. Any step that throws rejects with that error (after close has been attempted), so a
 * module's test can assert on the lot in one call.
 */
export async function runModuleLifecycle(options: CreateModuleHarnessOptions): Promise<ModuleLifecycleRun> {
  const harness = await createModuleHarness(options);
  let ran: Omit<ModuleLifecycleRun, 'calls'>;
  try {
    const firstView = await harness.render();
    await harness.refresh();
    const refreshedView = await harness.render();
    const exported = await harness.exportData();
    const settings = await harness.getSettings();
    ran = { firstView, refreshedView, exported, settings };
  } catch (error) {
    await harness.close().catch(() => {});
    throw error;
  }
  await harness.close();
  return { ...ran, calls: harness.calls };
}
