/* FIT import's cost, run by `npm run bench`. Each figure is printed with its aim, met or not.
 *
 * 1. 500 one-hour runs at 1 Hz (GPS, HR, cadence, elevation, power, running dynamics, laps), written
 *    with Garmin's SDK Encoder into a folder: files per second of `import` (the whole importer as
 *    the CLI and the app run it: read, hash, decode and prepare in the FIT worker thread, store
 *    through the activityDetails codec and analysis, records; its CPU time counts every thread), against
 *    Garmin's decoder alone reading the same files in the same run (aim: ≤ 1.5×), and the import
 *    process's peak RSS (aim: < 300 MB), measured in a child process of its own.
 * 2. A 5-year Garmin Connect export (about 1,500 runs of 20–70 minutes, FIT files in zips inside a
 *    zip, as Garmin ships it): the import's wall time and the database's size (no aim: reported).
 *
 * The generated files are kept in the system's temp folder between runs (`r42-bench-fit-v1`):
 * generating them costs more than importing them, and no figure depends on it.
 */
import { Decoder, Stream } from '@garmin/fitsdk';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { activityIngest } from '../src-main/core/coaching/activity-ingest.js';
import { createWorkerDecoder } from '../src-main/core/fit/fit-decoder.js';
import { buildFitWorker } from './build.mjs';
import { createFitImports } from '../src-main/core/fit/fit-imports.js';
import { silentLogger } from '../src-main/core/ports.js';
import { openDatabase } from '../src-main/core/store/database.js';
import { TrainingRepo } from '../src-main/core/store/training-repo.js';
import { encodeRun } from '../tests/support/fit-files.js';
import { makeZip } from '../tests/support/zip-writer.js';

/** What a phase measured: wall and CPU milliseconds of the measured part, and what it did. */
interface Phase {
  readonly ms: number;
  readonly cpuMs: number;
  readonly files: number;
  readonly imported: number;
  readonly maxRssMb: number;
  readonly dbBytes: number;
}
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const CACHE = path.join(tmpdir(), 'r42-bench-fit-v1');
const HOUR_RUNS = Number(process.env.BENCH_FIT_RUNS ?? 500);
const EXPORT_RUNS = Number(process.env.BENCH_FIT_EXPORT_RUNS ?? 1500);
const DAY = 86_400;
const FIRST_DAY = Date.UTC(2021, 0, 4) / 1000;

function hourRunsFolder(): string {
  const dir = path.join(CACHE, `hour-runs-${HOUR_RUNS}`);
  if (existsSync(path.join(dir, 'done'))) return dir;
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < HOUR_RUNS; i++) {
    const { bytes } = encodeRun({ start: FIRST_DAY + i * DAY + 7 * 3600, seconds: 3600, power: true, dynamics: true, lapMetres: 1000, seed: i });
    writeFileSync(path.join(dir, `${String(i).padStart(4, '0')}.fit`), bytes);
  }
  writeFileSync(path.join(dir, 'done'), '');
  return dir;
}

/** Garmin's export: FIT files in parts of 500 (zips), inside one zip. */
function exportArchive(): string {
  const file = path.join(CACHE, `export-${EXPORT_RUNS}.zip`);
  if (existsSync(file)) return file;
  mkdirSync(CACHE, { recursive: true });
  const parts: Buffer[] = [];
  let entries: Array<{ name: string; data: Uint8Array }> = [];
  for (let i = 0; i < EXPORT_RUNS; i++) {
    // About 6 runs a week over 5 years, 20–70 minutes each.
    const day = Math.floor((i * 7) / 6);
    const seconds = 1200 + ((i * 37) % 3000);
    entries.push({ name: `runner@example.com_${10_000_000_000 + i}.fit`, data: encodeRun({ start: FIRST_DAY + day * DAY + 6 * 3600, seconds, seed: 1000 + i, lapMetres: 1000 }).bytes });
    if (entries.length === 500 || i === EXPORT_RUNS - 1) {
      parts.push(makeZip(entries));
      entries = [];
    }
  }
  writeFileSync(file, makeZip([
    { name: 'DI_CONNECT/DI-Connect-Fitness/summary.json', data: Buffer.from('{}') },
    ...parts.map((data, i) => ({ name: `DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part${i + 1}.zip`, data, store: true })),
  ]));
  return file;
}

