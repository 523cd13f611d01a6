import path from 'node:path';
import { z } from 'zod';
import { isCompanionError } from '../errors.js';
import type { Logger } from '../ports.js';
import { readJsonFile, writeJsonAtomic } from '../store/json-file.js';

/** The agent endpoint's remembered port: a port number and nothing else (no secret). */
const portFileSchema = z.strictObject({ port: z.number().int().min(1).max(65535) });

export const agentPortPath = (home: string) => path.join(home, 'agent-port.json');

/** The port the endpoint used last time for this data folder, or null (none yet, or an unreadable file). */
export function readRememberedPort(home: string): number | null {
  return readJsonFile(agentPortPath(home), portFileSchema)?.port ?? null;
}

/**
 * Starts the endpoint on a port that stays the same from one start to the next, so an agent
 * configured once with its URL keeps working. `R42_AGENT_PORT` (non-zero) wins and is never
 * remembered; otherwise the remembered port is tried first, and when another program took it a
 * free one is picked, remembered, and the log says so.
 */
export async function startOnStablePort<S extends { readonly port: number }>(
  start: (port: number) => Promise<S>,
  options: { readonly home: string; readonly configuredPort: number; readonly logger: Logger },
): Promise<S> {
  if (options.configuredPort !== 0) return start(options.configuredPort);
  const remembered = readRememberedPort(options.home);
  if (remembered !== null) {
    try {
      return await start(remembered);
    } catch (error) {
      if (!isCompanionError(error) || error.code !== 'port_in_use') throw error;
    }
  }
  const server = await start(0);
  if (remembered !== null) options.logger.log('warn', 'agent.port_changed', { previous: remembered, port: server.port });
  writeJsonAtomic(agentPortPath(options.home), { port: server.port });
  return server;
}
