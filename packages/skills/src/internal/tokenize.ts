// biome-ignore format: a compact word list
const STOP_WORDS = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'for', 'from', 'how', 'in', 'is', 'it', 'of', 'on',
  'or', 'that', 'the', 'this', 'to', 'was', 'what', 'when', 'where', 'which', 'with',
]);

/**
 * Splits text into lower-case search terms: runs of letters and digits, with identifiers split at
 * `_`, `-` and camelCase humps (`createSkillFs` -> `create`, `skill`, `fs`), so code and prose match
 * the same query. One-letter terms and common English stop words are dropped.
 */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const word of text.match(/[\p{L}\p{N}]+/gu) ?? []) {
    const parts = word
      .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
      .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
      .split(' ');
    for (const part of parts) {
      const term = part.toLowerCase();
      if (term.length > 1 && !STOP_WORDS.has(term)) terms.push(term);
    }
  }
  return terms;
}
