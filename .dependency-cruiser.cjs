/** Layer rules from DESIGN.md: contract <- pure domain <- adapters <- app. Each rule says why. */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Cycles make layering meaningless and initialisation order fragile.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'The domain has no I/O: clocks, randomness and storage come in as arguments, so it is testable with plain values.',
      from: { path: '^src/(contract|analytics|detect|alerting|incidents|review|simulate)/' },
      to: {
        path: '^src/(ingest|store|pipeline|notify|server|shop|cli|app)/|^node:|^(fs|path|os|http|net|child_process)$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'contract-imports-no-project-module',
      severity: 'error',
      comment:
        'contract/ is the bottom of the graph: everyone imports it, it imports no other folder.',
      from: { path: '^src/contract/' },
      to: { path: '^src/(?!contract/)' },
    },
    {
      name: 'simulate-only-contract',
      severity: 'error',
      comment: 'Simulators produce telemetry from the contract alone, so they can run anywhere.',
      from: { path: '^src/simulate/' },
      to: { path: '^src/(?!simulate/|contract/)' },
    },
    {
      name: 'shop-only-contract',
      severity: 'error',
      comment:
        'The demo shop stands for services outside opsight: it sees the contract (and npm libraries), and talks to opsight over OTLP only.',
      from: { path: '^src/shop/' },
      to: { path: '^src/(?!shop/|contract/)' },
    },
    {
      name: 'only-app-starts-the-shop',
      severity: 'error',
      comment:
        'Only the composition root starts the demo shop; the server sees it as ChaosControl.',
      from: { path: '^src/(?!app/|shop/)' },
      to: { path: '^src/shop/' },
    },
    {
      name: 'only-app-composes',
      severity: 'error',
      comment: 'One composition root: only cli/ may import app/.',
      from: { path: '^src/(?!app/|cli/)' },
      to: { path: '^src/app/' },
    },
    {
      name: 'adapters-do-not-import-cli',
      severity: 'error',
      comment: 'cli/ is the outermost layer; nothing depends on it.',
      from: { path: '^src/(?!cli/)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-deep-imports',
      severity: 'error',
      comment: "A folder's index.ts is its public face; reach into another folder only through it.",
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/.+', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'web-sees-contract-types-only',
      severity: 'error',
      comment: 'The browser bundle may use contract types, never server code.',
      from: { path: '^web/' },
      to: { path: '^src/(?!contract/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js'],
    },
    exclude: { path: '\\.test\\.ts$|\\.contract\\.ts$' },
  },
};
