import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@biged/core';
import { parse } from 'smol-toml';
import { CliError } from '../errors';

/** What `addSkillsDir` did. */
export interface AddSkillsDirResult {
  /** The value written to `[skills] dirs` (relative to the home when the folder is inside it). */
  entry: string;
  /** False when `[skills] dirs` already listed it (the file was not touched). */
  added: boolean;
}

const SECTION = /^[ \t]*\[\s*skills\s*\][ \t]*(?:#.*)?$/m;
const ANY_TABLE = /^[ \t]*\[/m;
const DIRS_KEY = /^[ \t]*dirs[ \t]*=/m;

type Parsed = { skills?: { dirs?: unknown } };

const readDirs = (text: string): string[] | undefined => {
  const dirs = (parse(text) as Parsed).skills?.dirs;
  return Array.isArray(dirs) && dirs.every((dir) => typeof dir === 'string') ? dirs : undefined;
};

// Index just past the `]` that closes the array starting at `start` (a `[`), skipping strings and comments.
function arrayEnd(text: string, start: number): number {
  let depth = 0;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (char === '#') {
      while (index < text.length && text[index] !== '\n') index++;
    } else if (char === '"' || char === "'") {
      const triple = text.startsWith(char.repeat(3), index);
      const close = triple ? char.repeat(3) : char;
      index += close.length;
      while (index < text.length && !text.startsWith(close, index)) {
        if (char === '"' && text[index] === '\\') index++;
        index++;
      }
      index += close.length - 1;
    } else if (char === '[') {
      depth++;
    } else if (char === ']') {
      depth--;
      if (depth === 0) return index + 1;
    }
  }
  return -1;
}

/**
 * Adds `dir` to `[skills] dirs` in fleet.toml by editing the text minimally: comments, key order and
 * formatting stay as they were. A folder inside the home is written relative to it. The edit is checked by
 * parsing the result (smol-toml) before the file is replaced atomically; when the text cannot be edited
 * safely, nothing is written and `CliError` `CLI_CONFIG_EDIT_FAILED` says what to add by hand.
 */
export function addSkillsDir(options: { configFile: string; home: string; dir: string }): AddSkillsDirResult {
  const { configFile, home } = options;
  const relative = path.relative(home, options.dir);
  const entry =
    relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
      ? relative.split(path.sep).join('/')
      : options.dir;
  const literal = JSON.stringify(entry); // a JSON string is a valid TOML basic string
  const manual = `add ${literal} to dirs under [skills] in ${configFile} by hand`;
  const fail = (message: string, cause?: unknown) =>
    new CliError({ code: 'CLI_CONFIG_EDIT_FAILED', message, hint: manual, cause });

  const text = existsSync(configFile) ? readFileSync(configFile, 'utf8') : '';
  let before: string[];
  try {
    before = readDirs(text) ?? [];
  } catch (error) {
    throw fail(`${configFile} is not valid TOML, so it was not edited`, error);
  }
  if (before.some((existing) => path.resolve(home, existing) === path.resolve(home, entry))) {
    return { entry, added: false };
  }

  let next: string;
  const section = SECTION.exec(text);
  if (!section) {
    next = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}\n[skills]\ndirs = [${literal}]\n`;
  } else {
    const bodyStart = section.index + section[0].length;
    const rest = text.slice(bodyStart);
    const nextTable = ANY_TABLE.exec(rest.slice(1));
    const bodyEnd = nextTable ? bodyStart + 1 + nextTable.index : text.length;
    const body = text.slice(bodyStart, bodyEnd);
    const key = DIRS_KEY.exec(body);
    if (!key) {
      next = `${text.slice(0, bodyStart)}\ndirs = [${literal}]${text.slice(bodyStart)}`;
    } else {
      const open = text.indexOf('[', bodyStart + key.index + key[0].length);
      const end = open === -1 ? -1 : arrayEnd(text, open);
      if (end === -1) throw fail(`could not find the end of [skills] dirs in ${configFile}`);
      const inside = text.slice(open + 1, end - 1);
      // Strip comments and whitespace to see whether the array is empty and whether it ends with a comma.
      const meaningful = inside.replace(/#.*$/gm, '').trim();
      const separator = meaningful === '' || meaningful.endsWith(',') ? '' : ', ';
      const closing = end - 1;
      // Put the new item right after the last meaningful character (before trailing comments / newlines).
      const lastItem = meaningful === '' ? open + 1 : open + 1 + inside.lastIndexOf(meaningful.slice(-1)) + 1;
      const at = meaningful === '' ? closing : lastItem;
      next = `${text.slice(0, at)}${separator}${literal}${text.slice(at)}`;
    }
  }

  let after: string[] | undefined;
  try {
    after = readDirs(next);
  } catch (error) {
    throw fail(`editing ${configFile} would not give valid TOML, so it was not changed`, error);
  }
  if (!after || after.length !== before.length + 1 || after.at(-1) !== entry) {
    throw fail(`could not add ${literal} to [skills] dirs in ${configFile} safely; it was not changed`);
  }
  writeFileAtomicSync(configFile, next, { mkdir: false });
  return { entry, added: true };
}
