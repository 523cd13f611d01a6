/**
 * The server's one storage port: SQL that runs unchanged on PostgreSQL (production, any number of
 * instances) and on PGlite (Postgres in WebAssembly, the embedded default).
 */
export interface SqlExecutor {
  query<Row extends Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs several statements with no parameters (a migration). */
  exec(text: string): Promise<void>;
}

export interface SqlStore extends SqlExecutor {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` on one connection inside a transaction; rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The store did not answer: requests that need it get 503 and a retry, never a crash. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
