import { CHANNELS, isChannel, type Channel, type Envelope } from '../../../src-preload/contract.js';
import { isCompanionError } from '../errors.js';
import type { Logger } from '../ports.js';
import type { UiService } from './ui-service.js';

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
    const args = spec.args.safeParse(rawArgs);
    if (!args.success) return { ok: false, error: { code: 'invalid_arguments', message: `Invalid arguments for ${channel}.` } };
    try {
      const value = spec.result.parse(await handlers[channel](args.data));
      return { ok: true, value };
    } catch (error) {
      if (isCompanionError(error)) return { ok: false, error: error.toJSON() };
      logger.log('error', 'ui.dispatch_failed', { channel });
      return { ok: false, error: { code: 'internal_error', message: 'Something went wrong inside R42 Companion. See its log.' } };
    }
  };
}
