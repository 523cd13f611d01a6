import { once } from 'node:events';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../ports.js';
import { WAL_SIZE_LIMIT_BYTES, type Database } from './database.js';

// Plain JavaScript, run with `eval`, so it needs no loader in development, tests or the bundle.
const WORKER_SOURCE = `
const { statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('journal_size_limit = ' + workerData.walLimitBytes);
const walBytes = () => { try { return statSync(workerData.file + '-wal').size; } catch { return 0; } };
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
// Past the limit the main connection empties the WAL itself; a PASSIVE run now would only be in its way.
const timer = setInterval(() => { if (walBytes() <= workerData.walLimitBytes) checkpoint(); }, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/** How often checkpoints run, and the WAL size past which the WAL is emptied. */
export interface CheckpointOptions {
  readonly intervalMs?: number;
  readonly walLimitBytes?: number;
}

const walBytes = (file: string): number => {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
};

/**
 * Moves WAL checkpoints off the event loop. SQLite normally checkpoints inside whichever commit
 * pushes the WAL past 1000 pages; under a steady stream of audit rows that stall of several
 * milliseconds was the endpoint's p99. While the daemon runs, a worker thread with its own
 * connection checkpoints (PASSIVE: never blocks readers or writers) every `intervalMs`, and this
 * connection stops checkpointing by itself.
 *
 * PASSIVE alone never catches up with a steady stream of commits: the writer keeps adding frames
 * past the end the worker copied, so the WAL is never started over and grew to gigabytes under a
 * request flood. So every `intervalMs` this connection also looks at the WAL's size and, past
 * `walLimitBytes`, runs a TRUNCATE checkpoint itself, between two of its own transactions where
 * nothing else is writing: it copies everything and empties the file (a few milliseconds, only
 * when writes outrun the worker). Past twice the limit SQLite's own checkpoint in the commit
 * comes back as a backstop for long synchronous bursts; and if the worker cannot run, automatic
 * checkpoints come back at SQLite's default. The WAL is bounded either way.
 */
export function startBackgroundCheckpoints(db: Database, file: string, logger: Logger, options: CheckpointOptions = {}): { stop(): Promise<void> } {
  const intervalMs = options.intervalMs ?? 1_000;
  const walLimitBytes = options.walLimitBytes ?? WAL_SIZE_LIMIT_BYTES;
  const restore = () => {
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  let worker: Worker;
  try {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, intervalMs, walLimitBytes } });
  } catch {
    logger.log('warn', 'store.checkpointer_unavailable', {});
    return { stop: async () => undefined };
  }
  worker.unref();
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`journal_size_limit = ${walLimitBytes}`);
  db.pragma(`wal_autocheckpoint = ${Math.ceil((2 * walLimitBytes) / pageSize)}`);
  const catchUp = setInterval(() => {
    const size = db.open ? walBytes(file) : 0;
    if (size <= walLimitBytes) return;
    // Short wait only: a reader in another process must not stall this event loop; next tick retries.
    // Past twice the limit the in-commit backstop has not kept up either (the worker's checkpoint was
    // in its way): then wait for that checkpoint to end rather than let the file keep growing.
    const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma(`busy_timeout = ${size > 2 * walLimitBytes ? 1_000 : 100}`);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // busy or locked: try again next tick
    } finally {
      db.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }, intervalMs);
  catchUp.unref();
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
      clearInterval(catchUp);
      restore();
      const exited = once(worker, 'exit');
      worker.ref(); // keep the process alive until the last checkpoint is done (it is unref'd while running)
      worker.postMessage('stop');
      await exited;
    },
  };
}
