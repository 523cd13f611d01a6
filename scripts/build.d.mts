import type { Metafile } from 'esbuild';

/** scripts/build.mjs: the CLI's four outputs (entry, token's fast path, the split CLI, the FIT worker) in `outdir`; the metafiles when asked. */
export declare function buildCli(outdir: string, options?: { metafile?: boolean; absWorkingDir?: string }): Promise<Metafile[]>;

/** scripts/build.mjs: the FIT decoder's worker thread alone, as `outdir`/fit-worker.mjs. */
export declare function buildFitWorker(outdir: string, options?: { absWorkingDir?: string }): Promise<unknown>;
