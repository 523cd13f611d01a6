/**
 * R42 Companion's MCP server: the tools of tools.ts registered in one place, for the stdio server
 * (`r42-companion mcp`) and for `POST /mcp` on the agent endpoint.
 *
 * Built on the SDK's low-level `Server` rather than `McpServer`: every call must be audited, also
 * one with bad arguments or an unknown tool (McpServer answers those before any code of ours
 * runs), and bad arguments must be answered in the same words as the agent endpoint and the CLI.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { CallToolRequestSchema, ListToolsRequestSchema, SUPPORTED_PROTOCOL_VERSIONS, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { parseQuery, ACTIVITY_FAMILIES } from '../../../src-common/data-query.js';
import { describeForeignError, isCompanionError } from '../errors.js';
import type { Clock, Logger } from '../ports.js';
import type { ToolCall } from '../agent/usage-recorder.js';
import { leanOutputSchema } from './compact.js';
import { TOOLS, type ToolDeps, type ToolSpec } from './tools.js';
import { RANGE_DAYS } from './tools/tool-kit.js';

export interface McpDeps extends ToolDeps {
  readonly version: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Counts a tool call in the audit log (per tool, client and grant per minute). */
  recordCall(call: ToolCall): void;
  /**
   * Moves whenever the data a read-only tool answers from may have changed (any commit, by any
   * process). Given, read-only answers over HTTP are kept and handed out again until it moves.
   */
  readonly dataVersion?: () => string;
}

/** Who is calling: the runner over stdio, or a grant over HTTP. */
export interface McpCaller {
  readonly transport: 'stdio' | 'http';
  /** The grant's name over HTTP; `runner` over stdio. */
  readonly grant: string;
  readonly grantId?: string;
  /** The client's name when the transport knows it better than this session does (stateless HTTP). */
  readonly clientName?: () => string | undefined;
}

const INSTRUCTIONS =
  "R42 Companion serves the runner's Garmin training data (activities, weekly running volume, daily summaries, sleep, HRV, training load, recovery trends, records) from a copy on their own computer. Dates are the runner's local calendar dates, YYYY-MM-DD. Every answer says when the copy was last synced (`last_sync_at`) and whether it is `stale` (then say so, or call sync_now first); call get_status when data looks missing. Answers are compact: ranges default to the last " +
  String(RANGE_DAYS) +
  " days, rows carry what a coach reads (`fields: \"all\"` gives every field), and long lists come in pages (pass `next_cursor` back as `cursor`). No tool gives out Garmin credentials.";

const BY_NAME = new Map(TOOLS.map((spec) => [spec.name, spec]));

/** A JSON Schema of the arguments, without the `$schema` line every client knows anyway. */
function inputSchemaOf(spec: ToolSpec): Tool['inputSchema'] {
  const { $schema: _draft, ...schema } = z.toJSONSchema(spec.input, { io: 'input', target: 'draft-7' }) as Tool['inputSchema'] & { $schema?: string };
  return schema;
}

/**
 * The tools as tools/list shows them, generated from the zod schemas the calls are parsed with:
 * the arguments in full, the answers' top-level fields (compact.ts), and no display title (a
 * client shows the tool's name), so the list costs a model's context under 12 KB.
 */
const LISTED: Tool[] = TOOLS.map((spec) => ({
  name: spec.name,
  description: spec.description,
  inputSchema: inputSchemaOf(spec),
  outputSchema: leanOutputSchema(spec.output),
  // The hints a client acts on; destructive and idempotent mean something only for a tool that writes.
  annotations: spec.readOnly ? { readOnlyHint: true } : { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
}));

/** A client's self-given name, fit for the audit log: short, printable, and `unknown` when absent. */
export function auditableClientName(name: string | undefined): string {
  const clean = (name ?? '').replace(/[^\w .@/+:-]/g, '?').trim().slice(0, 64);
  return clean || 'unknown';
}

function toolError(message: string, code: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `${message} [${code}]` }] };
}

/** Parses a call's arguments with the tool's schema; refuses unknown ones by name, so a model learns what the tool takes. */
function parseArguments(spec: ToolSpec, args: Record<string, unknown>): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  const known = Object.keys(spec.input.shape);
  const unknown = Object.keys(args).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    const takes = known.length ? `it takes ${known.join(', ')}` : 'it takes no arguments';
    return { ok: false, message: `${spec.name} has no argument ${unknown.slice(0, 5).map((key) => JSON.stringify(key.slice(0, 40))).join(', ')}: ${takes}.` };
  }
  // Families are lower case (running: every kind of run); anything else is a Garmin type, upper case
  // at Garmin, so `trail_running` is not a mistake worth a round trip.
  const input = typeof args.type === 'string' && !(args.type in ACTIVITY_FAMILIES) ? { ...args, type: args.type.toUpperCase() } : args;
  return parseQuery(spec.input, input) as { ok: true; value: Record<string, unknown> } | { ok: false; message: string };
}

