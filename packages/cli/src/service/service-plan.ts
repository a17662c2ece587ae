import path from 'node:path';
import { ServiceError } from '../errors/service-error';
import {
  LAUNCHD_LABEL,
  renderLaunchdPlist,
  renderSystemdUnit,
  renderTaskSchedulerXml,
  SCHTASKS_TASK_NAME,
  type ServiceTemplateInput,
  SYSTEMD_UNIT_NAME,
} from './service-templates';

/** The service managers `biged install-service` knows. */
export const SERVICE_PLATFORMS = ['systemd', 'launchd', 'schtasks'] as const;
/** A service manager: systemd --user (Linux), launchd (macOS), Task Scheduler (Windows). */
export type ServicePlatform = (typeof SERVICE_PLATFORMS)[number];

/** One step of an install or uninstall, in order. */
export type ServiceStep =
  | { action: 'write'; file: string; content: string; encoding: 'utf8' | 'utf16le' }
  | { action: 'remove'; file: string }
  /** `ignoreFailure`: a clean-up whose failure is expected (e.g. unloading a job that is not loaded). */
  | { action: 'run'; argv: string[]; ignoreFailure: boolean };

/** What an install or uninstall does. */
export interface ServicePlan {
  platform: ServicePlatform;
  /** The service file written or removed. */
  file: string;
  /** The service file's text (install only). */
  content?: string;
  steps: ServiceStep[];
  /** How to check on the service afterwards (the manual's "Auto-boot not working" row). */
  checkCommand: string;
}

/** Options of `planServiceInstall` and `planServiceUninstall`. */
export interface ServicePlanOptions extends ServiceTemplateInput {
  platform: ServicePlatform;
  /** The user's home folder (`~`), where systemd and launchd look for user services. */
  userHome: string;
  /** The user id for `launchctl bootstrap gui/<uid>`. Default `process.getuid()` (501 where there is none). */
  uid?: number;
}

/** The service manager of a platform, or undefined when BigEd knows none. */
export function defaultServicePlatform(
  platform: NodeJS.Platform = process.platform,
): ServicePlatform | undefined {
  if (platform === 'linux') return 'systemd';
  if (platform === 'darwin') return 'launchd';
  if (platform === 'win32') return 'schtasks';
  return undefined;
}

/** Parses `--platform`. */
export function parseServicePlatform(text: string): ServicePlatform {
  if ((SERVICE_PLATFORMS as readonly string[]).includes(text)) return text as ServicePlatform;
  throw new ServiceError({
    code: 'SERVICE_UNSUPPORTED_PLATFORM',
    message: `--platform must be one of ${SERVICE_PLATFORMS.join(', ')}, got "${text}"`,
  });
}

const defaultUid = () => (typeof process.getuid === 'function' ? process.getuid() : 501);

/** Where the service file of `platform` lives. */
export function serviceFile(options: Pick<ServicePlanOptions, 'platform' | 'userHome' | 'home'>): string {
  switch (options.platform) {
    case 'systemd':
      return path.join(options.userHome, '.config', 'systemd', 'user', SYSTEMD_UNIT_NAME);
    case 'launchd':
      return path.join(options.userHome, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    case 'schtasks':
      // schtasks copies the XML into its own store; this copy is what --dry-run shows and /xml reads.
      return path.join(options.home, 'run', `${SCHTASKS_TASK_NAME}.xml`);
  }
}

const CHECK_COMMANDS: Record<ServicePlatform, string> = {
  systemd: `systemctl --user status ${SYSTEMD_UNIT_NAME.replace(/\.service$/, '')}`,
  launchd: 'launchctl list | grep biged',
  schtasks: `schtasks /query /tn ${SCHTASKS_TASK_NAME}`,
};

/** The file and the commands `biged install-service` writes and runs. Nothing is done here. */
export function planServiceInstall(options: ServicePlanOptions): ServicePlan {
  const file = serviceFile(options);
  const input = { nodePath: options.nodePath, binPath: options.binPath, home: options.home };
  const domain = `gui/${options.uid ?? defaultUid()}`;
  const write = (content: string, encoding: 'utf8' | 'utf16le' = 'utf8'): ServiceStep => ({
    action: 'write',
    file,
    content,
    encoding,
  });
  let content: string;
  let steps: ServiceStep[];
  switch (options.platform) {
    case 'systemd':
      content = renderSystemdUnit(input);
      steps = [
        write(content),
        { action: 'run', argv: ['systemctl', '--user', 'daemon-reload'], ignoreFailure: false },
        {
          action: 'run',
          argv: ['systemctl', '--user', 'enable', '--now', SYSTEMD_UNIT_NAME],
          ignoreFailure: false,
        },
      ];
      break;
    case 'launchd':
      content = renderLaunchdPlist(input);
      steps = [
        // A job loaded from an older plist must go first, or bootstrap refuses.
        { action: 'run', argv: ['launchctl', 'bootout', domain, file], ignoreFailure: true },
        write(content),
        { action: 'run', argv: ['launchctl', 'bootstrap', domain, file], ignoreFailure: false },
      ];
      break;
    case 'schtasks':
      content = renderTaskSchedulerXml(input);
      steps = [
        write(content, 'utf16le'),
        {
          action: 'run',
          argv: ['schtasks', '/create', '/tn', SCHTASKS_TASK_NAME, '/xml', file, '/f'],
          ignoreFailure: false,
        },
      ];
      break;
  }
  return { platform: options.platform, file, content, steps, checkCommand: CHECK_COMMANDS[options.platform] };
}

/** The commands and the removal `biged uninstall-service` runs. Nothing is done here. */
export function planServiceUninstall(
  options: Pick<ServicePlanOptions, 'platform' | 'userHome' | 'home' | 'uid'>,
): ServicePlan {
  const file = serviceFile(options);
  const domain = `gui/${options.uid ?? defaultUid()}`;
  let steps: ServiceStep[];
  switch (options.platform) {
    case 'systemd':
      steps = [
        {
          action: 'run',
          argv: ['systemctl', '--user', 'disable', '--now', SYSTEMD_UNIT_NAME],
          ignoreFailure: false,
        },
        { action: 'remove', file },
        { action: 'run', argv: ['systemctl', '--user', 'daemon-reload'], ignoreFailure: false },
      ];
      break;
    case 'launchd':
      steps = [
        { action: 'run', argv: ['launchctl', 'bootout', domain, file], ignoreFailure: true },
        { action: 'remove', file },
      ];
      break;
    case 'schtasks':
      steps = [
        {
          action: 'run',
          argv: ['schtasks', '/delete', '/tn', SCHTASKS_TASK_NAME, '/f'],
          ignoreFailure: false,
        },
        { action: 'remove', file },
      ];
      break;
  }
  return { platform: options.platform, file, steps, checkCommand: CHECK_COMMANDS[options.platform] };
}

/** An argv as a shell line, words with spaces or quotes single-quoted (for display only). */
export function formatArgv(argv: readonly string[]): string {
  return argv
    .map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
