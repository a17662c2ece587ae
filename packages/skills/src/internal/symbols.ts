/**
 * Line-based symbol extraction for `code_index`. Deliberately light: a few careful regexes per language
 * family, each anchored at the start of a line, so we find declarations (not calls) without a parser.
 * Misses are fine (multi-line signatures, macros); false positives should be rare.
 */

/** One declaration found in a file. */
export interface CodeSymbol {
  /** Identifier as written (`Type::method` style names are kept as found). */
  name: string;
  /** `function`, `method`, `class`, `interface`, `type`, `enum`, `const`, `struct`, `trait`, `impl`, `module`, `heading`. */
  kind: string;
  /** 1-based line number. */
  line: number;
}

interface Rule {
  pattern: RegExp;
  /** A fixed kind, or a function of the match. */
  kind: string | ((match: RegExpExecArray) => string);
  /** Capture group holding the name, or a function building it. Default group 1. */
  name?: number | ((match: RegExpExecArray) => string | undefined);
}

const ID = '[A-Za-z_$][\\w$]*';

const TYPESCRIPT: Rule[] = [
  {
    pattern: new RegExp(
      `^\\s*(?:export\\s+)?(?:default\\s+)?(?:declare\\s+)?(?:async\\s+)?function\\s*\\*?\\s*(${ID})`,
    ),
    kind: 'function',
  },
  {
    pattern: new RegExp(
      `^\\s*(?:export\\s+)?(?:default\\s+)?(?:declare\\s+)?(?:abstract\\s+)?class\\s+(${ID})`,
    ),
    kind: 'class',
  },
  { pattern: new RegExp(`^\\s*(?:export\\s+)?(?:declare\\s+)?interface\\s+(${ID})`), kind: 'interface' },
  {
    pattern: new RegExp(`^\\s*(?:export\\s+)?(?:declare\\s+)?type\\s+(${ID})\\s*(?:<.*>)?\\s*=`),
    kind: 'type',
  },
  { pattern: new RegExp(`^\\s*(?:export\\s+)?(?:declare\\s+)?(?:const\\s+)?enum\\s+(${ID})`), kind: 'enum' },
  // Top-level `const name = (...) =>`, `= async x =>`, `= function`, or a parameter list that continues
  // on the next line.
  {
    pattern: new RegExp(
      `^(?:export\\s+)?(?:const|let|var)\\s+(${ID})\\s*(?::[^=]+)?=\\s*(?:async\\s+)?(?:function\\b|${ID}\\s*=>|\\([^)]*\\)\\s*(?::[^=]*)?=>|\\([^)]*$|<[^>]*>\\s*\\()`,
    ),
    kind: 'function',
  },
  // Other exported top-level values.
  { pattern: new RegExp(`^export\\s+(?:const|let|var)\\s+(${ID})`), kind: 'const' },
];

const PYTHON: Rule[] = [
  {
    pattern: /^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)/,
    kind: (match) => (match[1] ? 'method' : 'function'),
    name: 2,
  },
  { pattern: /^\s*class\s+([A-Za-z_]\w*)/, kind: 'class' },
];

const GO: Rule[] = [
  {
    pattern: /^func\s+(\([^)]*\)\s*)?([A-Za-z_]\w*)/,
    kind: (match) => (match[1] ? 'method' : 'function'),
    name: 2,
  },
  {
    pattern: /^type\s+([A-Za-z_]\w*)\s+(?:\[[^\]]*\]\s*)?(struct|interface)\b/,
    kind: (match) => match[2]!,
  },
  { pattern: /^type\s+([A-Za-z_]\w*)\s+(?!struct\b|interface\b)\S/, kind: 'type' },
];

const RUST_VISIBILITY = '(?:pub(?:\\([^)]*\\))?\\s+)?';
const RUST: Rule[] = [
  {
    pattern: new RegExp(
      `^\\s*${RUST_VISIBILITY}(?:default\\s+)?(?:const\\s+)?(?:async\\s+)?(?:unsafe\\s+)?(?:extern\\s+"[^"]*"\\s+)?fn\\s+([A-Za-z_]\\w*)`,
    ),
    kind: 'function',
  },
  {
    pattern: new RegExp(
      `^\\s*${RUST_VISIBILITY}(?:unsafe\\s+)?(struct|enum|trait|union|type|mod)\\s+([A-Za-z_]\\w*)`,
    ),
    kind: (match) => (match[1] === 'mod' ? 'module' : match[1]!),
    name: 2,
  },
  {
    pattern: /^\s*(?:unsafe\s+)?impl(?:<[^>]*>)?\s+(?:([\w:]+(?:<[^>]*>)?)\s+for\s+)?([\w:]+)/,
    kind: 'impl',
    name: (match) => (match[1] ? `${match[1]} for ${match[2]}` : match[2]),
  },
];

const JAVA_MODIFIERS =
  '(?:(?:public|private|protected|internal|static|final|abstract|sealed|partial|data|open|override|virtual|async|synchronized|native|readonly|unsafe|extern|new)\\s+)';
