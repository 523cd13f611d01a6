/**
 * The agent endpoint's data routes, in one table (docs/architecture.md rule 14): each path names
 * the schema its query is parsed with (src-common/data-query.ts) and the shape of its answer
 * (src-common/contract.ts), and how it is answered from the companion's data. The endpoint
 * (agent-server.ts) authenticates, then asks `createApiRouter`'s function; `/v1/token`,
 * `/v1/status`, `/v1/health` and `POST /mcp` are the server's own.
 *
 * Routes that take a body (POST) are in API_POST_ROUTES: an agent proposes a workout there, and
 * the runner's decisions (approve, reject) are answered 403 to every grant.
 *
 * A new route is one entry. A path segment written `{name}` is a path parameter: it is handed to
 * the query schema beside the query string's parameters (and wins over one of the same name), so
 * one schema checks both:
 *
 *   '/v1/activities/{id}': route({
 *     query: z.object({ id: activityId }),
 *     answer: activityDetailsAnswer,
 *     handle: ({ id }, { data }) => data.activity(id),
 *   }),
 */
import { z } from 'zod';
import {
  activitiesAnswer,
  dailiesAnswer,
  epochsAnswer,
  healthAnswer,
  hrvAnswer,
  metricsAnswer,
  recordsData,
  sleepsAnswer,
  trainingLoadData,
  trendsData,
  weeklyAnswer,
} from '../../../src-common/contract.js';
import { activitiesQuery, activityDetailsQuery, dateRange, DEFAULT_RANGE_DAYS, epochsQuery, noQuery, parseQuery, searchParamsInput, weeklyQuery, type RangeDefaults } from '../../../src-common/data-query.js';
import { activityWithPlanAnswer, decisionAnswer, proposalAnswer, workoutAnswer, workoutIdQuery, workoutsAnswer, workoutsQuery } from '../../../src-common/workout-contract.js';
import { CompanionError } from '../errors.js';
import type { DataQueries } from '../data/data-service.js';
import type { Workouts } from '../workouts/workout-service.js';

/** What a route's handler may use. */
export interface ApiContext {
  readonly data: DataQueries;
  /** The runner's local date today (YYYY-MM-DD): where date ranges end by default. */
  today(): string;
  /** Proposed workouts (absent where an endpoint serves data only). */
  readonly workouts?: Workouts;
}

function workoutsOf(context: ApiContext): Workouts {
  if (!context.workouts) throw new CompanionError('not_found', 'Workouts are not served here.');
  return context.workouts;
}

/** A query schema: an object of text parameters (query string and path), possibly piped through a transform. */
type QuerySchema = z.ZodType<unknown, Record<string, string | undefined>>;

/** One route, erased: the table holds routes of different query and answer types. */
export interface ApiRoute {
  /** The query's schema, or a function of the defaults (today, how many days a range covers) giving it. */
  readonly query: QuerySchema | ((defaults: RangeDefaults) => QuerySchema);
  /** The answer's shape, from src-common/contract.ts: the handler's return type is checked against it. */
  readonly answer: z.ZodType;
  handle(query: unknown, context: ApiContext): unknown;
}

/** Typed at definition, erased in the table: each handler gets its own parsed query and must give its answer's shape. */
export function route<Q extends QuerySchema, A extends z.ZodType>(spec: {
  query: Q | ((defaults: RangeDefaults) => Q);
  answer: A;
  handle(query: z.output<Q>, context: ApiContext): z.input<A> | Promise<z.input<A>>;
}): ApiRoute {
  return spec as unknown as ApiRoute;
}

