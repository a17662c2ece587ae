import { ServiceError } from '../errors/service-error';

// NOTE: packages/cli/README.md ("Auto-start service") shows these files; keep both in sync.

/** The systemd --user unit name. */
export const SYSTEMD_UNIT_NAME = 'biged-fleet.service';
/** The launchd job label (and plist file stem). */
export const LAUNCHD_LABEL = 'com.biged.fleet';
/** The Task Scheduler task name (`schtasks /tn`). */
export const SCHTASKS_TASK_NAME = 'BigEdFleet';

/** What every service file runs: `<node> <bin> up` with the fleet home. */
export interface ServiceTemplateInput {
  /** Absolute path of the node executable. */
  nodePath: string;
  /** Absolute path of the `biged` bin script. */
  binPath: string;
  /** Absolute path of the fleet home (BIGED_HOME). */
  home: string;
}

/** Refuses text no service format can carry: line breaks and other control characters. */
export function assertServiceSafe(value: string, what: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new ServiceError({
      code: 'SERVICE_INVALID_PATH',
      message: `${what} ${JSON.stringify(value)} holds a line break or control character; a service file cannot carry it`,
      hint: 'move the fleet home (or node) to a path without such characters',
    });
  }
}

const checkInput = ({ nodePath, binPath, home }: ServiceTemplateInput) => {
  assertServiceSafe(nodePath, 'the node path');
  assertServiceSafe(binPath, 'the biged bin path');
  assertServiceSafe(home, 'the fleet home');
};

/**
 * One word of a systemd `ExecStart=` line: double-quoted, `\` and `"` escaped C-style, `%` doubled (a
 * specifier otherwise) and `$` doubled (variable expansion otherwise).
 */
export function systemdExecWord(word: string): string {
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/**
 * A systemd `Environment=` assignment: the whole `NAME=value` double-quoted, `\` and `"` escaped and `%`
 * doubled (systemd does not expand `$` there).
 */
export function systemdEnvironment(name: string, value: string): string {
  return `"${`${name}=${value}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/** Text for an XML element or attribute value (`& < > " '` escaped). */
export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * One argument on a Windows command line, quoted so `CommandLineToArgvW` (and node) read it back as is:
 * backslashes before a quote (or the closing quote) doubled, quotes escaped.
 */
export function windowsQuoteArgument(argument: string): string {
  if (argument !== '' && !/[\s"]/.test(argument)) return argument;
  let quoted = '"';
  let backslashes = 0;
  for (const character of argument) {
    if (character === '\\') {
      backslashes += 1;
      continue;
    }
    if (character === '"') {
      quoted += `${'\\'.repeat(backslashes * 2 + 1)}"`;
    } else {
      quoted += `${'\\'.repeat(backslashes)}${character}`;
    }
    backslashes = 0;
  }
  return `${quoted}${'\\'.repeat(backslashes * 2)}"`;
}

/**
 * The systemd --user unit (`~/.config/systemd/user/biged-fleet.service`): runs `biged up` in the
 * foreground with BIGED_HOME, restarts it on failure, and starts with the user's session.
 */
export function renderSystemdUnit(input: ServiceTemplateInput): string {
  checkInput(input);
  return `# Written by \`biged install-service\`; remove with \`biged uninstall-service\`.
[Unit]
Description=BigEd CC fleet (biged up)
After=network.target

[Service]
Type=simple
Environment=${systemdEnvironment('BIGED_HOME', input.home)}
ExecStart=${[input.nodePath, input.binPath, 'up'].map(systemdExecWord).join(' ')}
Restart=on-failure
RestartSec=5

[Install]
WantedBy=default.target
`;
}

/**
 * The launchd agent (`~/Library/LaunchAgents/com.biged.fleet.plist`): runs `biged up` at login
 * (RunAtLoad) and again whenever it exits with a failure (KeepAlive / SuccessfulExit false), output in
 * `<home>/logs/service.log`.
 */
export function renderLaunchdPlist(input: ServiceTemplateInput): string {
  checkInput(input);
  const string = (text: string) => `<string>${xmlEscape(text)}</string>`;
  const log = `${input.home.replace(/[\\/]+$/, '')}/logs/service.log`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  ${string(LAUNCHD_LABEL)}
  <key>ProgramArguments</key>
  <array>
    ${string(input.nodePath)}
    ${string(input.binPath)}
    ${string('up')}
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>BIGED_HOME</key>
    ${string(input.home)}
  </dict>
  <key>WorkingDirectory</key>
  ${string(input.home)}
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>StandardOutPath</key>
  ${string(log)}
  <key>StandardErrorPath</key>
  ${string(log)}
</dict>
</plist>
`;
}

/**
 * The Task Scheduler task for `schtasks /create /tn BigEdFleet /xml <file>`: runs `biged up --home
 * <home>` at logon of the user (Task Scheduler has no environment settings, hence `--home`), restarts it
 * up to 3 times a minute apart, no time limit. Save it as UTF-16 (the declared encoding).
 */
export function renderTaskSchedulerXml(input: ServiceTemplateInput): string {
  checkInput(input);
  const argumentsLine = [input.binPath, 'up', '--home', input.home].map(windowsQuoteArgument).join(' ');
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>BigEd CC fleet (biged up); written by biged install-service</Description>
    <URI>\\${SCHTASKS_TASK_NAME}</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>3</Count>
    </RestartOnFailure>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>${xmlEscape(input.nodePath)}</Command>
      <Arguments>${xmlEscape(argumentsLine)}</Arguments>
      <WorkingDirectory>${xmlEscape(input.home)}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
`;
}
