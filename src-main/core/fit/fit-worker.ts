/**
 * The FIT worker thread: decodes and prepares one file at a time (fit-prepare.ts) off the thread
 * that answers the app's windows, tray and agents. fit-decoder.ts starts it and hands it each
 * file's bytes; it answers the prepared file, or the error that stopped it. Built on its own
 * (scripts/build.mjs: dist/cli/fit-worker.mjs, self-contained); a checkout runs this file through
 * tsx (fit-worker-source.mjs).
 */
import { parentPort } from 'node:worker_threads';
import { z } from 'zod';
import { prepareFit } from './fit-prepare.js';

const job = z.object({ id: z.number().int(), bytes: z.instanceof(Uint8Array), deflateLevel: z.number().int().min(0).max(9) });

const port = parentPort;
if (port === null) throw new Error('fit-worker runs as a worker thread (core/fit/fit-decoder.ts starts it).');
port.on('message', (message: unknown) => {
  const parsed = job.safeParse(message);
  if (!parsed.success) {
    port.postMessage({ id: -1, ok: false, message: 'The FIT worker got a message it does not read.' });
    return;
  }
  const { id, bytes, deflateLevel } = parsed.data;
  try {
    port.postMessage({ id, ok: true, result: prepareFit(bytes, deflateLevel) });
  } catch (error) {
    port.postMessage({ id, ok: false, message: error instanceof Error ? `${error.name}: ${error.message}` : 'an unknown failure' });
  }
});
