import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { GgmlType, GgufFileType, readGgufFileInfo } from 'node-llama-cpp';

/** Ollama's `details` block for a model. */
export interface ModelDetails {
  parent_model: string;
  format: 'gguf';
  family: string;
  families: string[];
  parameter_size: string;
  quantization_level: string;
}

/** One GGUF file of the models folder, as `/api/tags` lists it. */
export interface ModelFile {
  /** `<basename>:latest`, or the basename when it already carries a `:tag`. */
  name: string;
  /** The absolute path of the GGUF file. */
  file: string;
  size: number;
  modifiedAt: Date;
  /**
   * A stable id for this file version: sha256 of name, size and mtime. It is not the content hash Ollama
   * reports (hashing a multi-GB file on every listing would be too slow).
   */
  digest: string;
}

/** The `:latest` name Ollama gives an untagged model. */
export function canonicalModelName(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

/** Lists the `*.gguf` files directly inside `modelsDir`, sorted by name. A missing folder lists nothing. */
export async function listModelFiles(modelsDir: string): Promise<ModelFile[]> {
  let entries: string[];
  try {
    entries = await readdir(modelsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: ModelFile[] = [];
  for (const entry of entries.sort()) {
    if (!entry.endsWith('.gguf')) continue;
    const file = path.join(path.resolve(modelsDir), entry);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) continue;
    const name = canonicalModelName(entry.slice(0, -'.gguf'.length));
    files.push({
      name,
      file,
      size: info.size,
      modifiedAt: info.mtime,
      digest: createHash('sha256').update(`${name}\0${info.size}\0${info.mtimeMs}`).digest('hex'),
    });
  }
  return files;
}

const detailsCache = new Map<string, ModelDetails>();

/** Reads family, parameter count and quantisation from the GGUF header (cached per file version). */
export async function readModelDetails(model: Pick<ModelFile, 'file' | 'digest'>): Promise<ModelDetails> {
  const cached = detailsCache.get(model.digest);
  if (cached) return cached;
  let details: ModelDetails;
  try {
    const info = await readGgufFileInfo(model.file, { readTensorInfo: true, logWarnings: false });
    const family = String(info.metadata.general?.architecture ?? 'unknown');
    const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
    const parameters = tensors.reduce(
      (sum, tensor) => sum + tensor.dimensions.reduce<number>((product, dim) => product * Number(dim), 1),
      0,
    );
    details = {
      parent_model: '',
      format: 'gguf',
      family,
      families: [family],
      parameter_size: formatParameterCount(parameters),
      quantization_level: quantizationOf(info.metadata.general?.file_type, tensors),
    };
  } catch {
    // A truncated or foreign file still lists; loading it reports the real error.
    details = {
      parent_model: '',
      format: 'gguf',
      family: 'unknown',
      families: ['unknown'],
      parameter_size: 'unknown',
      quantization_level: 'unknown',
    };
  }
  detailsCache.set(model.digest, details);
  return details;
}

/** `936576` -> `"936.58K"`, `494032768` -> `"494.03M"`, like Ollama's parameter_size. */
export function formatParameterCount(count: number): string {
  for (const [unit, size] of [
    ['T', 1e12],
    ['B', 1e9],
    ['M', 1e6],
    ['K', 1e3],
  ] as const) {
    if (count >= size) return `${Number((count / size).toFixed(2))}${unit}`;
  }
  return String(count);
}

function quantizationOf(
  fileType: GgufFileType | undefined,
  tensors: ReadonlyArray<{ ggmlType: GgmlType }>,
): string {
  if (fileType !== undefined && GgufFileType[fileType]) {
    return GgufFileType[fileType].replace(/^(MOSTLY|ALL)_/, '');
  }
  // No general.file_type (as in the generated test model): name the most common tensor type.
  const counts = new Map<GgmlType, number>();
  for (const { ggmlType } of tensors) counts.set(ggmlType, (counts.get(ggmlType) ?? 0) + 1);
  const [mostCommon] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [];
  return mostCommon === undefined ? 'unknown' : (GgmlType[mostCommon] ?? 'unknown');
}