async function runTool(spec: ToolSpec, args: Record<string, unknown>, deps: McpDeps, context: Parameters<ToolSpec['run']>[2]): Promise<CallToolResult> {
  const parsed = parseArguments(spec, args);
  if (!parsed.ok) return toolError(parsed.message, 'bad_request');
  try {
    const answer = await spec.run(parsed.value, deps, context);
    // Parsed, not only checked: only the fields the output schema declares can leave.
    const structured = spec.output.parse(answer.structured) as Record<string, unknown>;
    // The data once, in structuredContent; the text is a short summary of it (what it holds and how
    // to ask for more), not the same JSON again: a client hands a model both.
    return { structuredContent: structured, content: [{ type: 'text', text: answer.summary }] };
  } catch (error) {
    if (isCompanionError(error)) return toolError(error.message, error.code);
    // A foreign error's message may echo anything; the log gets its name and code only.
    deps.logger.log('error', 'mcp.tool_failed', { tool: spec.name, ...describeForeignError(error) });
    return toolError('Something went wrong inside R42 Companion; its log says more.', 'internal_error');
  }
}

/** Runs one tool call and counts it in the audit log, whichever way it came in. */
async function callTool(
  deps: McpDeps,
  caller: McpCaller,
  name: string,
  args: Record<string, unknown>,
  sessionClient: () => string | undefined,
  context: Parameters<ToolSpec['run']>[2],
): Promise<CallToolResult> {
  const at = deps.clock.now();
  const spec = BY_NAME.get(name);
  const client = auditableClientName(caller.clientName?.() ?? sessionClient());
  const result = spec
    ? await runTool(spec, args, deps, { ...context, caller: { grant: caller.grant, client } })
    : toolError(`There is no tool ${JSON.stringify(name.slice(0, 40))}; the tools are ${TOOLS.map((t) => t.name).join(', ')}.`, 'bad_request');
  deps.recordCall({
    // Only known names reach the audit log: a client inventing names must not multiply its rows.
    tool: spec ? spec.name : 'unknown_tool',
    client,
    grant: caller.grant,
    grantId: caller.grantId,
    transport: caller.transport,
    failed: result.isError === true,
    at,
  });
  return result;
}

/** An MCP server over the companion's tools, and when it has no tool call running. */
export type CompanionMcpServer = Server & {
  /**
   * Resolves once no tool call is running. A client may write its last request and close stdin
   * at once (`printf … | r42-companion mcp`): the answer still goes out before the server stops.
   */
  idle(): Promise<void>;
};

/** An MCP server over the companion's tools for one caller; connect it to a transport. */
export function createMcpServer(deps: McpDeps, caller: McpCaller): CompanionMcpServer {
  const server = new Server({ name: 'r42-companion', title: 'R42 Companion', version: deps.version }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  const running = new Set<Promise<unknown>>();
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: LISTED }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const progressToken = request.params._meta?.progressToken;
    const call = callTool(deps, caller, request.params.name, request.params.arguments ?? {}, () => server.getClientVersion()?.name, {
      signal: extra.signal,
      progress:
        progressToken === undefined
          ? undefined
          : (progress, total, message) =>
              void extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total, message } }).catch(() => undefined),
    });
    running.add(call);
    try {
      return await call;
    } finally {
      running.delete(call);
    }
  });
  return Object.assign(server, {
    async idle() {
      // The SDK sends an answer on the turn after the handler resolves.
      while (running.size > 0) await Promise.allSettled([...running]).then(() => new Promise((resolve) => setImmediate(resolve)));
    },
  });
}

/** What `answerMcpDirect` needs of a `POST /mcp`: three headers and the body as read. */
export interface McpHttpInput {
  readonly accept: string | undefined;
  readonly contentType: string | undefined;
  readonly protocolVersion: string | undefined;
  readonly body: Buffer;
}

/** Read-only answers kept per deps (one companion): JSON text per tool and arguments, valid for one data version and second. */
const kept = new WeakMap<McpDeps, Map<string, { stamp: string; text: string; failed: boolean }>>();

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An object with no keys of its own (`{}`), told without listing them. */
function isEmpty(value: Record<string, unknown>): boolean {
  for (const _key in value) return false;
  return true;
}

/** auditableClientName of the last name asked: a grant's client sends the same name with every call. */
let lastClientName: { readonly name: string | undefined; readonly clean: string } | null = null;
function keptClientName(name: string | undefined): string {
  if (lastClientName?.name !== name || lastClientName === null) lastClientName = { name, clean: auditableClientName(name) };
  return lastClientName.clean;
}

