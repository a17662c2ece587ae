import { existsSync } from 'node:fs';
import type { FleetConfig } from '@biged/core';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession } from '../context';
import { type DetectCliReport, detectCli } from './detect-cli-probe';

const BRIDGE_NAMES: Record<DetectCliReport['bridge'], string> = {
  wsl: 'WSL (Windows Subsystem for Linux)',
  linux: 'native Linux',
  macos: 'macOS',
  windows: 'Windows native',
  other: 'other',
};

/** The report as `--json` prints it (snake_case). */
export function detectReportToJson(report: DetectCliReport) {
  return {
    platform: report.platform,
    bridge: report.bridge,
    shell: report.shell,
    network_tools: report.networkTools,
    gpu_tools: report.gpuTools,
    ollama: report.ollama,
    recommendation: report.recommendation,
  };
}

const found = (tools: Record<string, string | null>): string => {
  const present = Object.keys(tools).filter((tool) => tools[tool]);
  const missing = Object.keys(tools).filter((tool) => !tools[tool]);
  return `${present.length > 0 ? present.join(', ') : 'none'}${missing.length > 0 ? `  (not found: ${missing.join(', ')})` : ''}`;
};

/** The report as text, one `label  value` line per finding. */
export function renderDetectReport(report: DetectCliReport): string {
  const { shell, ollama } = report;
  const lines = [
    ['platform', `${report.platform.os} ${report.platform.release} ${report.platform.arch}`],
    ['bridge', BRIDGE_NAMES[report.bridge]],
    [
      'shell',
      shell.path === null
        ? 'unknown ($SHELL / ComSpec not set)'
        : `${shell.path}${shell.version ? ` (${shell.version})` : ''}`,
    ],
    ['network tools', found(report.networkTools)],
    ['GPU tools', found(report.gpuTools)],
    [
      'ollama',
      ollama.reachable
        ? `${ollama.host} reachable, ${ollama.models.length} model(s)${ollama.models.length > 0 ? `: ${ollama.models.slice(0, 8).join(', ')}` : ''}`
        : `${ollama.host} not reachable (${ollama.error})`,
    ],
  ];
  return `${lines.map(([label, value]) => `${(label as string).padEnd(14)} ${value}`).join('\n')}\nrecommendation: ${report.recommendation}\n`;
}

/** `biged detect-cli [--json]`: the shell, tools, bridge, GPU tools and Ollama of this machine. */
export function registerDetectCli(program: Command, session: ProgramSession): void {
  program
    .command('detect-cli')
    .description('detect the shell, network tools, bridge (WSL/native), GPU tools and Ollama of this machine')
    .action(async (_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      // No home needed: without fleet.toml the defaults apply (ollama_host http://localhost:11434).
      // A diagnostic must not stop at a broken fleet.toml: warn and probe the default host.
      let config: FleetConfig | undefined;
      try {
        config = existsSync(context.home) ? loadFleetConfig(context) : undefined;
      } catch (error) {
        context.warn(
          `fleet.toml not used (${error instanceof Error ? error.message : String(error)}); probing the default ollama_host`,
        );
      }
      const report = await detectCli({
        env: context.io.env,
        ollamaHost: config?.models.ollama_host ?? 'http://localhost:11434',
      });
      if (context.json) context.printJson(detectReportToJson(report));
      else context.print(renderDetectReport(report));
    });
}
