import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOurSecretVariable } from '../../src-main/core/agent/child-env.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { makeWorld, recordingCli, startSimulator, TEST_CLIENT_SECRET, type World } from '../support/harness.js';

let sim: GarminSimulator;
let world: World;
const { cli } = recordingCli(() => world);

afterEach(async () => {
  await world?.cleanup();
  await sim?.stop();
});

/** A child that prints the names and values of its environment that start with R42_ or GARMIN_, and PATH. */
const printEnv = [
  process.execPath,
  '-e',
  'console.log(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(R42_|GARMIN_|PATH$)/.test(k)))))',
];

describe('run -- hands the child its grant and none of our secrets', () => {
  it('strips the client secret, its file, data keys and outer tokens; keeps the rest of the environment', async () => {
    sim = await startSimulator();
    const outer = {
      GARMIN_CLIENT_SECRET_FILE: '/run/secrets/garmin',
      R42_SERVER_DATA_KEY: 'server-data-key-0123456789abcdef',
      GARMIN_TOKEN: 'garmin-access-token-from-the-readme-example',
      R42_AGENT_TOKEN: 'r42a_outer_grant_secret_that_is_not_the_childs',
      R42_SOME_FUTURE_PASSWORD: 'future-password-0123456789',
    };
    // A socket named by whoever started `run` is not the child's: it gets its own.
    world = makeWorld(sim, { ...outer, R42_AGENT_SOCKET: '/tmp/not-r42-companion.sock' });
    expect(world.env.GARMIN_CLIENT_SECRET).toBe(TEST_CLIENT_SECRET);
    const result = await cli(['run', '--', ...printEnv]);
    expect(result.code).toBe(0);
    const seen = JSON.parse(result.stdout) as Record<string, string>;
    const names = Object.keys(seen);
    for (const name of ['GARMIN_CLIENT_SECRET', 'GARMIN_CLIENT_SECRET_FILE', 'R42_SERVER_DATA_KEY', 'GARMIN_TOKEN', 'R42_SOME_FUTURE_PASSWORD']) expect(names).not.toContain(name);
    for (const secret of [TEST_CLIENT_SECRET, ...Object.values(outer)]) expect(result.stdout).not.toContain(secret);
    // Its own grant, not the one the caller had.
    expect(seen.R42_AGENT_TOKEN).toMatch(/^r42a_[A-Za-z0-9_-]{43}$/);
    expect(seen.R42_AGENT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // And the way in no other user can squat: a socket in the owner-only data folder, gone with the run.
    expect(path.dirname(seen.R42_AGENT_SOCKET!)).toBe(world.home);
    expect(path.basename(seen.R42_AGENT_SOCKET!)).toMatch(/^agent-run-\d+\.sock$/);
    expect(existsSync(seen.R42_AGENT_SOCKET!)).toBe(false);
    // What is not a secret stays.
    expect(seen).toMatchObject({ PATH: world.env.PATH, R42_HOME: world.home, GARMIN_TOKEN_URL: world.env.GARMIN_TOKEN_URL, GARMIN_CLIENT_ID: world.env.GARMIN_CLIENT_ID });
  });

  it('tells secret-bearing names from settings by how they end, in any case', () => {
    for (const name of ['GARMIN_CLIENT_SECRET', 'garmin_client_secret', 'GARMIN_CLIENT_SECRET_FILE', 'R42_SERVER_DATA_KEY', 'R42_AGENT_TOKEN', 'GARMIN_TOKEN', 'R42_DB_PASSWORD', 'R42_BROKER_CREDENTIALS']) {
      expect(isOurSecretVariable(name), name).toBe(true);
    }
    for (const name of ['GARMIN_TOKEN_URL', 'R42_KEYCHAIN_SERVICE', 'R42_AGENT_URL', 'GARMIN_CLIENT_ID', 'R42_HOME', 'GITHUB_TOKEN', 'MY_GARMIN_SECRET', 'PATH']) {
      expect(isOurSecretVariable(name), name).toBe(false);
    }
  });
});
