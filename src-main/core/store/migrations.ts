import type { Migration } from './migrations/migration.js';
import { migration1 } from './migrations/v01.js';
import { migration2 } from './migrations/v02.js';
import { migration3 } from './migrations/v03.js';
import { migration4 } from './migrations/v04.js';
import { migration5 } from './migrations/v05.js';
import { migration6 } from './migrations/v06.js';
import { migration7 } from './migrations/v07.js';
import { migration8 } from './migrations/v08.js';
import { migration9 } from './migrations/v09.js';
import { migration10 } from './migrations/v10.js';

export type { Migration } from './migrations/migration.js';

/**
 * The schema's history, one module each in store/migrations/. Append only: a shipped migration is never edited, a change is a new one.
 * Times are integer milliseconds since the epoch (UTC). No column ever holds a token or secret.
 */
export const MIGRATIONS: readonly Migration[] = [migration1, migration2, migration3, migration4, migration5, migration6, migration7, migration8, migration9, migration10];
