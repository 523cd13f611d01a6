import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src-common/dates.js';
import type { ToolCall } from '../../src-main/core/agent/usage-recorder.js';
import { answerMcpDirect, answerMcpHttp, type McpCaller, type McpDeps } from '../../src-main/core/mcp/mcp-server.js';
import { TOOLS } from '../../src-main/core/mcp/tools.js';
import { silentLogger } from '../../src-main/core/ports.js';
import { VERSION } from '../../src-main/core/version.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';
import { intervalsOn } from '../support/workouts.js';

/**
 * `POST /mcp` answers the common calls (tools/list, one tools/call) on a fast path beside the MCP
 * SDK (mcp-server.ts `answerMcpDirect`), and everything else through the SDK's own server and
 * transport (`answerMcpHttp`). The fast path promises the SDK's answer to the letter: here every
 * tool of the table (a tool added later is taken along by itself), tools/list, an unknown tool and
 * bad arguments go both ways with the same deps, caller and bytes, and the answers and the audit
 * counts must be equal. A kept (second) fast answer must be the same too.
 */

/** Arguments for a tool that answers nothing useful without them; any other tool is called with none. */
const EXAMPLES: Record<string, (w: { activityId: string; today: string; workoutId: string }) => Record<string, unknown>[]> = {
  get_activity_details: ({ activityId }) => [{ id: activityId }, { id: activityId, unit: 'mi', series_points: 20, fields: 'all' }],
  list_activities: ({ today }) => [{ limit: 2 }, { type: 'running', to: today, fields: 'all' }],
  get_daily_summaries: () => [{ limit: 3 }],
  get_trends: () => [{ fields: 'all' }],
  propose_workout: ({ today }) => [intervalsOn(today)],
  get_workout: ({ workoutId }) => [{ id: workoutId }],
};

/** A proposal makes a new workout each call: its id is the one thing the two ways may differ in. */
const sameBut = (answer: unknown) => JSON.parse(JSON.stringify(answer).replace(/w_[A-Za-z0-9_-]{16}/g, 'w_…')) as unknown;

/** Calls that must be refused the same way both ways. */
const REFUSED = [
  { name: 'no_such_tool', arguments: {} },
  { name: 'list_activities', arguments: { from: 'last tuesday' } },
  { name: 'get_sleep', arguments: { to: '2024-01-01', from: '2024-02-01' } },
  { name: 'get_activity_details', arguments: { id: 'no-such-activity' } },
  ...TOOLS.map((tool) => ({ name: tool.name, arguments: { not_an_argument: 1 } })),
];

const CALLER: McpCaller = { transport: 'http', grant: 'fast-path-test', grantId: 'grant-1' };
const HEADERS = { accept: 'application/json, text/event-stream', 'content-type': 'application/json', 'mcp-protocol-version': LATEST_PROTOCOL_VERSION };

let sim: GarminSimulator;
let world: CoreWorld;
let deps: McpDeps;
let recorded: ToolCall[] = [];
let activityId = '';
let workoutId = '';
let today = '';
let nextId = 1;

beforeAll(async () => {
  // A stopped clock: a second `sync_now` then moves nothing, and both answers can be compared whole.
  const frozen = Date.now();
  sim = await startSimulator();
  sim.dataNow = () => Math.floor(frozen / 1000);
  const clock = { now: () => frozen };
  world = makeCoreWorld(sim, { R42_BACKFILL_DAYS: '14' }, { clock });
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
  expect((await world.companion.sync()).outcome).toBe('completed');
  today = localDate(frozen);
  const runs = world.companion.data.activities({ from: '2000-01-01', to: today, type: 'running' }).data;
  activityId = runs[0]!.summary_id;
  const companion = world.companion;
  workoutId = companion.workouts.propose(intervalsOn(today), { agent: 'fast-path-test', grant: 'fast-path-test' }).id;
  deps = {
    status: () => companion.status(),
    data: companion.data,
    sync: (options) => companion.sync(options),
    today: () => today,
    workouts: companion.workouts,
    version: VERSION,
    clock,
    logger: silentLogger,
    recordCall: (call) => recorded.push(call),
    // Given, the fast path keeps read-only answers (the second call of each pair below is one).
    dataVersion: () => 'unchanged',
  };
}, 120_000);

afterAll(async () => {
  await world?.cleanup();
  await sim?.stop();
});

