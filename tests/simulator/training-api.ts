/**
 * Garmin's Training API V2 in the simulator, strict like ../shared/garmin-training-api.md: create
 * (`POST /workoutportal/workout/v2`, no workoutId, every field checked against V2's enums and
 * limits), read and delete a workout (`/training-api/workout/v2/{id}`), create, read, list by dates
 * and delete schedules (`/training-api/schedule`). Every call needs a live access token (401) and
 * the runner's WORKOUT_IMPORT permission (412); the runner's calls are counted per rolling day
 * (evaluation: 200, then 429 with Retry-After) and any endpoint can fail on demand through the
 * simulator's `fail()`. Ids are Longs past 2^53, written and read as digits, as Garmin's are.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type TrainingEndpoint = 'workoutCreate' | 'workoutGet' | 'workoutDelete' | 'scheduleCreate' | 'scheduleGet' | 'scheduleList' | 'scheduleDelete';

/** What the Training API needs of the simulator around it. */
export interface TrainingHost {
  /** The user a request's bearer token belongs to, or null when it is not a live access token. */
  userOf(req: IncomingMessage): string | null;
  permissions(): readonly string[];
  /** The simulator's faults (`fail(endpoint, …)`): true when one answered instead. */
  fault(endpoint: TrainingEndpoint, res: ServerResponse): Promise<boolean>;
}

/** One request as it reached the Training API: what tests look at to know what Garmin received. */
export interface TrainingRequest {
  readonly method: string;
  readonly path: string;
  readonly endpoint: TrainingEndpoint | null;
  readonly status: number;
  /** The body as sent (JSON text), or null. */
  readonly body: string | null;
}

export interface StoredWorkout {
  readonly workoutId: string;
  readonly userId: string;
  /** The workout as created, with Garmin's fields added. */
  readonly json: Record<string, unknown>;
}

export interface StoredSchedule {
  readonly scheduleId: string;
  readonly workoutId: string;
  readonly userId: string;
  readonly date: string;
}

