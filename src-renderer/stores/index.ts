/** The app's stores, one per domain, all on the real bridge. */
import { createActivityStore } from './activity-store';
import { createAgentsStore } from './agents-store';
import { createCoachingStore } from './coaching-store';
import { createConnectionStore } from './connection-store';
import { createTrainingStore } from './training-store';

export const useConnection = createConnectionStore();
export const useAgents = createAgentsStore();
export const useActivity = createActivityStore();
export const useTraining = createTrainingStore();
export const useCoaching = createCoachingStore();
