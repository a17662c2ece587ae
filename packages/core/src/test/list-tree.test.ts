import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listTree } from './list-tree';
import { createTempHome, type TempHome } from './temp-home';

let home: TempHome | undefined;
afterEach(() => {
  home?.cleanup();
  home = undefined;
});

describe('listTree', () => {
  it('lists files and folders below a folder, sorted, without following links', () => {
    home = createTempHome();
    const root = path.join(home.home, 'tree');
    mkdirSync(path.join(root, 'b', 'c'), { recursive: true });
    writeFileSync(path.join(root, 'a.txt'), 'a');
    writeFileSync(path.join(root, 'b', 'c', 'd.txt'), 'd');
    symlinkSync(path.join(root, 'b'), path.join(root, 'link'));
    expect(listTree(root)).toEqual(['a.txt', 'b/', 'b/c/', 'b/c/d.txt', 'link']);
    expect(listTree(path.join(root, 'missing'))).toEqual([]);
  });
});
