import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { notificationKey, notificationOfStream } from '../../src-common/garmin-notifications.js';
import { isSimStream, SIM_STREAMS, simRecordsUploadedBetween, type SimStream } from './streams.js';
import { TrainingApiSim, type TrainingEndpoint } from './training-api.js';

/** A summary type the simulator serves (garmin-data.ts's, activityDetails, the wellness and health types). */
export type DataStream = SimStream;
/**
 * A REST path the simulator answers pulls on: the generated streams, and the documented paths whose
 * records only come from `uploadRecords` (the runner's edits in Garmin Connect, Move IQ).
 */
export type PullPath = DataStream | 'manuallyUpdatedActivities' | 'moveiq';
const UPLOAD_ONLY_PATHS: readonly string[] = ['manuallyUpdatedActivities', 'moveiq'];

/**
 * A Garmin Connect stand-in for tests and demos, strict like the real one (see
 * ../shared/garmin-api.md): PKCE S256 checked, codes bound to client, redirect URI and challenge,
 * single use and short-lived; client secret checked; refresh tokens rotate and a spent one is
 * refused with invalid_grant (and, like a real rotation-reuse detector, kills the grant);
 * user endpoints need a live access token. Every endpoint can be made slow, fail or refuse.
 * With `production` set it behaves like Garmin's production Health/Activity API: data arrives
 * through ping/push webhooks, a pull needs the pull token of a callback URL, backfill is asynchronous.
 */

export type Endpoint = 'authorize' | 'token' | 'refresh' | 'userId' | 'permissions' | 'registration' | 'backfill' | PullPath | TrainingEndpoint;

export type Fault =
  | { readonly kind: 'status'; readonly status: number; readonly times?: number; readonly retryAfterSeconds?: number }
  | { readonly kind: 'oauthError'; readonly error: string; readonly status?: number; readonly times?: number }
  | { readonly kind: 'malformed'; readonly times?: number }
  | { readonly kind: 'delay'; readonly ms: number; readonly times?: number }
  | { readonly kind: 'drop'; readonly times?: number };

export interface SimulatorClient {
  readonly clientId: string;
  /** When set, the token endpoint requires it (client_secret_post). */
  readonly clientSecret?: string;
  /** Exact redirect URIs registered in the "developer portal". */
  readonly redirectUris: readonly string[];
  /** Accept any port on a registered loopback redirect URI (RFC 8252 §7.3), off like an unknown portal. */
  readonly anyLoopbackPort?: boolean;
}

export type Consent = 'approve' | 'decline' | 'page';

export interface SimulatorOptions {
  readonly clients: readonly SimulatorClient[];
  readonly userId?: string;
  readonly permissions?: readonly string[];
  readonly permissionsShape?: 'array' | 'object';
  readonly accessTokenLifetimeSeconds?: number;
  readonly refreshTokenLifetimeSeconds?: number;
  readonly codeLifetimeSeconds?: number;
  readonly consent?: Consent;
  readonly port?: number;
  /** Behave like Garmin's production API: webhooks, pull tokens, backfill. */
  readonly production?: ProductionMode;
}

/** How Garmin hands a summary type over: a callback URL to pull, or the summaries themselves. */
export type Delivery = 'ping' | 'push';

/** The partner's settings in Garmin's portal for the production Health/Activity API. */
export interface ProductionMode {
  /** Where Garmin POSTs notifications (the R42 server's /v1/garmin/webhook). */
  readonly webhookUrl: string;
  /** Per summary type; default 'ping' for every type. */
  readonly delivery?: Partial<Record<DataStream, Delivery>>;
  /** How long a callback URL's pull token works; default 86_400. */
  readonly pullTokenLifetimeSeconds?: number;
  /** Webhook delivery retries after a non-2xx answer or a network error: attempts (default 8) and first backoff ms (default 100, doubling). */
  readonly maxAttempts?: number;
  readonly firstBackoffMs?: number;
  /** Most notifications per POST body (Garmin batches); default 50. */
  readonly batchSize?: number;
  /** How long Garmin waits for the webhook's answer before counting a network error; default 30_000 ms. */
  readonly deliveryTimeoutMs?: number;
}

/** One POST attempt to the webhook, in the order they were made. */
export interface WebhookAttempt {
  /** 1 for the first try of a delivery, 2 for its first retry, … */
  readonly attempt: number;
  readonly status: number | 'network_error';
  /** The top-level keys of the body (a summary type, `deregistrations` or `userPermissionsChange`). */
  readonly types: readonly string[];
  /** Notifications in the body. */
  readonly count: number;
}

/** A backfill request as the simulator answered it. */
export interface BackfillRequest {
  readonly type: DataStream;
  readonly userId: string;
  readonly start: number;
  readonly end: number;
  readonly status: number;
}

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  userId: string;
  expiresAt: number;
  used: boolean;
  family: string;
}

interface RefreshGrant {
  clientId: string;
  userId: string;
  family: string;
  expiresAt: number;
  spent: boolean;
}

interface AccessGrant {
  userId: string;
  family: string;
  expiresAt: number;
}

interface PullGrant {
  stream: PullPath;
  userId: string;
  start: number;
  end: number;
  expiresAt: number;
}

/** A webhook body waiting to be delivered, with the settings in force when it was queued. */
interface QueuedDelivery {
  readonly body: Record<string, unknown[]>;
  readonly webhookUrl: string;
  readonly maxAttempts: number;
  readonly firstBackoffMs: number;
  readonly timeoutMs: number;
}

export interface SimulatorCounts {
  authorize: number;
  codeExchanges: number;
  refreshes: number;
  userId: number;
  permissions: number;
  registrationDeletes: number;
  /** Summary GETs refused in production mode for want of a valid pull token. */
  refusedPulls: number;
}

