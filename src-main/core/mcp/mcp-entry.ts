/**
 * MCP over a Companion: the tools' dependencies (one object per companion, which the MCP module
 * keeps read-only answers by) and the server for one caller. Built here, outside the facade, from
 * the Companion it is given and the few parts of the core the facade does not show (the usage
 * counter, the database's version); the MCP SDK loads on the first server.
 */
import { localDate } from '../../../src-common/dates.js';
import type { UsageRecorder } from '../agent/usage-recorder.js';
import type { Companion } from '../companion.js';
import type { Clock, Logger } from '../ports.js';
import type { Database } from '../store/database.js';
import { DbVersion } from '../store/db-version.js';
import { VERSION } from '../version.js';
import type { CompanionMcpServer, McpCaller, McpDeps } from './mcp-server.js';

/** What MCP needs of the core beside the Companion. */
export interface McpParts {
  readonly usage: UsageRecorder;
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
}

const depsByCompanion = new WeakMap<Companion, McpDeps>();

/** The tools' dependencies for this companion: the same object every time. */
export function mcpDepsOf(companion: Companion, parts: McpParts): McpDeps {
  let deps = depsByCompanion.get(companion);
  if (!deps) {
    const { usage, db, clock, logger } = parts;
    deps = {
      status: () => companion.status(),
      data: companion.data,
      sync: (options) => companion.sync(options),
      today: () => localDate(clock.now()),
      workouts: companion.workouts,
      version: VERSION,
      clock,
      logger,
      recordCall: (call) => usage.toolCall(call),
      dataVersion: () => DbVersion.of(db).current(),
    };
    depsByCompanion.set(companion, deps);
  }
  return deps;
}

/** An MCP server over the companion's data for one caller (the runner over stdio, or a grant). */
export async function companionMcpServer(companion: Companion, parts: McpParts, caller: McpCaller): Promise<CompanionMcpServer> {
  // Loaded on first use: `token`, which scripts run many times, starts without the MCP SDK.
  const { createMcpServer } = await import('./mcp-server.js');
  return createMcpServer(mcpDepsOf(companion, parts), caller);
}
