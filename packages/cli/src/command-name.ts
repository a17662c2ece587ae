// Which command a `biged` command line runs, read without commander: the bin decides from it whether the
// command has a start-up bundle of its own (bin.ts) or goes to the program (fast-dispatch.ts). No imports,
// so that reading it costs nothing at start-up.

/**
 * The first word after the global options (`--home <dir>`, `--home=<dir>`, `--json`): the command's name as
 * typed. Undefined when there is none, or when any other option comes first (`-h`, `--help`, `-V`): those
 * are the program's to answer.
 */
export function commandWordOf(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--json' || arg.startsWith('--home=')) continue;
    if (arg === '--home') {
      index++;
      continue;
    }
    if (arg.startsWith('-')) return undefined;
    return arg;
  }
  return undefined;
}

/**
 * The commands built into a start-up bundle of their own (`dist/fast/<name>.cjs`, see tsup.config.ts): one
 * CommonJS file holding the command, the program shell, commander and the @biged modules it uses, so that
 * Node reads one file instead of dozens. `biged status` is the one whose start-up time is a target.
 */
export const BUNDLED_COMMANDS: ReadonlySet<string> = new Set(['status']);
