import type { Database } from '../store/database.js';
import type { AuditRepo } from '../store/repos.js';
import type { AgentGrants } from './grants.js';

interface PendingHandOut {
  readonly grantId: string;
  readonly grantName: string;
  readonly at: number;
  readonly tokenSha256: string;
}

/**
 * Writes token hand-outs (an audit row each, and the grant's use count) in batches: one SQLite
 * transaction every `flushMs` instead of one per request, which is what lets the endpoint answer
 * at close to a bare server's rate. A crash can lose at most `flushMs` of these rows; a clean stop
 * flushes everything.
 */
export class UsageRecorder {
  private pending: PendingHandOut[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditRepo,
    private readonly grants: AgentGrants,
    private readonly profileId: string,
    private readonly flushMs = 50,
    private readonly maxPending = 100,
  ) {}

  record(entry: PendingHandOut): void {
    this.pending.push(entry);
    if (this.pending.length >= this.maxPending) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const uses = new Map<string, { count: number; last: number }>();
    this.db.transaction(() => {
      for (const entry of batch) {
        this.audit.append(this.profileId, entry.at, 'agent.token_issued', { grant: entry.grantName, tokenSha256: entry.tokenSha256 });
        const use = uses.get(entry.grantId) ?? { count: 0, last: 0 };
        use.count++;
        use.last = Math.max(use.last, entry.at);
        uses.set(entry.grantId, use);
      }
      for (const [grantId, use] of uses) this.grants.recordUse(grantId, use.last, use.count);
    })();
  }
}