/** The second and the runner's date of a kept answer's stamp; the date is worked out once a second, not per request. */
const seconds = new WeakMap<McpDeps, { second: number; text: string }>();
function stampSecond(deps: McpDeps, now: number): string {
  const second = Math.floor(now / 1000);
  let kept = seconds.get(deps);
  if (kept?.second !== second) seconds.set(deps, (kept = { second, text: `${second}|${deps.today()}` }));
  return kept.text;
}

/** A kept answer's stamp (the data version, the second, the runner's date): the same string while they stay, so a hit compares it by identity. */
const stamps = new WeakMap<McpDeps, { version: string; second: string; text: string }>();
function stampOf(deps: McpDeps, now: number): string {
  const version = deps.dataVersion!();
  const second = stampSecond(deps, now);
  let kept = stamps.get(deps);
  if (kept?.version !== version || kept.second !== second) stamps.set(deps, (kept = { version, second, text: `${version}|${second}` }));
  return kept.text;
}

/**
 * The common request, answered without a server and transport built for it: one `tools/call`
 * (no progress asked) or `tools/list`, as a client sends it after initialize. Answers exactly what
 * the SDK would (a JSON-RPC result, 200, application/json) and audits the call the same way; a
 * read-only tool's answer is kept until the data or the second changes. Null for anything else
 * (initialize, notifications, batches, anything malformed): `answerMcpHttp` answers those, with
 * the SDK's own errors. A kept answer (and tools/list) comes back at once, not as a promise: the
 * endpoint then writes it without a turn of the microtask queue.
 */
export function answerMcpDirect(deps: McpDeps, caller: McpCaller, input: McpHttpInput): string | null | Promise<string | null> {
  if (!input.accept?.includes('application/json') || !input.accept.includes('text/event-stream')) return null;
  if (!isJsonContentType(input.contentType ?? null)) return null;
  if (input.protocolVersion !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(input.protocolVersion)) return null;
  let message: unknown;
  try {
    message = JSON.parse(input.body.toString('utf8'));
  } catch {
    return null;
  }
  if (!isPlainObject(message) || message.jsonrpc !== '2.0' || !(typeof message.id === 'string' || (typeof message.id === 'number' && Number.isInteger(message.id)))) return null;
  const answer = (result: string) => `{"result":${result},"jsonrpc":"2.0","id":${JSON.stringify(message.id)}}`;
  if (message.method === 'tools/list' && (message.params === undefined || (isPlainObject(message.params) && Object.keys(message.params).length === 0))) {
    return answer(LISTED_JSON);
  }
  if (message.method !== 'tools/call' || !isPlainObject(message.params)) return null;
  const params = message.params;
  // Only a name and arguments (no progress token in _meta, nothing else): without copying the rest to count it.
  for (const key in params) if (key !== 'name' && key !== 'arguments') return null;
  const { name, arguments: args } = params;
  if (typeof name !== 'string' || !(args === undefined || isPlainObject(args))) return null;
  const spec = BY_NAME.get(name);
  if (!spec?.readOnly || !deps.dataVersion) {
    return callTool(deps, caller, name, args ?? {}, () => undefined, { signal: new AbortController().signal, progress: undefined }).then((result) => answer(JSON.stringify(result)));
  }
  let byCall = kept.get(deps);
  if (!byCall) kept.set(deps, (byCall = new Map()));
  const key = `${name}\n${args === undefined || isEmpty(args) ? '{}' : JSON.stringify(args)}`;
  const now = deps.clock.now();
  const stamp = stampOf(deps, now);
  const hit = byCall.get(key);
  if (hit?.stamp === stamp) {
    deps.recordCall({ tool: spec.name, client: keptClientName(caller.clientName?.()), grant: caller.grant, grantId: caller.grantId, transport: caller.transport, failed: hit.failed, at: now });
    return answer(hit.text);
  }
  return callTool(deps, caller, name, args ?? {}, () => undefined, { signal: new AbortController().signal, progress: undefined }).then((result) => {
    const text = JSON.stringify(result);
    // A few distinct calls at most are hot; a client varying its arguments must not grow this.
    if (byCall.size > 64) byCall.clear();
    byCall.set(key, { stamp, text, failed: result.isError === true });
    return answer(text);
  });
}

const LISTED_JSON = JSON.stringify({ tools: LISTED });

/**
 * Answers one `POST /mcp` (Streamable HTTP, stateless): a fresh server and transport per request,
 * JSON answers rather than an event stream. The agent endpoint has authenticated the grant,
 * refused browsers and foreign hosts, and read the body within its limit.
 */
export async function answerMcpHttp(deps: McpDeps, caller: McpCaller, request: Request): Promise<Response> {
  const server = createMcpServer(deps, caller);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    return await transport.handleRequest(request);
  } finally {
    await server.close().catch(() => undefined);
  }
}
