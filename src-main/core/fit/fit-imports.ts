/**
 * The import doors as one service for the facade: paths (the CLI, a drop in the app, the finder's
 * folders), bytes (a drop in the browser, which has no paths) and Import from watch. Each door
 * feeds the one importer (fit-import.ts).
 */
import path from 'node:path';
import type { ImportSummary } from '../../../src-common/contract.js';
import type { FitSource } from '../../../src-common/coaching-contract.js';
import { summarize, FitImporter, type FitImporterDeps, type ImportInput, type ImportProgress } from './fit-import.js';
import { inputsFromPaths, type SourceLimits } from './fit-sources.js';
import { findWatchFolders } from './watch-finder.js';

export interface FitImports {
  /** Files, folders and zips (Garmin Connect's export among them). */
  importPaths(paths: readonly string[], options?: ImportOptions & { source?: FitSource }): Promise<ImportSummary>;
  /** Files given as bytes (a drop in a browser, an activity file from the relay with the Garmin activity id its ping named). */
  importBytes(files: ReadonlyArray<{ name: string; bytes: Uint8Array; activityId?: string | null }>, options?: ImportOptions & { source?: FitSource }): Promise<ImportSummary>;
  /** Every Garmin mounted as a drive under `roots`: the files not seen before. */
  importFromWatch(roots: readonly string[], options?: ImportOptions): Promise<ImportSummary>;
  /** Ends the decoder's worker thread (a file still waiting for it is reported as not imported). */
  close(): Promise<void>;
}

export interface ImportOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ImportProgress) => void;
}

/**
 * The doors over one importer. `decoder`: where files are decoded and prepared, a worker thread
 * in a running companion (wiring.ts); in the calling thread when absent.
 */
export function createFitImports(deps: FitImporterDeps & { readonly tmpDir: string; readonly limits?: SourceLimits }): FitImports {
  const importer = new FitImporter(deps);
  const fromPaths = (paths: readonly string[], source: FitSource, options: ImportOptions) =>
    importer.importAll(inputsFromPaths(paths, { tmpDir: deps.tmpDir, source, ...(deps.limits ? { limits: deps.limits } : {}), ...(options.signal ? { signal: options.signal } : {}) }), options);
  return {
    importPaths: (paths, options = {}) => fromPaths(paths, options.source ?? 'file', options),
    importBytes(files, options = {}) {
      const inputs: ImportInput[] = files.map((f) =>
        f.name.toLowerCase().endsWith('.zip')
          ? { kind: 'skip', name: path.basename(f.name), reason: 'not_fit_or_zip', message: 'An archive (Garmin’s export) is imported with `r42-companion import <the zip>`, which reads it without unpacking it; drop FIT files here.' }
          : { kind: 'file', name: path.basename(f.name), source: options.source ?? 'file', bytes: f.bytes.length, read: async () => f.bytes, activityId: f.activityId ?? null },
      );
      return importer.importAll(inputs, { ...options, total: inputs.length });
    },
    async importFromWatch(roots, options = {}) {
      const watch = await findWatchFolders(roots);
      const summary = watch.found.length ? await fromPaths(watch.found, 'watch', options) : summarize([]);
      return { ...summary, watch };
    },
    close: async () => deps.decoder?.close(),
  };
}
