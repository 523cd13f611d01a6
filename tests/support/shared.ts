/**
 * The project brief's shared material (Garmin's documented payloads, real FIT files): read at test
 * time from `<repository>/../shared`, never copied into the repository. In a git worktree the
 * repository's main checkout is tried too, since a worktree usually sits elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.js';

/** `<repository>/../shared/<name>`, or null when it is not there (a clone elsewhere): the caller skips and says so. */
export function sharedDir(name: string): string | null {
  const roots = [ROOT];
  try {
    const common = execFileSync('git', ['rev-parse', '--git-common-dir'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    roots.push(path.dirname(path.resolve(ROOT, common)));
  } catch {
    // Not a git checkout: only the folder beside this one.
  }
  return roots.map((root) => path.join(root, '..', 'shared', name)).find((dir) => existsSync(dir)) ?? null;
}
