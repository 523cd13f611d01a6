import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LogFields, Logger, LogLevel } from './ports.js';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Past this size the log is moved to `<file>.1` (replacing the previous one) and starts empty. */
export const LOG_MAX_BYTES = 5 * 1024 * 1024;

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/**
 * JSON-lines log in R42_HOME/logs (mode 0600). Callers pass events and flat fields only, never
 * free text from a request or an error message, so no secret can ride along. The log rotates at
 * `maxBytes` and keeps one older file, so it takes at most twice that on disk however busy the
 * app gets.
 */
export function createFileLogger(
  file: string,
  level: LogLevel,
  mirror?: (level: LogLevel, line: string) => void,
  options: { maxBytes?: number } = {},
): Logger {
  const maxBytes = options.maxBytes ?? LOG_MAX_BYTES;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return {
    log(entryLevel: LogLevel, event: string, fields: LogFields = {}) {
      if (RANK[entryLevel] < RANK[level]) return;
      const line = `${JSON.stringify({ at: new Date().toISOString(), level: entryLevel, event, pid: process.pid, ...fields })}\n`;
      try {
        // The real size each time (a stat is cheap next to the append's open and close): other
        // processes write to the same file, so a size kept here would be wrong.
        if (sizeOf(file) + Buffer.byteLength(line) > maxBytes) {
          try {
            renameSync(file, `${file}.1`);
          } catch {
            // Another process rotated it a moment ago.
          }
        }
        appendFileSync(file, line, { mode: 0o600 });
      } catch {
        // A full disk must not stop a sign-in; the log is a convenience.
      }
      mirror?.(entryLevel, line.trimEnd());
    },
  };
}
