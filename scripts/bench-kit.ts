/* What the benchmarks share: pinning the load generator and the server under test to different
   cores, the CPU time a process spent (from /proc), autocannon in its own process, and the top
   frames of a V8 CPU profile, and the aims each part of `npm run bench` records for the summary at
   its end (scripts/bench-aims.ts). Used by scripts/bench.ts and scripts/bench-server.ts. */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');

/** Which core the server under test and the load generator each run on, or null (unpinned) and why. */
export interface Pinning {
  readonly server: string | null;
  readonly load: string | null;
  readonly note: string;
}

function detectPinning(): Pinning {
  const cores = os.availableParallelism();
  if (process.platform !== 'linux') return { server: null, load: null, note: `not pinned: taskset is Linux only (${process.platform})` };
  if (cores < 2) return { server: null, load: null, note: `not pinned: ${cores} core` };
  if (spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status !== 0) return { server: null, load: null, note: 'not pinned: taskset is not installed (util-linux)' };
  // The last core for the load generator, the one before it for the server (the bench itself idles during a round).
  return { server: String(cores - 2), load: String(cores - 1), note: `pinned with taskset: server on core ${cores - 2}, load generator on core ${cores - 1} (of ${cores})` };
}

/** BENCH_PIN=0 turns pinning off (to see what an unpinned run gives). */
export const PINNING: Pinning = process.env.BENCH_PIN === '0' ? { server: null, load: null, note: 'not pinned (BENCH_PIN=0)' } : detectPinning();

/** Spawns `node <args>` on `core` (all its threads: they inherit the affinity), or unpinned. */
export function spawnNode(core: string | null, args: readonly string[], options: SpawnOptions): ChildProcess {
  // taskset execs node in place: the child's pid is node's.
  return core === null ? spawn(process.execPath, args, options) : spawn('taskset', ['-c', core, process.execPath, ...args], options);
}

const TICKS_PER_SECOND = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();

/** Fields 14–17 of /proc/<pid>/stat (utime, stime, cutime, cstime), in seconds; null off Linux or once the process is gone. */
function statTimes(pid: number | 'self'): [number, number, number, number] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count from the closing parenthesis (field 3 onwards).
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return [11, 12, 13, 14].map((i) => Number(fields[i]) / TICKS_PER_SECOND) as [number, number, number, number];
  } catch {
    return null;
  }
}

/** The CPU time (user + system, all threads) a running process has spent so far, in seconds; null where /proc is not there. */
export function cpuSeconds(pid: number): number | null {
  const t = statTimes(pid);
  return t === null ? null : t[0] + t[1];
}

/** The CPU time of this process's children that have exited and been waited for, in seconds (null off Linux). */
export function childrenCpuSeconds(): number | null {
  const t = statTimes('self');
  return t === null ? null : t[2] + t[3];
}

export interface Cannon {
  readonly rps: number;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly statuses: string;
}

export interface CannonOptions {
  readonly connections: number;
  readonly seconds: number;
  readonly method?: 'GET' | 'POST';
  /** `name=value` */
  readonly headers?: readonly string[];
  readonly body?: string;
  /** Requests a second over all connections (`-R`). */
  readonly overallRate?: number;
  /** `[<id>]` in the body becomes a unique id per request (`-I`). */
  readonly uniqueIds?: boolean;
}

/**
 * autocannon in its own process (on the load generator's core when pinned): in the process of
 * the bench it was slower than the servers it measured, so every server looked the same.
 */
