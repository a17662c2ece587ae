/**
 * Language detection by file name and extension, for `code_index`. Names are spelled out
 * (`typescript`, `python`) and are the keys of the `languages` counts the skill returns.
 */

const BY_EXTENSION: Record<string, string> = {
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  py: 'python',
  pyi: 'python',
  rs: 'rust',
  go: 'go',
  java: 'java',
  kt: 'kotlin',
  kts: 'kotlin',
  cs: 'csharp',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  cxx: 'cpp',
  hh: 'cpp',
  hpp: 'cpp',
  hxx: 'cpp',
  rb: 'ruby',
  php: 'php',
  swift: 'swift',
  scala: 'scala',
  lua: 'lua',
  sh: 'shell',
  bash: 'shell',
  zsh: 'shell',
  ps1: 'powershell',
  sql: 'sql',
  md: 'markdown',
  mdx: 'markdown',
  rst: 'restructuredtext',
  txt: 'text',
  json: 'json',
  jsonl: 'json',
  toml: 'toml',
  yaml: 'yaml',
  yml: 'yaml',
  xml: 'xml',
  html: 'html',
  htm: 'html',
  css: 'css',
  scss: 'css',
  vue: 'vue',
  svelte: 'svelte',
  ini: 'ini',
  cfg: 'ini',
  proto: 'protobuf',
  graphql: 'graphql',
  tf: 'terraform',
};

const BY_NAME: Record<string, string> = {
  Dockerfile: 'dockerfile',
  Makefile: 'makefile',
  makefile: 'makefile',
  GNUmakefile: 'makefile',
  CMakeLists: 'cmake',
  Gemfile: 'ruby',
  Rakefile: 'ruby',
};

/**
 * Extensions of files that are binary by nature; `code_index` skips them without reading them.
 * Anything else is read and skipped when it holds a NUL byte.
 */
// biome-ignore format: a compact table reads better than one extension per line
export const BINARY_EXTENSIONS: ReadonlySet<string> = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'webp', 'tiff', 'psd', 'pdf', 'zip', 'gz', 'tgz', 'bz2', 'xz',
  '7z', 'rar', 'tar', 'jar', 'war', 'class', 'exe', 'dll', 'so', 'dylib', 'a', 'o', 'obj', 'lib', 'bin',
  'wasm', 'pyc', 'pyo', 'woff', 'woff2', 'ttf', 'otf', 'eot', 'mp3', 'mp4', 'wav', 'ogg', 'flac', 'mov',
  'avi', 'mkv', 'webm', 'db', 'sqlite', 'sqlite3', 'gguf', 'safetensors', 'pt', 'onnx', 'npy', 'npz',
  'pkl', 'parquet', 'node',
]);

/** The extension of `name`, lower case, without the dot (`''` for none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** The language of a file, from its extension or well-known name; `text` when unknown. */
export function languageOf(name: string): string {
  const byName = BY_NAME[name] ?? BY_NAME[name.replace(/\.txt$/, '')];
  if (byName) return byName;
  if (name.startsWith('Dockerfile')) return 'dockerfile';
  return BY_EXTENSION[extensionOf(name)] ?? 'text';
}
