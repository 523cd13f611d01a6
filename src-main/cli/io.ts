/** What a command may touch of its process: the environment, stdio, stdin, signals. Tests pass their own. */
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
 * again and does what it would have done. SIGKILL cannot wait: through R42's server its replay
 * covers that case; with the runner's own developer app the refresh runs in a detached helper
 * (core/auth/refresh-helper.ts), which this process's death does not reach.
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

/** This process's real stdio, Ctrl-C and exit hold. */
export function processIo(): CliIo {
  return {
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
    // Read when asked: touching process.stderr sets up its stream, which `token` never needs on its happy path.
    get stderrIsTTY() {
      return process.stderr.isTTY === true;
    },
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
  };
}

/** The INSECURE warning for a plain-http URL in use (the config accepts plain http only for loopback hosts). */
export function insecureWarning(origin: string): string {
  return `warning: INSECURE plain-http Garmin URL in use (${origin}); acceptable only for the Garmin simulator or a local token broker.\n`;
}
