/** The app's stores, one per domain, all on the real bridge. */
import { createActivityStore } from './activity-store';
import { createAgentsStore } from './agents-store';
import { createCoachingStore } from './coaching-store';
import { createConnectionStore } from './connection-store';
import { createImportStore } from './import-store';
import { createTrainingStore } from './training-store';
import { createWorkoutsStore } from './workouts-store';

export const useConnection = createConnectionStore();
export const useAgents = createAgentsStore();
export const useActivity = createActivityStore();
export const useTraining = createTrainingStore();
/** An import that stored something refreshes the training card's list and chart. */
export const useImport = createImportStore(undefined, () => void useTraining.getState().load());
export const useCoaching = createCoachingStore();
export const useWorkouts = createWorkoutsStore();
