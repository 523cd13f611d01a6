import { activityIngest } from '../../src-main/core/coaching/activity-ingest.js';
import type { Database } from '../../src-main/core/store/database.js';
import { TrainingRepo } from '../../src-main/core/store/training-repo.js';

/**
 * The training repo as src-main/core/wiring.ts builds it: the figures kept with an activity's
 * details (HR histogram, best efforts, personal records) computed by coaching/activity-ingest.ts.
 */
export function trainingRepo(db: Database, profileId = 'default'): TrainingRepo {
  return new TrainingRepo(db, profileId, activityIngest);
}
