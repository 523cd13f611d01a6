/**
 * The MCP tools: what a coaching model may ask R42 Companion, each with a description written for
 * the model, its input and output schemas, and how it answers. They read the local database (no
 * network) except `sync_now`; none ever returns a Garmin token, and the answers are parsed through
 * their output schemas, so only the fields declared here leave.
 */
import type { ToolSpec } from './tools/tool-kit.js';
import { getStatus } from './tools/get-status.js';
import { listActivities } from './tools/list-activities.js';
import { getWeeklySummary } from './tools/get-weekly-summary.js';
import { getDailySummaries } from './tools/get-daily-summaries.js';
import { getSleep } from './tools/get-sleep.js';
import { getHrv } from './tools/get-hrv.js';
import { getActivityDetails } from './tools/get-activity-details.js';
import { getTrainingLoad } from './tools/get-training-load.js';
import { getPersonalRecords } from './tools/get-personal-records.js';
import { getTrends } from './tools/get-trends.js';
import { getHealthMetrics } from './tools/get-health-metrics.js';
import { getIntradayActivity } from './tools/get-intraday-activity.js';
import { syncNow } from './tools/sync-now.js';
import { proposeWorkout } from './tools/propose-workout.js';
import { listWorkouts } from './tools/list-workouts.js';
import { getWorkout } from './tools/get-workout.js';

export type { ToolAnswer, ToolCallContext, ToolDeps, ToolSpec } from './tools/tool-kit.js';

/** The tools, in the order a model sees them. */
export const TOOLS: readonly ToolSpec[] = [getStatus, listActivities, getWeeklySummary, getDailySummaries, getSleep, getHrv, getActivityDetails, getTrainingLoad, getPersonalRecords, getTrends, getHealthMetrics, getIntradayActivity, syncNow, proposeWorkout, listWorkouts, getWorkout];
