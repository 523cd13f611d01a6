import type { ImportSummary } from '../../../src-common/contract.js';
import { CompanionError } from '../../core/errors.js';
import { usageError } from '../args.js';
import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const REASON_WORDS: Record<string, string> = {
  empty: 'empty',
  not_fit: 'not a FIT file',
  too_large: 'too large',
  not_activity: 'not an activity',
  no_data: 'no data',
  damaged: 'damaged',
  unreadable: 'unreadable',
  unsafe_entry: 'unsafe name in an archive',
  symlink: 'symbolic link in an archive',
  symlink_loop: 'symbolic link loop',
  zip_bomb: 'zip bomb',
  too_many_files: 'too many files',
  not_fit_or_zip: 'not a .fit or .zip',
  zip_damaged: 'damaged archive',
  decoder_failed: 'decoder failed',
};

/** The summary a runner reads: counts, then each skipped file with its reason (at most 50 listed). */
export function describeImport(s: ImportSummary): string {
  const out: string[] = [];
  out.push(`${s.imported} imported (${s.activities} ${s.activities === 1 ? 'activity' : 'activities'}), ${s.already} already there, ${s.skipped} skipped.`);
  const skipped = s.results.filter((r) => r.outcome === 'skipped');
  if (skipped.length) {
    out.push(`Skipped: ${Object.entries(s.reasons).map(([reason, n]) => `${n} ${REASON_WORDS[reason] ?? reason}`).join(', ')}.`);
    for (const r of skipped.slice(0, 50)) out.push(`  ${r.name}: ${r.message ?? r.reason}`);
    if (skipped.length > 50) out.push(`  … and ${skipped.length - 50} more (--json lists every file).`);
  }
  const warned = s.results.filter((r) => r.warnings.length);
  for (const r of warned.slice(0, 20)) out.push(`  ${r.name}: ${r.warnings.join(' ')}`);
  return `${out.join('\n')}\n`;
}

const importCommand: Command = {
  name: 'import',
  group: 'data',
  synopsis: 'import <file|folder|zip>… [--json]',
  summary:
    'Import activities from FIT files: the watch\'s GARMIN/Activity folder (over USB), single files, folders,\nor Garmin Connect\'s export archive (the zip as downloaded). Works offline and without a Garmin link;\nthe same run from a file and from Garmin is one activity, and importing the same files again changes nothing.',
  flags: [{ name: 'json', description: 'the summary and every file\'s result as JSON' }],
  examples: ['r42-companion import /media/$USER/GARMIN/GARMIN/Activity', 'r42-companion import ~/Downloads/garmin-export.zip', 'r42-companion import run.fit --json'],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    if (flags.positionals.length === 0) throw usageError('Give at least one FIT file, folder or zip: `r42-companion import <file|folder|zip>…`.');
    return withCompanion(ctx, async (companion) => {
      const abort = new AbortController();
      const unhook = io.onInterrupt(() => abort.abort(new CompanionError('sign_in_cancelled', 'Import stopped; what was imported is kept, and importing again picks up the rest.')));
      let drawn = false;
      try {
        const summary = await companion.imports.importPaths(flags.positionals, {
          signal: abort.signal,
          onProgress: (p) => {
            // Redrawn with \r: only on a terminal, never into a log or a pipe.
            if (!io.stderrIsTTY) return;
            drawn = true;
            const name = p.name.length > 48 ? `…${p.name.slice(-47)}` : p.name;
            io.stderr(`\rImporting ${String(p.done).padStart(6)} files  ${name.padEnd(48)}`);
          },
        });
        if (drawn) io.stderr('\n');
        if (flags.boolean('json')) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
        else io.stdout(describeImport(summary));
        // Something given, nothing usable in it at all: a failure the caller should see.
        return summary.imported === 0 && summary.already === 0 && summary.skipped > 0 ? 1 : 0;
      } finally {
        unhook();
      }
    });
  },
};

export default importCommand;
