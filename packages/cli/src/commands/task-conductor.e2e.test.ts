import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TempHome } from '@biged/core/test';
import { type EmbeddedOllama, startEmbeddedOllama, writeTestModel } from '@biged/local-model';
import { createQueue } from '@biged/queue';
import { parseSkillPayload } from '@biged/skill-sdk';
import { builtinSkills } from '@biged/skills';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';

// The tiny model's tokens are single characters, so the conductor's system prompt (every registered skill
// with its description, a few thousand characters) needs a longer context than its default 2048.
const CONTEXT_TOKENS = 16_384;

// Real inference: the conductor asks the embedded Ollama-API backend serving the project's tiny generated
// GGUF model (greedy, so the answer is the same on every run); its JSON-schema grammar keeps the answer
// inside the registered skills' schemas.
describe('biged task "<sentence>" against a real local model', () => {
  let home: TempHome;
  let backend: EmbeddedOllama;

  beforeAll(async () => {
    home = await initHome();
    const modelsDir = path.join(home.home, 'models');
    const model = path.join(modelsDir, 'tiny.gguf');
    await writeTestModel({ file: model, contextLength: CONTEXT_TOKENS });
    backend = await startEmbeddedOllama({ modelsDir, threads: 1, contextSize: CONTEXT_TOKENS });
    writeFileSync(home.config, `[models]\nconductor_model = "tiny"\nollama_host = "${backend.url}"\n`);
  }, 120_000);

  afterAll(async () => {
    await backend?.close();
    home?.cleanup();
  });

  it('queues a PENDING task for a registered skill with a valid payload, the same on every run', async () => {
    const runs = [];
    for (let run = 0; run < 2; run++) {
      const result = await runCli(['task', 'index the code in .', '--yes', '--json', '--home', home.home], {
        cwd: '/srv/project',
      });
      // On failure, show what the CLI said (the error is on stdout with --json).
      expect({ code: result.code, output: result.code === 0 ? '' : result.stdout }).toEqual({
        code: 0,
        output: '',
      });
      runs.push(result.json<{ id: number; skill: string; status: string }>());
    }
    const queue = createQueue({ file: home.db });
    const tasks = queue.list();
    queue.close();
    expect(tasks.map(({ status }) => status)).toEqual(['PENDING', 'PENDING']);
    const [first, second] = tasks;
    const skill = builtinSkills.find(({ name }) => name === first!.skill);
    expect(skill).toBeDefined();
    expect(() => parseSkillPayload(skill!, first!.payload)).not.toThrow();
    expect(runs.map(({ skill: name }) => name)).toEqual([first!.skill, first!.skill]);
    // Greedy decoding: both runs read the sentence the same way.
    expect({ skill: second!.skill, payload: second!.payload }).toEqual({
      skill: first!.skill,
      payload: first!.payload,
    });
  }, 300_000);
});
