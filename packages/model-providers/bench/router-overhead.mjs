#!/usr/bin/env node
// Router overhead per call: the Anthropic SDK calling a local Messages-API server directly, against the
// same call through createRouter (adapter + limiter at share 1 with no minimum gap + retryWithBackoff +
// per-attempt timeout + usage event), in one run, on one server. Needs `pnpm build` first (reads dist/).
// Usage: node bench/router-overhead.mjs [calls=2000]
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { createRouter } from '@biged/core';
import { createAnthropicProvider } from '../dist/index.js';

const calls = Number(process.argv[2] ?? 2000);
const warmup = 200;
const rounds = 4; // alternate the two paths in blocks, so drift (GC, CPU contention) hits both alike
const body = readFileSync(new URL('../__fixtures__/anthropic/message.json', import.meta.url));

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${server.address().port}`;

const sdk = new Anthropic({ apiKey: 'bench', baseURL, maxRetries: 0 });
const request = {
  model: 'claude-sonnet-4-5',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Hello' }],
};
let events = 0;
const router = createRouter({
  providers: [createAnthropicProvider({ apiKey: 'bench', baseURL })],
  limits: { claude: { share: 1, minGapMs: 0 } },
  onEvent: () => {
    events += 1;
  },
});

const direct = () => sdk.messages.create(request);
const routed = () =>
  router.call({ model: request.model, prompt: 'Hello', maxOutputTokens: 64, skill: 'bench' });

async function time(fn, count, into) {
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await fn();
    into?.push(performance.now() - started);
  }
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

await time(direct, warmup);
await time(routed, warmup);
const samples = { direct: [], routed: [] };
const block = Math.ceil(calls / rounds);
for (let round = 0; round < rounds; round += 1) {
  await time(direct, block, samples.direct);
  await time(routed, block, samples.routed);
}
server.close();

const row = (name, values) =>
  `${name.padEnd(30)} median ${quantile(values, 0.5).toFixed(3)} ms   p99 ${quantile(values, 0.99).toFixed(3)} ms   (${values.length} calls)`;
console.log(
  `router-overhead: Node ${process.version}, ${calls} sequential calls per path after ${warmup} warm-up`,
);
console.log(row('anthropic sdk direct', samples.direct));
console.log(row('createRouter -> anthropic', samples.routed));
const overhead = quantile(samples.routed, 0.5) - quantile(samples.direct, 0.5);
const overheadP99 = quantile(samples.routed, 0.99) - quantile(samples.direct, 0.99);
console.log(
  `router overhead median ${overhead.toFixed(3)} ms (target < 0.5), p99 ${overheadP99.toFixed(3)} ms`,
);
if (events < calls) throw new Error(`expected a model:call event per routed call, got ${events}`);
