import path from 'node:path';
import type { CommandContext } from './context-core';

/**
 * The secrets file: `--secrets-file`, else `BIGED_SECRETS_FILE`, else `~/.secrets` (empty values count as
 * unset). Relative paths resolve against the caller's cwd. Its own module so that `biged ui` can name the
 * file without loading the secret commands (and through them the queue).
 */
export function secretsFileFor(
  context: Pick<CommandContext, 'io'>,
  option: string | undefined,
): string | undefined {
  const chosen = option || context.io.env.BIGED_SECRETS_FILE || undefined;
  return chosen ? path.resolve(context.io.cwd, chosen) : undefined;
}