export function cannon(url: string, options: CannonOptions): Promise<Cannon> {
  return new Promise((resolve, reject) => {
    const args = [AUTOCANNON, '-c', String(options.connections), '-d', String(options.seconds), '-m', options.method ?? 'GET'];
    for (const header of options.headers ?? []) args.push('-H', header);
    if (options.body !== undefined) args.push('-b', options.body);
    if (options.overallRate) args.push('-R', String(options.overallRate));
    if (options.uniqueIds) args.push('-I');
    const child = spawnNode(PINNING.load, [...args, '--json', url], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => {
      try {
        const r = JSON.parse(out) as {
          requests: { total: number };
          duration: number;
          latency: { p50: number; p99: number };
          errors: number;
          timeouts: number;
          non2xx: number;
          statusCodeStats?: Record<string, { count: number }>;
        };
        const statuses = Object.entries(r.statusCodeStats ?? {})
          .map(([code, s]) => `${code}×${s.count}`)
          .join(' ');
        // Total over wall time: autocannon's per-second average needs whole seconds.
        resolve({ rps: r.requests.total / r.duration, requests: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, statuses });
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** A load round against a server process: autocannon's figures and the server's CPU time per request over the round. */
export interface Round extends Cannon {
  /** Server CPU per answered request, µs; null where /proc is not there. */
  readonly cpuUsPerRequest: number | null;
  /** Share of one core the server used over the round. */
  readonly cpuShare: number | null;
}

export async function measuredRound(pid: number, url: string, options: CannonOptions): Promise<Round> {
  const before = cpuSeconds(pid);
  const started = performance.now();
  const result = await cannon(url, options);
  const wall = (performance.now() - started) / 1000;
  const after = cpuSeconds(pid);
  const cpu = before === null || after === null ? null : after - before;
  return {
    ...result,
    cpuUsPerRequest: cpu === null || result.requests === 0 ? null : (cpu * 1e6) / result.requests,
    cpuShare: cpu === null ? null : cpu / wall,
  };
}

export const verdict = (met: boolean) => (met ? 'met' : 'NOT met');

/** One aim of issue 22 with this run's figure: printed where it is measured, and again in the summary. */
export interface AimRecord {
  readonly aim: string;
  readonly figure: string;
  readonly met: boolean;
}

/** Where the parts of one `npm run bench` collect their aims (BENCH_AIMS_FILE overrides). */
export const AIMS_FILE = process.env.BENCH_AIMS_FILE ?? path.join(os.tmpdir(), `r42-bench-aims-${os.userInfo().uid}.jsonl`);

/** A new run: the aims of an earlier one are dropped (scripts/bench.ts, the first part, calls it). */
export function startAimRecord(): void {
  writeFileSync(AIMS_FILE, `${JSON.stringify({ run: new Date().toISOString() })}\n`);
}

/** Adds an aim's figure to this run's summary. */
export function recordAim(record: AimRecord): void {
  appendFileSync(AIMS_FILE, `${JSON.stringify(record)}\n`);
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

/** Whose code a profile frame is: the project's (its bundles or sources), Node's own JavaScript, a native function (a syscall such as writev), the garbage collector, or V8's "(program)". */
export type FrameOwner = 'ours' | 'node' | 'native' | 'gc' | 'program';

function ownerOf(functionName: string, url: string): FrameOwner {
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'program';
  if (url === '') return 'native';
  if (url.startsWith('node:')) return 'node';
  // Dependencies (node_modules) count as the project's: it chose them.
  return 'ours';
}

/**
 * Where a V8 CPU profile's main thread spent its busy samples (self time), largest first: each
 * frame's share of the samples that were not idle; the idle share of all samples; and the busy
 * share by whose code it was (FrameOwner).
 */
export function topFrames(file: string, count: number): { idle: number; frames: Array<{ frame: string; share: number }>; owners: Record<FrameOwner, number> } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const time = new Map<string, number>();
  const owners: Record<FrameOwner, number> = { ours: 0, node: 0, native: 0, gc: 0, program: 0 };
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    // The inspector's own dispatch (url-less) is the profiler being started and stopped: not the server's work.
    if (functionName === 'dispatch' && url === '') return;
    total += delta;
    if (functionName === '(idle)') {
      idle += delta;
      return;
    }
    const file = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/|dist\/|src-[a-z]+\/)/, '$1');
    const frame = url ? `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}` : functionName;
    time.set(frame, (time.get(frame) ?? 0) + delta);
    owners[ownerOf(functionName, url)] += delta;
  });
  const busy = total - idle;
  for (const owner of Object.keys(owners) as FrameOwner[]) owners[owner] = busy > 0 ? owners[owner] / busy : 0;
  return {
    idle: total > 0 ? idle / total : 0,
    owners,
    frames: [...time]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([frame, t]) => ({ frame, share: busy > 0 ? t / busy : 0 })),
  };
}
