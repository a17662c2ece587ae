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

  it('declares the context length it is asked for, and nothing else changes', async () => {
    const long = await writeTestModel({ file: path.join(dir, 'long.gguf'), contextLength: 16_384 });
    const standard = await writeTestModel({ file: path.join(dir, 'standard.gguf') });
    const [base, wide] = await Promise.all([readFile(standard.file), readFile(long.file)]);
    const key = Buffer.from('llama.context_length');
    // The value is a uint32 right after the key and its type tag.
    const valueAt = (bytes: Buffer) => bytes.indexOf(key) + key.length + 4;
    expect(base.readUInt32LE(valueAt(base))).toBe(2048);
    expect(wide.readUInt32LE(valueAt(wide))).toBe(16_384);
    wide.writeUInt32LE(2048, valueAt(wide));
    expect(wide.equals(base)).toBe(true);
    await expect(writeTestModel({ file: path.join(dir, 'bad.gguf'), contextLength: 0 })).rejects.toThrow(
      RangeError,
    );
  });

  it('rejects an unknown mode', async () => {
    await expect(
      writeTestModel({ file: path.join(dir, 'c.gguf'), mode: 'random' as 'bigram' }),
    ).rejects.toThrow(/Unknown test model mode/);
  });
});
