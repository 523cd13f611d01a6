import { create } from 'zustand';
import type { ErrorView } from '../../src-common/ipc-contract';
import type { PlannedWorkout, WorkoutView } from '../../src-common/workout-contract';
import { bridge as defaultBridge, toErrorView, type Bridge } from '../bridge';

export interface WorkoutsStore {
  readonly workouts: readonly WorkoutView[];
  readonly loaded: boolean;
  /** A decision on its way, per workout. */
  readonly busy: Readonly<Record<string, 'approve' | 'reject'>>;
  /** The last decision's problem per workout (a delivery that failed), or the load's. */
  readonly errors: Readonly<Record<string, ErrorView>>;
  readonly loadError: ErrorView | null;
  /** The workout each activity did (null: none), by activity id, as the activity page asks. */
  readonly planned: Readonly<Record<string, PlannedWorkout | null>>;
  load(): Promise<void>;
  loadPlanned(activityId: string): Promise<void>;
  approve(id: string): Promise<void>;
  reject(id: string): Promise<void>;
}

/** The workouts agents proposed, and the runner's decisions on them. */
export function createWorkoutsStore(bridge: Bridge = defaultBridge) {
  return create<WorkoutsStore>()((set, get) => {
    const replace = (workout: WorkoutView) => set({ workouts: get().workouts.map((w) => (w.id === workout.id ? workout : w)) });
    const decide = async (id: string, action: 'approve' | 'reject') => {
      if (get().busy[id]) return;
      const { [id]: _old, ...errors } = get().errors;
      set({ busy: { ...get().busy, [id]: action }, errors });
      try {
        const answer = action === 'approve' ? await bridge.approveWorkout(id) : await bridge.rejectWorkout(id);
        replace(answer.workout);
        if (answer.delivery_error) set({ errors: { ...get().errors, [id]: answer.delivery_error } });
      } catch (error) {
        set({ errors: { ...get().errors, [id]: toErrorView(error) } });
      } finally {
        const { [id]: _done, ...busy } = get().busy;
        set({ busy });
      }
    };
    return {
      workouts: [],
      loaded: false,
      busy: {},
      errors: {},
      loadError: null,
      planned: {},
      async loadPlanned(activityId) {
        try {
          const planned = await bridge.plannedWorkout(activityId);
          set({ planned: { ...get().planned, [activityId]: planned } });
        } catch {
          // The page shows the run without its plan.
          set({ planned: { ...get().planned, [activityId]: null } });
        }
      },
      async load() {
        try {
          const answer = await bridge.workouts(30);
          set({ workouts: answer.data, loaded: true, loadError: null });
        } catch (error) {
          set({ loadError: toErrorView(error), loaded: true });
        }
      },
      approve: (id) => decide(id, 'approve'),
      reject: (id) => decide(id, 'reject'),
    };
  });
}
