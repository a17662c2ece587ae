import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findExecutable } from '../service/find-executable';

// NOTE: packages/cli/README.md ("detect-cli") documents the report and its --json shape; keep both in sync.

/** Network tools `detect-cli` looks for on PATH, in this order. */
export const DETECT_NETWORK_TOOLS = [
  'curl',
  'wget',
  'ssh',
  'scp',
  'rsync',
  'nc',
  'ncat',
  'socat',
  'git',
] as const;
/** GPU tools `detect-cli` looks for on PATH (never run). */
export const DETECT_GPU_TOOLS = ['nvidia-smi', 'rocm-smi'] as const;
/** How long `detect-cli` waits for Ollama's `/api/tags`. */
export const DETECT_OLLAMA_TIMEOUT_MS = 1500;
/** How long `detect-cli` waits for `<shell> --version`. */
export const DETECT_SHELL_TIMEOUT_MS = 2000;

/** How BigEd reaches this machine's tools: the manual's "bridge". */
export type BridgeType = 'wsl' | 'linux' | 'macos' | 'windows' | 'other';

/** What `detectCli` found. */
export interface DetectCliReport {
  platform: { os: NodeJS.Platform; release: string; arch: string };
  bridge: BridgeType;
  shell: { path: string | null; name: string | null; version: string | null };
  /** Each tool of `DETECT_NETWORK_TOOLS` with its path, or null when it is not on PATH. */
  networkTools: Record<string, string | null>;
  /** Each tool of `DETECT_GPU_TOOLS` with its path, or null. */
  gpuTools: Record<string, string | null>;
  ollama: { host: string; reachable: boolean; models: string[]; error: string | null };
  recommendation: string;
}

