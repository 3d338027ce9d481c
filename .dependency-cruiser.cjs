// Import-cycle rule (`npm run lint`). dependency-cruiser rather than eslint's import-x/no-cycle
// because no-cycle skips type-only imports, and both cycles the code had were type-only at
// one end (market/arbitrage.ts <-> svi-fit.ts over SviQuote; margin/margin-model.ts <->
// what-if.ts over MarginModel/WhatIfResult). Here type-only imports count
// (tsPreCompilationDeps). No allow-list. test/lint/cycles.test.ts checks that the rule fires.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included (see docs/architecture.md).',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)node_modules/' },
  },
};
