import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createKeytarSecretStore } from '../adapters/keytar-secret-store.js';
import { createSystemBrowser } from '../adapters/system-browser.js';
import { createCompanion, type Companion, type ConnectionStatus } from '../core/companion.js';
import { defaultHome, loadConfig, PACKAGED_DEFAULTS_FILE, readPackagedDefaults } from '../core/config.js';
import { CompanionError, isCompanionError, type ErrorCode } from '../core/errors.js';
import { ERROR_SURFACES } from '../../src-common/error-codes.js';
import { createFileLogger } from '../core/logging.js';
import { childEnvironment } from '../core/agent/child-env.js';
import { MCP_CLIENTS, mcpClientConfig, serverEnvironment, type Launch, type McpClient } from '../core/mcp/client-config.js';
import { isRunType, localDate } from '../core/store/training-repo.js';
import { ACTIVITY_FAMILIES, activitiesQuery, parseQuery } from '../../src-common/data-query.js';
import { VERSION } from '../core/version.js';

export { VERSION };

/** A command's help: one table, from which the usage text and each command's own help are made. */
interface CommandHelp {
  readonly name: string;
  readonly synopsis: string;
  readonly summary: string;
  readonly options?: ReadonlyArray<readonly [flag: string, meaning: string]>;
}

const COMMANDS: readonly CommandHelp[] = [
  {
    name: 'login',
    synopsis: 'login [--timeout SECONDS] [--no-browser]',
    summary: 'Link your Garmin account: approve in your browser, R42 never sees your password.',
    options: [
      ['--timeout SECONDS', 'how long to wait for your approval (default: R42_SIGN_IN_TIMEOUT_SECONDS, 300)'],
      ['--no-browser', 'print the sign-in address instead of opening a browser (headless computers)'],
    ],
  },
  { name: 'status', synopsis: 'status [--json]', summary: 'Show whether Garmin is linked, the permissions and the token expiry times.', options: [['--json', 'the status as JSON']] },
  {
    name: 'token',
    synopsis: 'token [--min-valid SECONDS]',
    summary: 'Print a valid Garmin access token alone on stdout (refreshed first when needed).',
    options: [['--min-valid SECONDS', 'refresh first unless the token is valid at least this long (at most 43200, 12 hours)']],
  },
  {
    name: 'logout',
    synopsis: 'logout [--keep-data]',
    summary: 'Unlink: delete the registration at Garmin and every local secret, and the synced\ntraining data unless --keep-data.',
    options: [['--keep-data', 'keep the synced training data on this computer']],
  },
  {
    name: 'sync',
    synopsis: 'sync [--days N]',
    summary: 'Bring the local training data up to date (the first sync loads N days, default 90).',
    options: [['--days N', 'how many days of history to load (1–3660; default R42_BACKFILL_DAYS, 90)']],
  },
  {
    name: 'activities',
    synopsis: 'activities [--json] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--type running|RUNNING]',
    summary: 'List synced activities (works offline).',
    options: [
      ['--json', 'as JSON'],
      ['--from, --to', 'your local dates (default: the last 28 days)'],
      ['--type', 'a family (running, cycling, swimming, walking) or one Garmin type such as TRAIL_RUNNING'],
    ],
  },
  { name: 'secret', synopsis: 'secret set | secret clear', summary: 'Keep your own Garmin developer app’s client secret in the OS keychain (read from stdin),\nor remove it (then token requests go to the R42 server or a token broker).' },
  {
    name: 'serve',
    synopsis: 'serve',
    summary: 'Run the local agent endpoint on 127.0.0.1, refresh tokens and sync in the background.\nWrites agent.json (url, owner secret, pid) in the data folder while it runs.',
  },
  { name: 'agents', synopsis: 'agents add <name> | agents list [--json] | agents revoke <name>', summary: 'Manage which local agents may fetch a token (the secret is shown once).' },
  { name: 'run', synopsis: 'run -- <command…>', summary: 'Run a command with R42_AGENT_URL and R42_AGENT_TOKEN set, on a grant that ends\nwhen the command exits.' },
  {
    name: 'audit',
    synopsis: 'audit [--json] [--limit N]',
    summary: 'Show the security events: sign-ins, refreshes, disconnects, token hand-outs.',
    options: [
      ['--json', 'as JSON'],
      ['--limit N', 'the newest N events (default 50)'],
    ],
  },
  { name: 'mcp', synopsis: 'mcp', summary: 'Run the MCP server on stdin/stdout (MCP clients start it; it reads the local\ndata, works offline and needs no running `serve`).' },
  {
    name: 'mcp config',
    synopsis: 'mcp config [--client claude-desktop|claude-code|cursor]',
    summary: 'Print the snippet that registers the MCP server with that client, and where it goes.',
  },
  { name: 'help', synopsis: 'help [COMMAND]', summary: 'Show this text, or one command’s help (also: COMMAND --help).' },
];