/** The data routes: GET only, for an authenticated grant; every answer carries `last_sync_at` and `stale`. */
export const API_ROUTES: Readonly<Record<`/v1/${string}`, ApiRoute>> = {
  '/v1/activities': route({ query: activitiesQuery, answer: activitiesAnswer, handle: (query, { data }) => data.activities(query) }),
  '/v1/dailies': route({ query: dateRange, answer: dailiesAnswer, handle: (query, { data }) => data.dailies(query) }),
  '/v1/sleeps': route({ query: dateRange, answer: sleepsAnswer, handle: (query, { data }) => data.sleeps(query) }),
  '/v1/summary/weekly': route({ query: weeklyQuery, answer: weeklyAnswer, handle: (query, { data, today }) => data.weekly(query.weeks, today()) }),
  '/v1/hrv': route({ query: dateRange, answer: hrvAnswer, handle: (query, { data }) => data.hrv(query) }),
  '/v1/metrics': route({ query: dateRange, answer: metricsAnswer, handle: (query, { data }) => data.metrics(query) }),
  '/v1/measurements': route({ query: dateRange, answer: healthAnswer, handle: (query, { data }) => data.health(query) }),
  '/v1/epochs': route({ query: epochsQuery, answer: epochsAnswer, handle: (query, { data }) => data.epochs(query) }),
  // Computed locally from the stored data (src-main/core/coaching, docs/metrics.md), with the workout the run did as MCP's get_activity_details gives it.
  '/v1/activities/{id}': route({
    query: activityDetailsQuery,
    answer: activityWithPlanAnswer,
    handle: (query, { data, workouts }) => ({ ...data.activity(query.id, { unit: query.unit, maxPoints: query.points }), planned_workout: workouts?.forActivity(query.id) ?? null }),
  }),
  '/v1/training-load': route({ query: dateRange, answer: trainingLoadData, handle: (query, { data }) => data.trainingLoad(query) }),
  '/v1/records': route({ query: noQuery, answer: recordsData, handle: (_query, { data }) => data.records() }),
  '/v1/trends': route({ query: dateRange, answer: trendsData, handle: (query, { data }) => data.trends(query) }),
  // Workouts agents proposed, and where each is (issue 21).
  '/v1/workouts': route({ query: workoutsQuery, answer: workoutsAnswer, handle: (query, context) => workoutsOf(context).list(query) }),
  '/v1/workouts/{id}': route({ query: workoutIdQuery, answer: workoutAnswer, handle: (query, context) => workoutsOf(context).get(query.id) }),
};

/** Who sent a body: the grant's name, and the path's `{name}` parameters. */
export interface PostCaller {
  readonly grant: string;
  readonly params: Readonly<Record<string, string>>;
}

/** One route with a JSON body, erased. */
export interface ApiPostRoute {
  /** The answer's shape, from src-common/: the handler's return type is checked against it. */
  readonly answer: z.ZodType;
  handle(body: unknown, context: ApiContext, caller: PostCaller): unknown;
}

export function postRoute<A extends z.ZodType>(spec: { answer: A; handle(body: unknown, context: ApiContext, caller: PostCaller): z.input<A> | Promise<z.input<A>> }): ApiPostRoute {
  return spec as unknown as ApiPostRoute;
}

/** Approving or rejecting a workout is the runner's decision: no grant may, whatever its name. */
const runnerOnly = (what: string) => () => {
  throw new CompanionError('runner_only', `Only the runner can ${what} a workout, in R42 Companion's window or with \`r42-companion workouts ${what}\`; an agent proposes (POST /v1/workouts) and waits.`);
};

/** The routes that take a JSON body (POST), for an authenticated grant. */
export const API_POST_ROUTES: Readonly<Record<`/v1/${string}`, ApiPostRoute>> = {
  '/v1/workouts': postRoute({ answer: proposalAnswer, handle: (body, context, caller) => workoutsOf(context).propose(body, { agent: caller.grant, grant: caller.grant }) }),
  '/v1/workouts/{id}/approve': postRoute({ answer: decisionAnswer, handle: runnerOnly('approve') }),
  '/v1/workouts/{id}/reject': postRoute({ answer: decisionAnswer, handle: runnerOnly('reject') }),
};

