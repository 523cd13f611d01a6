import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CompanionError } from '../errors.js';
import { writeJsonAtomic } from '../store/json-file.js';

/** What agent.json holds: where the endpoint is, and the owner's secret for it. */
const agentFileSchema = z.strictObject({ url: z.url(), token: z.string().min(16), pid: z.number().int().positive() });
export type AgentFile = z.infer<typeof agentFileSchema>;

export const agentFilePath = (home: string) => path.join(home, 'agent.json');
const lockPath = (home: string) => path.join(home, 'serve.lock');

/** Writes agent.json atomically with mode 0600: readers see the old file or the new one, never half. */
export function writeAgentFile(home: string, content: AgentFile): void {
  writeJsonAtomic(agentFilePath(home), content);
}

/** agent.json when present and well-formed, else null. */
export function readAgentFile(home: string): AgentFile | null {
  let text: string;
  try {
    text = readFileSync(agentFilePath(home), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = agentFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Removes agent.json if it is ours (a newer server may have replaced it). */
export function removeAgentFile(home: string, pid: number): void {
  const current = readAgentFile(home);
  if (current === null || current.pid === pid) rmSync(agentFilePath(home), { force: true });
}

/**
 * One agent endpoint per data folder: an exclusive lock file holding the pid. A lock whose process
 * is gone (crash, kill -9) is taken over.
 */
export function acquireServeLock(home: string, pid: number, isProcessAlive: (pid: number) => boolean): () => void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = lockPath(home);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(pid), { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(pid)) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== pid && isProcessAlive(holder)) {
        throw new CompanionError(
          'agent_already_running',
          `R42 Companion is already serving agents for this data folder (process ${holder}). Use that one (see agent.json), or stop it first.`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new CompanionError('agent_already_running', 'Another R42 Companion started serving agents at the same moment. Try again.');
}
