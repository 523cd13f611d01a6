import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBackgroundCheckpoints } from '../../src-main/core/store/checkpointer.js';
import { openDatabase } from '../../src-main/core/store/database.js';
import { AuditRepo } from '../../src-main/core/store/repos.js';
import { silentLogger } from '../../src-main/core/ports.js';
import { tempDir } from '../support/harness.js';

describe('background WAL checkpoints', () => {
  it('copy the WAL into the database from a worker while this connection never checkpoints, and hand back on stop', async () => {
    const file = path.join(tempDir(), 'companion.db');
    const db = openDatabase(file);
    const checkpoints = startBackgroundCheckpoints(db, file, silentLogger, 100);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
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
});
