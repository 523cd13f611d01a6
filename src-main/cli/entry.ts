/**
 * The installed CLI's process entry (bin/r42-companion.js imports it; the build writes it to
 * dist/cli/index.js). `r42-companion token` with a token cached in the keychain is answered from
 * here by ./token-fast-path.ts, bundled into this file, which asks the keychain before it loads
 * anything else; everything else, and a token that must be refreshed, goes to the CLI (./index.ts).
 * What it imports statically is Node's own modules and small ones bundled into it (the fast path,
 * the limits, ./process-entry.ts), so `token` loads one file of ours: a second module to resolve,
 * read and link cost about a millisecond of its start.
 */
import { fileURLToPath } from 'node:url';
import { MAX_MIN_VALID_SECONDS } from '../../src-common/limits.js';
import { isProcessEntry } from './process-entry.js';
import { cachedToken, type QuickAnswer } from './token-fast-path.js';

/** `token`, `token --min-valid N`, `token --min-valid=N` with N plain digits: the seconds (or undefined); anything else is the CLI's to parse (null). */
export function plainTokenCall(argv: readonly string[]): { minValidSeconds: number | undefined } | null {
  if (argv[0] !== 'token') return null;
  if (argv.length === 1) return { minValidSeconds: undefined };
  const value = argv.length === 2 ? /^--min-valid=(\d{1,6})$/.exec(argv[1]!)?.[1] : argv.length === 3 && argv[1] === '--min-valid' ? argv[2] : undefined;
  // Past the bound the CLI says why.
  return value !== undefined && /^\d{1,6}$/.test(value) && Number(value) <= MAX_MIN_VALID_SECONDS ? { minValidSeconds: Number(value) } : null;
}

/** R42's defaults that `npm run dist` writes beside the bundles (dist/defaults.json), as the CLI resolves them. */
const PACKAGED_DEFAULTS_FILE = fileURLToPath(new URL('../defaults.json', import.meta.url));

/** The process entry: a cached token answered at once, else the CLI with real stdio, Ctrl-C and exit code. */
export async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const plain = plainTokenCall(argv);
  let quick: QuickAnswer | undefined;
  if (plain) {
    const io = { env: process.env, stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text) };
    quick = await cachedToken({ io, packagedDefaultsFile: PACKAGED_DEFAULTS_FILE }, plain.minValidSeconds);
    if (quick.answered) return;
  }
  const { runCli, processIo } = await import('./index.js');
  process.exitCode = await runCli(argv, processIo(), quick ? { quickToken: quick } : {});
}

if (isProcessEntry(import.meta.url)) await main();
