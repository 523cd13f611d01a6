import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CompanionError } from '../errors.js';
import { writeJsonAtomic } from '../store/json-file.js';

/** What agent.json holds: where the endpoint is (its URL, and its socket when it has one), and the owner's secret for it. */
const agentFileSchema = z.strictObject({ url: z.url(), token: z.string().min(16), pid: z.number().int().positive(), socket: z.string().min(1).optional() });
export type AgentFile = z.infer<typeof agentFileSchema>;

export const agentFilePath = (home: string) => path.join(home, 'agent.json');
const lockPath = (home: string) => path.join(home, 'serve.lock');

/** The longest Unix socket path every platform takes (macOS: 104 bytes with the final NUL). */
const MAX_SOCKET_PATH_BYTES = 103;

/**
 * Where an endpoint's socket goes, or null when there is no safe place (then agents use TCP, where
 * the endpoint proves itself first). On Windows a named pipe with an unguessable name, told only
 * through agent.json (0600) and `run --`; elsewhere `name` in the data folder, only when that folder
 * is this user's alone (0700, owned by us), so no other user can bind or replace the socket, and
 * when the path fits a socket address.
 */
export function agentSocketPath(home: string, name = 'agent.sock', platform: NodeJS.Platform = process.platform): string | null {
  if (platform === 'win32') return `\\\\.\\pipe\\r42-companion-${randomBytes(16).toString('hex')}`;
  const file = path.join(home, name);
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH_BYTES) return null;
  try {
    const folder = statSync(home);
    if ((folder.mode & 0o077) !== 0 || (process.getuid !== undefined && folder.uid !== process.getuid())) return null;
  } catch {
    return null;
  }
  return file;
}

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

/** The URL of the agent endpoint another process (`serve`, the app) runs for this data folder, if any. */
export function runningEndpointUrl(home: string, isProcessAlive: (pid: number) => boolean): string | null {
  const running = readAgentFile(home);
  return running && isProcessAlive(running.pid) ? running.url : null;
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
