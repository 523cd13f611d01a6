import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src-main/core/store/database.js';
import { AuditRepo } from '../../src-main/core/store/repos.js';

describe('audit log retention', () => {
  it('prunes old hand-outs and refusals, and keeps security events for good', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db);
    const audit = new AuditRepo(db);
    const day = 86_400_000;
    audit.append('default', 1 * day, 'sign_in.succeeded', {});
    audit.append('default', 1 * day, 'agent.token_issued', { grant: 'a' });
    audit.append('default', 1 * day, 'agent.request_refused', { reason: 'unauthorized' });
    audit.append('default', 40 * day, 'agent.token_issued', { grant: 'a' });
    expect(audit.prune(['agent.token_issued', 'agent.request_refused'], 10 * day)).toBe(2);
    expect(audit.list().map((e) => e.event)).toEqual(['agent.token_issued', 'sign_in.succeeded']);
  });
});
