import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultHome, loadConfig, readPackagedDefaults, tokenRoute } from '../../src-main/core/config.js';
import { CompanionError } from '../../src-main/core/errors.js';
import { tempDir } from '../support/harness.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof CompanionError ? `${error.code}: ${error.message}` : String(error);
  }
  return 'no error';
};

describe('configuration', () => {
  it('has the documented defaults', () => {
    const home = tempDir();
    const config = loadConfig({ R42_HOME: home }, 'linux');
    expect(config.paths.home).toBe(home);
    expect(config.paths.database).toBe(path.join(home, 'companion.db'));
    expect(config.garmin.clientId).toBeUndefined();
    expect(config.garmin.clientSecretFromEnv).toBeUndefined();
    expect(config.garmin.authorizeUrl.href).toBe('https://connect.garmin.com/oauth2Confirm');
    expect(config.garmin.tokenUrl).toBeUndefined();
    expect(config.serverUrl).toBeUndefined();
    expect(config.garmin.apiUrl.href).toBe('https://apis.garmin.com/');
    expect(config.garmin.redirect).toEqual({ host: '127.0.0.1', port: 0, path: '/callback' });
    expect(config.keychainService).toBe('r42-companion');
    expect(config.refreshMarginSeconds).toBe(600);
    expect(config.signInTimeoutSeconds).toBe(300);
    expect(config.insecureHttpUrls).toEqual([]);
  });

  it('reads the HR settings for zones and load, leaves unset ones to estimation, and refuses impossible ones', () => {
    const home = tempDir();
    expect(loadConfig({ R42_HOME: home }, 'linux').hr).toEqual({ maxHr: undefined, restingHr: undefined, zoneModel: 'hrr' });
    expect(loadConfig({ R42_HOME: home, R42_MAX_HR: '188', R42_RESTING_HR: '46', R42_HR_ZONE_MODEL: 'max' }, 'linux').hr).toEqual({ maxHr: 188, restingHr: 46, zoneModel: 'max' });
    writeFileSync(path.join(home, 'config.json'), JSON.stringify({ R42_MAX_HR: 192 }));
    expect(loadConfig({ R42_HOME: home }, 'linux').hr).toEqual({ maxHr: 192, restingHr: undefined, zoneModel: 'hrr' });
    expect(codeOf(() => loadConfig({ R42_HOME: home, R42_MAX_HR: '300' }, 'linux'))).toMatch(/^config_invalid: R42_MAX_HR \(environment\)/);
    expect(codeOf(() => loadConfig({ R42_HOME: home, R42_RESTING_HR: 'fast' }, 'linux'))).toMatch(/^config_invalid: R42_RESTING_HR/);
    expect(codeOf(() => loadConfig({ R42_HOME: home, R42_HR_ZONE_MODEL: 'coggan' }, 'linux'))).toMatch(/^config_invalid: R42_HR_ZONE_MODEL/);
    expect(codeOf(() => loadConfig({ R42_HOME: home, R42_MAX_HR: '130', R42_RESTING_HR: '115' }, 'linux'))).toMatch(/^config_invalid: R42_MAX_HR \(130\) must be at least 20 above/);
  });

  it('puts the data folder where Electron keeps userData on each OS', () => {
    expect(defaultHome({}, 'linux', '/home/ana')).toBe('/home/ana/.config/R42 Companion');
    expect(defaultHome({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux', '/home/ana')).toBe('/x/cfg/R42 Companion');
    expect(defaultHome({}, 'darwin', '/Users/ana')).toBe('/Users/ana/Library/Application Support/R42 Companion');
    expect(defaultHome({ APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ana')).toBe('C:\\Users\\ana\\AppData\\Roaming\\R42 Companion');
  });

  it('reads config.json in the data folder, and the environment wins over it', () => {
    const home = tempDir();
    writeFileSync(path.join(home, 'config.json'), JSON.stringify({ GARMIN_CLIENT_ID: 'from-file', R42_REFRESH_MARGIN_SECONDS: 900, GARMIN_REDIRECT_URI: 'http://[::1]:8765/cb' }));
    const fileOnly = loadConfig({ R42_HOME: home }, 'linux');
    expect(fileOnly.garmin.clientId).toBe('from-file');
    expect(fileOnly.refreshMarginSeconds).toBe(900);
    expect(fileOnly.garmin.redirect).toEqual({ host: '[::1]', port: 8765, path: '/cb' });
    expect(loadConfig({ R42_HOME: home, GARMIN_CLIENT_ID: 'from-env' }, 'linux').garmin.clientId).toBe('from-env');
  });

  it('names the bad key and where it came from', () => {
    const home = tempDir();
    expect(codeOf(() => loadConfig({ R42_HOME: home, GARMIN_TOKEN_URL: 'http://example.com/token' }, 'linux'))).toMatch(
      /^config_invalid: GARMIN_TOKEN_URL \(environment\) must be an https:\/\/ URL/,
    );
    expect(codeOf(() => loadConfig({ R42_HOME: home, GARMIN_API_URL: 'not a url' }, 'linux'))).toMatch(/^config_invalid: GARMIN_API_URL \(environment\) is not a URL/);
    expect(codeOf(() => loadConfig({ R42_HOME: home, GARMIN_REDIRECT_URI: 'http://0.0.0.0:8080/cb' }, 'linux'))).toMatch(/^config_invalid: GARMIN_REDIRECT_URI .* 127\.0\.0\.1/);
    expect(codeOf(() => loadConfig({ R42_HOME: home, GARMIN_REDIRECT_URI: 'https://127.0.0.1:8080/cb' }, 'linux'))).toMatch(/^config_invalid: GARMIN_REDIRECT_URI/);
    expect(codeOf(() => loadConfig({ R42_HOME: home, GARMIN_REDIRECT_URI: 'http://127.0.0.1:8080/cb?x=1' }, 'linux'))).toMatch(/must not have a query/);
    expect(codeOf(() => loadConfig({ R42_HOME: home, R42_REFRESH_MARGIN_SECONDS: '-5' }, 'linux'))).toMatch(/^config_invalid: R42_REFRESH_MARGIN_SECONDS/);
    writeFileSync(path.join(home, 'config.json'), JSON.stringify({ GARMIN_CLIENT_IDD: 'typo' }));
    expect(codeOf(() => loadConfig({ R42_HOME: home }, 'linux'))).toMatch(/^config_invalid: .*config\.json: unknown setting GARMIN_CLIENT_IDD/);
    writeFileSync(path.join(home, 'config.json'), '{ not json');
    expect(codeOf(() => loadConfig({ R42_HOME: home }, 'linux'))).toMatch(/^config_invalid: .*is not valid JSON/);
  });

  it('accepts plain http only for loopback hosts, and lists them so they can be shown as insecure', () => {
    const home = tempDir();
    const config = loadConfig({ R42_HOME: home, GARMIN_TOKEN_URL: 'http://127.0.0.1:9/token', GARMIN_API_URL: 'http://localhost:9' }, 'linux');
    expect(config.insecureHttpUrls).toEqual(['http://127.0.0.1:9', 'http://localhost:9']);
  });

  it('refuses a client secret in config.json: secrets never sit in files', () => {
    const home = tempDir();
    writeFileSync(path.join(home, 'config.json'), JSON.stringify({ GARMIN_CLIENT_ID: 'x', GARMIN_CLIENT_SECRET: 'do-not-store-me' }));
    const message = codeOf(() => loadConfig({ R42_HOME: home }, 'linux'));
    expect(message).toMatch(/^config_secret_in_file: /);
    expect(message).not.toContain('do-not-store-me');
  });

  it('sends token requests to R42’s server when there is no client secret, to Garmin with one, and to GARMIN_TOKEN_URL when set', () => {
    const home = tempDir();
    const garminDefault = 'https://diauth.garmin.com/di-oauth2-service/oauth/token';
    const withServer = loadConfig({ R42_HOME: home, R42_SERVER_URL: 'https://api.r42.example/base' }, 'linux');
    expect(tokenRoute(withServer, false)).toEqual({ via: 'r42_server', tokenUrl: new URL('https://api.r42.example/base/v1/garmin/token') });
    expect(tokenRoute(withServer, true)).toEqual({ via: 'own_developer_app', tokenUrl: new URL(garminDefault) });
    const explicit = loadConfig({ R42_HOME: home, R42_SERVER_URL: 'https://api.r42.example', GARMIN_TOKEN_URL: 'https://broker.example/token' }, 'linux');
    expect(tokenRoute(explicit, false)).toEqual({ via: 'token_broker', tokenUrl: new URL('https://broker.example/token') });
    expect(tokenRoute(explicit, true)).toEqual({ via: 'own_developer_app', tokenUrl: new URL('https://broker.example/token') });
    const neither = loadConfig({ R42_HOME: home }, 'linux');
    expect(tokenRoute(neither, false)).toEqual({ via: 'not_configured', tokenUrl: null });
    expect(codeOf(() => loadConfig({ R42_HOME: home, R42_SERVER_URL: 'http://r42.example' }, 'linux'))).toMatch(/^config_invalid: R42_SERVER_URL \(environment\) must be an https/);
  });

  it('takes R42’s packaged defaults below config.json and the environment, and never a secret from them', () => {
    const home = tempDir();
    const file = path.join(tempDir(), 'defaults.json');
    writeFileSync(file, JSON.stringify({ GARMIN_CLIENT_ID: 'r42-app', R42_SERVER_URL: 'https://api.r42.example', GARMIN_REDIRECT_URI: 'http://127.0.0.1:43110/callback' }));
    const defaults = readPackagedDefaults(file);
    const config = loadConfig({ R42_HOME: home }, 'linux', defaults);
    expect(config.garmin.clientId).toBe('r42-app');
    expect(config.serverUrl?.href).toBe('https://api.r42.example/');
    expect(config.garmin.redirect).toEqual({ host: '127.0.0.1', port: 43110, path: '/callback' });
    writeFileSync(path.join(home, 'config.json'), JSON.stringify({ GARMIN_CLIENT_ID: 'from-file' }));
    expect(loadConfig({ R42_HOME: home }, 'linux', defaults).garmin.clientId).toBe('from-file');
    expect(loadConfig({ R42_HOME: home, GARMIN_CLIENT_ID: 'from-env' }, 'linux', defaults).garmin.clientId).toBe('from-env');
    expect(codeOf(() => loadConfig({ R42_HOME: tempDir() }, 'linux', { R42_SERVER_URL: 'ftp://x' }))).toMatch(/R42_SERVER_URL \(packaged defaults\)/);
    writeFileSync(file, JSON.stringify({ GARMIN_CLIENT_ID: 'r42-app', GARMIN_CLIENT_SECRET: 'never-shipped' }));
    const message = codeOf(() => readPackagedDefaults(file));
    expect(message).toMatch(/^config_invalid: The packaged defaults/);
    expect(message).not.toContain('never-shipped');
    expect(readPackagedDefaults(path.join(tempDir(), 'missing.json'))).toEqual({});
  });
});