const SPORTS = ['RUNNING', 'CYCLING', 'LAP_SWIMMING', 'STRENGTH_TRAINING', 'CARDIO_TRAINING', 'GENERIC', 'YOGA', 'PILATES'];
const INTENSITIES = ['REST', 'WARMUP', 'COOLDOWN', 'RECOVERY', 'ACTIVE', 'INTERVAL', 'MAIN'];
const DURATION_TYPES = ['TIME', 'DISTANCE', 'HR_LESS_THAN', 'HR_GREATER_THAN', 'CALORIES', 'OPEN', 'POWER_LESS_THAN', 'POWER_GREATER_THAN', 'TIME_AT_VALID_CDA', 'FIXED_REST', 'REPS'];
const DURATION_VALUE_TYPES = ['PERCENT', 'METER', 'MILE'];
const TARGET_TYPES = ['SPEED', 'HEART_RATE', 'CADENCE', 'POWER', 'GRADE', 'RESISTANCE', 'POWER_3S', 'POWER_10S', 'POWER_30S', 'POWER_LAP', 'SPEED_LAP', 'HEART_RATE_LAP', 'OPEN', 'PACE'];
const REPEAT_TYPES = [
  'REPEAT_UNTIL_STEPS_CMPLT',
  'REPEAT_UNTIL_TIME',
  'REPEAT_UNTIL_DISTANCE',
  'REPEAT_UNTIL_CALORIES',
  'REPEAT_UNTIL_HR_LESS_THAN',
  'REPEAT_UNTIL_HR_GREATER_THAN',
  'REPEAT_UNTIL_POWER_LESS_THAN',
  'REPEAT_UNTIL_POWER_GREATER_THAN',
  'REPEAT_UNTIL_POWER_LAST_LAP_LESS_THAN',
  'REPEAT_UNTIL_MAX_POWER_LAST_LAP_LESS_THAN',
];
const STEP_FIELDS = [
  'type', 'stepId', 'stepOrder', 'intensity', 'description', 'durationType', 'durationValue', 'durationValueType', 'targetType', 'targetValue', 'targetValueLow', 'targetValueHigh', 'targetValueType',
  'secondaryTargetType', 'secondaryTargetValue', 'secondaryTargetValueLow', 'secondaryTargetValueHigh', 'secondaryTargetValueType', 'strokeType', 'drillType', 'equipmentType', 'exerciseCategory',
  'exerciseName', 'weightValue', 'weightDisplayUnit',
];
const REPEAT_FIELDS = ['type', 'stepId', 'stepOrder', 'repeatType', 'repeatValue', 'skipLastRestStep', 'steps'];
const WORKOUT_FIELDS = [
  'workoutId', 'ownerId', 'workoutName', 'description', 'updatedDate', 'createdDate', 'sport', 'estimatedDurationInSecs', 'estimatedDistanceInMeters', 'poolLength', 'poolLengthUnit',
  'workoutProvider', 'workoutSourceId', 'isSessionTransitionEnabled', 'segments',
];
const SEGMENT_FIELDS = ['segmentOrder', 'sport', 'estimatedDurationInSecs', 'estimatedDistanceInMeters', 'poolLength', 'poolLengthUnit', 'steps'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Why a workout body is refused (400), or null. Garmin's rules as V2 states them; a field it does not name is refused too. */
export function workoutProblem(body: unknown): string | null {
  if (!isObject(body)) return 'The workout must be a JSON object';
  for (const key of Object.keys(body)) if (!WORKOUT_FIELDS.includes(key)) return `Unknown workout field ${key}`;
  if ('workoutId' in body && body.workoutId !== null) return 'workoutId must not be set on create';
  if (typeof body.workoutName !== 'string' || body.workoutName.trim() === '') return 'workoutName is required';
  if (typeof body.sport !== 'string' || !SPORTS.includes(body.sport)) return `sport must be one of ${SPORTS.join(', ')}`;
  for (const key of ['workoutProvider', 'workoutSourceId']) {
    const v = body[key];
    if (v !== undefined && v !== null && (typeof v !== 'string' || v.length > 20)) return `${key} has at most 20 characters`;
  }
  if (body.description !== undefined && body.description !== null && typeof body.description !== 'string') return 'description must be text';
  if (body.poolLength !== null && body.poolLength !== undefined && body.sport !== 'LAP_SWIMMING') return 'poolLength is for LAP_SWIMMING';
  const segments = body.segments;
  if (!Array.isArray(segments) || segments.length !== 1) return 'A single-sport workout has exactly one segment';
  const segment = segments[0];
  if (!isObject(segment)) return 'A segment must be an object';
  for (const key of Object.keys(segment)) if (!SEGMENT_FIELDS.includes(key)) return `Unknown segment field ${key}`;
  if (segment.segmentOrder !== 1) return 'segmentOrder must start at 1';
  if (segment.sport !== body.sport) return 'The segment sport must be the workout sport';
  if (!Array.isArray(segment.steps) || segment.steps.length === 0) return 'A segment needs steps';
  let order = 0;
  let count = 0;
  const checkStep = (step: unknown, nested: boolean): string | null => {
    if (!isObject(step)) return 'A step must be an object';
    count++;
    if (step.stepOrder !== ++order) return `stepOrder must count through the workout: expected ${order}, got ${String(step.stepOrder)}`;
    if (step.type === 'WorkoutRepeatStep') {
      if (nested) return 'Repeats nest one level';
      for (const key of Object.keys(step)) if (!REPEAT_FIELDS.includes(key)) return `Unknown repeat field ${key}`;
      if (typeof step.repeatType !== 'string' || !REPEAT_TYPES.includes(step.repeatType)) return `repeatType must be one of ${REPEAT_TYPES.join(', ')}`;
      if (!isNumber(step.repeatValue) || step.repeatValue < 1) return 'repeatValue must be a positive number';
      if (step.repeatType === 'REPEAT_UNTIL_STEPS_CMPLT' && !Number.isInteger(step.repeatValue)) return 'repeatValue counts rounds';
      if (!Array.isArray(step.steps) || step.steps.length === 0) return 'A repeat needs steps';
      for (const child of step.steps) {
        const problem = checkStep(child, true);
        if (problem) return problem;
      }
      return null;
    }
    if (step.type !== 'WorkoutStep') return 'type must be WorkoutStep or WorkoutRepeatStep';
    for (const key of Object.keys(step)) if (!STEP_FIELDS.includes(key)) return `Unknown step field ${key}`;
    if (typeof step.intensity !== 'string' || !INTENSITIES.includes(step.intensity)) return `intensity must be one of ${INTENSITIES.join(', ')}`;
    if (step.intensity === 'MAIN' && body.sport !== 'LAP_SWIMMING') return 'MAIN is for swim steps';
    if (typeof step.durationType !== 'string' || !DURATION_TYPES.includes(step.durationType)) return `durationType must be one of ${DURATION_TYPES.join(', ')}`;
    if (step.durationType === 'OPEN') {
      if (step.durationValue !== null && step.durationValue !== undefined) return 'An OPEN step has no durationValue';
    } else if (!isNumber(step.durationValue) || step.durationValue <= 0) return `${step.durationType} needs a positive durationValue`;
    if (step.durationValueType !== null && step.durationValueType !== undefined && !DURATION_VALUE_TYPES.includes(String(step.durationValueType))) return 'durationValueType is PERCENT, METER or MILE';
    if (step.description !== null && step.description !== undefined && typeof step.description !== 'string') return 'description must be text';
    const targetType = step.targetType;
    if (targetType === null || targetType === undefined || targetType === 'OPEN') {
      if (isNumber(step.targetValue) || isNumber(step.targetValueLow) || isNumber(step.targetValueHigh)) return 'An OPEN target has no values';
      return null;
    }
    if (typeof targetType !== 'string' || !TARGET_TYPES.includes(targetType)) return `targetType must be one of ${TARGET_TYPES.join(', ')}`;
    const zone = step.targetValue;
    const low = step.targetValueLow;
    const high = step.targetValueHigh;
    if (isNumber(zone)) {
      if (isNumber(low) || isNumber(high)) return 'Give a zone (targetValue) or a range (targetValueLow/High), not both';
      if (targetType === 'HEART_RATE' && !(Number.isInteger(zone) && zone >= 1 && zone <= 5)) return 'A heart rate zone is 1-5';
      if (targetType === 'POWER' && !(Number.isInteger(zone) && zone >= 1 && zone <= 7)) return 'A power zone is 1-7';
      if (targetType !== 'HEART_RATE' && targetType !== 'POWER') return `${targetType} takes a range`;
      return null;
    }
    if (!isNumber(low) || !isNumber(high)) return `${targetType} needs targetValueLow and targetValueHigh, or a zone`;
    if (low >= high) return 'targetValueLow must be below targetValueHigh';
    if ((targetType === 'PACE' || targetType === 'SPEED') && (low <= 0 || high > 30)) return 'PACE and SPEED are in metres per second';
    return null;
  };
  for (const step of segment.steps) {
    const problem = checkStep(step, false);
    if (problem) return problem;
  }
  if (count > 100) return 'A single-sport workout has at most 100 steps';
  return null;
}

/** The calls a runner made in the last 24 h, for the per-user daily limit. */
type CallLog = number[];

export class TrainingApiSim {
  /** Every request to the Training API, in order. */
  readonly requests: TrainingRequest[] = [];
  /** Garmin's per-user limit over a rolling 24 h (evaluation: 200; production: 1000). */
  callsPerUserPerDay = 200;
  /** What a schedule create answers: the bare id (what partners observe), `{scheduleId}`, or nothing (204). */
  scheduleAnswer: 'id' | 'object' | 'empty' = 'id';
  private readonly workoutsById = new Map<string, StoredWorkout>();
  private readonly schedulesById = new Map<string, StoredSchedule>();
  private readonly calls = new Map<string, CallLog>();
  /** Creates done, then their answer lost (the connection cut), this many more times. */
  private lostAnswers: Partial<Record<TrainingEndpoint, number>> = {};
  // Longs past 2^53: exact only when written and read as digits.
  private nextId = 9_007_199_254_740_993n;

  constructor(private readonly host: TrainingHost) {}

  workouts(): StoredWorkout[] {
    return [...this.workoutsById.values()];
  }

  schedules(): StoredSchedule[] {
    return [...this.schedulesById.values()];
  }

  /** The next `times` requests to `endpoint` are done, then the connection is cut before the answer. */
  loseAnswers(endpoint: TrainingEndpoint, times = 1): void {
    this.lostAnswers[endpoint] = times;
  }

  /** Counts for `/__simulator/state`. */
  state(): { workouts: number; schedules: number; requests: number } {
    return { workouts: this.workoutsById.size, schedules: this.schedulesById.size, requests: this.requests.length };
  }

  /** Whether a path is the Training API's. */
  static handles(pathname: string): boolean {
    return pathname.startsWith('/workoutportal/') || pathname.startsWith('/training-api/');
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
    const method = req.method ?? 'GET';
    const endpoint = endpointOf(method, url.pathname);
    const log = (status: number): void => void this.requests.push({ method, path: url.pathname + url.search, endpoint, status, body: body === '' ? null : body });
    const send = (status: number, json: unknown | string | null) => {
      log(status);
      if (json === null) return void res.writeHead(status, { 'content-length': 0 }).end();
      const text = typeof json === 'string' ? json : JSON.stringify(json);
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text) }).end(text);
    };
    if (!endpoint) return send(404, { errorMessage: 'Not found' });
    if (await this.host.fault(endpoint, res)) return log(res.statusCode);
    const userId = this.host.userOf(req);
    if (!userId) return send(401, { errorMessage: 'User Access Token doesn’t exist' });
    if (!this.host.permissions().includes('WORKOUT_IMPORT')) return send(412, { errorMessage: 'User Permission error: WORKOUT_IMPORT not granted' });
    const now = Date.now();
    const recent = (this.calls.get(userId) ?? []).filter((t) => t > now - DAY_MS);
    if (recent.length >= this.callsPerUserPerDay) {
      res.setHeader('retry-after', String(Math.ceil((recent[0]! + DAY_MS - now) / 1000)));
      return send(429, { errorMessage: 'Quota violation / rate-limiting' });
    }
    recent.push(now);
    this.calls.set(userId, recent);
    const lose = () => {
      const left = this.lostAnswers[endpoint] ?? 0;
      if (left <= 0) return false;
      this.lostAnswers[endpoint] = left - 1;
      log(0);
      res.socket?.destroy();
      return true;
    };
    const needsJson = () => ((req.headers['content-type'] ?? '').startsWith('application/json') ? null : 'Content-Type must be application/json');

    switch (endpoint) {
      case 'workoutCreate': {
        const problem = needsJson() ?? (parseJson(body) === undefined ? 'The body is not JSON' : workoutProblem(parseJson(body)));
        if (problem) return send(400, { errorMessage: problem });
        const workout = parseJson(body) as Record<string, unknown>;
        const workoutId = String(this.nextId++);
        const stamp = new Date(now).toISOString().slice(0, 21).replace('Z', '');
        // V2 truncates a description past 1024 characters and a step's past 512.
        const description = typeof workout.description === 'string' ? workout.description.slice(0, 1024) : workout.description;
        const json = { ...workout, description, ownerId: userId, createdDate: stamp, updatedDate: stamp };
        this.workoutsById.set(workoutId, { workoutId, userId, json });
        if (lose()) return;
        return send(200, withId(json, 'workoutId', workoutId));
      }
      case 'workoutGet':
      case 'workoutDelete': {
        const id = lastSegment(url.pathname);
        const workout = this.workoutsById.get(id);
        if (!workout || workout.userId !== userId) return send(404, { errorMessage: 'Workout not found' });
        if (endpoint === 'workoutGet') return send(200, withId(workout.json, 'workoutId', id));
        this.workoutsById.delete(id);
        return send(200, null);
      }
      case 'scheduleCreate': {
        const problem = needsJson();
        if (problem) return send(400, { errorMessage: problem });
        // workoutId is a Long: read from its digits, as a JSON number.
        const workoutId = /"workoutId"\s*:\s*(\d{1,20})\s*[,}]/.exec(body)?.[1];
        const parsed = parseJson(body);
        if (!workoutId || !isObject(parsed)) return send(400, { errorMessage: 'workoutId must be a number' });
        if ('scheduleId' in parsed) return send(400, { errorMessage: 'scheduleId must not be set on create' });
        if (typeof parsed.date !== 'string' || !DATE.test(parsed.date) || Number.isNaN(Date.parse(`${parsed.date}T00:00:00Z`))) return send(400, { errorMessage: 'date must be YYYY-mm-dd' });
        const workout = this.workoutsById.get(workoutId);
        if (!workout || workout.userId !== userId) return send(400, { errorMessage: `No workout ${workoutId}` });
        const scheduleId = String(this.nextId++);
        this.schedulesById.set(scheduleId, { scheduleId, workoutId, userId, date: parsed.date });
        if (lose()) return;
        if (this.scheduleAnswer === 'empty') return send(204, null);
        return send(200, this.scheduleAnswer === 'id' ? scheduleId : `{"scheduleId":${scheduleId}}`);
      }
      case 'scheduleGet':
      case 'scheduleDelete': {
        const id = lastSegment(url.pathname);
        const schedule = this.schedulesById.get(id);
        if (!schedule || schedule.userId !== userId) return send(404, { errorMessage: 'Schedule not found' });
        if (endpoint === 'scheduleGet') return send(200, scheduleJson(schedule));
        this.schedulesById.delete(id);
        return send(200, null);
      }
      case 'scheduleList': {
        const start = url.searchParams.get('startDate') ?? '';
        const end = url.searchParams.get('endDate') ?? '';
        if (!DATE.test(start) || !DATE.test(end) || start > end) return send(400, { errorMessage: 'startDate and endDate must be YYYY-mm-dd, in order' });
        const list = this.schedules().filter((s) => s.userId === userId && s.date >= start && s.date <= end);
        return send(200, `[${list.map(scheduleJson).join(',')}]`);
      }
    }
  }
}

