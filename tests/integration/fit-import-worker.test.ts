/**
 * FIT files are decoded off the app's main thread (core/fit/fit-decoder.ts): while a large file
 * dropped on the app is imported, the same process keeps answering its IPC calls and its agent
 * endpoint over real HTTP, one answer after another, and its event loop is never held for more than
 * a small part of the import (monitorEventLoopDelay, against the import's own length in the same
 * run: decoding in the calling thread holds it for nearly all of it). A worker that dies (here: a
 * file that needs more than its heap) fails that file with its reason, stores nothing of it, and
 * the next file gets a fresh worker; closing ends the worker, and the file in it is not imported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createKeytarSecretStore } from '../../src-main/adapters/keytar-secret-store.js';
import { loadConfig } from '../../src-main/core/config.js';
import { createWorkerDecoder } from '../../src-main/core/fit/fit-decoder.js';
import { createFitImports } from '../../src-main/core/fit/fit-imports.js';
import { silentLogger, type Logger } from '../../src-main/core/ports.js';
import { openDatabase } from '../../src-main/core/store/database.js';
import { startAppCore, type AppCore } from '../../src-main/core/ui/app-core.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { CapturingBrowser } from '../support/core-world.js';
import { encodeRun } from '../support/fit-files.js';
import { makeWorld, startSimulator, type World } from '../support/harness.js';
import { trainingRepo } from '../support/training-store.js';

const folders: string[] = [];
afterAll(() => folders.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Twenty hours at 1 Hz with power and running dynamics: about 2.6 MB, a second or more of Garmin's decoder. */
const large = encodeRun({ start: Date.UTC(2026, 4, 2, 5) / 1000, seconds: 20 * 3600, power: true, dynamics: true, lapMetres: 1000, seed: 4 }).bytes;
const small = (seed: number) => encodeRun({ start: Date.UTC(2026, 4, 10 + seed, 7) / 1000, seconds: 1200, seed }).bytes;