const JAVA_LIKE: Rule[] = [
  {
    pattern: new RegExp(
      `^\\s*${JAVA_MODIFIERS}*(class|interface|enum|record|struct|object)\\s+([A-Za-z_]\\w*)`,
    ),
    kind: (match) =>
      match[1] === 'struct' || match[1] === 'enum' || match[1] === 'interface' ? match[1] : 'class',
    name: 2,
  },
  // Methods: at least one modifier, a return type, a name and an opening parenthesis.
  {
    pattern: new RegExp(
      `^\\s+${JAVA_MODIFIERS}+(?:<[^>]+>\\s+)?[\\w<>\\[\\],.?]+(?:\\s*<[^>]*>)?\\s+([A-Za-z_]\\w*)\\s*\\(`,
    ),
    kind: 'method',
  },
  // Kotlin functions.
  { pattern: /^\s*(?:\w+\s+)*fun\s+(?:<[^>]*>\s*)?(?:[\w.]+\.)?([A-Za-z_]\w*)\s*\(/, kind: 'function' },
];

const C_KEYWORDS = new Set([
  'if',
  'for',
  'while',
  'switch',
  'return',
  'else',
  'do',
  'sizeof',
  'case',
  'goto',
]);
const C_LIKE: Rule[] = [
  {
    pattern: /^(?:typedef\s+)?(struct|union|enum|class)\s+([A-Za-z_]\w*)\s*(?:[:{]|$)/,
    kind: (match) => (match[1] === 'union' ? 'struct' : match[1]!),
    name: 2,
  },
  // A definition at column 0: a return type, a name, a parameter list, then `{` or the end of the line
  // (K&R / Allman brace on the next line). Prototypes end in `;` and do not match.
  {
    pattern:
      /^(?!\s)(?:[\w:*&<>,]+\s+)+[*&]*\s*([A-Za-z_~][\w:~]*)\s*\([^;]*\)\s*(?:const\s*)?(?:noexcept\s*)?\{?\s*$/,
    kind: 'function',
  },
];

const SHELL: Rule[] = [
  { pattern: /^\s*function\s+([A-Za-z_][\w-]*)/, kind: 'function' },
  { pattern: /^\s*([A-Za-z_][\w-]*)\s*\(\)\s*\{?/, kind: 'function' },
];

const RUBY: Rule[] = [
  { pattern: /^\s*def\s+(?:self\.)?([A-Za-z_]\w*[?!=]?)/, kind: 'method' },
  {
    pattern: /^\s*(class|module)\s+([A-Z][\w:]*)/,
    kind: (match) => (match[1] === 'module' ? 'module' : 'class'),
    name: 2,
  },
];

const PHP: Rule[] = [
  {
    pattern: /^\s*(?:(?:public|private|protected|static|final|abstract)\s+)*function\s+&?([A-Za-z_]\w*)/,
    kind: 'function',
  },
  {
    pattern: /^\s*(?:(?:final|abstract)\s+)*(class|interface|trait|enum)\s+([A-Za-z_]\w*)/,
    kind: (match) => match[1]!,
    name: 2,
  },
];

const RULES: Record<string, Rule[]> = {
  typescript: TYPESCRIPT,
  javascript: TYPESCRIPT,
  python: PYTHON,
  go: GO,
  rust: RUST,
  java: JAVA_LIKE,
  kotlin: JAVA_LIKE,
  csharp: JAVA_LIKE,
  c: C_LIKE,
  cpp: C_LIKE,
  shell: SHELL,
  ruby: RUBY,
  php: PHP,
};

/** Markdown headings outside code fences. */
function markdownHeadings(lines: readonly string[]): CodeSymbol[] {
  const symbols: CodeSymbol[] = [];
  let fenced = false;
  lines.forEach((text, index) => {
    if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
    if (fenced) return;
    const match = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(text);
    if (match) symbols.push({ name: match[1]!, kind: 'heading', line: index + 1 });
  });
  return symbols;
}

/** The symbols declared in a file's lines; `[]` for languages without rules (json, yaml, ...). */
export function extractSymbols(language: string, lines: readonly string[]): CodeSymbol[] {
  if (language === 'markdown') return markdownHeadings(lines);
  const rules = RULES[language];
  if (!rules) return [];
  const symbols: CodeSymbol[] = [];
  lines.forEach((text, index) => {
    // Long lines are minified or generated code: not worth scanning (and keep the regexes cheap).
    if (text.length > 1000) return;
    for (const rule of rules) {
      const match = rule.pattern.exec(text);
      if (!match) continue;
      const name = (typeof rule.name === 'function' ? rule.name(match) : match[rule.name ?? 1])?.trim();
      if (!name || C_KEYWORDS.has(name)) continue;
      const kind = typeof rule.kind === 'string' ? rule.kind : rule.kind(match);
      symbols.push({ name, kind, line: index + 1 });
      break;
    }
  });
  return symbols;
}