/** The parameter names a query schema reads: its object's keys, through any transform. */
function queryKeys(schema: z.ZodType): string[] {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodPipe) inner = inner.in as z.ZodType;
  if (inner instanceof z.ZodObject) return Object.keys(inner.shape);
  throw new TypeError('A route query must be an object schema, possibly piped through a transform.');
}

interface CompiledRoute<R> {
  readonly route: R;
  /** The path's segments; a `{name}` segment is null here and named in `params`. */
  readonly segments: ReadonlyArray<string | null>;
  readonly params: ReadonlyArray<{ readonly index: number; readonly name: string }>;
}

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

function compile<R>(path: string, route: R): CompiledRoute<R> {
  const params: Array<{ index: number; name: string }> = [];
  const segments = path.split('/').map((segment, index) => {
    const param = PARAM.exec(segment);
    if (!param) return segment;
    params.push({ index, name: param[1]! });
    return null;
  });
  return { route, segments, params };
}

function matcher<R>(routes: Readonly<Record<string, R>>): (pathname: string) => { route: R; params: Record<string, string> } | null {
  const exact = new Map<string, R>();
  const patterned: Array<CompiledRoute<R>> = [];
  for (const [path, route] of Object.entries(routes)) {
    const compiled = compile(path, route);
    if (compiled.params.length === 0) exact.set(path, route);
    else patterned.push(compiled);
  }
  return (pathname) => {
    const route = exact.get(pathname);
    if (route) return { route, params: {} };
    if (patterned.length === 0) return null;
    const segments = pathname.split('/');
    for (const candidate of patterned) {
      if (candidate.segments.length !== segments.length) continue;
      if (!candidate.segments.every((literal, i) => literal === null ? segments[i] !== '' : literal === segments[i])) continue;
      const params: Record<string, string> = {};
      for (const { index, name } of candidate.params) {
        try {
          params[name] = decodeURIComponent(segments[index]!);
        } catch {
          throw new CompanionError('bad_request', `The ${name} in the path is not valid percent-encoding.`);
        }
      }
      return { route: candidate.route, params };
    }
    return null;
  };
}

/**
 * The function the endpoint calls for a path it does not answer itself: the answer's promise, or
 * null when no route has this path (the endpoint answers 404). A malformed query throws a
 * `bad_request` CompanionError (400), never a 500.
 */
export function createApiRouter(routes: Readonly<Record<string, ApiRoute>>, context: ApiContext): (url: URL) => Promise<unknown> | null {
  const match = matcher(routes);
  return (url) => {
    const found = match(url.pathname);
    if (!found) return null;
    const { route, params } = found;
    const schema = typeof route.query === 'function' ? route.query({ today: context.today(), days: DEFAULT_RANGE_DAYS }) : route.query;
    const keys = queryKeys(schema).filter((key) => !Object.hasOwn(params, key));
    const input = searchParamsInput(url.searchParams, keys);
    const parsed = input.ok ? parseQuery(schema, { ...input.value, ...params }) : input;
    if (!parsed.ok) throw new CompanionError('bad_request', parsed.message);
    return Promise.resolve(route.handle(parsed.value, context));
  };
}

/** The routes with a body: whether a path takes one (so the endpoint reads it), and the answer to a body sent there. */
export function createPostRouter(routes: Readonly<Record<string, ApiPostRoute>>, context: ApiContext): { accepts(path: string): boolean; post(url: URL, grant: string, body: unknown): Promise<unknown> | null } {
  const match = matcher(routes);
  return {
    accepts: (path) => {
      try {
        return match(path) !== null;
      } catch {
        return true; // a bad parameter: answered 400 once the grant is known
      }
    },
    post(url, grant, body) {
      const found = match(url.pathname);
      if (!found) return null;
      return Promise.resolve(found.route.handle(body, context, { grant, params: found.params }));
    },
  };
}
