import type { ModuleV1, ModuleViewCell, ModuleViewV1 } from './module-v1';

/** A `ModuleViewV1` after `normaliseModuleView`: a title always, and table cells a host can print as they are. */
export interface NormalisedModuleView extends ModuleViewV1 {
  /** The view's title (the module's label unless it gave one). */
  readonly title: string;
  /** The table, every row exactly as long as `columns`. */
  readonly table?: {
    readonly columns: readonly string[];
    readonly rows: readonly (readonly ModuleViewCell[])[];
  };
}

function cell(value: unknown): ModuleViewCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : String(value));

/**
 * Turns what a module's `render` returned into a `ModuleViewV1` a host can lay out without further checks:
 * a list of lines becomes `{ title: label, lines }`; the title defaults to the label; non-text lines are
 * turned into text, JSON cells into JSON text, missing cells into `null`, and rows padded or cut to the
 * column count.
 * Anything that is neither lines nor an object becomes one line saying the render output was invalid, so a
 * faulty module cannot break the host's layout.
 */
export function normaliseModuleView(
  module: Pick<ModuleV1, 'label' | 'name'>,
  output: unknown,
): NormalisedModuleView {
  if (Array.isArray(output)) return { title: module.label, lines: output.map(text) };
  if (output == null || typeof output !== 'object') {
    return { title: module.label, lines: [`(module "${module.name}" rendered nothing usable)`] };
  }
  const view = output as Record<string, unknown>;
  let table: NormalisedModuleView['table'];
  const rawTable = view.table as { columns?: unknown; rows?: unknown } | undefined;
  if (rawTable && Array.isArray(rawTable.columns)) {
    const columns = rawTable.columns.map(text);
    const rows = Array.isArray(rawTable.rows) ? rawTable.rows : [];
    table = {
      columns,
      rows: rows.map((row) => {
        const cells = Array.isArray(row) ? row : [row];
        return columns.map((_, index) => cell(cells[index]));
      }),
    };
  }
  return {
    title: typeof view.title === 'string' ? view.title : module.label,
    ...(Array.isArray(view.lines) ? { lines: view.lines.map(text) } : {}),
    ...(table ? { table } : {}),
    ...(typeof view.footer === 'string' ? { footer: view.footer } : {}),
  };
}
