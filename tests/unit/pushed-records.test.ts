/**
 * A push is unauthenticated input (the webhook cannot prove Garmin sent it): in a relay page, a
 * pushed record never replaces one fetched from Garmin with the runner's own token, while a fetch
 * always replaces a pushed one, and pushes replace pushes (Garmin's corrections of pushed types).
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src-main/core/store/database.js';
import { trainingRepo } from '../support/training-store.js';

const day = (id: string, steps: number) => ({ summaryId: id, calendarDate: '2026-03-10', steps, restingHeartRateInBeatsPerMinute: 50 });
const activity = (id: string, activityId: number, name: string) => ({ summaryId: id, activityId, activityType: 'RUNNING', activityName: name, startTimeInSeconds: 1_773_000_000, durationInSeconds: 1800 });

describe('records pushed through the relay', () => {
  const open = () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db);
    const repo = trainingRepo(db);
    const steps = (id: string) => (db.prepare('SELECT steps FROM dailies WHERE summary_id = ?').get(id) as { steps: number } | undefined)?.steps;
    const name = (id: string) => (db.prepare('SELECT name FROM activities WHERE summary_id = ?').get(id) as { name: string } | undefined)?.name;
    return { db, repo, steps, name };
  };

  it('never replace a fetched record; a fetch replaces a pushed one; pushes replace pushes', () => {
    const { repo, steps } = open();
    expect(repo.upsertRecords('dailies', [day('d1', 8_000)], 1, { origin: 'fetched' })).toEqual({ stored: 1, skipped: 0, keptFetched: 0 });
    expect(repo.upsertRecords('dailies', [day('d1', 123_456_789), day(' d1 ', 5)], 2, { origin: 'pushed' })).toEqual({ stored: 0, skipped: 0, keptFetched: 2 });
    expect(steps('d1')).toBe(8_000);
    // A pushed record, corrected by a later push, then fetched from Garmin itself.
    repo.upsertRecords('dailies', [day('d2', 100)], 3, { origin: 'pushed' });
    repo.upsertRecords('dailies', [day('d2', 200)], 4, { origin: 'pushed' });
    expect(steps('d2')).toBe(200);
    repo.upsertRecords('dailies', [day('d2', 9_000)], 5, { origin: 'fetched' });
    expect(steps('d2')).toBe(9_000);
    // Garmin's own now: a push no longer replaces it.
    expect(repo.upsertRecords('dailies', [day('d2', 1)], 6, { origin: 'pushed' }).keptFetched).toBe(1);
    expect(steps('d2')).toBe(9_000);
  });

  it('never lets a pushed edit replace a fetched activity, under its id or its activityId', () => {
    const { repo, name } = open();
    repo.upsertRecords('activities', [activity('a1', 77, 'Tempo run')], 1, { origin: 'fetched' });
    expect(repo.upsertRecords('activities', [activity('a1-edit', 77, 'Forged')], 2, { origin: 'pushed', edited: true }).keptFetched).toBe(1);
    expect([name('a1'), name('a1-edit')]).toEqual(['Tempo run', undefined]);
    // An edit fetched from Garmin replaces it.
    repo.upsertRecords('activities', [activity('a1-edit', 77, 'Tempo run, edited')], 3, { origin: 'fetched', edited: true });
    expect([name('a1'), name('a1-edit')]).toEqual([undefined, 'Tempo run, edited']);
  });

  it('forgets where records came from with the data (disconnect without keeping it)', () => {
    const { db, repo } = open();
    repo.upsertRecords('dailies', [day('d3', 1)], 1, { origin: 'pushed' });
    expect(db.prepare('SELECT count(*) AS n FROM pushed_records').get()).toEqual({ n: 1 });
    repo.deleteAll();
    expect(db.prepare('SELECT count(*) AS n FROM pushed_records').get()).toEqual({ n: 0 });
  });
});
