import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBackgroundCheckpoints } from '../../src-main/core/store/checkpointer.js';
import { openDatabase, WAL_SIZE_LIMIT_BYTES } from '../../src-main/core/store/database.js';
import { AuditRepo } from '../../src-main/core/store/repos.js';
import { silentLogger } from '../../src-main/core/ports.js';
import { tempDir } from '../support/harness.js';

const walBytes = (file: string) => {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
};

describe('background WAL checkpoints', () => {
  it('copy the WAL into the database from a worker while this connection does not checkpoint small WALs, and hand back on stop', async () => {
    const file = path.join(tempDir(), 'companion.db');
    const db = openDatabase(file);
    const checkpoints = startBackgroundCheckpoints(db, file, silentLogger, { intervalMs: 100 });
    // This connection checkpoints by itself only past twice the limit (8 MiB of 4 KiB pages).
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe((2 * WAL_SIZE_LIMIT_BYTES) / 4096);
    const audit = new AuditRepo(db);
    const before = statSync(file).size;
    db.transaction(() => {
      for (let i = 0; i < 6_000; i++) audit.append('default', i, 'agent.token_issued', { grant: 'x'.repeat(600), tokenSha256: 'abcd1234' });
    })();
    // The rows are in the WAL; only the worker can have moved them into the main file.
    await expect.poll(() => statSync(file).size, { timeout: 5_000 }).toBeGreaterThan(before + 3_000_000);
    await checkpoints.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(audit.list(1)[0]!.at).toBe(5_999);
    db.close();
  });

  it('keep the WAL bounded under a steady stream of small commits, and empty it afterwards', async () => {
    // A request flood as it was: one small commit after another. A PASSIVE checkpoint never reaches
    // the end of such a WAL, so without TRUNCATE and a size limit the file only grows.
    const file = path.join(tempDir(), 'companion.db');
    const db = openDatabase(file);
    const limit = 256 * 1024;
    const checkpoints = startBackgroundCheckpoints(db, file, silentLogger, { intervalMs: 20, walLimitBytes: limit });
    db.exec('CREATE TABLE flood (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO flood (payload) VALUES (?)');
    let largest = 0;
    // About 45 MB of WAL frames in all (a 4 KiB page per commit), yielding to the event loop
    // between batches as a server does between requests. Today's code ends with all of it in the WAL.
    for (let i = 0; i < 10_000; i++) {
      insert.run('p'.repeat(200));
      if (i % 20 === 0) {
        largest = Math.max(largest, walBytes(file));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    largest = Math.max(largest, walBytes(file));
    // Typically under 2 × limit (the in-commit backstop); 8 MiB leaves room for a loaded machine
    // where a checkpoint attempt now and then finds the worker's in its way and waits a tick.
    expect(largest).toBeLessThan(8 * 1024 * 1024);
    // Once the writes stop, the worker empties it (TRUNCATE), or the next reset cuts it to the limit.
    await expect.poll(() => walBytes(file), { timeout: 5_000 }).toBeLessThanOrEqual(limit);
    await checkpoints.stop();
    expect((db.prepare('SELECT count(*) AS n FROM flood').get() as { n: number }).n).toBe(10_000);
    db.close();
  });
});
