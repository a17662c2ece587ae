import { defineLibraryConfig } from '@biged/tsup-config';
import type { Options } from 'tsup';

const base = defineLibraryConfig(new URL('.', import.meta.url), {
  index: 'src/index.ts',
  main: 'src/main.ts',
}) as Options;

// Three parts (README, "Start-up"):
// - dist/index.js and dist/main.js: the library and the program, ES modules, dependencies external; main.js
//   imports only the command being run.
// - dist/bin.cjs, the `biged` executable: CommonJS, so that a bundled command is required without Node's ES
//   module loader; everything else goes to `import('./main.js')`.
// - dist/fast/<command>.cjs: one start-up bundle per command in src/command-name.ts's BUNDLED_COMMANDS,
//   holding the command, the program shell, commander and the @biged modules it imports statically.
const library: Options = { ...base, clean: ['!*.cjs', '!*.cjs.map', '!fast/**', '!metafile-cjs.json'] };

/** Where a built @biged package file sits: `packages/<name>/dist/...` here, `node_modules/@biged/<name>/dist/...` when installed. */
const BIGED_DIST = /[\\/](packages|node_modules[\\/]@biged)[\\/][^\\/]+[\\/]dist[\\/]/;

const executables: Options = {
  ...base,
  entry: { bin: 'src/bin.ts', 'fast/status': 'src/fast/status.ts' },
  format: ['cjs'],
  outExtension: () => ({ js: '.cjs' }),
  dts: false,
  clean: false,
  // dist/metafile-cjs.json: what each bundle holds (status-lazy-imports.test.ts checks it; not published).
  metafile: true,
  splitting: false,
  platform: 'node',
  // Keep `node:` specifiers as written (tsup strips them by default, before the plugin below could see them).
  removeNodeProtocol: false,
  // The @biged packages and commander are bundled; every other dependency (better-sqlite3) is required from
  // node_modules as usual.
  noExternal: [/^@biged\//, 'commander'],
  // `import.meta.url` has no CommonJS equivalent; the bundled modules that read it get the bundle's own URL.
  define: { ...base.define, 'import.meta.url': '__bigedModuleUrl' },
  banner: { js: "const __bigedModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  esbuildPlugins: [
    {
      name: 'biged-startup-bundle',
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind !== 'dynamic-import') return undefined;
          // The program (bin.ts) and the packages a command imports lazily (`import('@biged/queue')`) are
          // loaded from their installed files when that path runs, not copied into the bundle.
          if (!args.path.startsWith('.') || args.path === './main.js')
            return { path: args.path, external: true };
          // A lazy import between chunks of a built @biged package cannot be followed from here (chunk names
          // change with every build of that package): such a path must go through a package entry instead
          // (the CLI does, see loadFleetConfigCached). Reaching one anyway is a clear error, not a wrong file.
          if (BIGED_DIST.test(args.importer)) return { path: args.path, namespace: 'biged-not-bundled' };
          return undefined;
        });
        // commander requires node:child_process at load for executable subcommands, which biged has none
        // of; loading it (and net, streams) costs more than the rest of `biged status`'s modules together.
        // Its copy in the bundle gets the module on first use instead.
        build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
          /[\\/]commander[\\/]/.test(args.importer)
            ? { path: 'child_process', namespace: 'biged-lazy-builtin' }
            : undefined,
        );
        build.onLoad({ filter: /.*/, namespace: 'biged-lazy-builtin' }, (args) => ({
          contents: `let loaded; module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require('node:${args.path}'))[key] });`,
          loader: 'js',
        }));
        build.onLoad({ filter: /.*/, namespace: 'biged-not-bundled' }, (args) => ({
          contents: `throw new Error(${JSON.stringify(`biged: ${args.path} is not part of this start-up bundle; import it through its package entry`)});`,
          loader: 'js',
        }));
      },
    },
  ],
};

export default [library, executables];
