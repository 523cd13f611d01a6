import { create } from 'zustand';
import type { ActivityDetailsAnswer, HrProfileAnswer, PersonalRecordsAnswer, SplitUnit, TrainingLoadAnswer, TrendsAnswer } from '../../src-common/coaching-contract';
import type { Freshness } from '../../src-common/contract';
import type { ErrorView } from '../../src-common/ipc-contract';
import { bridge as defaultBridge, toErrorView, type Bridge } from '../bridge';
import { addDays } from '../../src-common/dates';
import { localToday } from '../format';

/** A coaching page: one activity, or one of the pictures over time. */
export type CoachingPage = { readonly kind: 'activity'; readonly id: string } | { readonly kind: 'load' } | { readonly kind: 'trends' } | { readonly kind: 'records' };

/** An open page and what had the focus when it opened (it gets the focus back on close). */
export interface OpenPage {
  readonly page: CoachingPage;
  readonly opener: HTMLElement | null;
}

/** One answer as a page waits for it: loading, the figures and their freshness, or what went wrong. */
export interface Loadable<T> {
  readonly data: T | null;
  readonly freshness: Freshness | null;
  readonly error: ErrorView | null;
  readonly loading: boolean;
}

const idle = <T>(): Loadable<T> => ({ data: null, freshness: null, error: null, loading: false });

export const LOAD_WEEK_CHOICES = [12, 26, 52] as const;
export const TREND_DAY_CHOICES = [30, 90, 180] as const;

export interface CoachingStore {
  /** Open pages, the top one shown; empty: the overview. */
  readonly stack: readonly OpenPage[];
  /** Kilometres or miles, for splits, paces and the chart. */
  readonly unit: SplitUnit;
  /** Activity details by summary id (in the current unit). */
  readonly activities: Readonly<Record<string, Loadable<ActivityDetailsAnswer>>>;
  readonly profile: HrProfileAnswer | null;
  readonly loadWeeks: number;
  readonly load: Loadable<TrainingLoadAnswer>;
  readonly trendDays: number;
  readonly trends: Loadable<TrendsAnswer>;
  readonly records: Loadable<PersonalRecordsAnswer>;
  /** Opens a page over the current one and starts loading its figures. */
  open(page: CoachingPage, opener?: HTMLElement | null): void;
  /** Closes the top page; answers it (with its opener), or null on the overview. */
  back(): OpenPage | null;
  loadActivity(id: string): Promise<void>;
  setUnit(unit: SplitUnit): Promise<void>;
  loadProfile(): Promise<void>;
  loadTrainingLoad(): Promise<void>;
  setLoadWeeks(weeks: number): Promise<void>;
  loadTrends(): Promise<void>;
  setTrendDays(days: number): Promise<void>;
  loadRecords(): Promise<void>;
}

/**
 * The coaching pages: which is open, and the coaching service's answers they show. Each answer
 * slot remembers the request it waits for, so a slow answer to an earlier choice (km, then mi)
 * never overwrites the later one.
 */
export function createCoachingStore(bridge: Bridge = defaultBridge, today: () => string = () => localToday()) {
  const latest = new Map<string, number>();
  let counter = 0;
  /** Runs `ask` for slot `key`; `apply` gets its outcome only if no later request for the slot began. */
  const request = async <T>(key: string, ask: () => Promise<T>, apply: (outcome: { data: T } | { error: ErrorView }) => void) => {
    const ticket = ++counter;
    latest.set(key, ticket);
    let outcome: { data: T } | { error: ErrorView };
    try {
      outcome = { data: await ask() };
    } catch (error) {
      outcome = { error: toErrorView(error) };
    }
    if (latest.get(key) === ticket) apply(outcome);
  };
  const settle = <T>(outcome: { data: { data: T } & Freshness } | { error: ErrorView }): Loadable<T> =>
    'data' in outcome
      ? { data: outcome.data.data, freshness: { last_sync_at: outcome.data.last_sync_at, stale: outcome.data.stale }, error: null, loading: false }
      : { data: null, freshness: null, error: outcome.error, loading: false };

  return create<CoachingStore>()((set, get) => ({
    stack: [],
    unit: 'km',
    activities: {},
    profile: null,
    loadWeeks: 12,
    load: idle(),
    trendDays: 90,
    trends: idle(),
    records: idle(),

    open(page, opener = null) {
      set({ stack: [...get().stack, { page, opener }] });
      switch (page.kind) {
        case 'activity':
          void get().loadActivity(page.id);
          void get().loadProfile();
          return;
        case 'load':
          void get().loadTrainingLoad();
          return;
        case 'trends':
          void get().loadTrends();
          return;
        case 'records':
          void get().loadRecords();
          return;
      }
    },
    back() {
      const stack = get().stack;
      const top = stack[stack.length - 1] ?? null;
      if (top) set({ stack: stack.slice(0, -1) });
      return top;
    },

    async loadActivity(id) {
      const unit = get().unit;
      const previous = get().activities[id];
      // The figures in the other unit stay on screen until the new ones arrive.
      set({ activities: { ...get().activities, [id]: { data: previous?.data ?? null, freshness: previous?.freshness ?? null, error: null, loading: true } } });
      await request(`activity:${id}`, () => bridge.activityDetails(id, unit), (outcome) => set({ activities: { ...get().activities, [id]: settle(outcome) } }));
    },
    async setUnit(unit) {
      if (unit === get().unit) return;
      set({ unit });
      const open = [...new Set(get().stack.flatMap((p) => (p.page.kind === 'activity' ? [p.page.id] : [])))];
      await Promise.all(open.map((id) => get().loadActivity(id)));
    },
    async loadProfile() {
      // The zones' bpm ranges are a legend only: the page does without them.
      await request('profile', () => bridge.hrProfile(), (outcome) => 'data' in outcome && set({ profile: outcome.data.data }));
    },
    async loadTrainingLoad() {
      const to = today();
      const from = addDays(to, -7 * get().loadWeeks + 1);
      set({ load: { ...get().load, error: null, loading: true } });
      await request('load', () => bridge.trainingLoad(from, to), (outcome) => set({ load: settle(outcome) }));
    },
    async setLoadWeeks(loadWeeks) {
      set({ loadWeeks });
      await get().loadTrainingLoad();
    },
    async loadTrends() {
      const to = today();
      const from = addDays(to, -get().trendDays + 1);
      set({ trends: { ...get().trends, error: null, loading: true } });
      await request('trends', () => bridge.trends(from, to), (outcome) => set({ trends: settle(outcome) }));
    },
    async setTrendDays(trendDays) {
      set({ trendDays });
      await get().loadTrends();
    },
    async loadRecords() {
      set({ records: { ...get().records, error: null, loading: true } });
      await request('records', () => bridge.personalRecords(), (outcome) => set({ records: settle(outcome) }));
    },
  }));
}

/** The page on top, or null on the overview. */
export const selectTopPage = (s: Pick<CoachingStore, 'stack'>): CoachingPage | null => s.stack[s.stack.length - 1]?.page ?? null;
