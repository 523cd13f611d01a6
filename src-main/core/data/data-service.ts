/**
 * The local training data as every surface reads it (the IPC router, the agent endpoint's routes,
 * the MCP tools, the CLI): the store's rows and the coaching figures, each answer with its
 * freshness (`last_sync_at`, `stale`). Reads only; the shapes are src-common/contract.ts's.
 *
 * Its own module, below the facade: the agent routes and the MCP tools name `DataQueries` without
 * knowing the facade that hands it to them (docs/architecture.md rule 16).
 */
import type {
  ActivitiesAnswer,
  ActivityDetailsData,
  DailiesAnswer,
  EpochsAnswer,
  Freshness,
  HealthAnswer,
  HrProfileData,
  HrvAnswer,
  MetricsAnswer,
  RecordsData,
  SleepsAnswer,
  TrainingLoadData,
  TrendsData,
  WeeklyAnswer,
} from '../../../src-common/contract.js';
import type { SplitUnit } from '../../../src-common/coaching-contract.js';
import type { Coaching } from '../coaching/coaching-service.js';
import type { TrainingRepo } from '../store/training-repo.js';

/** The local training data, each answer with its freshness. */
export interface DataQueries {
  activities(query: { from: string; to: string; type?: string; limit?: number }): ActivitiesAnswer;
  dailies(query: { from: string; to: string }): DailiesAnswer;
  sleeps(query: { from: string; to: string }): SleepsAnswer;
  weekly(weeks: number, today?: string): WeeklyAnswer;
  hrv(query: { from: string; to: string }): HrvAnswer;
  metrics(query: { from: string; to: string }): MetricsAnswer;
  /** Steps and intensity per 15-minute epoch. */
  epochs(query: { from: string; to: string }): EpochsAnswer;
  /** VO2 max and fitness age, blood pressure, skin temperature and health snapshots. */
  health(query: { from: string; to: string }): HealthAnswer;
  /** One activity with its details: splits, laps, zones, drift, best efforts, load, a downsampled series. */
  activity(id: string, options?: { unit?: SplitUnit; maxPoints?: number }): ActivityDetailsData;
  /** Daily acute and chronic load, their ratio, monotony and strain; weekly time in zones. */
  trainingLoad(range: { from: string; to: string }): TrainingLoadData;
  /** The fastest 1 km, 5 km, 10 km, half and full marathon over the whole history. */
  records(): RecordsData;
  /** HRV status against the runner's baseline, resting HR and sleep trends, the wellness figures per day. */
  trends(range: { from: string; to: string }): TrendsData;
  /** Max and resting HR (settings or estimated, and which), the zone model and the zones. */
  hrProfile(): HrProfileData;
}

export interface DataServiceDeps {
  readonly training: TrainingRepo;
  /** The coaching service; asked for on first use, so its statements are prepared only by what needs them. */
  coaching(): Coaching;
  /** The data's freshness right now (sync/sync-status.ts). */
  freshness(): Freshness;
  /** The runner's local date today (YYYY-MM-DD): where the weekly summary ends by default. */
  today(): string;
}

export function createDataService(deps: DataServiceDeps): DataQueries {
  const { training, coaching, freshness } = deps;
  return {
    activities: (query) => ({ data: training.activities(query.from, query.to, query.type, query.limit), ...freshness() }),
    dailies: (query) => ({ data: training.dailies(query.from, query.to), ...freshness() }),
    sleeps: (query) => ({ data: training.sleeps(query.from, query.to), ...freshness() }),
    weekly: (weeks, today = deps.today()) => ({ data: training.weeklySummary(weeks, today), ...freshness() }),
    hrv: (query) => ({ data: training.hrv(query.from, query.to), ...freshness() }),
    metrics: (query) => ({ data: training.userMetrics(query.from, query.to), ...freshness() }),
    epochs: (query) => ({ data: training.wellness.epochs(query.from, query.to), ...freshness() }),
    health: (query) => ({ data: training.wellness.measurements(query.from, query.to), ...freshness() }),
    activity: (id, options) => ({ data: coaching().activityDetails(id, options), ...freshness() }),
    trainingLoad: (range) => ({ data: coaching().trainingLoad(range), ...freshness() }),
    records: () => ({ data: coaching().personalRecords(), ...freshness() }),
    trends: (range) => ({ data: coaching().trends(range), ...freshness() }),
    hrProfile: () => ({ data: coaching().hrProfile(), ...freshness() }),
  };
}
