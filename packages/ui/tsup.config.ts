import { readFile } from 'node:fs/promises';
import { defineLibraryConfig } from '@biged/tsup-config';
import type { Options } from 'tsup';

const base = defineLibraryConfig(new URL('.', import.meta.url), { index: 'src/index.ts' }) as Options;

// Two builds (README, "Start-up"):
// - dist/index.js, the package entry: dependencies stay external, so `LauncherApp` shares the host's Ink and
//   React; its `startLauncher` imports `./start-launcher` at run time, which this build points at the
//   second build's file instead of bundling it.
// - dist/launcher/start-launcher.js: the launcher for `biged ui`, with Ink, React and every other
//   non-@biged dependency bundled into one file (one module to load instead of hundreds; react-devtools-core,
//   which Ink imports only with DEV=true, stays external), and `require` defined for the bundled CommonJS.
const library: Options = {
  ...base,
  clean: ['!launcher/**'],
  esbuildPlugins: [
    {
      name: 'biged-ui-launcher-bundle',
      setup(build) {
        build.onResolve({ filter: /^\.\/start-launcher$/ }, (args) =>
          args.kind === 'dynamic-import'
            ? { path: './launcher/start-launcher.js', external: true }
            : undefined,
        );
      },
    },
  ],
};

const launcher: Options = {
  ...base,
  entry: { 'start-launcher': 'src/start-launcher.tsx' },
  outDir: 'dist/launcher',
  dts: false,
  platform: 'node',
  noExternal: [/^(?!@biged\/)/],
  // React's and the reconciler's production builds only (their development builds, with the checks and
  // warnings for component authors, are twice the code to parse), minified: less to read at start.
  env: { NODE_ENV: 'production' },
  minify: true,
  esbuildOptions(options) {
    options.external = [...(options.external ?? []), 'react-devtools-core'];
  },
  esbuildPlugins: [
    {
      // yoga-layout's Emscripten loader reads its wasm, inlined as a base64 data: URL, through `fetch` when
      // `fetch` is a function, which on Node loads undici (~30 ms before the first frame) only to decode
      // the string it then falls back to decoding itself. Take the decode path directly. The build fails
      // if a yoga-layout update changes the loader, rather than quietly losing this.
      name: 'biged-yoga-without-fetch',
      setup(build) {
        build.onLoad(
          { filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ },
          async (args) => {
            const source = await readFile(args.path, 'utf8');
            const check = '"function"!=typeof fetch';
            if (!source.includes(check))
              throw new Error(`${args.path}: the wasm loader no longer checks fetch`);
            return { contents: source.replaceAll(check, 'true'), loader: 'js' };
          },
        );
      },
    },
  ],
  banner: {
    js: "import { createRequire as __bigedCreateRequire } from 'node:module'; const require = __bigedCreateRequire(import.meta.url);",
  },
};

export default [library, launcher];
