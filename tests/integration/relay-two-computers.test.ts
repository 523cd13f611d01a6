/**
 * A runner with two computers (a laptop and a desktop) linked to the same Garmin account, each
 * with its own token pair (Garmin's OAuth, like the simulator's, links as many as the runner
 * approves): the R42 server's relay delivers every notification to each; one disconnecting never
 * deletes what the other has pending, and only the last to disconnect deletes R42's registration
 * at Garmin, which the CLI says.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import { recordsUploadedBetween } from '../simulator/garmin-data.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { signInAtGarmin, type CoreWorld } from '../support/core-world.js';
import { runCli } from '../support/harness.js';
import { relayComputer, startRelayGarmin, type RelayGarmin } from '../support/relay-world.js';

const DAY = 86_400;

describe('a runner with two computers, both linked through the R42 server relay', () => {
  let store: SqlStore;
  let sim: GarminSimulator;
  let server: RelayGarmin['server'];
  const worlds: CoreWorld[] = [];
  let now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    store = await openPgliteStore(null);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.cleanup();
    await server?.stop();
    await sim?.stop();
  });

  const runIds = (w: CoreWorld) => {
    const db = new BetterSqlite3(path.join(w.home, 'companion.db'), { readonly: true });
    try {
      return (db.prepare('SELECT summary_id FROM activities ORDER BY summary_id').all() as Array<{ summary_id: string }>).map((r) => r.summary_id);
    } finally {
      db.close();
    }
  };
  const uploaded = (from: number, to: number) => {
    const ids: string[] = [];
    for (let t = from; t < to; t += DAY) ids.push(...recordsUploadedBetween('activities', t, Math.min(t + DAY, to), now).map((r) => r.summaryId as string));
    return ids;
  };
  const pending = async (kind = "kind <> 'deregistration'") =>
    Number((await store.query<{ n: number }>(`select count(*)::int as n from garmin_notifications where garmin_user_id = $1 and ${kind}`, [sim.userId]))[0]!.n);

  it('delivers every run to each computer; the laptop leaving keeps the desktop’s; the last to leave deletes Garmin’s registration', { timeout: 180_000 }, async () => {
    const relay = await startRelayGarmin(store, () => now);
    ({ sim, server } = relay);
    const link = async () => {
      const w = relayComputer(relay, 10);
      worlds.push(w);
      await signInAtGarmin(w);
      return w;
    };
    const laptop = await link();
    const desktop = await link();
    expect(laptop.companion.status().garminUserId).toBe(desktop.companion.status().garminUserId);
    expect(sim.counts.codeExchanges).toBe(2);
    const both = async () => {
      await sim.deliveriesSettled();
      await laptop.companion.sync();
      await desktop.companion.sync();
    };
    await both();
    await both();
    // Each computer has its own position at the relay.
    expect(await store.query<{ computer_id: string }>('select computer_id from relay_computers where garmin_user_id = $1', [sim.userId])).toHaveLength(2);

    // A run synced from the watch reaches both computers; the relay keeps it until both have it.
    let from = now;
    now += 3 * DAY;
    const first = uploaded(from, now);
    expect(first.length).toBeGreaterThan(0);
    await sim.notifyUploads(from, now);
    await sim.deliveriesSettled();
    await laptop.companion.sync();
    expect(first.every((id) => runIds(laptop).includes(id))).toBe(true);
    expect(await pending()).toBeGreaterThan(0);
    await desktop.companion.sync();
    expect(first.every((id) => runIds(desktop).includes(id))).toBe(true);
    expect(await pending()).toBe(0);

    // The next run is waiting at the relay for both when the laptop disconnects (the CLI's logout).
    from = now;
    now += 3 * DAY;
    const second = uploaded(from, now);
    expect(second.length).toBeGreaterThan(0);
    await sim.notifyUploads(from, now);
    await sim.deliveriesSettled();
    const waiting = await pending();
    expect(waiting).toBeGreaterThan(0);
    const laptopOut = await runCli(['logout', '--keep-data'], laptop.env);
    expect(laptopOut.code).toBe(0);
    expect(laptopOut.stderr).toContain("Garmin keeps R42 Companion's registration for your other computer");
    // Garmin was not asked to delete the registration, and the desktop's notifications stay.
    expect(sim.counts.registrationDeletes).toBe(0);
    expect(await pending()).toBe(waiting);
    await desktop.companion.sync();
    expect(second.every((id) => runIds(desktop).includes(id))).toBe(true);
    expect(desktop.companion.status().state).toBe('connected');
    expect(await pending()).toBe(0);

    // A run after the laptop left: the desktop alone receives and acknowledges it.
    from = now;
    now += 3 * DAY;
    const third = uploaded(from, now);
    await sim.notifyUploads(from, now);
    await sim.deliveriesSettled();
    await desktop.companion.sync();
    expect(third.every((id) => runIds(desktop).includes(id))).toBe(true);
    expect(third.some((id) => runIds(laptop).includes(id))).toBe(false);
    expect(await pending()).toBe(0);

    // The last computer to disconnect deletes R42's registration at Garmin, and says so.
    const desktopOut = await runCli(['logout'], desktop.env);
    expect(desktopOut.code).toBe(0);
    expect(desktopOut.stderr).toContain("Garmin deleted R42 Companion's registration");
    expect(sim.counts.registrationDeletes).toBe(1);
    expect(await store.query('select 1 from relay_computers where garmin_user_id = $1', [sim.userId])).toEqual([]);
  });
});
