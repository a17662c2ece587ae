import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Every path under `dir`, relative to it, folders ending in `/`, sorted; `[]` when `dir` does not exist.
 * Links are listed, not followed. For tests that prove what a command wrote (or that it wrote nothing).
 */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const full = path.join(folder, name);
      const isDir = lstatSync(full).isDirectory();
      out.push(`${path.relative(dir, full)}${isDir ? '/' : ''}`);
      if (isDir) walk(full);
    }
  };
  walk(dir);
  return out;
}
