import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Options for `writeTestModel`. */
export interface WriteTestModelOptions {
  /** Where to write the GGUF file (parent folders are created). Name it `<model>.gguf`. */
  file: string;
  /**
   * Which test model to build. Default `'bigram'`: a ~0.94M-parameter llama-architecture model whose output
   * layer holds letter-pair log-probabilities counted over a short fixed text, so greedy output is exact
   * and repeatable (prompt `"the qu"` continues with `"mps log."`) and `'.'` ends a reply.
   */
  mode?: 'bigram';
  /**
   * The context length the GGUF declares (`llama.context_length`), in tokens. Default 2048. Its tokens are
   * single characters, so prompts that list many skills need more; the bigram model does not depend on
   * position, so a longer context changes nothing else.
   */
  contextLength?: number;
}

/** What `writeTestModel` wrote. */
export interface TestModelInfo {
  /** The absolute path of the file written. */
  file: string;
  /** File size in bytes (about 3.7 MB). */
  bytes: number;
  /** Number of weights in all tensors. */
  parameters: number;
  /** Vocabulary size: 3 special tokens, 256 byte tokens, the SentencePiece space and 94 printable ASCII. */
  vocabularySize: number;
  /** Embedding width (also the length of the vectors `/api/embed` returns). */
  embeddingLength: number;
}

/** The text whose letter pairs the bigram model learns; spaces become the SentencePiece marker. */
const BIGRAM_CORPUS =
  'the quick brown fox jumps over the lazy dog. hello world. local models answer questions. ';
/** SentencePiece's word-boundary marker, the token for a space. */
const SPACE_MARKER = '\u2581';
const ALIGNMENT = 32;

// GGUF metadata value types (ggml's gguf.h).
const GGUF_TYPE = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;
// llama.cpp token types.
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

type MetadataValue =
  | { type: 'uint32' | 'int32' | 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: 'int32' | 'float32'; value: readonly number[] }
  | { type: 'array'; itemType: 'string'; value: readonly string[] };

interface Tensor {
  name: string;
  /** ggml dimension order: the first dimension is the contiguous one. */
  dims: number[];
  data: Float32Array;
}

/**
 * Writes the tiny deterministic GGUF model the tests (and demos) serve: llama architecture, a byte +
 * printable-ASCII SentencePiece vocabulary, one transformer block with zeroed weights, one-hot token
 * embeddings, and an output layer of letter-bigram log-probabilities, so the next token depends only on
 * the previous one. Nothing is downloaded; the same bytes come out on every run.
 */
export async function writeTestModel({
  file,
  mode = 'bigram',
  contextLength = 2048,
}: WriteTestModelOptions): Promise<TestModelInfo> {
  if (mode !== 'bigram') throw new TypeError(`Unknown test model mode "${String(mode)}"; use "bigram".`);
  if (!Number.isInteger(contextLength) || contextLength < 16 || contextLength > 1_048_576) {
    throw new RangeError(`contextLength must be an integer in [16, 1048576], got ${String(contextLength)}`);
  }
  const model = buildBigramModel(contextLength);
  const bytes = encodeGguf(model.metadata, model.tensors);
  const absolute = path.resolve(file);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, bytes);
  return {
    file: absolute,
    bytes: bytes.length,
    parameters: model.tensors.reduce((sum, tensor) => sum + tensor.data.length, 0),
    vocabularySize: model.vocabularySize,
    embeddingLength: model.embeddingLength,
  };
}

function buildVocabulary(): { tokens: string[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TOKEN_TYPE.byte);
  }
  tokens.push(SPACE_MARKER);
  types.push(TOKEN_TYPE.normal);
  for (let code = 0x21; code < 0x7f; code++) {
    tokens.push(String.fromCharCode(code));
    types.push(TOKEN_TYPE.normal);
  }
  return { tokens, types };
}

