/**
 * Where a FIT file is decoded and prepared (fit-prepare.ts): in one worker thread (node:
 * worker_threads) for every door of a running companion, so a large file (seconds of Garmin's
 * decoder near the 32 MB limit) never holds up the thread that answers the app's window, its tray
 * and the agent endpoint; or in the calling thread, for tests and tools that want nothing else.
 *
 * One worker, started on first use and kept while the companion lives (unreferenced while idle,
 * so it never keeps a process alive); files go to it one at a time, in the order asked, and at
 * most MAX_WAITING wait behind the one it works on (each door imports its files one by one, so
 * only the doors' count of files is ever held). The worker's heap is bounded (`maxHeapMb`): a
 * file that needs more ends the worker, not the app. A worker that dies fails its file with a
 * clear reason (nothing of the file is stored), and the next file starts a fresh one.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { Logger } from '../ports.js';
import { IMPORT_DEFLATE_LEVEL, type FitSkipReason } from './fit-model.js';
import type { PreparedFit } from './fit-prepare.js';

/** Files that may wait for the worker beside the one it works on. */
export const MAX_WAITING = 8;
/** The worker's V8 heap (old generation), MB: Garmin's decoder takes about 600 MB for a 30 MB file. */
export const DEFAULT_WORKER_HEAP_MB = 1536;
/**
 * The worker's young generation, MB: the decoder makes millions of short-lived objects, and with a
 * worker's default (smaller than the main thread's) their collection cost a fifth more CPU per file
 * (npm run bench); 64 MB costs about 30 MB of RSS.
 */
const WORKER_YOUNG_MB = 64;

/** A file the decoder could not take (its worker died, or is missing): nothing of it was stored. */
export class FitDecoderError extends Error {
  override readonly name = 'FitDecoderError';
  readonly reason: FitSkipReason = 'decoder_failed';
}

export interface FitDecoder {
  /** Decodes and prepares one file's bytes (they are copied to the worker; the caller's stay as they are). */
  decode(bytes: Uint8Array, deflateLevel?: number): Promise<PreparedFit>;
  /** Ends the worker; files still waiting fail with FitDecoderError. */
  close(): Promise<void>;
}

/** Decodes in the calling thread (tests, the bench's decoder-alone baseline): Garmin's SDK is loaded on first use. */
export function inlineDecoder(): FitDecoder {
  return {
    decode: async (bytes, deflateLevel) => (await import('./fit-prepare.js')).prepareFit(bytes, deflateLevel),
    close: async () => undefined,
  };
}

export interface WorkerDecoderOptions {
  /**
   * The built worker (dist/cli/fit-worker.mjs), which a bundled host names; without it (a checkout
   * names none, or one not built) the TypeScript worker runs through tsx (fit-worker-source.mjs)
   * when this module itself runs from the sources.
   */
  readonly script?: string | undefined;
  /** The worker's heap bound in MB (DEFAULT_WORKER_HEAP_MB). */
  readonly maxHeapMb?: number;
  readonly logger: Logger;
}

/** Whether this module runs from the TypeScript sources (a checkout) rather than a bundle. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

const answer = z.discriminatedUnion('ok', [
  z.object({ id: z.number(), ok: z.literal(true), result: z.custom<PreparedFit>((v) => typeof v === 'object' && v !== null && 'ok' in v && typeof v.ok === 'boolean') }),
  z.object({ id: z.number(), ok: z.literal(false), message: z.string() }),
]);

interface Job {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly deflateLevel: number;
  resolve(fit: PreparedFit): void;
  reject(error: Error): void;
}

/** The decoder of a running companion: one worker thread, a bounded queue. */
export function createWorkerDecoder(options: WorkerDecoderOptions): FitDecoder {
  const heapMb = options.maxHeapMb ?? DEFAULT_WORKER_HEAP_MB;
  const waiting: Job[] = [];
  let current: Job | null = null;
  let worker: Worker | null = null;
  let nextId = 1;
  let closed = false;

  const start = (): Worker => {
    const resourceLimits = { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_MB };
    if (options.script && existsSync(options.script)) return new Worker(options.script, { resourceLimits });
    if (FROM_SOURCE) return new Worker(new URL('./fit-worker-source.mjs', import.meta.url), { resourceLimits });
    throw new FitDecoderError('Garmin’s FIT decoder is missing from this installation (its worker file): nothing was imported. Reinstall R42 Companion.');
  };

  /** The worker is gone (it died, or was ended): its file fails, and the next one starts another. */
  const lost = (from: Worker, why: string) => {
    if (worker !== from) return;
    worker = null;
    const job = current;
    current = null;
    if (job) {
      options.logger.log('warn', 'fit.decoder_died', { cause: why, bytes: job.bytes.length });
      job.reject(new FitDecoderError(why === 'out_of_memory'
        ? `Garmin’s FIT decoder needed more than its ${heapMb} MB of memory for this file and stopped: nothing of it was stored.`
        : `Garmin’s FIT decoder stopped while reading this file (${why}): nothing of it was stored. Importing it again tries once more.`));
    }
    pump();
  };

  const pump = () => {
    if (current || waiting.length === 0 || closed) return;
    const job = waiting.shift()!;
    let w: Worker;
    try {
      w = worker ?? start();
    } catch (error) {
      job.reject(error instanceof Error ? error : new FitDecoderError(String(error)));
      pump();
      return;
    }
    if (worker !== w) {
      worker = w;
      w.on('message', (message: unknown) => {
        const parsed = answer.safeParse(message);
        const job = current;
        if (!parsed.success || !job || parsed.data.id !== job.id) {
          lost(w, 'an answer it should not give');
          void w.terminate();
          return;
        }
        current = null;
        options.logger.log('debug', 'fit.decoded', { bytes: job.bytes.length, ok: parsed.data.ok });
        if (parsed.data.ok) job.resolve(parsed.data.result);
        else job.reject(new FitDecoderError(`Garmin’s FIT decoder failed on this file: nothing of it was stored (${parsed.data.message.slice(0, 200)}).`));
        if (waiting.length === 0) w.unref();
        pump();
      });
      w.on('error', (error: Error & { code?: string }) => lost(w, error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out_of_memory' : (error.code ?? error.name)));
      w.on('exit', (code) => lost(w, `exit ${code}`));
    }
    current = job;
    // Referenced while it works: a process waiting for this file stays alive until it is done.
    w.ref();
    options.logger.log('debug', 'fit.decode_started', { bytes: job.bytes.length });
    w.postMessage({ id: job.id, bytes: job.bytes, deflateLevel: job.deflateLevel });
  };

  return {
    decode(bytes, deflateLevel = IMPORT_DEFLATE_LEVEL) {
      if (closed) return Promise.reject(new FitDecoderError('The import was stopped: R42 Companion is closing.'));
      if (waiting.length >= MAX_WAITING) return Promise.reject(new FitDecoderError(`${MAX_WAITING} files already wait for Garmin’s FIT decoder: import this one when those are done.`));
      return new Promise<PreparedFit>((resolve, reject) => {
        waiting.push({ id: nextId++, bytes, deflateLevel, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const job of waiting.splice(0)) job.reject(new FitDecoderError('The import was stopped: R42 Companion is closing.'));
      const w = worker;
      worker = null;
      const job = current;
      current = null;
      job?.reject(new FitDecoderError('The import was stopped: R42 Companion is closing.'));
      if (w) await w.terminate();
    },
  };
}
