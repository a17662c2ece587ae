import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ollama, type Options } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type EmbeddedOllama, startEmbeddedOllama } from './embedded-ollama-server';
import { writeTestModel } from './make-test-model';

// Structured output end to end: the official client sends `format` (a JSON schema) to the embedded server
// serving the generated bigram model. The model knows nothing of JSON, so everything that makes the answer
// parse and validate comes from the grammar. Every request runs on /api/chat and /api/generate, streaming
// and not, greedy and sampled (temperature 0.8, fixed seeds): each must end by itself (done_reason 'stop')
// with text that JSON.parse accepts and that an independent validator (ajv; zod for the zod-made schemas)
// accepts against the schema.

const listFiles = z.strictObject({
  path: z.string().min(1),
  max_files: z.number().int().min(1).max(100_000).default(5000),
});
const summarize = z.strictObject({
  text: z.string().min(1).max(200_000),
  max_words: z.number().int().positive().default(200),
});
const search = z.strictObject({
  query: z.string().min(1).describe('what to look for'),
  mode: z.enum(['fast', 'deep']).default('fast'),
  tags: z.array(z.string()).max(5).optional(),
  ratio: z.number().min(0).max(1).optional(),
  since: z.iso.date().optional(),
  owner: z.string().nullable(),
});

const multiProperty = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer' },
    ok: { type: 'boolean' },
    color: { type: 'string', enum: ['red', 'green', 'blue'] },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['name', 'age', 'ok', 'color', 'tags'],
};

const nested = {
  type: 'object',
  properties: {
    user: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        address: {
          type: 'object',
          properties: { city: { type: 'string' }, zip: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
      },
      required: ['name', 'address'],
      additionalProperties: false,
    },
    note: { type: 'string' },
    score: { type: 'number', minimum: 0, maximum: 1 },
    flags: { type: 'array', items: { type: 'boolean' }, maxItems: 3 },
  },
  required: ['user'],
  additionalProperties: false,
};

/** What the conductor sends: one branch per skill, told apart by a `const`, payloads as zod emits them. */
const conductor = {
  type: 'object',
  properties: {
    task: {
      anyOf: [
        ['summarize', summarize],
        ['list_files', listFiles],
        ['search', search],
      ].map(([skill, payload]) => ({
        type: 'object',
        properties: { skill: { const: skill }, payload: z.toJSONSchema(payload as z.ZodType) },
        required: ['skill', 'payload'],
        additionalProperties: false,
      })),
    },
    confidence: { type: 'string', enum: ['high', 'medium', 'low'] },
  },
  required: ['task', 'confidence'],
  additionalProperties: false,
};
const conductorZod = z.strictObject({
  task: z.union([
    z.strictObject({ skill: z.literal('summarize'), payload: summarize }),
    z.strictObject({ skill: z.literal('list_files'), payload: listFiles }),
    z.strictObject({ skill: z.literal('search'), payload: search }),
  ]),
  confidence: z.enum(['high', 'medium', 'low']),
});

const cases: Array<{ name: string; schema: Record<string, unknown>; zod?: z.ZodType }> = [
  { name: 'a multi-property object', schema: multiProperty },
  { name: 'nested objects, optional properties, additionalProperties false', schema: nested },
  { name: "the conductor's anyOf of skills told apart by const", schema: conductor, zod: conductorZod },
  { name: 'zod: list_files payload', schema: z.toJSONSchema(listFiles), zod: listFiles },
  { name: 'zod: summarize payload', schema: z.toJSONSchema(summarize), zod: summarize },
  {
    name: 'zod: search payload (enum, optional array, nullable, date)',
    schema: z.toJSONSchema(search),
    zod: search,
  },
];

const decodings: Array<{ name: string; options: Partial<Options> }> = [
  { name: 'greedy', options: { temperature: 0 } },
  { name: 'temperature 0.8, seed 7', options: { temperature: 0.8, seed: 7 } },
];

