import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { makeWorld, recordingCli, startSimulator, type World } from '../support/harness.js';

/** What a new user hit on the command line, each fixed. */
describe('CLI: the rough edges a new user hit', () => {
  let sim: GarminSimulator;
  let world: World;
  const { cli } = recordingCli(() => world);

  beforeEach(async () => {
    sim = await startSimulator();
    world = makeWorld(sim);
  });
  afterEach(async () => {
    await sim.stop();
    await world.cleanup();
  });

  it('caps token --min-valid at 12 hours, as the endpoint does, and says so instead of refreshing at every call', async () => {
    expect((await cli(['login', '--timeout', '20'])).code).toBe(0);
    const capped = await cli(['token', '--min-valid', '99999']);
    expect(capped.code).toBe(2);
    expect(capped.stderr).toContain('--min-valid is at most 43200 seconds (12 hours)');
    expect(capped.stdout).toBe('');
    expect(sim.counts.refreshes).toBe(0);
    const fine = await cli(['token', '--min-valid', '43200']);
    expect(fine.code).toBe(0);
    expect(sim.counts.refreshes).toBe(0); // a fresh 24 h token is valid 12 h more
  });

  it('names the unit and the options in usage errors, and gives each command its own help', async () => {
    const days = await cli(['sync', '--days', '0']);
    expect(days.code).toBe(2);
    expect(days.stderr).toContain('--days needs a whole number of days above 0, not "0"');
    const unknown = await cli(['status', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('`status` has no option --bogus. Its options: --json.');
    expect(unknown.stderr).not.toContain('To specify a positional argument');
    const missing = await cli(['sync', '--days']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--days of `sync` needs a value/);
    for (const args of [['sync', '--help'], ['help', 'sync'], ['sync', '-h']]) {
      const help = await cli(args);
      expect({ args, code: help.code }).toEqual({ args, code: 0 });
      expect(help.stdout).toMatch(/^Usage: r42-companion sync \[--days N\]\n\nBring the local training data up to date/);
      expect(help.stdout).toContain('--days N');
    }
    expect((await cli(['mcp', 'config', '--help'])).stdout).toMatch(/^Usage: r42-companion mcp config \[--client/);
    const nosuch = await cli(['help', 'nosuch']);
    expect(nosuch.code).toBe(2);
    expect(nosuch.stderr).toContain('There is no command "nosuch"');
    const all = await cli(['help']);
    expect(all.stdout).toContain('login [--timeout SECONDS] [--no-browser]');
    expect(all.stdout).toContain('help [COMMAND]');
  });

  it('draws no progress bar into a pipe, filters the running family, shows no pace for a ride, and gives pace in seconds per km', async () => {
    expect((await cli(['login', '--timeout', '20'])).code).toBe(0);
    const sync = await cli(['sync', '--days', '60']);
    expect(sync.code).toBe(0);
    expect(sync.stderr).not.toContain('\r');
    expect(sync.stderr).not.toContain('Syncing [');
    expect(sync.stderr).toMatch(/Synced \d+ records/);
    const range = ['--from', new Date(Date.now() - 59 * 86_400_000).toISOString().slice(0, 10)];
    type Row = { type: string; avg_pace_min_km: number | null; avg_pace_s_per_km: number | null; avg_speed_mps: number | null };
    const all = JSON.parse((await cli(['activities', '--json', ...range])).stdout) as { data: Row[] };
    const family = JSON.parse((await cli(['activities', '--json', '--type', 'running', ...range])).stdout) as { data: Row[] };
    const exact = JSON.parse((await cli(['activities', '--json', '--type', 'RUNNING', ...range])).stdout) as { data: Row[] };
    const runTypes = new Set(all.data.filter((a) => /RUN/.test(a.type)).map((a) => a.type));
    expect(runTypes.size).toBeGreaterThan(1); // the generator has road, trail, treadmill… runs
    expect(family.data.length).toBe(all.data.filter((a) => /RUN/.test(a.type)).length);
    expect(exact.data.every((a) => a.type === 'RUNNING')).toBe(true);
    expect(exact.data.length).toBeLessThan(family.data.length);
    for (const a of all.data) {
      // Seconds per km from Garmin's average speed (three decimals), which its minutes per km (two) round.
      if (/RUN/.test(a.type) && a.avg_speed_mps) {
        expect(a.avg_pace_s_per_km).toBe(Math.round(1000 / a.avg_speed_mps));
        expect(Math.abs(a.avg_pace_s_per_km! - a.avg_pace_min_km! * 60)).toBeLessThanOrEqual(1);
      }
      else expect(a.avg_pace_s_per_km).toBeNull();
    }
    const text = (await cli(['activities', ...range])).stdout.split('\n');
    const ride = text.find((line) => /CYCLING|BIKING/.test(line));
    expect(ride).toBeDefined();
    expect(ride).toMatch(/ — +\d+$|—\s+—$/);
    const bad = await cli(['activities', '--type', 'trail-running']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('running, cycling, swimming or walking');
  });
});