function endpointOf(method: string, pathname: string): TrainingEndpoint | null {
  if (pathname === '/workoutportal/workout/v2' && method === 'POST') return 'workoutCreate';
  if (/^\/training-api\/workout\/v2\/\d{1,20}$/.test(pathname)) return method === 'GET' ? 'workoutGet' : method === 'DELETE' ? 'workoutDelete' : null;
  if (pathname === '/training-api/schedule/' || pathname === '/training-api/schedule') return method === 'POST' ? 'scheduleCreate' : method === 'GET' ? 'scheduleList' : null;
  if (/^\/training-api\/schedule\/\d{1,20}$/.test(pathname)) return method === 'GET' ? 'scheduleGet' : method === 'DELETE' ? 'scheduleDelete' : null;
  return null;
}

const lastSegment = (pathname: string) => pathname.split('/').at(-1)!;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** JSON text with a Long id written as digits (a JavaScript number would round it). */
function withId(json: Record<string, unknown>, key: string, id: string): string {
  const { [key]: _old, ...rest } = json;
  return `{${JSON.stringify(key)}:${id},${JSON.stringify(rest).slice(1)}`;
}

function scheduleJson(s: StoredSchedule): string {
  return `{"scheduleId":${s.scheduleId},"workoutId":${s.workoutId},"date":${JSON.stringify(s.date)}}`;
}
