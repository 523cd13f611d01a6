import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeytarSecretStore } from '../../src-main/adapters/keytar-secret-store.js';
import { loadConfig } from '../../src-main/core/config.js';
import { silentLogger } from '../../src-main/core/ports.js';
import { startAppCore, type AppCore } from '../../src-main/core/ui/app-core.js';
import type { PresenceModel } from '../../src-main/core/ui/presence.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { CapturingBrowser } from '../support/core-world.js';
import { makeWorld, startSimulator, type World } from '../support/harness.js';

let sim: GarminSimulator;
let world: World;
let core: AppCore | undefined;

afterEach(async () => {
  await core?.stop();
  core = undefined;
  await world?.cleanup();
  await sim?.stop();
});

async function start(loginItem?: { apply(openAtLogin: boolean): void }) {
  sim = await startSimulator();
  world = makeWorld(sim);
  const config = loadConfig(world.env);
  core = await startAppCore({ config, secrets: createKeytarSecretStore(config.keychainService), browser: new CapturingBrowser(), logger: silentLogger, loginItem });
  return core;
}

describe('start at login over the IPC contract', () => {
  it('off by default; the switch applies it to the OS first, then remembers it in desktop.json', async () => {
    const applied: boolean[] = [];
    const app = await start({ apply: (value) => applied.push(value) });
    expect(await app.dispatch('companion:settings.get', undefined)).toEqual({ ok: true, value: { openAtLogin: false, openAtLoginAvailable: true } });
    expect(await app.dispatch('companion:settings.set', { openAtLogin: true })).toEqual({ ok: true, value: { openAtLogin: true, openAtLoginAvailable: true } });
    expect(applied).toEqual([true]);
    expect(JSON.parse(readFileSync(path.join(world.home, 'desktop.json'), 'utf8'))).toMatchObject({ openAtLogin: true });
    expect(await app.dispatch('companion:settings.get', undefined)).toMatchObject({ value: { openAtLogin: true } });
    // Arguments are parsed at the boundary.
    expect(await app.dispatch('companion:settings.set', { openAtLogin: 'yes' })).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    expect(applied).toEqual([true]);
  });

  it('where no shell can set it (the web transport) the UI is told, and setting it is refused', async () => {
    const app = await start();
    expect(await app.dispatch('companion:settings.get', undefined)).toEqual({ ok: true, value: { openAtLogin: false, openAtLoginAvailable: false } });
    expect(await app.dispatch('companion:settings.set', { openAtLogin: true })).toMatchObject({ ok: false, error: { code: 'usage' } });
  });
});

describe('the app core’s presence', () => {
  it('renders the tray from the real status, and pauses this process’s agent endpoint from the menu', async () => {
    const app = await start();
    const rendered: PresenceModel[] = [];
    const presence = app.startPresence({ render: (m) => rendered.push(m), notify: () => undefined, showWindow: () => undefined, quit: () => undefined });
    expect(rendered.at(-1)).toMatchObject({ icon: 'not_linked', tooltip: 'R42 Companion: Garmin not linked' });
    await presence.activate('pause_agents');
    expect(app.agents!.isPaused()).toBe(true);
    expect(rendered.at(-1)!.tooltip).toBe('R42 Companion: Garmin not linked · agents paused');
  });
});
