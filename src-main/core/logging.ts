import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LogFields, Logger, LogLevel } from './ports.js';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * JSON-lines log in R42_HOME/logs (mode 0600). Callers pass events and flat fields only, never
 * free text from a request or an error message, so no secret can ride along.
 */
export function createFileLogger(file: string, level: LogLevel, mirror?: (level: LogLevel, line: string) => void): Logger {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return {
    log(entryLevel: LogLevel, event: string, fields: LogFields = {}) {
      if (RANK[entryLevel] < RANK[level]) return;
      const line = JSON.stringify({ at: new Date().toISOString(), level: entryLevel, event, pid: process.pid, ...fields });
      try {
        appendFileSync(file, `${line}\n`, { mode: 0o600 });
      } catch {
        // A full disk must not stop a sign-in; the log is a convenience.
      }
      mirror?.(entryLevel, line);
    },
  };
}