const b64url = (buf: Buffer) => buf.toString('base64url');
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const DAY = 86_400;
/** Garmin's documented key of a REST path (src-common/garmin-notifications.ts): what notifications are keyed by. */
const entryOfPath = (path: string) => notificationOfStream(path) ?? notificationKey(path === 'moveiq' ? 'moveIQActivities' : path);
/** Garmin's backfill limit per request: 30 days for the Activity API's types, 90 for the Health API's. */
const backfillMaxDays = (stream: PullPath) => (entryOfPath(stream)?.api === 'activity' ? 30 : 90);
/** The permission a summary type needs, for pulls, backfills and notifications alike. */
const permissionFor = (stream: PullPath) => entryOfPath(stream)?.permission ?? 'HEALTH_EXPORT';
/** The body key Garmin notifies a type under: its documented key (`pulseox`, `allDayRespiration`, …). */
export const notificationKeyOf = (stream: PullPath) => entryOfPath(stream)?.key ?? stream;

export class GarminSimulator {
  consent: Consent;
  userId: string;
  permissions: string[];
  permissionsShape: 'array' | 'object';
  accessTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  codeLifetimeSeconds: number;
  readonly counts: SimulatorCounts = { authorize: 0, codeExchanges: 0, refreshes: 0, userId: 0, permissions: 0, registrationDeletes: 0, refusedPulls: 0 };
  /** Data requests per stream, and the widest window asked for. */
  readonly dataRequests: Record<PullPath, number> = Object.fromEntries([...SIM_STREAMS, ...UPLOAD_ONLY_PATHS].map((s) => [s, 0])) as Record<PullPath, number>;
  /** Streams whose next answers include malformed records (missing summaryId, wrong types). */
  readonly malformedRecords = new Set<DataStream>();
  /** Streams answered with extra, unknown fields and without optional ones (schema drift). */
  readonly driftingStreams = new Set<DataStream>();
  /** The types `notifyUploads` notifies about (every served type unless a test narrows it). */
  notifiedStreams: readonly DataStream[] = SIM_STREAMS;
  /** Overrides "now" for which data exists (epoch seconds), for deterministic tests. */
  dataNow: (() => number) | null = null;
  /** Runs when a refresh token has been spent and its successor issued, before the answer is sent. */
  onRotate: (() => void) | null = null;
  /** Users whose registration is deleted (disconnect). */
  readonly deregistered = new Set<string>();
  /** Every token, code, verifier and secret this simulator issued or saw: tests search outputs for them. */
  readonly issuedSecrets = new Set<string>();
  /** Every state the authorize endpoint saw: never to be found in a file under R42_HOME. */
  readonly seenStates = new Set<string>();
  /** Production mode (webhooks, pull tokens, backfill) when set; the evaluation API's free pulls when null. */
  production: ProductionMode | null;
  /** Every backfill request, answered or refused. */
  readonly backfillRequests: BackfillRequest[] = [];
  /** Every POST attempt to the webhook. */
  readonly webhookLog: WebhookAttempt[] = [];
  /** Deliveries given up after `maxAttempts` failed attempts. */
  droppedDeliveries = 0;
  /** Garmin's Training API V2 (workouts and schedules), on the same origin and tokens. */
  readonly training: TrainingApiSim = new TrainingApiSim({
    userOf: (req) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      return this.isAccessTokenLive(token) ? this.accessTokens.get(token)!.userId : null;
    },
    permissions: () => this.permissions,
    fault: (endpoint, res) => this.applyFault(endpoint, res),
  });

  private readonly clients = new Map<string, SimulatorClient>();
  private readonly codes = new Map<string, CodeGrant>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  private readonly accessTokens = new Map<string, AccessGrant>();
  private readonly revokedFamilies = new Set<string>();
  private readonly pendingConsents = new Map<string, URL>();
  private readonly faults = new Map<Endpoint, Fault & { remaining: number }>();
  private readonly pullTokens = new Map<string, PullGrant>();
  /** `userId type start end` of every accepted backfill, for the 409 on a repeat. */
  private readonly backfilled = new Set<string>();
  /** Records uploaded by `uploadRecords`, per REST path: served by pulls beside the generated ones. */
  private readonly uploaded = new Map<string, Array<{ uploadTime: number; userId: string; body: Record<string, unknown> }>>();
  /** Activity files (the FIT file of an upload) by id: served once to the runner's token with its pull token, as Garmin does. */
  private readonly activityFiles = new Map<string, { userId: string; token: string; bytes: Uint8Array; downloads: number }>();
  /** How many times each activity file was asked for (a second download is refused). */
  readonly activityFileRequests: Array<{ id: string; status: number }> = [];
  private readonly deliveryQueue: QueuedDelivery[] = [];
  private deliveryInFlight = false;
  private settledWaiters: Array<() => void> = [];
  /** Aborted by stop(), so a pending retry or POST does not outlive the simulator. */
  private deliveryAbort = new AbortController();
  private server: Server | null = null;
  private origin = '';

  constructor(private readonly options: SimulatorOptions) {
    for (const client of options.clients) {
      this.clients.set(client.clientId, client);
      if (client.clientSecret) this.issuedSecrets.add(client.clientSecret);
    }
    this.consent = options.consent ?? 'approve';
    this.userId = options.userId ?? 'd3315b1072421d0dd7c8f6b8e1de4df8';
    this.permissions = [...(options.permissions ?? ['ACTIVITY_EXPORT', 'HEALTH_EXPORT'])];
    this.permissionsShape = options.permissionsShape ?? 'array';
    this.accessTokenLifetimeSeconds = options.accessTokenLifetimeSeconds ?? 86_400;
    this.refreshTokenLifetimeSeconds = options.refreshTokenLifetimeSeconds ?? 7_775_998;
    this.codeLifetimeSeconds = options.codeLifetimeSeconds ?? 60;
    this.production = options.production ?? null;
  }

  get url(): string {
    return this.origin;
  }

  /** The environment that points R42 Companion at this simulator. */
  env(clientId = this.options.clients[0]?.clientId ?? 'r42-test-client'): Record<string, string> {
    const client = this.clients.get(clientId);
    const env: Record<string, string> = {
      GARMIN_CLIENT_ID: clientId,
      GARMIN_AUTHORIZE_URL: `${this.origin}/oauth2Confirm`,
      GARMIN_TOKEN_URL: `${this.origin}/di-oauth2-service/oauth/token`,
      GARMIN_API_URL: this.origin,
    };
    if (client?.clientSecret) env.GARMIN_CLIENT_SECRET = client.clientSecret;
    return env;
  }

  async start(): Promise<this> {
    if (this.deliveryAbort.signal.aborted) this.deliveryAbort = new AbortController();
    this.server = createServer((req, res) => {
      this.route(req, res).catch(() => {
        if (!res.headersSent) this.json(res, 500, { error: 'server_error' });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    // Undelivered notifications die with the simulator: a test's receiver is usually gone too.
    this.deliveryAbort.abort();
    this.deliveryQueue.length = 0;
    if (!this.deliveryInFlight) this.settle();
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Makes an endpoint misbehave: for `times` requests, or until cleared. */
  fail(endpoint: Endpoint, fault: Fault): void {
    this.faults.set(endpoint, { ...fault, remaining: fault.times ?? Infinity });
  }

  /** How many requests a fault still waits for: 0 once the last one has arrived (a delayed one is then in flight). */
  faultsLeft(endpoint: Endpoint): number {
    return this.faults.get(endpoint)?.remaining ?? 0;
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Spends every refresh token, as if the runner revoked access in Garmin Connect. */
  revokeAll(): void {
    for (const grant of this.refreshTokens.values()) this.revokedFamilies.add(grant.family);
  }

  /** Makes every issued access token expire now, as if a day had passed ("Token is not active"). */
  expireAccessTokens(): void {
    for (const grant of this.accessTokens.values()) grant.expiresAt = Date.now() - 1;
  }

  /** Whether a refresh token is still usable (not spent, not revoked, not expired). */
  isRefreshTokenLive(token: string): boolean {
    const grant = this.refreshTokens.get(token);
    return Boolean(grant && !grant.spent && !this.revokedFamilies.has(grant.family) && grant.expiresAt > Date.now());
  }

  isAccessTokenLive(token: string): boolean {
    const grant = this.accessTokens.get(token);
    return Boolean(grant && !this.revokedFamilies.has(grant.family) && grant.expiresAt > Date.now() && !this.deregistered.has(grant.userId));
  }

  /** Makes every pull token issued so far expire now, as if its callback URL had been left for a day. */
  expirePullTokens(): void {
    for (const grant of this.pullTokens.values()) grant.expiresAt = Date.now() - 1;
  }

  // ---- Production: notifications ------------------------------------------

  /**
   * The runner just synced their watch: queues the notifications for the records uploaded in
   * [startS, endS), per 24 h window and per granted stream. Resolves to how many notifications
   * (callback URLs or pushed summaries) were queued; none for a user without a registration.
   */
  async notifyUploads(startS: number, endS: number, userId = this.userId): Promise<number> {
    const production = this.requireProduction('notifyUploads');
    if (!this.isRegistered(userId)) return 0;
    let queued = 0;
    for (const stream of this.notifiedStreams) {
      if (this.permissions.includes(permissionFor(stream))) queued += this.queueSummaries(production, stream, userId, startS, endS);
    }
    return queued;
  }

  /** The runner removed R42 in Garmin Connect: their tokens die and the webhook hears of it. */
  removeAppInGarminConnect(userId = this.userId): void {
    this.deregister(userId);
    if (this.production) this.enqueue(this.production, 'deregistrations', [{ userId }]);
  }

  /** The runner changed what they share in Garmin Connect; the webhook hears of it in production mode. */
  changePermissions(permissions: readonly string[]): void {
    this.permissions = [...permissions];
    if (this.production) {
      this.enqueue(this.production, 'userPermissionsChange', [
        { userId: this.userId, permissions: [...permissions], changeTimeInSeconds: Math.floor(Date.now() / 1000) },
      ]);
    }
  }

  /** Webhook deliveries queued or in flight (a delivery waiting to retry counts). */
  deliveriesPending(): number {
    return this.deliveryQueue.length + (this.deliveryInFlight ? 1 : 0);
  }

  /** Resolves once no delivery is queued or in flight: delivered, dropped, or abandoned by stop(). */
  deliveriesSettled(): Promise<void> {
    if (this.deliveriesPending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private requireProduction(what: string): ProductionMode {
    if (!this.production) throw new Error(`${what} needs production mode (set production.webhookUrl)`);
    return this.production;
  }

  /** Garmin only notifies about users who linked the app and have not removed it. */
  private isRegistered(userId: string): boolean {
    if (this.deregistered.has(userId)) return false;
    for (const grant of this.refreshTokens.values()) if (grant.userId === userId) return true;
    return false;
  }

  private deregister(userId: string): void {
    this.deregistered.add(userId);
    for (const grant of this.refreshTokens.values()) if (grant.userId === userId) this.revokedFamilies.add(grant.family);
  }

  private now(): number {
    return this.dataNow ? this.dataNow() : Math.floor(Date.now() / 1000);
  }

  /**
   * Queues a stream's notifications for [start, end), cut into 24 h upload windows from `start`;
   * windows without records are skipped. Returns how many notifications were queued.
   */
  private queueSummaries(production: ProductionMode, stream: DataStream, userId: string, start: number, end: number): number {
    const now = this.now();
    const push = production.delivery?.[stream] === 'push';
    const items: Array<Record<string, unknown>> = [];
    for (let from = start; from < end; from += DAY) {
      const to = Math.min(from + DAY, end);
      const records = simRecordsUploadedBetween(stream, from, to, now);
      if (records.length === 0) continue;
      if (push) items.push(...this.shapeRecords(stream, records, from).map((record) => ({ ...record, userId })));
      else items.push({ userId, callbackURL: this.callbackUrl(production, stream, userId, from, to) });
    }
    this.enqueue(production, notificationKeyOf(stream), items);
    return items.length;
  }

  /**
   * The runner's watch or Garmin Connect uploads these records now (an activity edited in Garmin
   * Connect, Garmin's documented examples…), under a documented key (any spelling the webhook
   * reads). Pulls of the key's REST path serve them (without userId, as Garmin's pull answers);
   * in production mode the webhook hears of them as a ping or a push (`production.delivery` of
   * the path, or `delivery`). Resolves to the notifications queued.
   */
  uploadRecords(key: string, records: ReadonlyArray<Record<string, unknown>>, options: { delivery?: Delivery; userId?: string } = {}): number {
    const entry = notificationKey(key);
    const path = entry?.restPath?.replace('/wellness-api/rest/', '');
    if (!entry || !path || !(isSimStream(path) || UPLOAD_ONLY_PATHS.includes(path))) throw new Error(`uploadRecords: ${key} has no REST path the simulator serves`);
    const userId = options.userId ?? this.userId;
    const now = Math.floor(Date.now() / 1000);
    const list = this.uploaded.get(path) ?? [];
    for (const body of records) list.push({ uploadTime: now, userId, body: { ...body } });
    this.uploaded.set(path, list);
    if (!this.production || !this.isRegistered(userId)) return 0;
    const push = (options.delivery ?? this.production.delivery?.[path as DataStream]) === 'push';
    const items = push ? records.map((record) => ({ ...record, userId })) : [{ userId, callbackURL: this.callbackUrl(this.production, path as PullPath, userId, now, now + 1) }];
    this.enqueue(this.production, key, items);
    return items.length;
  }

  /**
   * The runner's watch uploads an activity: Garmin keeps its FIT file and, in production mode, pings
   * the webhook under `activityFiles` (Activity API 7.4: summaryId, fileType, callbackURL with a
   * pull token, and the activity's own fields in `meta`). The callback serves the bytes once, to
   * the runner's token. Resolves to the file's id.
   */
  uploadActivityFile(bytes: Uint8Array, meta: Record<string, unknown> = {}, userId = this.userId): string {
    const id = String(10_010_000_000 + this.activityFiles.size);
    const token = b64url(randomBytes(24));
    this.issuedSecrets.add(token);
    this.activityFiles.set(id, { userId, token, bytes, downloads: 0 });
    if (this.production && this.isRegistered(userId)) {
      const url = new URL('/wellness-api/rest/activityFile', this.origin);
      url.searchParams.set('id', id);
      url.searchParams.set('token', token);
      this.enqueue(this.production, 'activityFiles', [{ userId, summaryId: `${id}-file`, fileType: 'FIT', callbackURL: url.href, ...meta }]);
    }
    return id;
  }

  /** GET /wellness-api/rest/activityFile?id=&token=: the file's bytes, once, for its owner. */
  private activityFile(res: ServerResponse, url: URL, userId: string): void {
    const id = url.searchParams.get('id') ?? '';
    const file = this.activityFiles.get(id);
    const answer = (status: number, body?: Uint8Array) => {
      this.activityFileRequests.push({ id, status });
      if (body) res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(Buffer.from(body));
      else this.json(res, status, { errorMessage: status === 404 ? 'no such activity file' : 'InvalidPullTokenException: an activity file is downloaded once' });
    };
    if (!file || file.userId !== userId) return answer(404);
    if (url.searchParams.get('token') !== file.token || file.downloads > 0) return answer(400);
    file.downloads++;
    answer(200, file.bytes);
  }

  /** Queues a whole webhook body as given, in one POST (Garmin's documented envelopes, a body mixing keys). */
  deliverBody(body: Record<string, unknown[]>): void {
    const production = this.requireProduction('deliverBody');
    this.deliveryQueue.push({
      body,
      webhookUrl: production.webhookUrl,
      maxAttempts: Math.max(1, production.maxAttempts ?? 8),
      firstBackoffMs: production.firstBackoffMs ?? 100,
      timeoutMs: production.deliveryTimeoutMs ?? 30_000,
    });
    if (!this.deliveryInFlight) setImmediate(() => void this.deliverAll());
  }

  /**
   * Makes a pull token work for exactly this path, user and window (as if Garmin had issued it),
   * so a documented ping body's callback URL (`…&token=XXXXXXXXX`) is served.
   */
  honourPullToken(token: string, path: PullPath, start: number, end: number, userId = this.userId): void {
    this.pullTokens.set(token, { stream: path, userId, start, end, expiresAt: Date.now() + 86_400_000 });
  }

  /** The records uploaded with `uploadRecords` for a path, user and window. */
  private uploadedBetween(path: string, userId: string, start: number, end: number): Array<Record<string, unknown>> {
    return (this.uploaded.get(path) ?? []).filter((r) => r.userId === userId && r.uploadTime >= start && r.uploadTime < end).map((r) => r.body);
  }

  /** A callback URL carrying a fresh pull token bound to this stream, user and window. */
  private callbackUrl(production: ProductionMode, stream: PullPath, userId: string, start: number, end: number): string {
    const token = b64url(randomBytes(24));
    this.issuedSecrets.add(token);
    this.pullTokens.set(token, { stream, userId, start, end, expiresAt: Date.now() + (production.pullTokenLifetimeSeconds ?? 86_400) * 1000 });
    const url = new URL(`/wellness-api/rest/${stream}`, this.origin);
    url.searchParams.set('uploadStartTimeInSeconds', String(start));
    url.searchParams.set('uploadEndTimeInSeconds', String(end));
    url.searchParams.set('token', token);
    return url.href;
  }

  /** Cuts notifications of one kind into bodies of at most `batchSize` and queues them. */
  private enqueue(production: ProductionMode, key: string, items: readonly unknown[]): void {
    const batchSize = Math.max(1, production.batchSize ?? 50);
    for (let i = 0; i < items.length; i += batchSize) {
      this.deliveryQueue.push({
        body: { [key]: items.slice(i, i + batchSize) },
        webhookUrl: production.webhookUrl,
        maxAttempts: Math.max(1, production.maxAttempts ?? 8),
        firstBackoffMs: production.firstBackoffMs ?? 100,
        timeoutMs: production.deliveryTimeoutMs ?? 30_000,
      });
    }
    // The POST starts on a later turn, so an HTTP answer written before this call goes out first.
    if (items.length > 0 && !this.deliveryInFlight) setImmediate(() => void this.deliverAll());
  }

  /** Delivers the queue in order, one body at a time, each retried until it succeeds or is dropped. */
  private async deliverAll(): Promise<void> {
    if (this.deliveryInFlight) return;
    const signal = this.deliveryAbort.signal;
    this.deliveryInFlight = true;
    try {
      // After stop() the rest is discarded rather than left pending forever.
      for (let next = this.deliveryQueue.shift(); next; next = this.deliveryQueue.shift()) {
        if (!signal.aborted) await this.deliver(next, signal);
      }
    } finally {
      this.deliveryInFlight = false;
      if (this.deliveryQueue.length === 0) this.settle();
    }
  }

  private async deliver(delivery: QueuedDelivery, signal: AbortSignal): Promise<void> {
    const types = Object.keys(delivery.body);
    const count = Object.values(delivery.body).reduce((n, items) => n + items.length, 0);
    for (let attempt = 1; ; attempt++) {
      const status = await this.post(delivery, signal);
      if (signal.aborted) return;
      this.webhookLog.push({ attempt, status, types, count });
      if (typeof status === 'number' && status >= 200 && status < 300) return;
      if (attempt >= delivery.maxAttempts) {
        this.droppedDeliveries++;
        return;
      }
      try {
        await sleep(delivery.firstBackoffMs * 2 ** (attempt - 1), undefined, { signal });
      } catch {
        return; // stop() while waiting to retry
      }
    }
  }

  /** One POST to the webhook: its status, or 'network_error' for a refused, broken or silent connection. */
  private post(delivery: QueuedDelivery, signal: AbortSignal): Promise<number | 'network_error'> {
    return new Promise((resolve) => {
      const body = JSON.stringify(delivery.body);
      const target = new URL(delivery.webhookUrl);
      // Only ever called from I/O callbacks, after `timer` below exists.
      const done = (status: number | 'network_error') => {
        clearTimeout(timer);
        resolve(status);
      };
      // A fresh connection per POST (no agent), so a test's receiver can close without waiting on keep-alive.
      const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          agent: false,
          signal,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'garmin-client-id': this.options.clients[0]?.clientId ?? '',
          },
        },
        (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        done('network_error');
      }, delivery.timeoutMs);
      req.on('error', () => done('network_error'));
      req.end(body);
    });
  }

  private settle(): void {
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // ---- HTTP ----------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    if (url.pathname.startsWith('/__simulator/')) return this.control(req, res, url);
    if (TrainingApiSim.handles(url.pathname)) return this.training.handle(req, res, url, await this.readBody(req));
    if (url.pathname === '/wellness-api/rest/activityFile' && req.method === 'GET') return this.withAccessToken(req, res, (userId) => this.activityFile(res, url, userId));
    const endpoint = this.endpointOf(req.method ?? 'GET', url.pathname, await this.peekGrantType(req));
    if (!endpoint) return this.json(res, 404, { error: 'not_found' });
    if (await this.applyFault(endpoint, res)) return;
    switch (endpoint) {
      case 'authorize':
        return url.pathname.endsWith('/decision') ? this.decision(req, res) : this.authorize(res, url);
      case 'token':
      case 'refresh':
        return this.token(req, res);
      case 'userId':
        return this.withAccessToken(req, res, (userId) => {
          this.counts.userId++;
          this.json(res, 200, { userId });
        });
      case 'permissions':
        return this.withAccessToken(req, res, () => {
          this.counts.permissions++;
          this.json(res, 200, this.permissionsShape === 'array' ? this.permissions : { permissions: this.permissions });
        });
      case 'activities':
      case 'dailies':
      case 'sleeps':
      case 'hrv':
      case 'userMetrics':
      case 'activityDetails':
      case 'stressDetails':
      case 'bodyComps':
      case 'pulseOx':
      case 'respiration':
      case 'epochs':
      case 'healthSnapshot':
      case 'bloodPressures':
      case 'skinTemp':
      case 'manuallyUpdatedActivities':
      case 'moveiq':
        return this.withAccessToken(req, res, (userId) => this.data(res, endpoint, url, userId));
      case 'backfill':
        return this.withAccessToken(req, res, (userId) => this.backfill(res, url, userId));
      case 'registration':
        return this.withAccessToken(req, res, (userId) => {
          this.counts.registrationDeletes++;
          this.deregister(userId);
          res.writeHead(204).end();
          if (this.production) this.enqueue(this.production, 'deregistrations', [{ userId }]);
        });
    }
  }

  private bodies = new WeakMap<IncomingMessage, string>();

  private async readBody(req: IncomingMessage): Promise<string> {
    const cached = this.bodies.get(req);
    if (cached !== undefined) return cached;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.bodies.set(req, body);
    return body;
  }

  private async peekGrantType(req: IncomingMessage): Promise<string | null> {
    if (req.method !== 'POST') return null;
    return new URLSearchParams(await this.readBody(req)).get('grant_type');
  }

  private endpointOf(method: string, pathname: string, grantType: string | null): Endpoint | null {
    if (pathname === '/oauth2Confirm' && method === 'GET') return 'authorize';
    if (pathname === '/oauth2Confirm/decision' && method === 'POST') return 'authorize';
    if (pathname === '/di-oauth2-service/oauth/token' && method === 'POST') return grantType === 'refresh_token' ? 'refresh' : 'token';
    if (pathname === '/wellness-api/rest/user/id' && method === 'GET') return 'userId';
    if (pathname === '/wellness-api/rest/user/permissions' && method === 'GET') return 'permissions';
    if (pathname === '/wellness-api/rest/user/registration' && method === 'DELETE') return 'registration';
    const stream = /^\/wellness-api\/rest\/([A-Za-z]+)$/.exec(pathname)?.[1];
    if (method === 'GET' && stream && isDataStream(stream)) return stream;
    if (method === 'GET' && stream && UPLOAD_ONLY_PATHS.includes(stream)) return stream as PullPath;
    // Backfill exists only where data is delivered through webhooks.
    const backfill = /^\/wellness-api\/rest\/backfill\/([A-Za-z]+)$/.exec(pathname)?.[1];
    if (method === 'GET' && this.production && backfill && isDataStream(backfill)) return 'backfill';
    return null;
  }

  private async applyFault(endpoint: Endpoint, res: ServerResponse): Promise<boolean> {
    const fault = this.faults.get(endpoint);
    if (!fault || fault.remaining <= 0) return false;
    fault.remaining--;
    if (endpoint === 'refresh') this.counts.refreshes++;
    switch (fault.kind) {
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        if (endpoint === 'refresh') this.counts.refreshes--;
        return false;
      case 'status':
        res.setHeader('retry-after', String(fault.retryAfterSeconds ?? 1));
        this.json(res, fault.status, { error: 'server_error', message: 'simulated failure' });
        return true;
      case 'oauthError':
        this.json(res, fault.status ?? 400, { error: fault.error, error_description: 'simulated refusal' });
        return true;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token": ');
        return true;
      case 'drop':
        res.socket?.destroy();
        return true;
    }
  }

  /** GET /wellness-api/rest/<type>?uploadStartTimeInSeconds=&uploadEndTimeInSeconds= (at most 24 h; in production mode also &token=). */
  private data(res: ServerResponse, stream: PullPath, url: URL, userId: string): void {
    this.dataRequests[stream]++;
    const start = Number(url.searchParams.get('uploadStartTimeInSeconds'));
    const end = Number(url.searchParams.get('uploadEndTimeInSeconds'));
    if (this.production) {
      const refusal = this.pullTokenRefusal(url.searchParams.get('token'), stream, userId, start, end);
      if (refusal) {
        this.counts.refusedPulls++;
        return this.json(res, 400, { errorMessage: `InvalidPullTokenException: ${refusal}` });
      }
    }
    if (!Number.isInteger(start) || !Number.isInteger(end) || end <= start) {
      return this.json(res, 400, { errorMessage: 'uploadStartTimeInSeconds and uploadEndTimeInSeconds are required' });
    }
    if (end - start > 86_400) return this.json(res, 400, { errorMessage: 'timespan must be at most 86400 seconds' });
    const needs = permissionFor(stream);
    if (!this.permissions.includes(needs)) return this.json(res, 412, { errorMessage: `User has not granted ${needs}` });
    const generated = isSimStream(stream) ? this.shapeRecords(stream, simRecordsUploadedBetween(stream, start, end, this.now()), start) : [];
    this.json(res, 200, [...generated, ...this.uploadedBetween(stream, userId, start, end)]);
  }

  /** Why a production pull is unsolicited, or null when its token was issued for exactly this pull and still works. */
  private pullTokenRefusal(token: string | null, stream: PullPath, userId: string, start: number, end: number): string | null {
    if (!token) return 'a pull token is required (use the callbackURL of a notification)';
    const grant = this.pullTokens.get(token);
    if (!grant) return 'unknown pull token';
    if (grant.stream !== stream || grant.userId !== userId || grant.start !== start || grant.end !== end) {
      return 'the pull token was issued for another summary type, user or window';
    }
    if (grant.expiresAt <= Date.now()) return 'the pull token has expired';
    return null;
  }

  /** GET /wellness-api/rest/backfill/<type>?summaryStartTimeInSeconds=&summaryEndTimeInSeconds= → 202, data later through the webhook. */
  private backfill(res: ServerResponse, url: URL, userId: string): void {
    const production = this.requireProduction('backfill');
    const stream = /\/backfill\/([A-Za-z]+)$/.exec(url.pathname)![1] as DataStream;
    const start = Number(url.searchParams.get('summaryStartTimeInSeconds'));
    const end = Number(url.searchParams.get('summaryEndTimeInSeconds'));
    const answer = (status: number, errorMessage?: string) => {
      this.backfillRequests.push({ type: stream, userId, start, end, status });
      if (errorMessage) this.json(res, status, { errorMessage });
      else res.writeHead(status, { 'content-length': 0 }).end();
    };
    if (!Number.isInteger(start) || !Number.isInteger(end) || end <= start) {
      return answer(400, 'summaryStartTimeInSeconds must be before summaryEndTimeInSeconds');
    }
    const maxDays = backfillMaxDays(stream);
    if (end - start > maxDays * DAY) return answer(400, `A backfill of ${stream} covers at most ${maxDays} days`);
    const needs = permissionFor(stream);
    if (!this.permissions.includes(needs)) return answer(412, `User has not granted ${needs}`);
    const key = `${userId} ${stream} ${start} ${end}`;
    if (this.backfilled.has(key)) return answer(409, 'Duplicate backfill request');
    this.backfilled.add(key);
    answer(202);
    this.queueSummaries(production, stream, userId, start, end);
  }

  /** Applies the schema-drift and malformed-record switches to what a pull answers or a push carries. */
  private shapeRecords(stream: DataStream, generated: Array<Record<string, unknown>>, start: number): Array<Record<string, unknown>> {
    let records = generated;
    if (this.driftingStreams.has(stream)) {
      records = records.map((r) => {
        const { averageRunCadenceInStepsPerMinute: _c, totalElevationGainInMeters: _e, restingHeartRateInBeatsPerMinute: _r, ...rest } = r;
        return { ...rest, newGarminField: { nested: [1, 2, 3] }, anotherNewField: 'x' };
      });
    }
    if (this.malformedRecords.has(stream)) {
      records = [...records, { activityType: 'RUNNING', startTimeInSeconds: start }, { summaryId: 42, startTimeInSeconds: 'yesterday' }];
    }
    return records;
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private page(res: ServerResponse, status: number, title: string, body = ''): void {
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px system-ui;margin:3rem auto;max-width:30rem}button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}</style></head>
<body><h1>${title}</h1>${body}</body></html>`;
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  }

  private redirectUriAllowed(client: SimulatorClient, redirectUri: string): boolean {
    if (client.redirectUris.includes(redirectUri)) return true;
    if (!client.anyLoopbackPort) return false;
    const asked = safeUrl(redirectUri);
    return Boolean(
      asked &&
        client.redirectUris.some((registered) => {
          const r = safeUrl(registered);
          return r && r.protocol === 'http:' && r.hostname === asked.hostname && r.pathname === asked.pathname && ['127.0.0.1', '[::1]'].includes(r.hostname);
        }),
    );
  }

  /** GET /oauth2Confirm: errors about the client or redirect URI are shown, never redirected (RFC 6749 §4.1.2.1). */
  private authorize(res: ServerResponse, url: URL): void {
    this.counts.authorize++;
    const p = url.searchParams;
    const client = this.clients.get(p.get('client_id') ?? '');
    if (!client) return this.page(res, 400, 'Unknown client_id');
    const redirectUri = p.get('redirect_uri') ?? '';
    if (!this.redirectUriAllowed(client, redirectUri)) return this.page(res, 400, 'redirect_uri does not match the registered one');
    const target = new URL(redirectUri);
    const state = p.get('state');
    if (state) this.seenStates.add(state);
    const refuse = (error: string) => {
      target.searchParams.set('error', error);
      if (state) target.searchParams.set('state', state);
      res.writeHead(302, { location: target.href }).end();
    };
    if (p.get('response_type') !== 'code') return refuse('unsupported_response_type');
    if (p.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(p.get('code_challenge') ?? '')) return refuse('invalid_request');
    if (p.has('scope')) return refuse('invalid_scope');
    if (this.consent === 'decline') return refuse('access_denied');
    if (this.consent === 'page') {
      const id = randomUUID();
      this.pendingConsents.set(id, url);
      return this.page(
        res,
        200,
        'Garmin Connect — allow R42 Companion?',
        `<p>R42 Companion wants to read your activities and health data.</p>
<form method="post" action="/oauth2Confirm/decision"><input type="hidden" name="id" value="${id}">
<button name="decision" value="approve">Agree</button><button name="decision" value="decline">Decline</button></form>`,
      );
    }
    this.issueCode(res, client, url);
  }

  private async decision(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await this.readBody(req));
    const url = this.pendingConsents.get(form.get('id') ?? '');
    if (!url) return this.page(res, 400, 'This consent request is not pending');
    this.pendingConsents.delete(form.get('id') ?? '');
    const client = this.clients.get(url.searchParams.get('client_id') ?? '')!;
    if (form.get('decision') !== 'approve') {
      const target = new URL(url.searchParams.get('redirect_uri')!);
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: target.href }).end();
      return;
    }
    this.issueCode(res, client, url);
  }

  private issueCode(res: ServerResponse, client: SimulatorClient, url: URL): void {
    const code = b64url(randomBytes(24));
    this.issuedSecrets.add(code);
    this.codes.set(code, {
      clientId: client.clientId,
      redirectUri: url.searchParams.get('redirect_uri')!,
      challenge: url.searchParams.get('code_challenge')!,
      userId: this.userId,
      expiresAt: Date.now() + this.codeLifetimeSeconds * 1000,
      used: false,
      family: randomUUID(),
    });
    const target = new URL(url.searchParams.get('redirect_uri')!);
    target.searchParams.set('code', code);
    if (url.searchParams.has('state')) target.searchParams.set('state', url.searchParams.get('state')!);
    res.writeHead(302, { location: target.href }).end();
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return this.json(res, 400, { error: 'invalid_request' });
    const form = new URLSearchParams(await this.readBody(req));
    const client = this.clients.get(form.get('client_id') ?? '');
    if (!client) return this.json(res, 401, { error: 'invalid_client' });
    if (client.clientSecret !== undefined && form.get('client_secret') !== client.clientSecret) return this.json(res, 401, { error: 'invalid_client' });
    if (client.clientSecret === undefined && form.has('client_secret')) return this.json(res, 401, { error: 'invalid_client' });
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      this.counts.codeExchanges++;
      const code = this.codes.get(form.get('code') ?? '');
      if (!code || code.clientId !== client.clientId) return this.json(res, 400, { error: 'invalid_grant' });
      if (code.used) {
        // RFC 6749 §4.1.2: a code used twice revokes what it issued.
        this.revokedFamilies.add(code.family);
        return this.json(res, 400, { error: 'invalid_grant' });
      }
      code.used = true;
      if (code.expiresAt < Date.now()) return this.json(res, 400, { error: 'invalid_grant' });
      if (form.get('redirect_uri') !== code.redirectUri) return this.json(res, 400, { error: 'invalid_grant' });
      const verifier = form.get('code_verifier') ?? '';
      if (verifier) this.issuedSecrets.add(verifier);
      if (!VERIFIER.test(verifier) || b64url(createHash('sha256').update(verifier).digest()) !== code.challenge) {
        return this.json(res, 400, { error: 'invalid_grant' });
      }
      return this.json(res, 200, this.issueTokens(client.clientId, code.userId, code.family));
    }
    if (grantType === 'refresh_token') {
      this.counts.refreshes++;
      const token = form.get('refresh_token') ?? '';
      const grant = this.refreshTokens.get(token);
      if (!grant || grant.clientId !== client.clientId || this.revokedFamilies.has(grant.family) || grant.expiresAt < Date.now()) {
        return this.json(res, 400, { error: 'invalid_grant' });
      }
      if (grant.spent) {
        // Reuse of a rotated refresh token: treat as theft and kill the whole grant.
        this.revokedFamilies.add(grant.family);
        return this.json(res, 400, { error: 'invalid_grant' });
      }
      grant.spent = true;
      const issued = this.issueTokens(client.clientId, grant.userId, grant.family);
      this.onRotate?.();
      return this.json(res, 200, issued);
    }
    return this.json(res, 400, { error: 'unsupported_grant_type' });
  }

  private issueTokens(clientId: string, userId: string, family: string) {
    const accessToken = `sim-at-${b64url(randomBytes(32))}`;
    const refreshToken = `sim-rt-${b64url(randomBytes(32))}`;
    this.issuedSecrets.add(accessToken);
    this.issuedSecrets.add(refreshToken);
    this.deregistered.delete(userId);
    const now = Date.now();
    this.accessTokens.set(accessToken, { userId, family, expiresAt: now + this.accessTokenLifetimeSeconds * 1000 });
    this.refreshTokens.set(refreshToken, { clientId, userId, family, expiresAt: now + this.refreshTokenLifetimeSeconds * 1000, spent: false });
    return {
      access_token: accessToken,
      expires_in: this.accessTokenLifetimeSeconds,
      token_type: 'bearer',
      refresh_token: refreshToken,
      scope: 'PARTNER_WRITE PARTNER_READ CONNECT_READ CONNECT_WRITE',
      jti: randomUUID(),
      refresh_token_expires_in: this.refreshTokenLifetimeSeconds,
    };
  }

  private withAccessToken(req: IncomingMessage, res: ServerResponse, ok: (userId: string) => void): void {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const token = match?.[1] ?? '';
    if (!this.isAccessTokenLive(token)) return this.json(res, 401, { errorMessage: 'Token is not active' });
    ok(this.accessTokens.get(token)!.userId);
  }

  /** Control endpoints for `npm run simulator` and browser tests; loopback only like the rest. */
  private async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/__simulator/state' && req.method === 'GET') {
      return this.json(res, 200, {
        consent: this.consent,
        counts: this.counts,
        userId: this.userId,
        permissions: this.permissions,
        training: this.training.state(),
        production: this.production
          ? { webhookUrl: this.production.webhookUrl, deliveriesPending: this.deliveriesPending(), droppedDeliveries: this.droppedDeliveries, webhookLog: this.webhookLog.slice(-20) }
          : null,
      });
    }
    if (url.pathname === '/__simulator/configure' && req.method === 'POST') {
      const body = JSON.parse((await this.readBody(req)) || '{}') as {
        consent?: Consent;
        fail?: { endpoint: Endpoint; fault: Fault };
        clearFaults?: boolean;
        revokeAll?: boolean;
        accessTokenLifetimeSeconds?: number;
        permissions?: string[];
        /** Production mode: the runner synced; notify the uploads in [start, end) (epoch seconds). */
        notifyUploads?: { start: number; end: number };
        /** Production mode: the runner removed the app in Garmin Connect. */
        removeApp?: boolean;
        /** Sets the permissions and, in production mode, notifies the webhook. */
        changePermissions?: string[];
        /** Uploads records under a documented key (Garmin's examples, an edited activity), notified as a ping or a push. */
        upload?: { key: string; records: Array<Record<string, unknown>>; delivery?: Delivery };
      };
      if ((body.notifyUploads || body.removeApp) && !this.production) return this.json(res, 400, { error: 'production mode is off (start with --webhook <url>)' });
      if (body.consent) this.consent = body.consent;
      if (body.clearFaults) this.clearFaults();
      if (body.fail) this.fail(body.fail.endpoint, body.fail.fault);
      if (body.revokeAll) this.revokeAll();
      if (body.accessTokenLifetimeSeconds) this.accessTokenLifetimeSeconds = body.accessTokenLifetimeSeconds;
      if (body.permissions) this.permissions = body.permissions;
      if (body.changePermissions) this.changePermissions(body.changePermissions);
      let notified = body.notifyUploads ? await this.notifyUploads(body.notifyUploads.start, body.notifyUploads.end) : undefined;
      if (body.upload) {
        try {
          notified = (notified ?? 0) + this.uploadRecords(body.upload.key, body.upload.records, body.upload.delivery ? { delivery: body.upload.delivery } : {});
        } catch (error) {
          return this.json(res, 400, { error: (error as Error).message });
        }
      }
      if (body.removeApp) this.removeAppInGarminConnect();
      return this.json(res, 200, { ok: true, ...(notified === undefined ? {} : { notified }) });
    }
    this.json(res, 404, { error: 'not_found' });
  }
}

function isDataStream(value: string): value is DataStream {
  return isSimStream(value);
}

function safeUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}
