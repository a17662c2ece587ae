export type { WordStatsResult } from './word-stats';
export { WORD_STATS_MAX_CHARS, wordStats } from './word-stats';
