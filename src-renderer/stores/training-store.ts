import { create } from 'zustand';
import type { ActivityItemView, ErrorView, WeekView } from '../../src-common/ipc-contract';
import { bridge as defaultBridge, toErrorView, type Bridge } from '../bridge';

export interface TrainingStore {
  readonly activities: readonly ActivityItemView[];
  readonly weeks: readonly WeekView[];
  readonly weekCount: number;
  readonly syncing: boolean;
  readonly lastResult: string | null;
  readonly error: ErrorView | null;
  /** The longest history asked for from this window (days), so the offer to load more goes away. */
  readonly historyDays: number;
  load(): Promise<void>;
  setWeekCount(weeks: number): Promise<void>;
  syncNow(): Promise<void>;
  /** `relay`: Garmin sends the history later, through R42's server; the sync only asks for it. */
  loadHistory(days: number, relay?: boolean): Promise<void>;
  clearError(): void;
}

const describeResult = (result: Awaited<ReturnType<Bridge['syncNow']>>, what: string) =>
  result.outcome === 'offline'
    ? 'Garmin could not be reached; the sync continues by itself when the network is back.'
    : result.outcome === 'not_connected'
      ? 'Connect Garmin first.'
      : `${what}: ${result.stored} records${result.skipped ? `, ${result.skipped} unreadable records skipped` : ''}.`;

export function createTrainingStore(bridge: Bridge = defaultBridge) {
  return create<TrainingStore>()((set, get) => ({
    activities: [],
    weeks: [],
    weekCount: 12,
    syncing: false,
    lastResult: null,
    error: null,
    historyDays: 0,
    async load() {
      try {
        const [activities, weeks] = await Promise.all([bridge.activities(25), bridge.weekly(get().weekCount)]);
        set({ activities: activities.data, weeks: weeks.data });
      } catch (error) {
        set({ error: toErrorView(error) });
      }
    },
    async setWeekCount(weekCount) {
      set({ weekCount });
      await get().load();
    },
    async syncNow() {
      set({ syncing: true, error: null });
      try {
        const result = await bridge.syncNow();
        set({ lastResult: describeResult(result, 'Synced') });
        await get().load();
      } catch (error) {
        set({ error: toErrorView(error) });
      } finally {
        set({ syncing: false });
      }
    },
    async loadHistory(days, relay = false) {
      set({ syncing: true, error: null, historyDays: Math.max(get().historyDays, days) });
      try {
        const result = await bridge.loadHistory(days);
        const weeks = Math.round(days / 7);
        set({ lastResult: relay && result.outcome === 'completed' ? `Asked Garmin for ${weeks} weeks of history; it arrives as Garmin prepares it.` : describeResult(result, `History of ${weeks} weeks loaded`) });
        await get().load();
      } catch (error) {
        set({ error: toErrorView(error) });
      } finally {
        set({ syncing: false });
      }
    },
    clearError() {
      set({ error: null });
    },
  }));
}

/** Minutes per km as m:ss. */
/** Seconds as h:mm:ss or mm:ss. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

export const activityLabel = (type: string) => type.charAt(0) + type.slice(1).toLowerCase().replaceAll('_', ' ');
