import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import keytar from 'keytar';
import { GarminSimulator, type SimulatorOptions } from '../simulator/garmin-simulator.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'src-main/cli/index.ts');
export const RUNNER_BROWSER = path.join(ROOT, 'tests/fixtures/runner-browser.mjs');

export const TEST_CLIENT_ID = 'r42-test-client';
export const TEST_CLIENT_SECRET = 'sim-client-secret-5f1f0d7e3a9b4c2d';

/** A fresh temporary folder, removed by `cleanup`. */
export function tempDir(prefix = 'r42-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A unique keychain service name, so tests never touch a real user's entries or each other's. */
export function testKeychainService(): string {
  return `r42-companion-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Removes every item a test left under its keychain service. */
export async function clearKeychainService(service: string): Promise<void> {
  for (const { account } of await keytar.findCredentials(service)) await keytar.deletePassword(service, account);
}

export async function keychainItems(service: string): Promise<Array<{ account: string; password: string }>> {
  return keytar.findCredentials(service);
}

export async function startSimulator(options: Partial<SimulatorOptions> & { secret?: boolean } = {}): Promise<GarminSimulator> {
  const { secret = true, ...rest } = options;
  return new GarminSimulator({
    clients: [
      {
        clientId: TEST_CLIENT_ID,
        ...(secret ? { clientSecret: TEST_CLIENT_SECRET } : {}),
        redirectUris: ['http://127.0.0.1:0/callback'],
        anyLoopbackPort: true,
      },
    ],
    ...rest,
  }).start();
}

/** One isolated world: a data folder, a keychain service, and env pointing at the simulator. */
export interface World {
  readonly home: string;
  readonly keychainService: string;
  readonly browserLog: string;
  readonly env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export function makeWorld(sim: GarminSimulator, extra: Record<string, string> = {}): World {
  const home = tempDir('r42-home-');
  const scratch = tempDir('r42-scratch-');
  const keychainService = testKeychainService();
  const browserLog = path.join(scratch, 'browser.jsonl');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR,
    XDG_DATA_HOME: process.env.XDG_DATA_HOME,
    R42_HOME: home,
    R42_KEYCHAIN_SERVICE: keychainService,
    R42_HTTP_TIMEOUT_SECONDS: '5',
    BROWSER: `${process.execPath} ${RUNNER_BROWSER}`,
    R42_TEST_BROWSER_LOG: browserLog,
    ...sim.env(),
    ...extra,
  };
  return {
    home,
    keychainService,
    browserLog,
    env,
    async cleanup() {
      await clearKeychainService(keychainService);
      rmSync(home, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `runCli` in the current world's environment, keeping every stdout and stderr in `outputs` so a test
 * can search all of them for secrets at the end. Empty `outputs` between tests (`outputs.length = 0`).
 */
export function recordingCli(world: () => World) {
  const outputs: string[] = [];
  const cli = async (args: readonly string[], extra: NodeJS.ProcessEnv = {}, options: Parameters<typeof runCli>[2] = {}): Promise<CliResult> => {
    const result = await runCli(args, { ...world().env, ...extra }, options);
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  return { cli, outputs };
}

/** Runs the real CLI in a child process, as a runner or an agent's script would. */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { stdin?: string; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 25_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** Every file under `dir` (SQLite, WAL, logs, config …) that contains one of `secrets`. */
export function filesContaining(dir: string, secrets: Iterable<string>): string[] {
  const needles = [...secrets].filter((s) => s.length >= 8).map((s) => Buffer.from(s));
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const file = path.join(d, name);
      const st = statSync(file);
      if (st.isDirectory()) walk(file);
      // The agent endpoint's socket holds nothing (and cannot be read as a file).
      else if (st.isFile()) {
        const bytes = readFileSync(file);
        if (needles.some((n) => bytes.includes(n))) hits.push(file);
      }
    }
  };
  walk(dir);
  return hits;
}

/** The secrets among `secrets` that appear in `text`. */
export function secretsIn(text: string, secrets: Iterable<string>): string[] {
  return [...secrets].filter((s) => s.length >= 8 && text.includes(s));
}

export function readJsonLines<T>(file: string): T[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as T);
  } catch {
    return [];
  }
}