const indent = (text: string) => text.replaceAll('\n', '\n                 ');

const USAGE = `R42 Companion ${VERSION}: links your Garmin account without your password and hands a valid token to your coaching agent.

Usage: r42-companion <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.synopsis}\n                 ${indent(c.summary)}`).join('\n')}

Configuration comes from the environment and R42_HOME/config.json; see README.md.`;

/** One command's help, or the usage text when the command is unknown. */
function showHelp(io: CliIo, name: string): number {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw usageError(`There is no command "${name}".`);
  const options = command.options?.map(([flag, meaning]) => `  ${flag.padEnd(22)} ${meaning}`).join('\n');
  io.stdout(`Usage: r42-companion ${command.synopsis}\n\n${command.summary}\n${options ? `\nOptions:\n${options}\n` : ''}`);
  return 0;
}

/** Node's option-parsing errors in plain words, naming the command's own options. */
function describeParseError(error: unknown, command: string, options: Record<string, { type: 'string' | 'boolean' }>): string {
  const code = (error as { code?: string }).code;
  const flag = /'(-{1,2}[^' ]+)/.exec((error as Error).message)?.[1] ?? '';
  const known = Object.entries(options).map(([name, o]) => (o.type === 'string' ? `--${name} VALUE` : `--${name}`));
  const list = known.length ? `Its options: ${known.join(', ')}.` : 'It takes no options.';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `\`${command}\` has no option ${flag}. ${list} (r42-companion ${command} --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${flag || 'An option'} of \`${command}\` needs a value, or takes none. ${list}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `\`${command}\` takes no such argument. ${list}`;
    default:
      return `The options of \`${command}\` could not be read. ${list}`;
  }
}

/** Exit codes scripts can rely on. */
export function exitCodeFor(code: ErrorCode): number {
  return ERROR_SURFACES[code].exit;
}

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  /** Called with an AbortController that Ctrl-C should abort. Returns a function that unhooks it. */
  readonly onInterrupt: (abort: () => void) => () => void;
  /** Defers SIGINT/SIGTERM while a refresh is between Garmin's answer and the keychain. */
  readonly holdExit?: () => () => void;
  /** Whether stderr is a terminal (progress bars are drawn only there). */
  readonly stderrIsTTY?: boolean;
}

/**
 * While held, SIGINT and SIGTERM wait: a refresh that Garmin has answered is written to the
 * keychain first (Garmin has already spent the old refresh token), then the signal is raised
 * again and does what it would have done. SIGKILL cannot wait; R42's server covers that case.
 */
export function createExitHold(): () => () => void {
  let holds = 0;
  let pending: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (pending === null) process.stderr.write('\nFinishing the Garmin token refresh before stopping…\n');
    pending = signal;
  };
  return () => {
    if (holds++ === 0) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--holds > 0) return;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (pending) {
        const signal = pending;
        pending = null;
        process.kill(process.pid, signal);
      }
    };
  };
}

function usageError(message: string): CompanionError {
  return new CompanionError('usage', `${message}\nRun \`r42-companion help\` for the commands.`);
}

function positiveInt(value: string | undefined, flag: string, unit: 'seconds' | 'days' | 'entries'): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw usageError(`${flag} needs a whole number of ${unit} above 0, not "${value}".`);
  return Number(value);
}

/** The most validity `token --min-valid` may ask for: the agent endpoint's `min_valid` limit. */
export const MAX_MIN_VALID_SECONDS = 12 * 3600;

const when = (isoTime: string | null) => (isoTime ? new Date(isoTime).toLocaleString() : '—');

