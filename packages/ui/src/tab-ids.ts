// In a file of its own (no Ink) so the package entry can export it without loading Ink.

/** The built-in tabs, in order (number keys 1-6). */
export const BUILT_IN_TABS = ['fleet', 'tasks', 'comm', 'usage', 'thermal', 'modules'] as const;
