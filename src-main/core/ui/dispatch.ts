import { MAX_JSON_DEPTH, tooDeepMessage, valueNestsDeeperThan } from '../../../src-common/json-depth.js';
import { CHANNELS, isChannel, type Channel, type Envelope } from '../../../src-common/ipc-contract.js';
import { describeForeignError, isCompanionError } from '../errors.js';
import type { Logger } from '../ports.js';
import type { UiService } from './ui-service.js';

/** The most arrays and objects a call's arguments may hold: a real call holds a handful. */
const MAX_ARGUMENT_NODES = 10_000;

/**
 * The server side of the IPC contract, independent of the transport: parses the channel name and
 * arguments, calls the core, parses the result on the way out, and turns every failure into
 * `{ code, message }`.
 */
export function createDispatcher(service: UiService, logger: Logger): (channel: string, rawArgs: unknown) => Promise<Envelope<unknown>> {
  const handlers = service.handlers() as Record<Channel, (args: unknown) => unknown>;
  return async (channel, rawArgs) => {
    if (!isChannel(channel)) return { ok: false, error: { code: 'unknown_channel', message: 'No such operation.' } };
    const spec = CHANNELS[channel];
    // Before zod walks them: a structured clone can nest (or share) objects without end.
    if (valueNestsDeeperThan(rawArgs, MAX_JSON_DEPTH, MAX_ARGUMENT_NODES)) return { ok: false, error: { code: 'invalid_arguments', message: tooDeepMessage(MAX_JSON_DEPTH) } };
    const args = spec.args.safeParse(rawArgs);
    if (!args.success) return { ok: false, error: { code: 'invalid_arguments', message: `Invalid arguments for ${channel}.` } };
    try {
      const value = spec.result.parse(await handlers[channel](args.data));
      return { ok: true, value };
    } catch (error) {
      if (isCompanionError(error)) return { ok: false, error: error.toJSON() };
      logger.log('error', 'ui.dispatch_failed', { channel, ...describeForeignError(error) });
      return { ok: false, error: { code: 'internal_error', message: 'Something went wrong inside R42 Companion. See its log.' } };
    }
  };
}
