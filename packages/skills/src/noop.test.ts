import { runSkill } from '@biged/skill-sdk';
import { describe, expect, it } from 'vitest';
import { builtinSkills } from './index';
import { noop } from './noop';

describe('noop', () => {
  it('echoes its payload', async () => {
    expect((await runSkill(noop, { echo: { n: [1, 2] } })).result).toEqual({ ok: true, echo: { n: [1, 2] } });
    expect((await runSkill(noop, {})).result).toEqual({ ok: true, echo: undefined });
  });
});

describe('builtinSkills', () => {
  it('lists every built-in skill once, as v1 skills', () => {
    expect(builtinSkills.map((skill) => skill.name)).toEqual([
      'arxiv_fetch',
      'code_discuss',
      'code_index',
      'code_quality',
      'code_review',
      'flashcards',
      'fma_review',
      'knowledge_search',
      'lead_research',
      'memory_optimizer',
      'noop',
      'pen_test',
      'planner',
      'rag_ingest',
      'rag_query',
      'research_loop',
      'security_audit',
      'security_review',
      'skill_draft',
      'summarize',
      'synthesize',
      'web_search',
    ]);
    expect(builtinSkills.every((skill) => skill.specificationVersion === 'v1')).toBe(true);
    // The router decides which provider may run offline; only the research skills that fetch from the web
    // themselves need the internet (and are refused in offline and air-gap modes).
    expect(builtinSkills.filter((skill) => skill.requiresNetwork).map((skill) => skill.name)).toEqual([
      'arxiv_fetch',
      'lead_research',
      'web_search',
    ]);
  });
});
