import type { Options } from 'tsup';

/**
 * The tsup build every @biged package uses. `packageDirectoryUrl` is the package's folder as a URL
 * (`new URL('.', import.meta.url)`); `entry` maps output names to source files, one per `exports` subpath.
 */
export declare function defineLibraryConfig(packageDirectoryUrl: URL, entry: Record<string, string>): Options;