const LINK_VIA: Record<ConnectionStatus['link']['via'], string> = {
  own_developer_app: 'your own Garmin developer app (client secret in the OS keychain)',
  r42_server: 'R42 server',
  token_broker: 'token broker',
  not_configured: 'not configured: set R42_SERVER_URL, or a client secret with `r42-companion secret set`',
};

function describeLink(link: ConnectionStatus['link']): string {
  return `Links through:       ${LINK_VIA[link.via]}${link.tokenOrigin && link.via !== 'own_developer_app' ? ` at ${link.tokenOrigin}` : ''}`;
}

function describeStatus(s: ConnectionStatus): string {
  if (s.state === 'not_connected') {
    if (!s.configured) return 'Garmin: not linked, and GARMIN_CLIENT_ID is not set (see README, Configuration).';
    return `Garmin: not linked. Run \`r42-companion login\` to link your account.\n${describeLink(s.link)}`;
  }
  const lines = [
    s.state === 'connected'
      ? `Garmin: linked (user ${s.garminUserId})`
      : s.lastError?.code === 'deregistered'
        ? `Garmin: RECONNECT NEEDED: you removed R42 in Garmin Connect (user ${s.garminUserId}); run \`r42-companion login\` to link again`
        : `Garmin: RECONNECT NEEDED for user ${s.garminUserId}: run \`r42-companion login\``,
    `Permissions:         ${s.permissions.length ? s.permissions.join(', ') : 'none granted'}`,
    `Linked since:        ${when(s.connectedAt)}`,
    `Access token until:  ${when(s.accessTokenExpiresAt)}`,
    `Refresh token until: ${when(s.refreshTokenExpiresAt)}${s.refreshTokenExpiresSoon ? '  (ends soon: run `r42-companion login` to renew)' : ''}`,
    `Last refresh:        ${when(s.lastRefreshAt)}`,
    describeLink(s.link),
  ];
  if (s.lastError) lines.push(`Last error:          ${s.lastError.code} at ${when(s.lastError.at)}`);
  const { done, total } = s.sync.backfill;
  lines.push(
    `Training data:       ${s.sync.lastSyncAt ? `synced ${when(s.sync.lastSyncAt)}${s.sync.stale ? ' (stale)' : ''}` : 'not synced yet'}${total && done < total ? `, history ${done}/${total} windows` : ''}${s.sync.running ? ', syncing now' : ''}`,
  );
  if (s.sync.relay) {
    const r = s.sync.relay;
    lines.push(
      `Data delivery:       Garmin → R42 server → here; ${r.summariesReceived} summaries received${r.lastDeliveryAt ? `, last ${when(r.lastDeliveryAt)}` : ''}` +
        (r.historyRequested < r.historyTotal ? `; Garmin is preparing your history (asked ${r.historyRequested} of ${r.historyTotal} ranges)` : ''),
    );
  }
  const missing = s.sync.streams.filter((st) => st.state === 'permission_missing').map((st) => st.stream);
  if (missing.length) lines.push(`Not shared on Garmin: ${missing.join(', ')}`);
  return lines.join('\n');
}

async function withCompanion<T>(io: CliIo, run: (companion: Companion) => Promise<T>): Promise<T> {
  // A bundled CLI (dist/cli) reads the defaults `npm run dist` wrote beside it (dist/defaults.json).
  const config = loadConfig(io.env, process.platform, readPackagedDefaults(fileURLToPath(new URL(`../${PACKAGED_DEFAULTS_FILE}`, import.meta.url))));
  const logger = createFileLogger(config.paths.logFile, config.logLevel);
  for (const origin of config.insecureHttpUrls) {
    io.stderr(`warning: INSECURE plain-http Garmin URL in use (${origin}); acceptable only for the Garmin simulator or a local token broker.\n`);
  }
  const companion = createCompanion({
    config,
    secrets: createKeytarSecretStore(config.keychainService),
    browser: createSystemBrowser(config.browserCommand),
    logger,
    holdExit: io.holdExit,
  });
  try {
    return await run(companion);
  } finally {
    companion.close();
  }
}

/**
 * The MCP server on this process's own stdin and stdout, until the client closes stdin or a
 * signal arrives. Nothing but protocol may reach stdout: messages go to stderr, events to the log.
 */