/** Options of `detectCli`. */
export interface DetectCliOptions {
  /** Environment: PATH, SHELL / ComSpec. */
  env: NodeJS.ProcessEnv;
  /** `[models] ollama_host`. */
  ollamaHost: string;
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** Default `os.release()`. */
  release?: string;
  /** Default `process.arch`. */
  arch?: string;
  /** The text of /proc/version (Linux), or undefined. Default: read from /proc/version when it exists. */
  procVersion?: string | undefined;
  /** Default `DETECT_OLLAMA_TIMEOUT_MS`. */
  ollamaTimeoutMs?: number;
  /** Default `DETECT_SHELL_TIMEOUT_MS`. */
  shellTimeoutMs?: number;
  /** Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

const readProcVersion = (): string | undefined => {
  try {
    return existsSync('/proc/version') ? readFileSync('/proc/version', 'utf8') : undefined;
  } catch {
    return undefined;
  }
};

/** The bridge type: WSL when /proc/version names Microsoft, else the platform's native one. */
export function detectBridge(platform: NodeJS.Platform, procVersion: string | undefined): BridgeType {
  if (platform === 'linux')
    return procVersion !== undefined && /microsoft/i.test(procVersion) ? 'wsl' : 'linux';
  if (platform === 'darwin') return 'macos';
  if (platform === 'win32') return 'windows';
  return 'other';
}

/** The first line of `<shell> --version` (POSIX shells; nothing is run for cmd.exe or a missing file). */
function shellVersion(
  shell: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  timeout: number,
): string | null {
  if (platform === 'win32' || !path.isAbsolute(shell)) return null;
  try {
    if (!statSync(shell).isFile()) return null;
  } catch {
    return null;
  }
  const result = spawnSync(shell, ['--version'], {
    env,
    encoding: 'utf8',
    timeout,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error || result.status !== 0) return null;
  const line = (result.stdout || result.stderr || '').split('\n')[0]?.trim() ?? '';
  return line === '' ? null : line.slice(0, 200);
}

/** `fetch failed` says little: add the socket error code (ECONNREFUSED, ENOTFOUND) when there is one. */
const describeFetchError = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === 'string' ? `${message} (${code})` : message;
};

async function probeOllama(
  host: string,
  fetcher: typeof globalThis.fetch,
  timeoutMs: number,
): Promise<DetectCliReport['ollama']> {
  const base = host.replace(/\/+$/, '');
  try {
    const response = await fetcher(`${base}/api/tags`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      return { host: base, reachable: false, models: [], error: `HTTP ${response.status} from /api/tags` };
    }
    const body = (await response.json().catch(() => undefined)) as
      | { models?: Array<{ name?: unknown }> }
      | undefined;
    if (!body || !Array.isArray(body.models)) {
      return { host: base, reachable: false, models: [], error: '/api/tags did not answer like Ollama' };
    }
    const models = body.models
      .map((model) => model.name)
      .filter((name): name is string => typeof name === 'string');
    return { host: base, reachable: true, models, error: null };
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : describeFetchError(error);
    return { host: base, reachable: false, models: [], error: reason };
  }
}

const BRIDGE_ADVICE: Record<BridgeType, string> = {
  wsl: 'WSL: run the fleet inside WSL; set networkingMode=mirrored in %USERPROFILE%\\.wslconfig so Windows reaches the dashboard',
  linux:
    'native Linux: run the fleet directly (`biged up`); auto-start with `biged install-service` (systemd --user)',
  macos:
    'macOS: run the fleet directly (`biged up`); auto-start with `biged install-service` (launchd); Ollama uses Metal',
  windows:
    'Windows native: run `biged up` from PowerShell; auto-start with `biged install-service` (Task Scheduler)',
  other: 'unrecognised platform: run `biged up` directly; no auto-start service is known',
};

/** The recommendation line for a report. */
export function recommend(report: Omit<DetectCliReport, 'recommendation'>): string {
  const parts = [BRIDGE_ADVICE[report.bridge]];
  if (report.gpuTools['nvidia-smi']) parts.push('NVIDIA GPU tools found: GPU model tiers available');
  else if (report.gpuTools['rocm-smi']) parts.push('ROCm tools found: Ollama uses the AMD GPU');
  else parts.push('no GPU tools: expect CPU-only model tiers');
  if (report.ollama.reachable) {
    parts.push(
      report.ollama.models.length > 0
        ? `Ollama ready with ${report.ollama.models.length} model(s)`
        : 'Ollama answers but has no models: `ollama pull <model>`',
    );
  } else {
    parts.push(
      `Ollama not reachable at ${report.ollama.host}: start \`ollama serve\`, or put a GGUF in <home>/models for the embedded backend`,
    );
  }
  if (!report.networkTools.curl && !report.networkTools.wget) parts.push('install curl or wget');
  return parts.join('; ');
}

/**
 * Looks at this machine the way `biged detect-cli` reports it: platform, bridge (WSL from /proc/version),
 * shell and its version, network and GPU tools on PATH (found, never run), and whether Ollama answers
 * `/api/tags` within a short timeout.
 */
export async function detectCli(options: DetectCliOptions): Promise<DetectCliReport> {
  const platform = options.platform ?? process.platform;
  const { env } = options;
  const procVersion =
    'procVersion' in options ? options.procVersion : platform === 'linux' ? readProcVersion() : undefined;
  const find = (name: string) => findExecutable({ name, env, platform }) ?? null;
  const shellPath = (platform === 'win32' ? (env.ComSpec ?? env.COMSPEC) : env.SHELL) || null;
  const report: Omit<DetectCliReport, 'recommendation'> = {
    platform: { os: platform, release: options.release ?? os.release(), arch: options.arch ?? process.arch },
    bridge: detectBridge(platform, procVersion),
    shell: {
      path: shellPath,
      name: shellPath === null ? null : path.basename(shellPath.replace(/\\/g, '/')).replace(/\.exe$/i, ''),
      version:
        shellPath === null
          ? null
          : shellVersion(shellPath, env, platform, options.shellTimeoutMs ?? DETECT_SHELL_TIMEOUT_MS),
    },
    networkTools: Object.fromEntries(DETECT_NETWORK_TOOLS.map((tool) => [tool, find(tool)])),
    gpuTools: Object.fromEntries(DETECT_GPU_TOOLS.map((tool) => [tool, find(tool)])),
    ollama: await probeOllama(
      options.ollamaHost,
      options.fetch ?? globalThis.fetch,
      options.ollamaTimeoutMs ?? DETECT_OLLAMA_TIMEOUT_MS,
    ),
  };
  return { ...report, recommendation: recommend(report) };
}
