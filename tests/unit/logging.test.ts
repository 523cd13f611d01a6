import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileLogger, LOG_MAX_BYTES } from '../../src-main/core/logging.js';
import { tempDir } from '../support/harness.js';

describe('file log', () => {
  it('rotates at its size cap and keeps one older file, also with two writers on the same file', () => {
    const file = path.join(tempDir(), 'logs', 'companion.log');
    const maxBytes = 20_000;
    // Two loggers on one file, as the app and a CLI command (or serve) have.
    const first = createFileLogger(file, 'info', undefined, { maxBytes });
    const second = createFileLogger(file, 'info', undefined, { maxBytes });
    for (let i = 0; i < 5_000; i++) (i % 2 ? first : second).log('warn', 'agent.request_refused', { reason: 'unauthorized', path: '/v1/token', i });
    expect(readdirSync(path.dirname(file)).sort()).toEqual(['companion.log', 'companion.log.1']);
    // About 500 KB were written; what is kept is bounded by the cap.
    expect(statSync(file).size).toBeLessThanOrEqual(maxBytes);
    expect(statSync(`${file}.1`).size).toBeLessThanOrEqual(maxBytes);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { i: number });
    expect(lines.at(-1)!.i).toBe(4_999);
    expect(LOG_MAX_BYTES).toBe(5 * 1024 * 1024);
  });
});