async function serveMcpOnStdio(companion: Companion, io: CliIo): Promise<number> {
  const server = await companion.mcpServer({ transport: 'stdio', grant: 'runner' });
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  let unhook = () => {};
  const ended = new Promise<void>((resolve) => {
    // The SDK's transport does not watch for the end of stdin; a client closes it to stop us.
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    unhook = io.onInterrupt(resolve);
    server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  await ended;
  unhook();
  await server.close();
  return 0;
}

/**
 * How an MCP client starts this CLI again: this Node by its absolute path, the loader flags it was
 * started with (a checkout runs through tsx) resolved to absolute URLs, and this script's real
 * path. Clients start servers from their own folder and without the shell's PATH.
 */
function selfLaunch(): Launch {
  const flags: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const match = /^--(import|require|loader|experimental-loader)(?:=(.*))?$/.exec(process.execArgv[i]!);
    if (!match) continue;
    const specifier = match[2] ?? process.execArgv[++i];
    if (specifier !== undefined) flags.push(`--${match[1]}`, absoluteSpecifier(specifier));
  }
  return { command: process.execPath, args: [...flags, realpathSync(process.argv[1]!), 'mcp'] };
}

/** A module specifier that resolves the same from any folder. */
function absoluteSpecifier(specifier: string): string {
  if (specifier.startsWith('.')) return pathToFileURL(path.resolve(specifier)).href;
  if (path.isAbsolute(specifier) || /^[a-z]+:/i.test(specifier)) return specifier;
  try {
    return import.meta.resolve(specifier);
  } catch {
    return specifier;
  }
}

/** Runs one CLI command; returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (isCompanionError(error)) {
      io.stderr(`r42-companion: ${error.message} [${error.code}]\n`);
      return exitCodeFor(error.code);
    }
    io.stderr(`r42-companion: unexpected failure (${error instanceof Error ? error.name : typeof error}). See the log in the data folder.\n`);
    return 1;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const parse = <O extends Record<string, { type: 'string' | 'boolean' }>>(options: O) => {
    try {
      return parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
    } catch (error) {
      throw usageError(describeParseError(error, command ?? '', options));
    }
  };
  // `r42-companion sync --help`, `help sync`: that command's own help.
  if (command && command !== 'run' && command !== 'help' && (rest.includes('--help') || rest.includes('-h'))) {
    return showHelp(io, command === 'mcp' && rest[0] === 'config' ? 'mcp config' : command);
  }
  if ((command === 'help' || command === '--help') && rest[0]) return showHelp(io, rest[0]);
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    case '--version':
    case 'version':
      io.stdout(`${VERSION}\n`);
      return 0;
    case 'login': {
      const { values } = parse({ timeout: { type: 'string' }, 'no-browser': { type: 'boolean' } });
      const timeoutSeconds = positiveInt(values.timeout, '--timeout', 'seconds');
      return withCompanion(io, async (companion) => {
        const abort = new AbortController();
        const unhook = io.onInterrupt(() => abort.abort());
        try {
          const result = await companion.signIn({
            timeoutMs: (timeoutSeconds ?? companion.config.signInTimeoutSeconds) * 1000,
            openBrowser: !values['no-browser'],
            signal: abort.signal,
            onStep: (step) => {
              if (step.kind === 'waitingForBrowser') {
                const seconds = Math.max(1, Math.round((step.expiresAt - Date.now()) / 1000));
                const span = seconds >= 90 ? `${Math.round(seconds / 60)} minutes` : `${seconds} seconds`;
                io.stderr(
                  `${step.browserOpened ? 'Your browser is opening Garmin so you can approve R42 Companion there.\nIf it did not open, visit this address' : 'Open this address in a browser on this computer'} (your Garmin password stays with Garmin):\n\n  ${step.authorizeUrl}\n\nWaiting up to ${span} for your approval… (Ctrl-C cancels)\n`,
                );
              } else if (step.kind === 'exchanging') {
                io.stderr('Garmin approved; finishing the link…\n');
              }
            },
          });
          io.stderr(`Linked Garmin user ${result.garminUserId}. Permissions: ${result.permissions.join(', ') || 'none granted'}.\n`);
          io.stdout(`${result.garminUserId}\n`);
          return 0;
        } finally {
          unhook();
        }
      });
    }
    case 'status': {
      const { values } = parse({ json: { type: 'boolean' } });
      return withCompanion(io, async (companion) => {
        await companion.linkRoute();
        const status = companion.status();
        io.stdout(values.json ? `${JSON.stringify(status, null, 2)}\n` : `${describeStatus(status)}\n`);
        return 0;
      });
    }
    case 'token': {
      const { values } = parse({ 'min-valid': { type: 'string' } });
      const minValidSeconds = positiveInt(values['min-valid'], '--min-valid', 'seconds');
      if (minValidSeconds !== undefined && minValidSeconds > MAX_MIN_VALID_SECONDS) {
        // Garmin's access tokens last 24 h: asking for more than 12 h would refresh at every call.
        throw usageError(`--min-valid is at most ${MAX_MIN_VALID_SECONDS} seconds (12 hours), as the agent endpoint's min_valid; Garmin's tokens last 24 hours.`);
      }
      return withCompanion(io, async (companion) => {
        const token = await companion.getAccessToken({ minValidSeconds });
        io.stdout(`${token.accessToken}\n`);
        return 0;
      });
    }
    case 'logout': {
      const { values } = parse({ 'keep-data': { type: 'boolean' } });
      return withCompanion(io, async (companion) => {
        const result = await companion.disconnect({ keepData: values['keep-data'] === true });
        const dataLine = result.dataKept ? 'Synced training data is kept on this computer.\n' : 'Synced training data (if any) is deleted from this computer.\n';
        if (!result.wasConnected) {
          io.stderr(`No Garmin account is linked. ${dataLine}`);
          return 0;
        }
        io.stderr(dataLine);
        if (result.deregisteredAtGarmin) {
          io.stderr(`Unlinked Garmin user ${result.garminUserId}: Garmin deleted R42 Companion's registration, and the tokens are gone from this computer.\n`);
        } else {
          io.stderr(
            `Unlinked Garmin user ${result.garminUserId} on this computer: tokens and link data are deleted here.\n` +
              `Garmin could not be told (${result.garminError?.code ?? 'unknown'}), so Garmin keeps the registration until you remove R42 Companion in Garmin Connect (Settings → Connected Apps).\n`,
          );
        }
        return 0;
      });
    }
    case 'sync': {
      const { values } = parse({ days: { type: 'string' } });
      const days = positiveInt(values.days, '--days', 'days');
      return withCompanion(io, async (companion) => {
        const abort = new AbortController();
        const unhook = io.onInterrupt(() => abort.abort(new CompanionError('sign_in_cancelled', 'Sync stopped; it resumes from here next time.')));
        let lastShown = -1;
        const relay = companion.status().sync.delivery === 'relay';
        try {
          const result = await companion.sync({
            days,
            signal: abort.signal,
            onProgress: (p) => {
              // A bar redrawn with \r is noise in a log or a pipe: only on a terminal.
              if (!io.stderrIsTTY) return;
              const percent = p.total ? Math.floor((p.done / p.total) * 100) : 100;
              if (percent === lastShown) return;
              lastShown = percent;
              const width = 30;
              const filled = Math.round((percent / 100) * width);
              const unit = relay ? 'history ranges asked of Garmin' : 'windows';
              io.stderr(`\rSyncing [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${p.done}/${p.total} ${unit}`);
            },
          });
          if (lastShown >= 0) io.stderr('\n');
          if (result.outcome === 'offline') {
            io.stderr('Garmin could not be reached; what was synced is kept, and the next sync resumes from there.\n');
            return 5;
          }
          const notes = [result.skipped ? `${result.skipped} unreadable records skipped` : '', result.permissionMissing.length ? `not shared on Garmin: ${result.permissionMissing.join(', ')}` : '']
            .filter(Boolean)
            .join('; ');
          if (relay) {
            const history = companion.status().sync.relay;
            const preparing = history && history.historyRequested === history.historyTotal && history.summariesReceived === 0 ? ' Garmin is preparing your history; it arrives by itself while the app or `serve` runs, or with the next `sync`.' : '';
            io.stderr(`Stored ${result.stored} records from ${result.windows} notifications${notes ? ` (${notes})` : ''}.${preparing}\n`);
          } else io.stderr(`Synced ${result.stored} records in ${result.windows} windows${notes ? ` (${notes})` : ''}.\n`);
          return 0;
        } finally {
          unhook();
        }
      });
    }
    case 'activities': {
      const { values } = parse({ json: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, type: { type: 'string' } });
      // The same schema as the agent endpoint's /v1/activities, with the CLI's 28-day default.
      const query = parseQuery(activitiesQuery({ today: localDate(Date.now()), days: 28 }), { from: values.from, to: values.to, type: values.type !== undefined && values.type in ACTIVITY_FAMILIES ? values.type : values.type?.toUpperCase() }, (flag) => `--${flag}`);
      if (!query.ok) throw usageError(query.message);
      const { from, to } = query.value;
      return withCompanion(io, async (companion) => {
        const result = companion.data.activities(query.value);
        if (values.json) {
          io.stdout(`${JSON.stringify(result, null, 2)}\n`);
          return 0;
        }
        io.stdout(`${'DATE'.padEnd(11)} ${'TYPE'.padEnd(18)} ${'KM'.padStart(7)} ${'TIME'.padStart(9)} ${'PACE'.padStart(7)} ${'HR'.padStart(4)}\n`);
        for (const a of result.data) {
          const pace = a.avg_pace_min_km === null || !isRunType(a.type) ? '—' : `${Math.floor(a.avg_pace_min_km)}:${String(Math.round((a.avg_pace_min_km % 1) * 60)).padStart(2, '0')}`;
          const secs = Math.round(a.duration_s ?? 0);
          const time = `${Math.floor(secs / 3600)}:${String(Math.floor((secs % 3600) / 60)).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`;
          io.stdout(
            `${a.local_date.padEnd(11)} ${a.type.padEnd(18)} ${((a.distance_m ?? 0) / 1000).toFixed(2).padStart(7)} ${time.padStart(9)} ${pace.padStart(7)} ${String(a.avg_hr === null ? '—' : Math.round(a.avg_hr)).padStart(4)}\n`,
          );
        }
        io.stderr(`${result.data.length} activities from ${from} to ${to}; last sync ${result.last_sync_at ?? 'never'}${result.stale ? ' (stale: run `r42-companion sync`)' : ''}.\n`);
        return 0;
      });
    }
    case 'secret': {
      const { positionals } = parse({});
      const action = positionals[0];
      if (action === 'set') {
        const secret = (await io.readStdin()).trim();
        if (!secret) throw usageError('Give the client secret on stdin, for example: r42-companion secret set < secret.txt');
        return withCompanion(io, async (companion) => {
          await companion.setClientSecret(secret);
          io.stderr('The Garmin client secret is stored in the OS keychain.\n');
          return 0;
        });
      }
      if (action === 'clear') {
        return withCompanion(io, async (companion) => {
          const removed = await companion.clearClientSecret();
          io.stderr(removed ? 'The Garmin client secret is removed from the OS keychain.\n' : 'No client secret was stored.\n');
          return 0;
        });
      }
      throw usageError('Use `secret set` or `secret clear`.');
    }
    case 'serve': {
      parse({});
      return withCompanion(io, async (companion) => {
        const service = await companion.serveAgents();
        io.stderr(`Serving agents at ${service.url}; agent.json is in ${companion.config.paths.home}. Ctrl-C stops.\n`);
        await new Promise<void>((resolve) => {
          const unhook = io.onInterrupt(() => {
            unhook();
            resolve();
          });
        });
        await service.stop();
        io.stderr('Stopped serving agents.\n');
        return 0;
      });
    }
    case 'agents': {
      const { positionals, values } = parse({ json: { type: 'boolean' } });
      const [action, name] = positionals;
      return withCompanion(io, async (companion) => {
        if (action === 'add' && name) {
          const { secret } = companion.agents.add(name);
          io.stderr(`Agent "${name}" may now fetch Garmin tokens from R42 Companion. Its secret is shown only this once:\n`);
          io.stdout(`${secret}\n`);
          return 0;
        }
        if (action === 'revoke' && name) {
          if (!companion.agents.revoke(name)) throw new CompanionError('usage', `No active agent is named "${name}". See \`r42-companion agents list\`.`);
          io.stderr(`Agent "${name}" can no longer fetch tokens.\n`);
          return 0;
        }
        if (action === 'list' && !name) {
          const list = companion.agents.list();
          if (values.json) {
            io.stdout(`${JSON.stringify(list.map((g) => ({ name: g.name, kind: g.kind, createdAt: new Date(g.createdAt).toISOString(), lastUsedAt: g.lastUsedAt ? new Date(g.lastUsedAt).toISOString() : null, useCount: g.useCount })), null, 2)}\n`);
          } else if (list.length === 0) {
            io.stdout('No agents. Add one with `r42-companion agents add <name>`.\n');
          } else {
            io.stdout(`${'NAME'.padEnd(32)} ${'KIND'.padEnd(6)} ${'CREATED'.padEnd(24)} ${'LAST USED'.padEnd(24)} USES\n`);
            for (const g of list) {
              io.stdout(`${g.name.padEnd(32)} ${g.kind.padEnd(6)} ${new Date(g.createdAt).toISOString().padEnd(24)} ${(g.lastUsedAt ? new Date(g.lastUsedAt).toISOString() : 'never').padEnd(24)} ${g.useCount}\n`);
            }
          }
          return 0;
        }
        throw usageError('Use `agents add <name>`, `agents list` or `agents revoke <name>`.');
      });
    }
    case 'run': {
      const command = rest[0] === '--' ? rest.slice(1) : rest;
      if (command.length === 0) throw usageError('Give the command to run: r42-companion run -- <command…>');
      return withCompanion(io, async (companion) => {
        const grant = await companion.grantForChild();
        try {
          return await new Promise<number>((resolve, reject) => {
            const child = spawn(command[0]!, command.slice(1), {
              stdio: 'inherit',
              env: childEnvironment(io.env, grant),
            });
            const unhook = io.onInterrupt(() => child.kill('SIGTERM'));
            child.once('error', (error: NodeJS.ErrnoException) => {
              unhook();
              reject(new CompanionError('usage', `Cannot start "${command[0]}" (${error.code ?? 'error'}).`));
            });
            child.once('exit', (code, signal) => {
              unhook();
              resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15) : 1));
            });
          });
        } finally {
          await grant.end();
        }
      });
    }
    case 'audit': {
      const { values } = parse({ json: { type: 'boolean' }, limit: { type: 'string' } });
      const limit = positiveInt(values.limit, '--limit', 'entries') ?? 50;
      return withCompanion(io, async (companion) => {
        const entries = companion.auditLog(limit);
        if (values.json) {
          io.stdout(`${JSON.stringify(entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })), null, 2)}\n`);
        } else {
          for (const e of entries) {
            const detail = Object.entries(e.detail).map(([k, v]) => `${k}=${String(v)}`).join(' ');
            io.stdout(`${new Date(e.at).toISOString()}  ${e.event.padEnd(28)} ${detail}\n`);
          }
          if (entries.length === 0) io.stdout('No events yet.\n');
        }
        return 0;
      });
    }
    case 'mcp': {
      const { positionals, values } = parse({ client: { type: 'string' } });
      if (positionals[0] === 'config' && positionals.length === 1) {
        const client = values.client ?? 'claude-desktop';
        if (!(MCP_CLIENTS as readonly string[]).includes(client)) throw usageError(`--client must be one of ${MCP_CLIENTS.join(', ')}.`);
        const home = io.env.R42_HOME?.trim() ? path.resolve(io.env.R42_HOME) : defaultHome(io.env, process.platform);
        const config = mcpClientConfig({
          client: client as McpClient,
          launch: selfLaunch(),
          env: serverEnvironment(io.env, home),
          platform: process.platform,
          userHome: homedir(),
          appData: io.env.APPDATA,
        });
        io.stdout(`${config.snippet}\n`);
        io.stderr(`${config.where}\n`);
        return 0;
      }
      if (positionals.length > 0 || values.client !== undefined) throw usageError('Use `mcp` (the stdio server) or `mcp config [--client …]`.');
      return withCompanion(io, (companion) => serveMcpOnStdio(companion, io));
    }
    default:
      throw usageError(`Unknown command "${command}".`);
  }
}

/** The process entry: real stdio, Ctrl-C, exit code. */
export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
      if (process.stdin.isTTY) process.stderr.write('Paste the Garmin client secret, then press Enter and Ctrl-D:\n');
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    holdExit: createExitHold(),
    stderrIsTTY: process.stderr.isTTY === true,
    onInterrupt: (abort) => {
      const handler = () => {
        process.stderr.write('\nCancelling…\n');
        abort();
      };
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  });
  process.exitCode = code;
}

const invokedDirectly = (() => {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (invokedDirectly) await main();
