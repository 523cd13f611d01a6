import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUICK_CHECKS, quickConfig } from '../../src-main/cli/quick-config.js';
import { QUICK_PROFILE_ID } from '../../src-main/cli/token-fast-path.js';
import { MAX_HR_RANGE, RESTING_HR_RANGE } from '../../src-main/core/analysis/zones.js';
import { loadConfig, PACKAGED_DEFAULT_KEYS, readPackagedDefaults, SETTING_KEYS, type CompanionConfig } from '../../src-main/core/config.js';
import { DEFAULT_PROFILE_ID } from '../../src-main/core/store/repos.js';
import { tempDir } from '../support/harness.js';

/** Candidate values per setting: valid ones, invalid ones, and ones a loose reader would get wrong. */
const VALUES: Record<string, readonly unknown[]> = {
  url: ['https://example.com', 'http://127.0.0.1:8080', 'http://localhost/x', 'http://[::1]:9/', 'http://example.com', 'ftp://127.0.0.1', 'not a url', ' https://example.com', 'https://a.b/c?d#e'],
  redirect: ['http://127.0.0.1:0/callback', 'http://localhost:8123/cb', 'https://127.0.0.1/cb', 'http://127.0.0.1/cb?x=1', 'http://u:p@127.0.0.1/cb', 'http://127.0.0.1/cb#f', 'http://10.0.0.1/cb'],
  text: ['r42-x', '  padded  ', ' ', 'a', 7],
  int: ['1', '600', '0', '-1', '1.5', '1e3', ' 60', '0x10', '007', '99999', '3660', '3661', '1440', '1441', '65535', '65536', 120, 230, '231', '25', '24', 'abc', true, null],
  enum: ['relay', 'pull', 'debug', 'info', 'warn', 'error', 'hrr', 'max', 'INFO', 'other'],
};
const KIND: Record<string, keyof typeof VALUES> = {
  GARMIN_CLIENT_ID: 'text',
  GARMIN_CLIENT_SECRET: 'text',
  GARMIN_AUTHORIZE_URL: 'url',
  GARMIN_TOKEN_URL: 'url',
  R42_SERVER_URL: 'url',
  GARMIN_DATA_DELIVERY: 'enum',
  GARMIN_API_URL: 'url',
  GARMIN_REDIRECT_URI: 'redirect',
  R42_KEYCHAIN_SERVICE: 'text',
  R42_LOG_LEVEL: 'enum',
  R42_HR_ZONE_MODEL: 'enum',
  BROWSER: 'text',
};
const kindOf = (key: string) => KIND[key] ?? 'int';

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const derived = (c: CompanionConfig) => ({
  home: c.paths.home,
  database: c.paths.database,
  logFile: c.paths.logFile,
  keychainService: c.keychainService,
  refreshMarginSeconds: c.refreshMarginSeconds,
  logLevel: c.logLevel,
  insecureHttpUrls: c.insecureHttpUrls,
});

describe("token's quick settings reader", () => {
  it('knows every setting of the schema, the HR ranges and the profile id it copies', () => {
    expect(Object.keys(QUICK_CHECKS).sort()).toEqual([...SETTING_KEYS].sort());
    expect(MAX_HR_RANGE).toEqual([120, 230]);
    expect(RESTING_HR_RANGE).toEqual([25, 120]);
    expect(QUICK_PROFILE_ID).toBe(DEFAULT_PROFILE_ID);
  });

  it('vouches only for what loadConfig accepts, and then derives the same values (2,000 random settings in the environment, config.json and packaged defaults)', () => {
    const next = random(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const home = tempDir();
    const defaultsFile = path.join(tempDir(), 'defaults.json');
    let vouched = 0;
    for (let round = 0; round < 2000; round++) {
      const env: NodeJS.ProcessEnv = { R42_HOME: home };
      const file: Record<string, unknown> = {};
      const packaged: Record<string, unknown> = {};
      for (const key of SETTING_KEYS) {
        const roll = next();
        const value = pick(VALUES[kindOf(key)]!);
        if (roll < 0.15) env[key] = typeof value === 'string' ? value : String(value);
        else if (roll < 0.22) file[key] = value;
        else if (roll < 0.26 && (PACKAGED_DEFAULT_KEYS as readonly string[]).includes(key)) packaged[key] = value;
      }
      if (next() < 0.03) file.UNKNOWN_SETTING = 'x';
      if (next() < 0.03) env.R42_LOG_LEVEL = '';
      rmSync(path.join(home, 'config.json'), { force: true });
      rmSync(defaultsFile, { force: true });
      if (Object.keys(file).length || next() < 0.1) writeFileSync(path.join(home, 'config.json'), JSON.stringify(file));
      if (Object.keys(packaged).length) writeFileSync(defaultsFile, JSON.stringify(packaged));
      const quick = quickConfig(env, 'linux', defaultsFile);
      let full: CompanionConfig | Error;
      try {
        full = loadConfig(env, 'linux', readPackagedDefaults(defaultsFile));
      } catch (error) {
        full = error as Error;
      }
      if (quick === null) continue;
      vouched++;
      const context = JSON.stringify({ env, file, packaged });
      expect(full, context).not.toBeInstanceOf(Error);
      expect(quick, context).toEqual(derived(full as CompanionConfig));
    }
    // It must also be of use: a good share of the random mixes are plain enough to vouch for.
    expect(vouched).toBeGreaterThan(20);
  });

  it('vouches for the usual setups: nothing set, the simulator over plain http, a config.json with numbers, packaged defaults', () => {
    const home = tempDir();
    const none = path.join(tempDir(), 'none.json');
    const cases: NodeJS.ProcessEnv[] = [
      { R42_HOME: home },
      { R42_HOME: home, GARMIN_CLIENT_ID: 'id', GARMIN_CLIENT_SECRET: 's', GARMIN_AUTHORIZE_URL: 'http://127.0.0.1:9/authorize', GARMIN_TOKEN_URL: 'http://127.0.0.1:9/token', GARMIN_API_URL: 'http://127.0.0.1:9', R42_KEYCHAIN_SERVICE: ' svc ', R42_LOG_LEVEL: 'warn' },
      { R42_HOME: home, R42_SERVER_URL: 'https://r42.example', GARMIN_DATA_DELIVERY: 'relay', R42_REFRESH_MARGIN_SECONDS: '900' },
    ];
    for (const env of cases) expect(quickConfig(env, 'linux', none)).toEqual(derived(loadConfig(env, 'linux')));
    writeFileSync(path.join(home, 'config.json'), JSON.stringify({ R42_BACKFILL_DAYS: 365, R42_MAX_HR: 190, R42_RESTING_HR: 50, GARMIN_CLIENT_ID: 'id' }));
    const defaults = path.join(tempDir(), 'defaults.json');
    writeFileSync(defaults, JSON.stringify({ GARMIN_CLIENT_ID: 'r42', R42_SERVER_URL: 'https://r42.example' }));
    expect(quickConfig({ R42_HOME: home }, 'linux', defaults)).toEqual(derived(loadConfig({ R42_HOME: home }, 'linux', readPackagedDefaults(defaults))));
    // Without R42_HOME: the platform's data folder, as loadConfig finds it.
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const env = { XDG_CONFIG_HOME: path.join(home, 'xdg'), APPDATA: path.join(home, 'appdata') };
      expect(quickConfig(env, platform, none)?.home).toBe(loadConfig(env, platform).paths.home);
    }
  });
});
