// Boundaries are enforced here, not remembered (docs/architecture.md rule 1):
// - `electron` only in src-main/electron/ and src-main/main.ts (and the preload),
// - `keytar` only in its adapter (and the test harness that inspects the real keychain),
// - the core imports neither, nor anything from the shell, the CLI, the adapters or the preload,
// - the renderer imports no `node:*` module and nothing from main.
import tseslint from 'typescript-eslint';

const electronBan = { name: 'electron', message: 'Only src-main/electron/ and src-main/main.ts may import electron.' };
const keytarBan = { name: 'keytar', message: 'Only src-main/adapters/keytar-secret-store.ts may import keytar.' };
// no-restricted-imports sees only static imports: the same bans for `import('electron')`,
// `require('electron')`, `createRequire(…)('electron')` and `import x = require('electron')`.
const dynamicBan = (name, message) =>
  [
    `ImportExpression[source.value='${name}']`,
    `CallExpression[callee.name='require'][arguments.0.value='${name}']`,
    `CallExpression[callee.callee.name='createRequire'][arguments.0.value='${name}']`,
    `TSExternalModuleReference[expression.value='${name}']`,
  ].map((selector) => ({ selector, message }));
const dynamicElectronBan = dynamicBan('electron', electronBan.message);
const dynamicKeytarBan = dynamicBan('keytar', keytarBan.message);
const coreBans = [
  { group: ['**/electron/**', '**/cli/**', '**/adapters/**', '**/main'], message: 'The core is plain Node: it depends on nothing outside src-main/core.' },
  { group: ['**/src-preload/**'], message: 'The core knows no preload: the IPC contract is src-common/ipc-contract.ts.' },
];
// Repos only store (docs/architecture.md rule 16): the figures kept with the data are computed above
// the store (coaching/activity-ingest.ts) and handed in, so the store imports neither the analysis
// nor the coaching service, not even for a type (shared shapes live in src-common).
const storeMessage = 'The store only stores: figures are computed in core/coaching (or core/analysis) and handed in; shared types live in src-common.';
const storeBan = { group: ['**/analysis/**', '**/coaching/**'], message: storeMessage };
const dynamicStoreBan = ['ImportExpression[source.value=/\\/(analysis|coaching)\\//]'].map((selector) => ({ selector, message: storeMessage }));

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs', '**/*.js'],
    ignores: ['src-main/electron/**', 'src-main/main.ts', 'src-preload/**', 'src-main/adapters/keytar-secret-store.ts', 'tests/support/**', 'scripts/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronBan, keytarBan] }], 'no-restricted-syntax': ['error', ...dynamicElectronBan, ...dynamicKeytarBan] },
  },
  {
    files: ['src-preload/**', 'src-main/electron/**', 'src-main/main.ts'],
    rules: { 'no-restricted-syntax': ['error', ...dynamicKeytarBan] },
  },
  {
    files: ['src-main/adapters/keytar-secret-store.ts'],
    rules: { 'no-restricted-syntax': ['error', ...dynamicElectronBan] },
  },
  {
    files: ['src-main/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan, keytarBan],
          patterns: coreBans,
        },
      ],
    },
  },
  {
    files: ['src-main/core/store/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronBan, keytarBan], patterns: [...coreBans, storeBan] }],
      'no-restricted-syntax': ['error', ...dynamicElectronBan, ...dynamicKeytarBan, ...dynamicStoreBan],
    },
  },
  {
    files: ['src-server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan, keytarBan],
          patterns: [{ group: ['**/src-main/**', '**/src-renderer/**', '**/src-preload/**'], message: 'The R42 server stands alone: it shares only src-common with the app.' }],
        },
      ],
    },
  },
  {
    files: ['src-preload/**', 'src-main/electron/**', 'src-main/main.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [keytarBan] }] },
  },
  {
    // Shared by main, the CLI, the preload and the renderer (the IPC contract too): plain zod, nothing else.
    files: ['src-common/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan, keytarBan],
          patterns: [{ group: ['node:*', '**/src-main/**', '**/src-preload/**', '**/src-renderer/**'], message: 'src-common is shared by every layer: it imports only zod.' }],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan, keytarBan],
          patterns: [
            { group: ['node:*'], message: 'The renderer runs in a sandboxed browser: no Node modules.' },
            { group: ['**/src-main/**', '../../src-main/**'], message: 'The renderer talks to main only through the preload API.' },
          ],
        },
      ],
    },
  },
  {
    files: ['tests/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
