// The rule that stops circles (docs/architecture.md rule 16): no module imports, directly or
// through others, a module that imports it back. Type-only imports (`import type`) and dynamic
// imports (`await import(…)`) count: a type-only circle still ties two modules' meanings together,
// and a lazy one still means neither can be understood, tested or moved without the other.
// `npm run check:cycles` (part of `npm test`) runs it; tests/unit/import-cycles.test.ts proves
// it catches a new circle.

/** The folders the check reads (tests and scripts may import what they like). */
export const CHECKED_FOLDERS = ['src-main', 'src-common', 'src-server', 'src-preload', 'src-renderer'];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'This import closes a circle: one of these modules must stop importing the others (pass the dependency in, ' +
        'or move the shared type to the module both import). See docs/architecture.md rule 16.',
      from: {},
      // No exception: a circle anywhere in the checked folders fails the check.
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Keep `import type` edges: TypeScript would erase them before a plain JavaScript reading.
    tsPreCompilationDeps: true,
    // Read only the edges a rule looks at: the check stays a few seconds of CPU.
    skipAnalysisNotInRules: true,
  },
};
