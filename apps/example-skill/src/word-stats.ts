import path from 'node:path';
import { defineSkill, z } from '@biged/skill-sdk';

/** Longest text `word_stats` takes: 1 MiB. */
export const WORD_STATS_MAX_CHARS = 1024 * 1024;

/** What `word_stats` returns. */
export interface WordStatsResult {
  /** Words (runs of letters, digits, `'` and `-`). */
  words: number;
  /** Lines. */
  lines: number;
  /** Characters. */
  characters: number;
  /** The most frequent words, lower case, most frequent first (ties alphabetical). */
  top: Array<{ word: string; count: number }>;
  /** The JSON record written: `<home>/knowledge/word_stats/task_<id>.json`. */
  file: string;
}

/**
 * `word_stats`: counts the words, lines and characters of a text and its most frequent words, and writes
 * the figures to `knowledge/word_stats/task_<id>.json` through the skill's guarded `ctx.fs`. An example of
 * a third-party skill: it imports nothing but `@biged/skill-sdk`'s public entry.
 */
export const wordStats = defineSkill({
  name: 'word_stats',
  description:
    'Counts the words, lines and characters of a text (payload text) and lists its most frequent words; writes knowledge/word_stats/task_<id>.json.',
  payload: z.strictObject({
    /** The text, 1 character to 1 MiB. */
    text: z.string().min(1).max(WORD_STATS_MAX_CHARS),
    /** How many frequent words to list, 1..100. Default 5. */
    top: z.number().int().min(1).max(100).default(5),
  }),
  roles: ['archivist'],
  async run({ text, top }, ctx): Promise<WordStatsResult> {
    const words = text.toLowerCase().match(/[\p{L}\p{N}'-]+/gu) ?? [];
    const counts = new Map<string, number>();
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    const ranked = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, top)
      .map(([word, count]) => ({ word, count }));
    const figures = {
      words: words.length,
      lines: text.split(/\r?\n/).length,
      characters: text.length,
      top: ranked,
    };
    const file = path.join(ctx.paths.knowledge, 'word_stats', `task_${ctx.task.id}.json`);
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, `${JSON.stringify({ ...figures, agent: ctx.task.agent }, null, 2)}\n`);
    ctx.log.info('word_stats: figures written', { file, words: figures.words });
    return { ...figures, file };
  },
});
