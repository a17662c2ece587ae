import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestModel } from './make-test-model';

describe('writeTestModel', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'biged-test-model-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the bigram GGUF with the same bytes on every run', async () => {
    const first = await writeTestModel({ file: path.join(dir, 'a.gguf') });
    const second = await writeTestModel({ file: path.join(dir, 'nested', 'b.gguf'), mode: 'bigram' });
    expect(first).toMatchObject({
      bytes: 3_755_424,
      parameters: 936_576,
      vocabularySize: 354,
      embeddingLength: 384,
    });
    const bytes = await readFile(first.file);
    expect(bytes.subarray(0, 4).toString('ascii')).toBe('GGUF');
    expect(bytes.readUInt32LE(4)).toBe(3);
    expect(bytes.length).toBe(first.bytes);
    // Pinned: the tests' exact outputs depend on these weights. Change it only with those expectations.
    const digest = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');
    expect(digest(bytes)).toBe('bff6be64533c003b840285768407bbf1bf8b7fb5d920e9fec9fc926ed4fc9743');
    expect(digest(await readFile(second.file))).toBe(digest(bytes));
  });

  it('rejects an unknown mode', async () => {
    await expect(
      writeTestModel({ file: path.join(dir, 'c.gguf'), mode: 'random' as 'bigram' }),
    ).rejects.toThrow(/Unknown test model mode/);
  });
});