describe('structured output (format: JSON schema)', () => {
  let dir: string;
  let server: EmbeddedOllama;
  let ollama: Ollama;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'biged-structured-output-'));
    await writeTestModel({ file: path.join(dir, 'tiny.gguf') });
    server = await startEmbeddedOllama({ modelsDir: dir, threads: 1 });
    ollama = new Ollama({ host: server.url });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The answer of one request: its text and final frame, streamed or not. */
  async function ask(
    kind: 'chat' | 'generate',
    stream: boolean,
    format: Record<string, unknown>,
    options: Partial<Options>,
  ): Promise<{ text: string; doneReason: string; evalCount: number }> {
    if (kind === 'chat') {
      const request = { model: 'tiny', messages: [{ role: 'user', content: 'hello' }], format, options };
      if (!stream) {
        const response = await ollama.chat({ ...request, stream: false });
        return {
          text: response.message.content,
          doneReason: response.done_reason,
          evalCount: response.eval_count,
        };
      }
      let text = '';
      let last: { done_reason: string; eval_count: number } | undefined;
      for await (const part of await ollama.chat({ ...request, stream: true })) {
        text += part.message.content;
        if (part.done) last = part;
      }
      return { text, doneReason: last!.done_reason, evalCount: last!.eval_count };
    }
    const request = { model: 'tiny', prompt: 'the qu', format, options };
    if (!stream) {
      const response = await ollama.generate({ ...request, stream: false });
      return {
        text: response.response ?? '',
        doneReason: response.done_reason,
        evalCount: response.eval_count,
      };
    }
    let text = '';
    let last: { done_reason: string; eval_count: number } | undefined;
    for await (const part of await ollama.generate({ ...request, stream: true })) {
      text += part.response ?? '';
      if (part.done) last = part;
    }
    return { text, doneReason: last!.done_reason, evalCount: last!.eval_count };
  }

  for (const { name, schema, zod } of cases) {
    it(`answers valid JSON for ${name}, on both endpoints, streaming or not, greedy or sampled`, async () => {
      const validate = ajv.compile(schema);
      for (const kind of ['chat', 'generate'] as const) {
        for (const decoding of decodings) {
          const label = `${kind}, ${decoding.name}`;
          const whole = await ask(kind, false, schema, decoding.options);
          expect(whole.doneReason, `${label}: ${whole.text}`).toBe('stop');
          let value: unknown;
          expect(() => {
            value = JSON.parse(whole.text);
          }, `${label}: ${whole.text}`).not.toThrow();
          expect(validate(value), `${label}: ${JSON.stringify(validate.errors)} in ${whole.text}`).toBe(true);
          if (zod) expect(zod.safeParse(value).error, `${label}: ${whole.text}`).toBeUndefined();
          // Streaming produces the same answer, chunk by chunk.
          const streamed = await ask(kind, true, schema, decoding.options);
          expect(streamed, label).toEqual(whole);
        }
      }
    }, 180_000);
  }

  it('stays valid over many sampling seeds, taking different branches of the conductor anyOf', async () => {
    const skills = new Set<string>();
    for (let seed = 1; seed <= 8; seed++) {
      for (const [schema, zod] of [
        [conductor, conductorZod],
        [multiProperty, undefined],
      ] as const) {
        const { text, doneReason } = await ask('chat', false, schema, { temperature: 0.8, seed });
        expect(doneReason, `seed ${seed}: ${text}`).toBe('stop');
        const value: unknown = JSON.parse(text);
        expect(ajv.validate(schema, value), `seed ${seed}: ${JSON.stringify(ajv.errors)}`).toBe(true);
        if (zod) skills.add(zod.parse(value).task.skill);
      }
    }
    // "summarize" shares its "s" with "search", and this model always prefers "se" to "su" there.
    expect([...skills].sort()).toEqual(['list_files', 'search']);
  }, 180_000);

  it('holds on the raw completion path of /api/generate too', async () => {
    for (const schema of [multiProperty, conductor]) {
      for (const decoding of decodings) {
        const response = await ollama.generate({
          model: 'tiny',
          prompt: 'the qu',
          raw: true,
          format: schema,
          options: decoding.options,
        });
        expect(response.done_reason).toBe('stop');
        expect(ajv.validate(schema, JSON.parse(response.response ?? '')), response.response).toBe(true);
      }
    }
  }, 60_000);

  it("stops at num_predict with done_reason 'length' and still returns what it generated", async () => {
    for (const kind of ['chat', 'generate'] as const) {
      for (const stream of [false, true]) {
        const cut = await ask(kind, stream, multiProperty, { temperature: 0, num_predict: 5 });
        expect(cut.doneReason, `${kind} stream=${stream}`).toBe('length');
        expect(cut.evalCount).toBe(5);
        // Cut inside the grammar: the start of the JSON value, not JSON yet (as Ollama answers it).
        expect(cut.text.startsWith('{')).toBe(true);
        expect(() => JSON.parse(cut.text)).toThrow();
      }
    }
  });

  it('answers a schema it cannot honour with 400 naming the keyword, and keeps serving', async () => {
    for (const [format, keyword] of [
      [{ type: 'object', properties: { a: { not: { type: 'string' } } } }, '"not"'],
      [{ type: 'object', properties: { next: { $ref: '#' } } }, '"$ref" cycle'],
      [{ allOf: [{ type: 'object' }, { required: ['a'] }] }, '"allOf"'],
    ] as const) {
      for (const pathname of ['/api/chat', '/api/generate']) {
        const response = await fetch(`${server.url}${pathname}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'tiny',
            prompt: 'x',
            messages: [{ role: 'user', content: 'x' }],
            format,
          }),
        });
        expect(response.status).toBe(400);
        const { error } = (await response.json()) as { error: string };
        expect(error).toContain(keyword);
        expect(error).toMatch(/^format/);
      }
    }
    await expect(
      ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], format: { not: {} } }),
    ).rejects.toMatchObject({ status_code: 400 });
    const after = await ask('chat', false, multiProperty, { temperature: 0 });
    expect(JSON.parse(after.text)).toHaveProperty('name');
  });
});
