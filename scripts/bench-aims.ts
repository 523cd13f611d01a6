/* The last part of `npm run bench`: every aim of issue 22 next to this run's figure, met or NOT
   met, as the parts before it recorded them (scripts/bench-kit.ts recordAim). An aim a part did
   not reach this run (it failed, or was left out) is said to be missing, never taken as met.
   CI time is not measured here (a fresh clone's `bash .ci/run` runs the whole suite, which takes
   the machine for minutes): BENCH_CI_SECONDS=<seconds of such a run> prints it with its verdict. */
import { existsSync, readFileSync } from 'node:fs';
import { AIMS_FILE, verdict, type AimRecord } from './bench-kit.js';

/** `bash .ci/run` on a fresh clone of this machine (issue 22). */
const CI_AIM_SECONDS = 12 * 60;

/** The aims every run should have recorded, by the start of their text. */
const EXPECTED = ['GET /v1/token', 'POST /mcp', 'r42-companion token', 'webhook intake', '90-day history'];

const lines = existsSync(AIMS_FILE) ? readFileSync(AIMS_FILE, 'utf8').split('\n').filter(Boolean) : [];
const run = lines.length > 0 ? (JSON.parse(lines[0]!) as { run?: string }).run : undefined;
const records = lines.slice(1).map((line) => JSON.parse(line) as AimRecord);

console.log(`\nIssue 22's aims, this run${run ? ` (started ${run})` : ''}:`);
for (const r of records) console.log(`  ${r.aim}: ${r.figure} — ${verdict(r.met)}`);
for (const name of EXPECTED) if (!records.some((r) => r.aim.startsWith(name))) console.log(`  ${name}: not measured in this run — NOT met`);
const ci = process.env.BENCH_CI_SECONDS;
if (ci !== undefined && /^\d+(\.\d+)?$/.test(ci)) {
  const seconds = Number(ci);
  console.log(`  bash .ci/run on a fresh clone ≤ ${CI_AIM_SECONDS / 60} min: ${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s (${seconds} s, as given in BENCH_CI_SECONDS) — ${verdict(seconds <= CI_AIM_SECONDS)}`);
} else {
  console.log(`  bash .ci/run on a fresh clone ≤ ${CI_AIM_SECONDS / 60} min: not measured by the bench (give BENCH_CI_SECONDS=<seconds> from a fresh clone's run)`);
}
