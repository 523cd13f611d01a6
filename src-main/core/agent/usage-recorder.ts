import { silentLogger, type Logger } from '../ports.js';
import type { Database } from '../store/database.js';
import type { AuditRepo } from '../store/repos.js';
import type { AgentGrants } from './grants.js';

interface HandOut {
  readonly grantId: string;
  readonly grantName: string;
  readonly at: number;
  readonly tokenSha256: string;
}

/** An MCP tool call, as the audit log counts it. */
export interface ToolCall {
  readonly tool: string;
  /** The name the MCP client gave at initialize (or `unknown`). */
  readonly client: string;
  /** The grant's name over HTTP; `runner` for the stdio server, which runs as the runner. */
  readonly grant: string;
  /** The grant's id, to count its uses like token hand-outs; none for stdio. */
  readonly grantId?: string;
  readonly transport: 'stdio' | 'http';
  readonly failed: boolean;
  readonly at: number;
}

type CountedEvent = 'agent.token_issued' | 'agent.request_refused' | 'mcp.tool_called';

/** One audit row counting one kind of event (a grant's hand-outs, or one refusal reason) in one minute. */
interface Bucket {
  readonly event: CountedEvent;
  readonly minute: number;
  count: number;
  lastAt: number;
  /** The row's detail but its count, which `flush` fills in. */
  detail: Record<string, string | number | null>;
  /** The row once written; later flushes in the same minute rewrite it. */
  rowId: number | null;
  dirty: boolean;
}

const MINUTE_MS = 60_000;

/**
 * Writes token hand-outs, MCP tool calls and refused requests to the audit log as counts: one row
 * per grant (per tool and client for tool calls, per reason for refusals) per minute, with how
 * many and when last, instead of a row per request. Any local process can send requests as fast
 * as it likes, so a row each would let it fill the disk;
 * this way the audit log grows with time, not with the request rate. Counts are written at most
 * every `flushMs` (one small transaction, also the grants' use counts); a crash loses at most that
 * much, a clean stop nothing.
 */
export class UsageRecorder {
  private readonly buckets = new Map<string, Bucket>();
  private readonly uses = new Map<string, { count: number; last: number }>();
  private timer: NodeJS.Timeout | null = null;
  /** The bucket the last hand-out and the last tool call went to: a burst from one agent finds it without building its key. */
  private lastHandOut: { grantId: string; bucket: Bucket } | null = null;
  private lastToolCall: { call: ToolCall; bucket: Bucket } | null = null;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditRepo,
    private readonly grants: AgentGrants,
    private readonly profileId: string,
    private readonly logger: Logger = silentLogger,
    private readonly flushMs = 100,
  ) {}

  /** A token was handed to an agent. */
  record(entry: HandOut): void {
    const last = this.lastHandOut;
    let bucket: Bucket;
    if (last !== null && last.grantId === entry.grantId && last.bucket.minute === Math.floor(entry.at / MINUTE_MS)) {
      bucket = last.bucket;
      this.count(bucket, entry.at);
    } else {
      bucket = this.bucket('agent.token_issued', entry.grantId, entry.at);
      this.lastHandOut = { grantId: entry.grantId, bucket };
    }
    // Built again only when it changes (a new token): this runs for every hand-out; the count is set at flush.
    if (bucket.count === 1 || bucket.detail.tokenSha256 !== entry.tokenSha256) bucket.detail = { grant: entry.grantName, count: 0, tokenSha256: entry.tokenSha256 };
    const use = this.uses.get(entry.grantId) ?? { count: 0, last: 0 };
    use.count++;
    use.last = Math.max(use.last, entry.at);
    this.uses.set(entry.grantId, use);
    this.schedule();
  }

  /** An MCP tool was called: one row per tool, client and grant per minute, with how many failed. */
  toolCall(call: ToolCall): void {
    const last = this.lastToolCall;
    let bucket: Bucket;
    if (
      last !== null &&
      last.call.tool === call.tool &&
      last.call.client === call.client &&
      last.call.grant === call.grant &&
      last.call.transport === call.transport &&
      last.bucket.minute === Math.floor(call.at / MINUTE_MS)
    ) {
      bucket = last.bucket;
      this.count(bucket, call.at);
    } else {
      bucket = this.bucket('mcp.tool_called', `${call.tool}\n${call.client}\n${call.grant}\n${call.transport}`, call.at);
      this.lastToolCall = { call, bucket };
    }
    if (bucket.count === 1) bucket.detail = { tool: call.tool, client: call.client, grant: call.grant, transport: call.transport, count: 0, errors: 0 };
    if (call.failed) bucket.detail.errors = (bucket.detail.errors as number) + 1;
    if (call.grantId !== undefined) {
      const use = this.uses.get(call.grantId) ?? { count: 0, last: 0 };
      use.count++;
      use.last = Math.max(use.last, call.at);
      this.uses.set(call.grantId, use);
    }
    this.schedule();
  }

  /** A request was refused. The first of its reason in a minute is also logged; the rest only counted. */
  refused(reason: string, detail: { grant?: string; path?: string }, at: number): void {
    const bucket = this.bucket('agent.request_refused', reason, at);
    if (bucket.count === 1) this.logger.log('warn', 'agent.request_refused', { reason, path: detail.path });
    bucket.detail = { reason, count: 0, grant: detail.grant ?? null, path: detail.path ?? null };
    this.schedule();
  }

  private bucket(event: CountedEvent, key: string, at: number): Bucket {
    const minute = Math.floor(at / MINUTE_MS);
    const id = `${event}\n${key}\n${minute}`;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = { event, minute, count: 0, lastAt: at, detail: {}, rowId: null, dirty: true };
      this.buckets.set(id, bucket);
    }
    this.count(bucket, at);
    return bucket;
  }

  private count(bucket: Bucket, at: number): void {
    bucket.count++;
    bucket.lastAt = Math.max(bucket.lastAt, at);
    bucket.dirty = true;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      try {
        this.flush();
      } catch (error) {
        // A full disk or a locked database must not take the endpoint down; the counts stay in
        // memory (a few rows per minute) and are written on the next try.
        this.logger.log('error', 'audit.flush_failed', { code: (error as { code?: string }).code ?? 'unknown' });
        this.schedule();
      }
    }, this.flushMs);
    this.timer.unref();
  }

  /** Writes what is counted so far. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const dirty = [...this.buckets.values()].filter((b) => b.dirty);
    if (dirty.length === 0 && this.uses.size === 0) return;
    this.db.transaction(() => {
      for (const bucket of dirty) {
        const detail = { ...bucket.detail, count: bucket.count };
        if (bucket.rowId === null) bucket.rowId = this.audit.append(this.profileId, bucket.lastAt, bucket.event, detail);
        else this.audit.update(bucket.rowId, bucket.lastAt, detail);
      }
      for (const [grantId, use] of this.uses) this.grants.recordUse(grantId, use.last, use.count);
    })();
    for (const bucket of dirty) bucket.dirty = false;
    this.uses.clear();
    // Rows of minutes that are over are final: forget them, so memory stays a few rows.
    const latest = Math.max(...[...this.buckets.values()].map((b) => b.minute));
    for (const [id, bucket] of this.buckets) {
      if (bucket.minute >= latest) continue;
      this.buckets.delete(id);
      if (this.lastHandOut?.bucket === bucket) this.lastHandOut = null;
      if (this.lastToolCall?.bucket === bucket) this.lastToolCall = null;
    }
  }
}