function buildBigramModel(contextLength: number): {
  metadata: Array<[string, MetadataValue]>;
  tensors: Tensor[];
  vocabularySize: number;
  embeddingLength: number;
} {
  const { tokens, types } = buildVocabulary();
  const vocabularySize = tokens.length;
  const idOf = new Map(tokens.map((token, index) => [token, index]));
  const endOfText = idOf.get('</s>')!;
  // One-hot embeddings need a width of at least the vocabulary; round up to a multiple of 64.
  const embeddingLength = Math.ceil(vocabularySize / 64) * 64;
  const headCount = 4;
  const feedForwardLength = 64;

  // Count letter pairs; '.' is always followed by the end-of-text token so replies stop there.
  const corpus = BIGRAM_CORPUS.replaceAll(' ', SPACE_MARKER);
  const counts = Array.from({ length: vocabularySize }, () => new Float64Array(vocabularySize).fill(0.01));
  for (let index = 0; index + 1 < corpus.length; index++) {
    const current = idOf.get(corpus[index]!);
    const next = corpus[index] === '.' ? endOfText : idOf.get(corpus[index + 1]!);
    if (current !== undefined && next !== undefined) counts[current]![next]! += 1;
  }
  // A small, fixed perturbation breaks ties so greedy decoding never depends on sort stability.
  for (let a = 0; a < vocabularySize; a++) {
    for (let b = 0; b < vocabularySize; b++) counts[a]![b]! += (1e-3 * ((a * 31 + b * 17) % 97)) / 97;
  }

  const tensors: Tensor[] = [];
  const tensor = (name: string, dims: number[], fill?: (data: Float32Array) => void): void => {
    const data = new Float32Array(dims.reduce((product, dim) => product * dim, 1));
    fill?.(data);
    tensors.push({ name, dims, data });
  };
  // token_embd [embeddingLength, vocabularySize]: row t is the one-hot vector e_t.
  tensor('token_embd.weight', [embeddingLength, vocabularySize], (data) => {
    for (let token = 0; token < vocabularySize; token++) data[token * embeddingLength + token] = 1;
  });
  tensor('output_norm.weight', [embeddingLength], (data) => data.fill(1 / Math.sqrt(embeddingLength)));
  // output [embeddingLength, vocabularySize]: logit[j] = sum_k output[j][k] * h[k], and h is one-hot in the
  // previous token i, so logit[j] = 4 * log P(j | i).
  tensor('output.weight', [embeddingLength, vocabularySize], (data) => {
    for (let previous = 0; previous < vocabularySize; previous++) {
      const row = counts[previous]!;
      const total = row.reduce((sum, count) => sum + count, 0);
      for (let next = 0; next < vocabularySize; next++) {
        data[next * embeddingLength + previous] = Math.log(row[next]! / total) * 4;
      }
    }
  });
  // One block with zeroed attention and feed-forward weights: the residual stream passes straight through.
  const ones = (data: Float32Array) => data.fill(1);
  tensor('blk.0.attn_norm.weight', [embeddingLength], ones);
  tensor('blk.0.attn_q.weight', [embeddingLength, embeddingLength]);
  tensor('blk.0.attn_k.weight', [embeddingLength, embeddingLength]);
  tensor('blk.0.attn_v.weight', [embeddingLength, embeddingLength]);
  tensor('blk.0.attn_output.weight', [embeddingLength, embeddingLength]);
  tensor('blk.0.ffn_norm.weight', [embeddingLength], ones);
  tensor('blk.0.ffn_gate.weight', [embeddingLength, feedForwardLength]);
  tensor('blk.0.ffn_up.weight', [embeddingLength, feedForwardLength]);
  tensor('blk.0.ffn_down.weight', [feedForwardLength, embeddingLength]);

  const u32 = (value: number): MetadataValue => ({ type: 'uint32', value });
  const metadata: Array<[string, MetadataValue]> = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: 'tiny-bigram' }],
    ['general.alignment', u32(ALIGNMENT)],
    ['llama.context_length', u32(contextLength)],
    ['llama.embedding_length', u32(embeddingLength)],
    ['llama.block_count', u32(1)],
    ['llama.feed_forward_length', u32(feedForwardLength)],
    ['llama.attention.head_count', u32(headCount)],
    ['llama.attention.head_count_kv', u32(headCount)],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'float32', value: 1e-5 }],
    ['llama.rope.dimension_count', u32(embeddingLength / headCount)],
    ['llama.vocab_size', u32(vocabularySize)],
    ['llama.pooling_type', u32(1)], // mean pooling for embeddings
    [
      'tokenizer.chat_template',
      {
        type: 'string',
        // Ends the prompt inside a word the corpus knows, so even this model answers chat with text.
        value:
          '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}' +
          '{% if add_generation_prompt %}assistant: the{% endif %}',
      },
    ],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'array', itemType: 'float32', value: tokens.map(() => 0) }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'int32', value: types }],
    ['tokenizer.ggml.unknown_token_id', u32(0)],
    ['tokenizer.ggml.bos_token_id', u32(1)],
    ['tokenizer.ggml.eos_token_id', u32(2)],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
  ];
  return { metadata, tensors, vocabularySize, embeddingLength };
}

const GGML_TYPE_F32 = 0;
const align = (offset: number) => Math.ceil(offset / ALIGNMENT) * ALIGNMENT;

/** Serialises a GGUF v3 file: header, metadata, tensor infos, padding, then aligned F32 tensor data. */
function encodeGguf(metadata: Array<[string, MetadataValue]>, tensors: Tensor[]): Buffer {
  const parts: Buffer[] = [];
  const u32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    parts.push(buffer);
  };
  const i32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(value);
    parts.push(buffer);
  };
  const u64 = (value: number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    parts.push(buffer);
  };
  const f32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeFloatLE(value);
    parts.push(buffer);
  };
  const string = (value: string) => {
    const buffer = Buffer.from(value, 'utf8');
    u64(buffer.length);
    parts.push(buffer);
  };
  const scalar = (type: 'int32' | 'float32' | 'string', value: number | string) => {
    if (type === 'int32') i32(value as number);
    else if (type === 'float32') f32(value as number);
    else string(value as string);
  };

  parts.push(Buffer.from('GGUF', 'ascii'));
  u32(3);
  u64(tensors.length);
  u64(metadata.length);
  for (const [key, entry] of metadata) {
    string(key);
    u32(entry.type === 'array' ? GGUF_TYPE.array : GGUF_TYPE[entry.type]);
    switch (entry.type) {
      case 'uint32':
        u32(entry.value);
        break;
      case 'int32':
      case 'float32':
      case 'string':
        scalar(entry.type, entry.value);
        break;
      case 'bool':
        parts.push(Buffer.from([entry.value ? 1 : 0]));
        break;
      case 'array':
        u32(GGUF_TYPE[entry.itemType]);
        u64(entry.value.length);
        for (const item of entry.value) scalar(entry.itemType, item);
        break;
    }
  }
  const offsets: number[] = [];
  let offset = 0;
  for (const { name, dims, data } of tensors) {
    string(name);
    u32(dims.length);
    for (const dim of dims) u64(dim);
    u32(GGML_TYPE_F32);
    u64(offset);
    offsets.push(offset);
    offset = align(offset + data.byteLength);
  }
  const header = Buffer.concat(parts);
  const dataStart = align(header.length);
  const out = Buffer.alloc(dataStart + offset);
  header.copy(out, 0);
  tensors.forEach(({ data }, index) => {
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, dataStart + offsets[index]!);
  });
  return out;
}
