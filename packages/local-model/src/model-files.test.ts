import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalModelName, formatParameterCount, listModelFiles, readModelDetails } from './model-files';

describe('model files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'biged-model-files-'));
    await writeFile(path.join(dir, 'b.gguf'), 'not really a model');
    await writeFile(path.join(dir, 'qwen:0.5b.gguf'), '');
    await writeFile(path.join(dir, 'notes.txt'), '');
    await mkdir(path.join(dir, 'folder.gguf'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists *.gguf files under their Ollama names', async () => {
    const files = await listModelFiles(dir);
    expect(files.map((file) => file.name)).toEqual(['b:latest', 'qwen:0.5b']);
    expect(files[0]).toMatchObject({ file: path.join(dir, 'b.gguf'), size: 18 });
    expect(files[0]!.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(await listModelFiles(path.join(dir, 'missing'))).toEqual([]);
  });

  it('still describes a file it cannot parse', async () => {
    const [file] = await listModelFiles(dir);
    expect(await readModelDetails(file!)).toMatchObject({ format: 'gguf', family: 'unknown' });
  });

  it('names models and parameter counts like Ollama', () => {
    expect(canonicalModelName('tiny')).toBe('tiny:latest');
    expect(canonicalModelName('tiny:q8')).toBe('tiny:q8');
    expect(formatParameterCount(936_576)).toBe('936.58K');
    expect(formatParameterCount(494_032_768)).toBe('494.03M');
    expect(formatParameterCount(7_615_616_512)).toBe('7.62B');
    expect(formatParameterCount(12)).toBe('12');
  });
});
