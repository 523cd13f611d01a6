/**
 * `r42-companion import` as a runner types it, in a child process on a fresh data folder with no
 * Garmin link: the summary (imported, already there, skipped with reasons), `--json` parsed with
 * the contract's schema, exit codes, and `activities` / `activities show` on the imported run with
 * what the watch recorded beyond the API.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSummary } from '../../src-common/contract.js';
import { encodeRun } from '../support/fit-files.js';
import { runCli, tempDir } from '../support/harness.js';

describe('r42-companion import', () => {
  const home = tempDir('r42-cli-import-');
  const files = tempDir('r42-cli-import-files-');
  const env = { PATH: process.env.PATH, HOME: home, R42_HOME: home, R42_KEYCHAIN_SERVICE: 'r42-cli-import-test' };
  const start = Date.UTC(2026, 10, 20, 6, 30) / 1000;
  writeFileSync(path.join(files, 'run.fit'), encodeRun({ start, seconds: 2400, power: true, dynamics: true, lapMetres: 2000, offsetS: 3600 }).bytes);
  writeFileSync(path.join(files, 'broken.fit'), Buffer.from('definitely not FIT'));

  it('imports, says what it skipped and why, and exits 0', async () => {
    const result = await runCli(['import', files], env, { timeoutMs: 60_000 });
    expect(result.stderr).not.toMatch(/Importing/); // no progress bar into a pipe
    expect(result.stdout).toMatch(/^1 imported \(1 activity\), 0 already there, 1 skipped\./);
    expect(result.stdout).toMatch(/Skipped: 1 not a FIT file\./);
    expect(result.stdout).toMatch(/broken\.fit: Not a FIT file/);
    expect(result.code).toBe(0);
  });

  it('again: nothing changes; --json is the contract shape', async () => {
    const result = await runCli(['import', files, '--json'], env, { timeoutMs: 60_000 });
    expect(result.code).toBe(0);
    const summary = importSummary.parse(JSON.parse(result.stdout));
    expect(summary).toMatchObject({ files: 2, imported: 0, already: 2, skipped: 0 });
  });

  it('the run is listed and shown with the watch’s laps, power and running dynamics', async () => {
    const list = await runCli(['activities', '--json', '--from', '2026-11-01', '--to', '2026-11-30'], env);
    const rows = JSON.parse(list.stdout).data as Array<{ summary_id: string; type: string; local_date: string }>;
    expect(rows).toEqual([expect.objectContaining({ type: 'RUNNING', local_date: '2026-11-20' })]);
    const show = await runCli(['activities', 'show', rows[0]!.summary_id], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Recorded by fr945, imported from a FIT file\./);
    expect(show.stdout).toMatch(/avg power 250 W/);
    expect(show.stdout).toMatch(/ground contact avg \d+ ms/);
    expect(show.stdout).toMatch(/WATCH LAP/);
  });

  it('an MCP client reads what the watch recorded (get_activity_details), the watch’s laps as a table', async () => {
    const list = await runCli(['activities', '--json', '--from', '2026-11-01', '--to', '2026-11-30'], env);
    const id = (JSON.parse(list.stdout).data as Array<{ summary_id: string }>)[0]!.summary_id;
    const stdin = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_activity_details', arguments: { id } } },
    ].map((m) => JSON.stringify(m)).join('\n');
    const result = await runCli(['mcp'], env, { stdin: `${stdin}\n`, timeoutMs: 60_000 });
    const answer = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id?: number; result?: { structuredContent?: { activity: { recorded?: { source: string; laps: { columns: string[]; rows: unknown[][] }; channels: { power_w: { avg: number } | null } } } } } }).find((m) => m.id === 2);
    const recorded = answer?.result?.structuredContent?.activity.recorded;
    expect(recorded?.source).toBe('file');
    expect(recorded?.laps.columns).toEqual(['index', 'distance_m', 'timer_s', 'avg_hr', 'avg_power_w', 'avg_cadence_spm']);
    expect(recorded?.laps.rows.length).toBeGreaterThan(1);
    expect(recorded?.channels.power_w?.avg).toBeGreaterThan(200);
  });

  it('nothing usable: exit 1; no argument: usage, exit 2', async () => {
    const bad = await runCli(['import', path.join(files, 'broken.fit'), path.join(files, 'missing.fit')], env);
    expect(bad.stdout).toMatch(/missing\.fit: Cannot be read \(ENOENT\)/);
    expect(bad.code).toBe(0); // broken.fit was seen before: already there
    const none = await runCli(['import', path.join(files, 'missing.fit')], env);
    expect(none.code).toBe(1);
    const usage = await runCli(['import'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/at least one FIT file, folder or zip/);
  });
});

describe('r42-companion import on a terminal', () => {
  it('draws its progress on stderr only when stderr is a terminal', async () => {
    const { runCli: runInProcess } = await import('../../src-main/cli/index.js');
    const home = tempDir('r42-cli-import-tty-');
    const dir = tempDir('r42-cli-import-tty-files-');
    for (let i = 0; i < 3; i++) writeFileSync(path.join(dir, `${i}.fit`), encodeRun({ start: Date.UTC(2026, 10, 1 + i, 7) / 1000, seconds: 300, seed: i }).bytes);
    const run = async (tty: boolean) => {
      let stdout = '';
      let stderr = '';
      const code = await runInProcess(['import', dir], {
        env: { PATH: process.env.PATH, HOME: home, R42_HOME: home, R42_KEYCHAIN_SERVICE: 'r42-cli-import-test' },
        stdout: (t) => void (stdout += t),
        stderr: (t) => void (stderr += t),
        readStdin: async () => '',
        onInterrupt: () => () => undefined,
        stderrIsTTY: tty,
      });
      return { code, stdout, stderr };
    };
    const onTerminal = await run(true);
    expect(onTerminal.code).toBe(0);
    expect(onTerminal.stderr).toMatch(/\rImporting +3 files/);
    expect(onTerminal.stdout).toMatch(/^3 imported/);
    const piped = await run(false);
    expect(piped.stderr).not.toMatch(/Importing/);
    expect(piped.stdout).toMatch(/^0 imported \(0 activities\), 3 already there/);
  });
});
