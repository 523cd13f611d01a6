/**
 * The edges of the core. Everything outside plain Node (the OS keychain, the system browser) or
 * worth controlling in a test (time, HTTP, logs) comes in through one of these.
 */

/** The OS keychain, or a stand-in. Values are opaque strings; keys are account names. */
export interface SecretStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** Resolves true when something was deleted. */
  delete(key: string): Promise<boolean>;
}

/** Opens a URL in the runner's browser. Rejects when no browser could be started. */
export interface BrowserLauncher {
  open(url: string): Promise<void>;
}

/** Wall-clock time, injectable so tests can move it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The WHATWG fetch signature, injectable for tests and for proxies. */
export type Fetch = typeof fetch;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log fields. Never put a token, code, verifier, secret or authorize URL here. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = { log: () => undefined };

/** Where the companion keeps its files. */
export interface AppPaths {
  /** R42_HOME: the data folder, created with mode 0700. */
  readonly home: string;
  readonly database: string;
  readonly logFile: string;
  readonly configFile: string;
}