/** One JSON-RPC request, answered by the fast path and by the SDK; each answer with the calls it counted. */
async function bothWays(method: string, params?: Record<string, unknown>) {
  const id = nextId++;
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }));

  recorded = [];
  const fastText = await answerMcpDirect(deps, CALLER, { accept: HEADERS.accept, contentType: HEADERS['content-type'], protocolVersion: HEADERS['mcp-protocol-version'], body });
  const fastCalls = recorded;

  recorded = [];
  const keptText = await answerMcpDirect(deps, CALLER, { accept: HEADERS.accept, contentType: HEADERS['content-type'], protocolVersion: HEADERS['mcp-protocol-version'], body });
  const keptCalls = recorded;

  recorded = [];
  const response = await answerMcpHttp(deps, CALLER, new Request('http://127.0.0.1/mcp', { method: 'POST', headers: HEADERS, body }));
  const sdkCalls = recorded;
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  const sdk: unknown = await response.json();

  // The fast path answered (a null would leave the call to the SDK, and this test to nothing).
  expect(fastText, `${method} ${JSON.stringify(params)}`).not.toBeNull();
  return { fast: JSON.parse(fastText!) as unknown, kept: JSON.parse(keptText!) as unknown, sdk, fastCalls, keptCalls, sdkCalls };
}

const withoutTime = (calls: readonly ToolCall[]) => calls.map(({ at: _at, ...call }) => call);

describe('MCP over HTTP: the fast path answers exactly what the SDK answers', () => {
  it('tools/list', async () => {
    const { fast, kept, sdk } = await bothWays('tools/list');
    expect(fast).toEqual(sdk);
    expect(kept).toEqual(sdk);
    expect((sdk as { result: { tools: Array<{ name: string }> } }).result.tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
  });

  it.each(TOOLS.map((tool) => tool.name))('%s, with its answering arguments', async (name) => {
    const argumentSets = [{}, ...(EXAMPLES[name]?.({ activityId, today, workoutId }) ?? [])];
    let answered = 0;
    for (const args of argumentSets) {
      const { fast, kept, sdk, fastCalls, keptCalls, sdkCalls } = await bothWays('tools/call', { name, arguments: args });
      expect(sameBut(fast), JSON.stringify(args)).toEqual(sameBut(sdk));
      expect(sameBut(kept), JSON.stringify(args)).toEqual(sameBut(sdk));
      // Counted once per call, the same way each path (a kept answer too).
      expect(withoutTime(fastCalls)).toEqual(withoutTime(sdkCalls));
      expect(withoutTime(keptCalls)).toEqual(withoutTime(sdkCalls));
      expect(sdkCalls).toHaveLength(1);
      const result = (sdk as { result: { isError?: boolean; structuredContent?: unknown } }).result;
      if (!result.isError) {
        answered++;
        expect(result.structuredContent).toBeTypeOf('object');
      }
    }
    // A tool that answers none of its calls here needs an example in EXAMPLES: otherwise only its refusal is compared.
    expect(answered, `${name} answered none of ${JSON.stringify(argumentSets)}`).toBeGreaterThan(0);
  });

  it('leaves to the SDK a call it does not answer itself: a progress token asked for, a key beside name and arguments', () => {
    for (const params of [
      { name: 'get_status', arguments: {}, _meta: { progressToken: 1 } },
      { name: 'get_status', _meta: null },
      { name: 'get_status', arguments: {}, cursor: 'x' },
      { arguments: {}, name: 'get_status', task: {} },
    ]) {
      const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params }));
      expect(answerMcpDirect(deps, CALLER, { accept: HEADERS.accept, contentType: HEADERS['content-type'], protocolVersion: HEADERS['mcp-protocol-version'], body }), JSON.stringify(params)).toBeNull();
    }
  });

  it('an unknown tool and bad arguments: the same refusal, in the same words', async () => {
    for (const call of REFUSED) {
      const { fast, kept, sdk, fastCalls, sdkCalls } = await bothWays('tools/call', call);
      expect(fast, JSON.stringify(call)).toEqual(sdk);
      expect(kept, JSON.stringify(call)).toEqual(sdk);
      expect(withoutTime(fastCalls)).toEqual(withoutTime(sdkCalls));
      const result = (sdk as { result: { isError?: boolean; content: Array<{ text: string }> } }).result;
      expect(result.isError, JSON.stringify(call)).toBe(true);
      expect(result.content[0]!.text).toMatch(/\[bad_request\]$|\[not_found\]$/);
    }
  });
});
