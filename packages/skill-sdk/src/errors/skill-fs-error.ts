import { BigedError } from '@biged/core';

const name = 'SkillFsError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** What a guarded file operation needed. */
export type SkillFsAccess = 'read' | 'write';

/**
 * The skill file-system guard refused a path: once resolved (symlinks followed), it lies outside every
 * allowed root. Code: `FS_ACCESS_DENIED`.
 */
export class SkillFsError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The path as the skill gave it. */
  readonly path: string;
  /** The absolute real path it resolved to. */
  readonly resolvedPath: string;
  /** Whether reading or writing was refused. */
  readonly access: SkillFsAccess;
  /** The roots that access is allowed inside. */
  readonly allowedRoots: string[];

  constructor(options: {
    path: string;
    resolvedPath: string;
    access: SkillFsAccess;
    allowedRoots: string[];
  }) {
    const roots = options.allowedRoots.length > 0 ? options.allowedRoots.join(', ') : '(none)';
    const resolved = options.resolvedPath === options.path ? '' : ` (resolves to ${options.resolvedPath})`;
    super({
      name,
      code: 'FS_ACCESS_DENIED',
      message: `${options.access} access denied: ${options.path}${resolved} is outside the allowed roots: ${roots}`,
      hint:
        options.access === 'write'
          ? 'skills write only inside the fleet home; write under it (e.g. knowledge/ or reports/)'
          : 'name the directory in the task payload (e.g. "path") so the worker lets the skill read it',
    });
    this.path = options.path;
    this.resolvedPath = options.resolvedPath;
    this.access = options.access;
    this.allowedRoots = options.allowedRoots;
  }

  static override isInstance(error: unknown): error is SkillFsError {
    return BigedError.hasMarker(error, marker);
  }
}
