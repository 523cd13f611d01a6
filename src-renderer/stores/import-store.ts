import { create } from 'zustand';
import type { ErrorView, ImportSummaryView } from '../../src-common/ipc-contract';
import { bridge as defaultBridge, toErrorView, type Bridge } from '../bridge';

/** FIT import from the app: files dropped on it (sent as bytes, one at a time) and Import from watch. */
export interface ImportStore {
  readonly busy: boolean;
  /** What the last import did, in words. */
  readonly result: string | null;
  /** Where the watch was looked for and why nothing could be read (MTP), from the last Import from watch. */
  readonly note: string | null;
  readonly error: ErrorView | null;
  importFiles(files: readonly File[]): Promise<void>;
  importFromWatch(): Promise<void>;
}

/** The largest file sent: a FIT file is at most 32 MB (the importer's own bound). */
const MAX_DROP_BYTES = 32 * 1024 * 1024;

async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function describeImport(s: { imported: number; already: number; skipped: number; activities: number; results: ImportSummaryView['results'] }): string {
  const parts = [`${s.imported} imported (${s.activities} ${s.activities === 1 ? 'activity' : 'activities'})`, `${s.already} already there`, `${s.skipped} skipped`];
  const reasons = s.results.filter((r) => r.outcome === 'skipped').slice(0, 5).map((r) => `${r.name}: ${r.message ?? r.reason}`);
  return `${parts.join(', ')}.${reasons.length ? ` ${reasons.join(' ')}` : ''}`;
}

export function createImportStore(bridge: Bridge = defaultBridge, onImported: () => void = () => undefined) {
  return create<ImportStore>()((set) => ({
    busy: false,
    result: null,
    note: null,
    error: null,
    async importFiles(files) {
      set({ busy: true, error: null, note: null, result: null });
      const total = { imported: 0, already: 0, skipped: 0, activities: 0, results: [] as ImportSummaryView['results'][number][] };
      try {
        for (const file of files) {
          if (file.size > MAX_DROP_BYTES) {
            total.skipped++;
            total.results.push({ name: file.name, outcome: 'skipped', reason: 'too_large', message: 'Larger than any watch activity (32 MB).', activities: [], warnings: [] });
            continue;
          }
          const s = await bridge.importFile(file.name, await base64Of(file));
          total.imported += s.imported;
          total.already += s.already;
          total.skipped += s.skipped;
          total.activities += s.activities;
          total.results.push(...s.results);
        }
        set({ busy: false, result: describeImport(total) });
        if (total.imported) onImported();
      } catch (error) {
        set({ busy: false, error: toErrorView(error) });
      }
    },
    async importFromWatch() {
      set({ busy: true, error: null, note: null, result: null });
      try {
        const s = await bridge.importFromWatch();
        const found = s.watch?.found ?? [];
        set({ busy: false, note: s.watch?.note ?? null, result: found.length ? `Watch found (${found.join(', ')}): ${describeImport(s)}` : null });
        if (s.imported) onImported();
      } catch (error) {
        set({ busy: false, error: toErrorView(error) });
      }
    },
  }));
}
