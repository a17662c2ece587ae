/**
 * Package boundaries (docs/architecture.md). `pnpm check:deps` fails the build when:
 * - any import cycle exists, inside a package or across packages;
 * - a package reaches into another package's src/ instead of its `exports`;
 * - a package imports one it must not depend on (the allowed direction is below).
 */
const allowed = {
  core: [],
  queue: ['core'],
  'skill-sdk': ['core'],
  'module-sdk': ['core'],
  'module-hub': ['core', 'module-sdk'],
  'hw-monitor': ['core'],
  'local-model': ['core'],
  'model-providers': ['core'],
  skills: ['core', 'skill-sdk'],
  fleet: ['core', 'queue', 'skill-sdk', 'skills', 'hw-monitor', 'local-model', 'model-providers'],
  dashboard: ['core', 'queue', 'hw-monitor'],
  ui: ['core', 'queue', 'module-sdk', 'module-hub'],
  cli: [
    'core',
    'queue',
    'skill-sdk',
    'skills',
    'fleet',
    'hw-monitor',
    'dashboard',
    'module-sdk',
    'module-hub',
    'ui',
    'local-model',
    'model-providers',
  ],
};
const packages = Object.keys(allowed);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make packages impossible to reason about and to publish independently.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-deep-import',
      severity: 'error',
      comment: 'Import a sibling through its package name and `exports`, never through its src/ or dist/.',
      from: { path: '^packages/([^/]+)/' },
      to: { path: '^packages/([^/]+)/', pathNot: '^packages/$1/' },
    },
    {
      name: 'no-import-from-cli',
      severity: 'error',
      from: { pathNot: '^packages/cli/' },
      to: { path: '^(packages/cli/|node_modules/@biged/cli/)' },
    },
    ...packages.map((name) => ({
      name: `direction-${name}`,
      severity: 'error',
      comment: `${name} may depend only on: ${allowed[name].join(', ') || 'no other @biged package'}`,
      from: { path: `^packages/${name}/` },
      to: {
        path: '@biged/([^/]+)',
        pathNot: [`@biged/(${[name, ...allowed[name], 'tsconfig'].join('|')})(/|$)`],
      },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|drizzle)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
    },
  },
};
