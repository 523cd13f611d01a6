import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../ports.js';
import type { Database } from './database.js';

// Plain JavaScript, run with `eval`, so it needs no loader in development, tests or the bundle.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints off the event loop. SQLite normally checkpoints inside whichever commit
 * pushes the WAL past 1000 pages; under a steady stream of audit rows that stall of several
 * milliseconds was the endpoint's p99. While the daemon runs, a worker thread with its own
 * connection checkpoints (PASSIVE: never blocks readers or writers) every `intervalMs`, and this
 * connection stops checkpointing by itself. If the worker cannot run, automatic checkpoints
 * come back, so the WAL never grows without bound.
 */
export function startBackgroundCheckpoints(db: Database, file: string, logger: Logger, intervalMs = 1_000): { stop(): Promise<void> } {
  const restore = () => {
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  let worker: Worker;
  try {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, intervalMs } });
  } catch {
    logger.log('warn', 'store.checkpointer_unavailable', {});
    return { stop: async () => undefined };
  }
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  worker.on('error', () => {
    logger.log('warn', 'store.checkpointer_failed', {});
    restore();
  });
  worker.on('exit', () => {
    if (!stopping) restore();
  });
  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      restore();
      const exited = once(worker, 'exit');
      worker.ref(); // keep the process alive until the last checkpoint is done (it is unref'd while running)
      worker.postMessage('stop');
      await exited;
    },
  };
}