/** One import into a fresh database, in this process: its time, peak RSS and the database's size. */
async function importOnce(target: string): Promise<Phase> {
  const home = mkdtempSync(path.join(tmpdir(), 'r42-bench-fit-db-'));
  try {
    const db = openDatabase(path.join(home, 'companion.db'));
    const training = new TrainingRepo(db, 'default', activityIngest);
    // BENCH_FIT_INLINE=1: decoded in this thread, as before the worker (for a comparison by hand).
    const decoder = process.env.BENCH_FIT_INLINE ? undefined : createWorkerDecoder({ logger: silentLogger, script: process.env.BENCH_FIT_WORKER });
    const imports = createFitImports({ db, training, clock: { now: () => Date.now() }, logger: silentLogger, tmpDir: path.join(home, 'import-tmp'), decoder });
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const summary = await imports.importPaths([target]);
    const ms = performance.now() - t0;
    // The process's CPU time: this thread's and the worker's (which started inside the measured part).
    const cpuUsed = cpuMs(cpu);
    await imports.close();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const dbBytes = readdirSync(home).filter((f) => f.startsWith('companion.db')).reduce((n, f) => n + statSync(path.join(home, f)).size, 0);
    return { ms, cpuMs: cpuUsed, files: summary.files, imported: summary.imported, maxRssMb: process.resourceUsage().maxRSS / 1024, dbBytes };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Garmin's decoder alone over the same files, as the importer asks it to read them. */
function decodeAll(dir: string): { ms: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.fit'))) {
    const decoder = new Decoder(Stream.fromByteArray(readFileSync(path.join(dir, name))));
    decoder.checkIntegrity();
    decoder.read({ convertDateTimesToDates: true, convertTypesToStrings: true, applyScaleAndOffset: true, expandComponents: true, expandSubFields: true, mergeHeartRates: true, includeUnknownData: false });
  }
  return { ms: performance.now() - t0, cpuMs: cpuMs(cpu) };
}

/** Runs one phase in a child process of its own (a fresh heap and JIT for each, its peak RSS its own), answering JSON. */
function child(phase: string, target: string): Phase {
  const out = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), phase, target], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`bench child failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!);
}

if (process.argv[2] === '--import') {
  console.log(JSON.stringify(await importOnce(process.argv[3]!)));
} else if (process.argv[2] === '--decode') {
  console.log(JSON.stringify({ ...decodeAll(process.argv[3]!), files: 0, imported: 0, maxRssMb: process.resourceUsage().maxRSS / 1024, dbBytes: 0 }));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The worker as the CLI and the app start it: built (scripts/build.mjs), not through tsx.
  await buildFitWorker(path.join(CACHE, 'worker'), { absWorkingDir: path.resolve(fileURLToPath(import.meta.url), '../..') });
  process.env.BENCH_FIT_WORKER = path.join(CACHE, 'worker', 'fit-worker.mjs');
  const t0 = performance.now();
  const folder = hourRunsFolder();
  const archive = exportArchive();
  console.log(`FIT import (files generated with Garmin's SDK Encoder, ${Math.round((performance.now() - t0) / 1000)} s, cached in ${CACHE}):`);
  // Decoder, import, decoder, import, decoder, each in a fresh process (the machine is shared:
  // the CPU time of the measured part is the cost; wall time is printed beside it).
  const decodes = [child('--decode', folder)];
  const runs: Phase[] = [];
  for (let i = 0; i < 2; i++) {
    runs.push(child('--import', folder));
    decodes.push(child('--decode', folder));
  }
  const mean = (list: readonly Phase[], key: 'ms' | 'cpuMs') => list.reduce((n, p) => n + p[key], 0) / list.length;
  const ratio = mean(runs, 'cpuMs') / mean(decodes, 'cpuMs');
  const wallRatio = mean(runs, 'ms') / mean(decodes, 'ms');
  const perSecond = (HOUR_RUNS / mean(runs, 'ms')) * 1000;
  const peakRss = Math.max(...runs.map((r) => r.maxRssMb));
  console.log(
    `  ${HOUR_RUNS} one-hour 1 Hz runs: import ${Math.round(mean(runs, 'ms'))} ms wall, ${Math.round(mean(runs, 'cpuMs'))} ms CPU (${perSecond.toFixed(1)} files/s, ${runs[0]!.imported} imported); ` +
      `Garmin's decoder alone ${Math.round(mean(decodes, 'ms'))} ms wall, ${Math.round(mean(decodes, 'cpuMs'))} ms CPU (${((HOUR_RUNS / mean(decodes, 'ms')) * 1000).toFixed(1)} files/s); 2 imports, 3 decoder runs alternating`,
  );
  console.log(`  import / decoder alone: ${ratio.toFixed(2)}× in CPU time, ${wallRatio.toFixed(2)}× in wall time (aim: ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'NOT met'})`);
  console.log(`  peak RSS of the import process: ${Math.round(peakRss)} MB (aim: < 300 MB: ${peakRss < 300 ? 'met' : 'NOT met'})`);
  const exp = child('--import', archive);
  const archiveMb = statSync(archive).size / 1024 / 1024;
  console.log(
    `  5-year Garmin Connect export (${EXPORT_RUNS} runs, ${archiveMb.toFixed(0)} MB zip of zips): ${(exp.ms / 1000).toFixed(1)} s wall (${((exp.files / exp.ms) * 1000).toFixed(1)} files/s), database ${(exp.dbBytes / 1024 / 1024).toFixed(1)} MB, peak RSS ${Math.round(exp.maxRssMb)} MB (no aim: reported)`,
  );
}
