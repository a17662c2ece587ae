import { BigedError } from './biged-error';

const name = 'FsGuardError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** What a file operation wanted to do. */
export type FsGuardAccess = 'read' | 'write' | 'delete';

/**
 * The FileSystemGuard refused a path (`[filesystem.enterprise] enforce = true`).
 * Code: `FS_ZONE_DENIED`. The message names the path as given, the resolved path and the zones.
 */
export class FsGuardError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The path as the caller gave it. */
  readonly path: string;
  /** The path after resolution (`..`, symlinks, cwd); empty when the path could not be resolved. */
  readonly resolvedPath: string;
  /** The access that was refused. */
  readonly access: FsGuardAccess;
  /** The zones the caller had, as `name=path (access)`. */
  readonly zones: string[];
  /** Why the path was refused. */
  readonly reason: string;
  /** The skill the check was made for, when known. */
  readonly skill: string | undefined;

  constructor(options: {
    path: string;
    resolvedPath: string;
    access: FsGuardAccess;
    zones: string[];
    reason: string;
    skill?: string;
  }) {
    const shown = JSON.stringify(
      options.path.length > 200 ? `${options.path.slice(0, 200)}...` : options.path,
    );
    super({
      name,
      code: 'FS_ZONE_DENIED',
      message: `${options.access} of ${shown} (resolved: ${options.resolvedPath || '(unresolved)'}) refused: ${options.reason}; zones: ${options.zones.join(', ') || '(none)'}`,
      hint: 'add the directory under [filesystem.zones] in fleet.toml, or a per-skill entry under [filesystem.overrides]',
    });
    this.path = options.path;
    this.resolvedPath = options.resolvedPath;
    this.access = options.access;
    this.zones = options.zones;
    this.reason = options.reason;
    this.skill = options.skill;
  }

  static override isInstance(error: unknown): error is FsGuardError {
    return BigedError.hasMarker(error, marker);
  }
}
