import type { Metafile } from 'esbuild';

/** scripts/build.mjs: the CLI's three outputs (entry, token's fast path, the split CLI) in `outdir`; the metafiles when asked. */
export declare function buildCli(outdir: string, options?: { metafile?: boolean; absWorkingDir?: string }): Promise<Metafile[]>;