describe('the app stays responsive while a large FIT file is imported', () => {
  let sim: GarminSimulator | undefined;
  let world: World | undefined;
  let core: AppCore | undefined;
  afterEach(async () => {
    await core?.stop();
    await world?.cleanup();
    await sim?.stop();
  });

  it('keeps answering the agent endpoint’s /v1/health and an IPC call, one after another, while the dropped file is decoded, then imports it', async () => {
    sim = await startSimulator();
    world = makeWorld(sim);
    const config = loadConfig(world.env);
    // One ordered record of what happened in this process: the decoder's own events and the probes' answers.
    const events: string[] = [];
    const logger: Logger = {
      log(_level, event) {
        if (event.startsWith('fit.')) events.push(event);
      },
    };
    const app = (core = await startAppCore({ config, secrets: createKeytarSecretStore(config.keychainService), browser: new CapturingBrowser(), logger }));
    expect(app.agents).not.toBeNull();
    const url = `${app.agents!.url}/v1/health`;
    // Warm both paths (the first request, the importer's modules and worker) so the import measured is the file's own.
    expect((await fetch(url)).status).toBe(200);
    expect(await app.dispatch('companion:import.file', { name: 'warm-up.fit', data: Buffer.from(small(1)).toString('base64') })).toMatchObject({ ok: true, value: { imported: 1 } });
    events.length = 0;

    // What a runner's agent and window do while the drop imports: ask, wait for the answer, ask again.
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    stalls.enable();
    // A stall right after enable() goes unseen (so does one after reset()): let the monitor tick first.
    while (stalls.count < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    let importing = true;
    const answers: Array<{ health: number; ipc: boolean; waitedMs: number }> = [];
    const probing = (async () => {
      while (importing) {
        const asked = performance.now();
        const health = await fetch(url);
        await health.arrayBuffer();
        const settings = await app.dispatch('companion:settings.get', undefined);
        answers.push({ health: health.status, ipc: settings.ok, waitedMs: performance.now() - asked });
        events.push('answered');
      }
    })();
    const t0 = performance.now();
    // A drop on the app: the file's bytes over the IPC contract, as the window sends them.
    const imported = await app.dispatch('companion:import.file', { name: 'ultra.fit', data: Buffer.from(large).toString('base64') });
    const importMs = performance.now() - t0;
    // The monitor's timer notes a stall when it next fires: one timer phase later (a timer due after it) it has.
    await new Promise((resolve) => setTimeout(resolve, 1));
    stalls.disable();
    importing = false;
    await probing;
    const longestStallMs = stalls.max / 1e6;
    const during = events.slice(events.indexOf('fit.decode_started'), events.indexOf('fit.decoded')).filter((e) => e === 'answered').length;
    const longestWaitMs = Math.max(...answers.map((a) => a.waitedMs));
    console.info(
      `FIT import of ${large.length} bytes: ${importMs.toFixed(0)} ms; longest event-loop stall ${longestStallMs.toFixed(0)} ms; ` +
        `${answers.length} answers during the import (longest wait ${longestWaitMs.toFixed(0)} ms), ${during} while the file was in the decoder`,
    );

    expect(imported).toMatchObject({ ok: true, value: { imported: 1, activities: 1 } });
    expect(answers.every((a) => a.health === 200 && a.ipc)).toBe(true);
    // Answers kept coming all through the import, none kept waiting for most of it: decoding in
    // this thread answers once or twice, after a wait as long as the decode.
    expect(answers.length).toBeGreaterThanOrEqual(10);
    expect(longestWaitMs).toBeLessThan(importMs / 4);
    // The loop is never held for long.
    expect(longestStallMs).toBeLessThan(importMs / 4);
    // And they came while the file was in the decoder, between its handing over and its answer.
    expect(events.filter((e) => e.startsWith('fit.'))).toEqual(['fit.decode_started', 'fit.decoded']);
    expect(during).toBeGreaterThanOrEqual(10);
    const list = await app.dispatch('companion:data.activities', { limit: 10 });
    expect(list).toMatchObject({ ok: true, value: { data: [{ type: 'RUNNING' }, { type: 'RUNNING' }] } });
  }, 120_000);
});

describe('a FIT worker that dies', () => {
  it('fails its file with the reason and stores nothing of it; the next file gets a fresh worker, and the same file can be tried again', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'r42-fit-worker-'));
    folders.push(home);
    const db = openDatabase(path.join(home, 'companion.db'));
    const training = trainingRepo(db);
    const logged: string[] = [];
    const logger: Logger = { log: (_level, event, fields) => void logged.push(`${event}${fields && 'cause' in fields ? ` ${String(fields.cause)}` : ''}`) };
    // A heap that holds a 20-minute run but not twenty hours of them.
    const decoder = createWorkerDecoder({ maxHeapMb: 48, logger });
    const imports = createFitImports({ db, training, clock: { now: () => Date.UTC(2026, 11, 1) }, logger: silentLogger, tmpDir: path.join(home, 'tmp'), decoder });
    try {
      const summary = await imports.importBytes([
        { name: 'before.fit', bytes: small(1) },
        { name: 'ultra.fit', bytes: large },
        { name: 'after.fit', bytes: small(2) },
      ]);
      expect(summary.results.map((r) => [r.name, r.outcome, r.reason])).toEqual([
        ['before.fit', 'imported', null],
        ['ultra.fit', 'skipped', 'decoder_failed'],
        ['after.fit', 'imported', null],
      ]);
      expect(summary.results[1]!.message).toBe('Garmin’s FIT decoder needed more than its 48 MB of memory for this file and stopped: nothing of it was stored.');
      expect(logged.filter((e) => e.startsWith('fit.decoder_died'))).toEqual(['fit.decoder_died out_of_memory']);
      expect(db.prepare('SELECT count(*) FROM activities').pluck().get()).toBe(2);
      expect(db.prepare('SELECT name FROM fit_files ORDER BY name').pluck().all()).toEqual(['after.fit', 'before.fit']);
      // Not remembered as seen: importing it again tries again (and says the same).
      const again = await imports.importBytes([{ name: 'ultra.fit', bytes: large }]);
      expect(again.results.map((r) => [r.outcome, r.reason])).toEqual([['skipped', 'decoder_failed']]);
    } finally {
      await imports.close();
      db.close();
    }
  }, 120_000);
});

describe('closing the companion during an import', () => {
  it('ends the FIT worker: the file in it is reported as not imported, nothing of it stored or remembered', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'r42-fit-worker-'));
    folders.push(home);
    const db = openDatabase(path.join(home, 'companion.db'));
    const training = trainingRepo(db);
    let handedOver!: () => void;
    const inDecoder = new Promise<void>((resolve) => (handedOver = resolve));
    const logger: Logger = { log: (_level, event) => void (event === 'fit.decode_started' && handedOver()) };
    const decoder = createWorkerDecoder({ logger });
    const imports = createFitImports({ db, training, clock: { now: () => Date.UTC(2026, 11, 1) }, logger: silentLogger, tmpDir: path.join(home, 'tmp'), decoder });
    try {
      const importing = imports.importBytes([{ name: 'ultra.fit', bytes: large }]);
      await inDecoder;
      await imports.close();
      const summary = await importing;
      expect(summary.results.map((r) => [r.name, r.outcome, r.reason, r.message])).toEqual([
        ['ultra.fit', 'skipped', 'decoder_failed', 'The import was stopped: R42 Companion is closing.'],
      ]);
      expect(db.prepare('SELECT count(*) FROM activities').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM fit_files').pluck().get()).toBe(0);
      // A closed decoder takes no more files.
      await expect(decoder.decode(small(1))).rejects.toThrow('R42 Companion is closing');
    } finally {
      db.close();
    }
  }, 120_000);
});
