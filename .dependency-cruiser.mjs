// The rule that stops circles (docs/architecture.md rule 16): no module imports, directly or
// through others, a module that imports it back. Type-only imports (`import type`) and dynamic
// imports (`await import(…)`) count: a type-only circle still ties two modules' meanings together,
// and a lazy one still means neither can be understood, tested or moved without the other.
// `npm run check:cycles` (part of `npm test`) runs it; tests/unit/import-cycles.test.ts proves
// it catches a new circle.

/**
 * TEMPORARY, named exception: the one circle the core still has. `companion.ts` builds the agent
 * backend, daemon, server and MCP server, and `mcp/tools.ts` and `agent/agent-api.ts` import its
 * `Companion` type back. Issue 19's second phase builds those outside the facade and deletes this
 * list. A circle through any file not listed here is an error; the unit test fails when this list
 * names a file that is no longer in the circle, so the exception cannot outlive the circle.
 */
export const TEMPORARY_CORE_CYCLE = [
  'src-main/core/companion.ts',
  'src-main/core/agent/agent-api.ts',
  'src-main/core/agent/agent-backend.ts',
  'src-main/core/agent/agent-daemon.ts',
  'src-main/core/agent/agent-server.ts',
  'src-main/core/mcp/mcp-server.ts',
  'src-main/core/mcp/tools.ts',
];

/** The folders the check reads (tests and scripts may import what they like). */
export const CHECKED_FOLDERS = ['src-main', 'src-common', 'src-server', 'src-preload', 'src-renderer'];

const exactly = (files) => `^(${files.map((f) => f.replaceAll('.', '\\.')).join('|')})$`;

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
      // A circle is allowed only when every module in it is one of the named exception's.
      to: { circular: true, via: { pathNot: exactly(TEMPORARY_CORE_CYCLE) } },
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
