/**
 * Line-aware chunking for `rag_ingest`. Prose (text, markdown) is packed line by line, with the last lines
 * of a chunk repeated at the start of the next (`overlap`); code is packed in blank-line separated blocks,
 * so a function or paragraph of code stays whole when it fits. Chunks never exceed `chunkSize` characters:
 * a block that is too long is split into lines, and a line that is too long into pieces.
 */

/** One chunk of a document, with the 1-based lines it covers (inclusive). */
export interface RagTextChunk {
  /** First line, 1-based. */
  startLine: number;
  /** Last line, 1-based, inclusive. */
  endLine: number;
  /** The chunk's text (lines joined with `\n`; code blocks with a blank line between them). */
  text: string;
}

/** How a document is cut: `prose` line by line, `code` by blank-line blocks. */
export type RagChunkKind = 'prose' | 'code';

/** Options for `chunkDocument`. */
export interface ChunkDocumentOptions {
  /** The document. */
  text: string;
  /** `prose` (line by line) or `code` (blank-line blocks). */
  kind: RagChunkKind;
  /** Longest chunk, in characters (at least 1). */
  chunkSize: number;
  /** Characters of trailing lines repeated at the start of the next chunk (0 for none; below `chunkSize`). */
  overlap: number;
}

interface Unit {
  start: number;
  end: number;
  text: string;
  /** What goes before this unit when it is not the first of its chunk. */
  gap: string;
}

const HEADING = /^#{1,6}\s/;

const isBlank = (unit: Unit) => unit.text.trim() === '';

/** Splits a unit longer than `size` into its lines, and a line longer than `size` into pieces. */
function splitUnit(unit: Unit, lines: readonly string[], size: number): Unit[] {
  if (unit.text.length <= size) return [unit];
  const pieces: Unit[] = [];
  for (let line = unit.start; line <= unit.end; line++) {
    const text = lines[line - 1] ?? '';
    const gap = line === unit.start ? unit.gap : '\n';
    if (text.length <= size) {
      pieces.push({ start: line, end: line, text, gap });
      continue;
    }
    for (let offset = 0; offset < text.length; offset += size) {
      // Pieces of one line follow each other with nothing between them: joined, they are the line.
      pieces.push({
        start: line,
        end: line,
        text: text.slice(offset, offset + size),
        gap: offset === 0 ? gap : '',
      });
    }
  }
  return pieces;
}

function unitsOf(lines: readonly string[], kind: RagChunkKind): Unit[] {
  if (kind === 'prose')
    return lines.map((text, index) => ({ start: index + 1, end: index + 1, text, gap: '\n' }));
  const blocks: Unit[] = [];
  let current: { start: number; end: number } | undefined;
  const close = () => {
    if (!current) return;
    blocks.push({ ...current, text: lines.slice(current.start - 1, current.end).join('\n'), gap: '\n\n' });
    current = undefined;
  };
  lines.forEach((text, index) => {
    if (text.trim() === '') close();
    else if (current) current.end = index + 1;
    else current = { start: index + 1, end: index + 1 };
  });
  close();
  return blocks;
}

const lengthOf = (units: readonly Unit[]) =>
  units.reduce((total, unit, index) => total + unit.text.length + (index === 0 ? 0 : unit.gap.length), 0);

function render(units: readonly Unit[]): RagTextChunk | undefined {
  let first = 0;
  let last = units.length - 1;
  while (first <= last && isBlank(units[first] as Unit)) first++;
  while (last >= first && isBlank(units[last] as Unit)) last--;
  if (first > last) return undefined;
  const kept = units.slice(first, last + 1);
  const text = kept.map((unit, index) => (index === 0 ? unit.text : unit.gap + unit.text)).join('');
  return { startLine: (kept[0] as Unit).start, endLine: (kept[kept.length - 1] as Unit).end, text };
}

/**
 * Cuts a document into chunks of at most `chunkSize` characters along line (prose) or block (code)
 * boundaries. Blank-only chunks are dropped; chunk texts start and end with a non-blank line.
 */
export function chunkDocument({ text, kind, chunkSize, overlap }: ChunkDocumentOptions): RagTextChunk[] {
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= chunkSize) {
    throw new RangeError(`overlap must be an integer in [0, chunkSize), got ${overlap}`);
  }
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const units = unitsOf(lines, kind).flatMap((unit) => splitUnit(unit, lines, chunkSize));

  const chunks: RagTextChunk[] = [];
  let current: Unit[] = [];
  // Length of `current` as rendered, kept as units come and go (recounting would be quadratic).
  let size = 0;
  // True once a unit arrived since the last chunk was emitted (an overlap tail alone adds nothing).
  let fresh = false;
  const push = (unit: Unit) => {
    size += current.length === 0 ? unit.text.length : unit.gap.length + unit.text.length;
    current.push(unit);
  };
  const shift = () => {
    current.shift();
    size = lengthOf(current);
  };
  const emit = () => {
    const chunk = render(current);
    if (chunk) chunks.push(chunk);
    // Overlap: carry the trailing units that fit in `overlap` characters, but never the whole chunk (the
    // next chunk must move forward) and never a blank-only tail.
    const tail: Unit[] = [];
    let tailSize = 0;
    for (let index = current.length - 1; index > 0 && overlap > 0; index--) {
      const unit = current[index] as Unit;
      // Prepending: the unit becomes the first (no gap before it) and the old first one gains its gap.
      const grown =
        tail.length === 0 ? unit.text.length : unit.text.length + (tail[0] as Unit).gap.length + tailSize;
      if (grown > overlap) break;
      tail.unshift(unit);
      tailSize = grown;
    }
    current = tail.every(isBlank) ? [] : tail;
    size = lengthOf(current);
    fresh = false;
  };

  for (const unit of units) {
    const grown = current.length === 0 ? unit.text.length : size + unit.gap.length + unit.text.length;
    const startsSection = kind === 'prose' && HEADING.test(unit.text) && size >= chunkSize / 2;
    if (current.length > 0 && (startsSection || grown > chunkSize)) {
      if (fresh) emit();
      // A heading starts its section afresh, without the previous section's tail.
      if (startsSection) current = [];
      size = lengthOf(current);
      while (current.length > 0 && size + unit.gap.length + unit.text.length > chunkSize) shift();
    }
    push(unit);
    fresh = true;
  }
  if (fresh) {
    const chunk = render(current);
    if (chunk) chunks.push(chunk);
  }
  return chunks;
}
