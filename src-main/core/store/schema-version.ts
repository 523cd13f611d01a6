/**
 * The schema version the newest migration leaves (the last of MIGRATIONS in store/migrations.ts;
 * a test holds the two equal). `r42-companion token`'s fast path opens the database read-only and
 * answers only from a file at exactly this version, without loading the migrations themselves.
 */
export const SCHEMA_VERSION = 10;
