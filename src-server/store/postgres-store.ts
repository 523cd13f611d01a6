import pg from 'pg';
import type { SqlExecutor, SqlStore } from './sql-store.js';

/** A PostgreSQL pool: what every production instance shares. */
export async function openPostgresStore(databaseUrl: string, options: { maxConnections?: number } = {}): Promise<SqlStore> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections ?? 10, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection (a database restart) must not end the process.
  pool.on('error', () => undefined);
  const executor = (target: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<Row extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) {
      return (await target.query<Row>(text, [...params])).rows;
    },
    async exec(text: string) {
      await target.query(text);
    },
  });
  // Fail at start, with the database's own words, rather than at the first request.
  const probe = await pool.connect();
  probe.release();
  return {
    kind: 'postgres',
    ...executor(pool),
    async transaction(fn) {
      const client = await pool.connect();
      // A connection lost mid-transaction (a database restart) is reported by the failing query; the
      // client's own 'error' event must not end the process.
      const onError = () => undefined;
      client.on('error', onError);
      let broken: Error | undefined;
      try {
        await client.query('begin');
        const result = await fn(executor(client));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {
          // The connection itself is gone: it must not go back to the pool.
          broken = error instanceof Error ? error : new Error('transaction failed');
        });
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
