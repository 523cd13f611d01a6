// The FIT worker thread from a checkout (tests, `npm run demo`, `npm run companion`): tsx compiles
// the TypeScript worker, which a worker thread cannot load by itself. A built host starts
// dist/cli/fit-worker.mjs instead (scripts/build.mjs); fit-decoder.ts chooses.
import { tsImport } from 'tsx/esm/api';

await tsImport('./fit-worker.ts', import.meta.url);
