import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const logout: Command = {
  name: 'logout',
  group: 'core',
  synopsis: 'logout [--keep-data]',
  summary: 'Unlink: delete the registration at Garmin (when no other computer of yours is linked) and\nevery local secret, and the synced training data unless --keep-data.',
  flags: [{ name: 'keep-data', description: 'keep the synced training data on this computer' }],
  examples: ['r42-companion logout', 'r42-companion logout --keep-data'],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    return withCompanion(ctx, async (companion) => {
      const result = await companion.disconnect({ keepData: flags.boolean('keep-data') });
      const dataLine = result.dataKept ? 'Synced training data is kept on this computer.\n' : 'Synced training data (if any) is deleted from this computer.\n';
      if (!result.wasConnected) {
        io.stderr(`No Garmin account is linked. ${dataLine}`);
        return 0;
      }
      io.stderr(dataLine);
      if (result.deregisteredAtGarmin) {
        io.stderr(`Unlinked Garmin user ${result.garminUserId}: Garmin deleted R42 Companion's registration, and the tokens are gone from this computer.\n`);
      } else if (result.otherComputers > 0) {
        const others = result.otherComputers === 1 ? 'your other computer' : `your ${result.otherComputers} other computers`;
        const seen = result.othersLastSeenAt ? ` (last seen ${result.othersLastSeenAt.slice(0, 16).replace('T', ' ')} UTC)` : '';
        io.stderr(
          `Unlinked Garmin user ${result.garminUserId} on this computer: tokens and link data are deleted here.\n` +
            `Garmin keeps R42 Companion's registration for ${others}${seen}, which still receive your data. Disconnect there too to end the link at Garmin (the last computer to disconnect deletes it), or remove R42 Companion in Garmin Connect (Settings → Connected Apps).\n`,
        );
      } else {
        io.stderr(
          `Unlinked Garmin user ${result.garminUserId} on this computer: tokens and link data are deleted here.\n` +
            `Garmin could not be told (${result.garminError?.code ?? 'unknown'}), so Garmin keeps the registration until you remove R42 Companion in Garmin Connect (Settings → Connected Apps).\n`,
        );
      }
      return 0;
    });
  },
};

export default logout;
