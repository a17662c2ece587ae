// `biged ui` without the CLI, for first-frame.mjs: what the `ui` command does once it has parsed its
// arguments (load and validate fleet.toml with @biged/core/config, import @biged/ui, startLauncher), so
// the benchmark can tell the launcher's own share of the first frame from the CLI's.
// Usage: node first-frame-direct.mjs <fleet home>
import path from 'node:path';
import { loadConfig } from '@biged/core/config';
import { startLauncher } from '../dist/index.js';

const home = process.argv[2];
const { config } = loadConfig({ file: path.join(home, 'fleet.toml') });
await startLauncher({ home, config }).waitUntilExit();
