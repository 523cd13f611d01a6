import type { Database } from 'better-sqlite3';

export interface Migration {
  /** Numbered from 1, never reused; PRAGMA user_version holds the last one applied. */
  readonly version: number;
  readonly name: string;
  readonly up: (db: Database) => void;
}

/**
 * The schema's history. Append only: a shipped migration is never edited, a change is a new one.
 * Times are integer milliseconds since the epoch (UTC). No column ever holds a token or secret.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'profiles, sign-in sessions, linked Garmin accounts, audit log',
    up: (db) => {
      db.exec(`
        CREATE TABLE profiles (
          id          TEXT PRIMARY KEY,
          name        TEXT NOT NULL,
          created_at  INTEGER NOT NULL
        ) STRICT;

        INSERT INTO profiles (id, name, created_at)
          VALUES ('default', 'Me', CAST(unixepoch('subsec') * 1000 AS INTEGER));

        -- One row per sign-in attempt. The state is kept only as its SHA-256; the PKCE verifier
        -- lives in memory only (it must never reach a file).
        CREATE TABLE sign_in_sessions (
          id            TEXT PRIMARY KEY,
          profile_id    TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          state_sha256  TEXT NOT NULL UNIQUE,
          redirect_uri  TEXT NOT NULL,
          created_at    INTEGER NOT NULL,
          expires_at    INTEGER NOT NULL,
          status        TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
          ended_at      INTEGER,
          failure_code  TEXT
        ) STRICT;
        CREATE INDEX sign_in_sessions_profile ON sign_in_sessions(profile_id, created_at);

        -- Metadata of a linked Garmin account; the tokens are in the OS keychain under keychain_key.
        CREATE TABLE garmin_accounts (
          profile_id                TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
          garmin_user_id            TEXT NOT NULL UNIQUE,
          keychain_key              TEXT NOT NULL,
          status                    TEXT NOT NULL DEFAULT 'connected'
                                    CHECK (status IN ('connected', 'reauth_required')),
          scope                     TEXT,
          permissions               TEXT NOT NULL DEFAULT '[]',
          access_token_expires_at   INTEGER,
          refresh_token_expires_at  INTEGER,
          connected_at              INTEGER NOT NULL,
          refreshed_at              INTEGER,
          last_error_code           TEXT,
          last_error_at             INTEGER
        ) STRICT;

        CREATE TABLE audit_log (
          id          INTEGER PRIMARY KEY AUTOINCREMENT,
          profile_id  TEXT,
          at          INTEGER NOT NULL,
          event       TEXT NOT NULL,
          detail      TEXT NOT NULL DEFAULT '{}'
        ) STRICT;
        CREATE INDEX audit_log_at ON audit_log(at);

        -- Cross-process mutual exclusion for token refresh (Garmin rotates refresh tokens).
        CREATE TABLE refresh_locks (
          profile_id   TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
          owner        TEXT NOT NULL,
          pid          INTEGER NOT NULL,
          acquired_at  INTEGER NOT NULL,
          expires_at   INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'agent grants: who may fetch a token from the local endpoint',
    up: (db) => {
      db.exec(`
        -- Secrets are 256-bit random values shown once; only their SHA-256 is kept.
        -- owner: the secret in agent.json, for the life of one serve/app process (holder_pid).
        -- named: created by \`agents add\`, until revoked. run: for one \`run --\` child (holder_pid).
        CREATE TABLE agent_grants (
          id             TEXT PRIMARY KEY,
          profile_id     TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          name           TEXT NOT NULL,
          kind           TEXT NOT NULL CHECK (kind IN ('owner', 'named', 'run')),
          secret_sha256  TEXT NOT NULL UNIQUE,
          holder_pid     INTEGER,
          created_at     INTEGER NOT NULL,
          last_used_at   INTEGER,
          use_count      INTEGER NOT NULL DEFAULT 0,
          revoked_at     INTEGER
        ) STRICT;
        CREATE UNIQUE INDEX agent_grants_active_name ON agent_grants(profile_id, name) WHERE revoked_at IS NULL;
      `);
    },
  },
  {
    version: 3,
    name: 'training data synced from Garmin, with a cursor per stream',
    up: (db) => {
      db.exec(`
        -- Times are epoch seconds as Garmin sends them; local_date is the runner's calendar day
        -- (start + the device's UTC offset). raw keeps the whole record for fields not typed here.
        CREATE TABLE activities (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          activity_id         TEXT,
          activity_type       TEXT NOT NULL,
          name                TEXT,
          start_time          INTEGER NOT NULL,
          start_offset        INTEGER NOT NULL,
          local_date          TEXT NOT NULL,
          duration_s          REAL,
          distance_m          REAL,
          avg_speed_mps       REAL,
          avg_pace_min_km     REAL,
          avg_hr              REAL,
          max_hr              REAL,
          avg_cadence_spm     REAL,
          elevation_gain_m    REAL,
          active_kcal         REAL,
          device_name         TEXT,
          manual              INTEGER,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX activities_date ON activities(profile_id, local_date);

        CREATE TABLE dailies (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          start_offset        INTEGER,
          steps               INTEGER,
          distance_m          REAL,
          active_kcal         REAL,
          resting_hr          REAL,
          avg_hr              REAL,
          max_hr              REAL,
          avg_stress          REAL,
          body_battery_charged REAL,
          body_battery_drained REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX dailies_date ON dailies(profile_id, calendar_date);

        CREATE TABLE sleeps (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          start_offset        INTEGER,
          duration_s          REAL,
          deep_s              REAL,
          light_s             REAL,
          rem_s               REAL,
          awake_s             REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX sleeps_date ON sleeps(profile_id, calendar_date);

        CREATE TABLE hrv (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          last_night_avg_ms   REAL,
          last_night_5min_high_ms REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;

        CREATE TABLE user_metrics (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          vo2max              REAL,
          fitness_age         REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;

        -- Where each stream's sync stands. Backfill walks upload windows from backfill_start
        -- down to backfill_floor, newest first; afterwards incremental windows start at cursor.
        -- A window's rows and the move of its cursor commit in one transaction.
        CREATE TABLE sync_streams (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          stream              TEXT NOT NULL,
          backfill_start      INTEGER NOT NULL,
          backfill_floor      INTEGER NOT NULL,
          backfill_next_end   INTEGER NOT NULL,
          cursor              INTEGER NOT NULL,
          state               TEXT NOT NULL DEFAULT 'pending'
                              CHECK (state IN ('pending', 'ok', 'permission_missing', 'error')),
          last_error_code     TEXT,
          last_success_at     INTEGER,
          skipped_records     INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (profile_id, stream)
        ) STRICT;

        -- One sync at a time per profile, across processes (renewed while it runs).
        CREATE TABLE sync_leases (
          profile_id   TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
          owner        TEXT NOT NULL,
          pid          INTEGER NOT NULL,
          acquired_at  INTEGER NOT NULL,
          expires_at   INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 4,
    name: 'relay: where the desktop stands in R42 server notifications, and the history asked of Garmin',
    up: (db) => {
      db.exec(`
        -- The last relay notification whose data is stored here; moves in the same transaction as
        -- the rows it brought, so a crash between delivery and ack neither loses nor duplicates.
        CREATE TABLE relay_state (
          profile_id              TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
          cursor                  TEXT,
          notifications_applied   INTEGER NOT NULL DEFAULT 0,
          summaries_received      INTEGER NOT NULL DEFAULT 0,
          last_delivery_at        INTEGER,
          backfill_for_user       TEXT
        ) STRICT;
        -- Backfill ranges asked of Garmin after a link (at most 30 days for activities, 90 for
        -- the others); 'requested' once Garmin answered 202 or 409 (already asked).
        CREATE TABLE relay_backfill (
          profile_id   TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          stream       TEXT NOT NULL,
          start_s      INTEGER NOT NULL,
          end_s        INTEGER NOT NULL,
          state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'requested', 'permission_missing')),
          PRIMARY KEY (profile_id, stream, start_s)
        ) STRICT;
      `);
    },
  },
  {
    version: 5,
    name: 'activity samples (compact), their derived figures, personal records, stress, body composition, SpO2, respiration',
    up: (db) => {
      db.exec(`
        -- One row per activityDetails record. samples is the sample-codec BLOB (format_version
        -- says how to read it); raw keeps the record without its samples and laps (a few hundred
        -- bytes). activity_summary_id is the activity summary's summaryId the details belong to.
        CREATE TABLE activity_samples (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          activity_summary_id TEXT NOT NULL,
          activity_id         TEXT,
          activity_type       TEXT,
          start_time          INTEGER,
          local_date          TEXT,
          duration_s          REAL,
          distance_m          REAL,
          avg_hr              REAL,
          lap_starts          TEXT NOT NULL DEFAULT '[]',
          format_version      INTEGER NOT NULL,
          sample_count        INTEGER NOT NULL,
          samples_duration_s  REAL NOT NULL,
          has_hr              INTEGER NOT NULL,
          has_gps             INTEGER NOT NULL,
          samples             BLOB NOT NULL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX activity_samples_activity ON activity_samples(profile_id, activity_summary_id);
        CREATE INDEX activity_samples_activity_id ON activity_samples(profile_id, activity_id);

        -- Figures derived from the samples that do not depend on the runner's HR settings, so a
        -- changed max HR needs no recomputation: moving time, distance, seconds at each heart rate
        -- (zones and TRIMP for any profile), best efforts. analysis_version: rebuilt when the
        -- analysis changes.
        CREATE TABLE activity_analysis (
          profile_id          TEXT NOT NULL,
          summary_id          TEXT NOT NULL,
          activity_summary_id TEXT NOT NULL,
          analysis_version    INTEGER NOT NULL,
          local_date          TEXT,
          is_run              INTEGER NOT NULL,
          moving_s            REAL NOT NULL,
          distance_m          REAL,
          hr_s                REAL NOT NULL,
          hr_histogram        TEXT NOT NULL,
          best_efforts        TEXT NOT NULL,
          computed_at         INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id),
          FOREIGN KEY (profile_id, summary_id) REFERENCES activity_samples(profile_id, summary_id) ON DELETE CASCADE
        ) STRICT;
        CREATE INDEX activity_analysis_activity ON activity_analysis(profile_id, activity_summary_id);

        -- The fastest run per standard distance over the whole history, updated as runs arrive.
        CREATE TABLE personal_records (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          label               TEXT NOT NULL,
          distance_m          REAL NOT NULL,
          time_s              REAL NOT NULL,
          pace_s_per_km       REAL NOT NULL,
          summary_id          TEXT NOT NULL,
          date                TEXT NOT NULL,
          PRIMARY KEY (profile_id, label)
        ) STRICT;

        -- A day of stress values (3-minute values, about 8 KB of JSON): kept deflated in values_z.
        CREATE TABLE stress_details (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          start_offset        INTEGER,
          duration_s          REAL,
          avg_stress          REAL,
          max_stress          REAL,
          body_battery_high   REAL,
          body_battery_low    REAL,
          raw_z               BLOB NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX stress_details_date ON stress_details(profile_id, calendar_date);

        CREATE TABLE body_comps (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          measured_at         INTEGER NOT NULL,
          local_date          TEXT NOT NULL,
          weight_g            REAL,
          body_fat_pct        REAL,
          bmi                 REAL,
          muscle_mass_g       REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX body_comps_date ON body_comps(profile_id, local_date);

        -- A night of SpO2 values: kept deflated in raw_z.
        CREATE TABLE pulse_ox (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          duration_s          REAL,
          avg_spo2            REAL,
          min_spo2            REAL,
          on_demand           INTEGER,
          raw_z               BLOB NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX pulse_ox_date ON pulse_ox(profile_id, calendar_date);

        -- Respiration comes in short blocks (15 min): small, raw kept as JSON.
        CREATE TABLE respiration (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          start_time          INTEGER NOT NULL,
          local_date          TEXT NOT NULL,
          duration_s          REAL,
          avg_breaths         REAL,
          min_breaths         REAL,
          max_breaths         REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX respiration_date ON respiration(profile_id, local_date);
      `);
    },
  },
  {
    version: 6,
    name: 'per-activity HR figures cached for the current HR profile; activities found by Garmin activity id',
    up: (db) => {
      db.exec(`
        -- The figures of one activity's HR histogram (activity_analysis) that depend on the HR
        -- profile: its TRIMP by the hr_samples method (null when HR covers under half the moving
        -- time) and its moving seconds per zone (null without HR seconds). hr_key fingerprints
        -- the profile (max, rest, zone model, k, formula version): a row of another key is stale
        -- and is recomputed on read. One row per activity: a changed profile overwrites it.
        CREATE TABLE activity_hr_figures (
          profile_id          TEXT NOT NULL,
          summary_id          TEXT NOT NULL,
          hr_key              TEXT NOT NULL,
          trimp               REAL,
          below_s             REAL,
          z1_s                REAL,
          z2_s                REAL,
          z3_s                REAL,
          z4_s                REAL,
          z5_s                REAL,
          no_hr_s             REAL,
          PRIMARY KEY (profile_id, summary_id),
          FOREIGN KEY (profile_id, summary_id) REFERENCES activity_analysis(profile_id, summary_id) ON DELETE CASCADE
        ) STRICT;
        -- Details re-delivered (or recomputed by a newer analysis) change the histogram in place
        -- (an upsert is an UPDATE, which a cascade does not see): its cached figures go with it.
        CREATE TRIGGER activity_hr_figures_stale AFTER UPDATE ON activity_analysis
        BEGIN
          DELETE FROM activity_hr_figures WHERE profile_id = old.profile_id AND summary_id = old.summary_id;
        END;

        -- The details query finds an activity by its summaryId or its Garmin activity id.
        CREATE INDEX activities_activity_id ON activities(profile_id, activity_id);
      `);
    },
  },
  {
    version: 7,
    name: 'epochs, health snapshots, blood pressure and skin temperature; sleep scores; activities edited in Garmin Connect',
    up: (db) => {
      db.exec(`
        -- An activity the runner edited in Garmin Connect (manuallyUpdatedActivities) is the newest
        -- word on it: a plain re-delivery of the original never overwrites it.
        ALTER TABLE activities ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;
        -- Garmin's overall sleep score (0-100) of the night.
        ALTER TABLE sleeps ADD COLUMN score REAL;

        -- Intraday activity: one row per 15-minute epoch and activity type in it.
        CREATE TABLE epochs (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          start_time          INTEGER NOT NULL,
          local_date          TEXT NOT NULL,
          local_minute        INTEGER NOT NULL,
          activity_type       TEXT,
          intensity           TEXT,
          duration_s          REAL,
          active_s            REAL,
          steps               REAL,
          distance_m          REAL,
          active_kcal         REAL,
          met                 REAL,
          mean_motion         REAL,
          max_motion          REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX epochs_date ON epochs(profile_id, local_date, start_time);

        -- A 2-minute health snapshot taken on the watch: its figures (the per-second values stay in raw).
        CREATE TABLE health_snapshots (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          duration_s          REAL,
          hr_avg              REAL,
          hr_min              REAL,
          hr_max              REAL,
          spo2_avg            REAL,
          spo2_min            REAL,
          respiration_avg     REAL,
          stress_avg          REAL,
          rmssd_ms            REAL,
          sdrr_ms             REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX health_snapshots_date ON health_snapshots(profile_id, calendar_date);

        CREATE TABLE blood_pressures (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          measured_at         INTEGER NOT NULL,
          local_date          TEXT NOT NULL,
          systolic            REAL,
          diastolic           REAL,
          pulse               REAL,
          source_type         TEXT,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX blood_pressures_date ON blood_pressures(profile_id, local_date);

        -- The night's skin temperature against the runner's own baseline (°C).
        CREATE TABLE skin_temps (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          duration_s          REAL,
          deviation_c         REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX skin_temps_date ON skin_temps(profile_id, calendar_date);
      `);
    },
  },
  {
    version: 8,
    name: 'relay: this data folder as one of the runner\'s computers; records a push stored',
    up: (db) => {
      db.exec(`
        -- This data folder's name at the R42 server's relay (a random id, made once and kept across
        -- relinks): the relay delivers every notification to each of a runner's computers.
        CREATE TABLE relay_computer (
          id           INTEGER PRIMARY KEY CHECK (id = 1),
          computer_id  TEXT NOT NULL
        ) STRICT;
        -- How many computers the relay delivered to at its last answer, this one included: a
        -- disconnect that cannot reach the relay still knows whether another computer uses the link.
        ALTER TABLE relay_state ADD COLUMN computers INTEGER;
        -- Records stored from a push, which the webhook cannot prove came from Garmin: a push
        -- never replaces a record fetched from Garmin with the runner's own token.
        CREATE TABLE pushed_records (
          profile_id   TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          stream       TEXT NOT NULL,
          summary_id   TEXT NOT NULL,
          PRIMARY KEY (profile_id, stream, summary_id)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 9,
    name: 'workouts: proposed by agents, decided by the runner, delivered to Garmin step by step',
    up: (db) => {
      db.exec(`
        -- A workout an agent proposed (plan: src-common/workout.ts, as JSON), the runner's decision,
        -- and how far its delivery to Garmin's Training API came. Each delivery step is committed
        -- before and after its request, so a retry knows what Garmin already has and never makes a
        -- second workout ('creating' left by a process that died means Garmin may have it).
        CREATE TABLE workouts (
          id                   TEXT PRIMARY KEY,
          profile_id           TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          name                 TEXT NOT NULL,
          sport                TEXT NOT NULL,
          workout_date         TEXT,
          plan                 TEXT NOT NULL,
          decision             TEXT NOT NULL DEFAULT 'proposed' CHECK (decision IN ('proposed', 'approved', 'rejected')),
          delivery             TEXT NOT NULL DEFAULT 'none'
                               CHECK (delivery IN ('none', 'creating', 'created', 'scheduling', 'scheduled', 'create_uncertain', 'removing', 'removed')),
          agent                TEXT NOT NULL,
          grant_name           TEXT NOT NULL,
          proposed_at          INTEGER NOT NULL,
          decided_at           INTEGER,
          decided_via          TEXT,
          garmin_workout_id    TEXT,
          garmin_schedule_id   TEXT,
          delivery_pid         INTEGER,
          delivery_started_at  INTEGER,
          last_error_code      TEXT,
          last_error_message   TEXT,
          last_error_at        INTEGER,
          updated_at           INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX workouts_recent ON workouts(profile_id, proposed_at);
        CREATE INDEX workouts_date ON workouts(profile_id, workout_date);
      `);
    },
  },
  {
    version: 10,
    name: 'FIT files imported from the watch, Garmin Connect export and Activity Files; what the watch recorded beyond the API',
    up: (db) => {
      db.exec(`
        -- One row per file content imported (SHA-256 of its bytes): importing the same file again,
        -- under any name or from any door, changes nothing. outcome 'skipped' keeps the reason code.
        CREATE TABLE fit_files (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          sha256              TEXT NOT NULL,
          name                TEXT NOT NULL,
          bytes               INTEGER NOT NULL,
          outcome             TEXT NOT NULL CHECK (outcome IN ('imported', 'skipped')),
          reason              TEXT,
          activities          TEXT NOT NULL DEFAULT '[]',
          imported_at         INTEGER NOT NULL,
          PRIMARY KEY (profile_id, sha256)
        ) STRICT;

        -- What a FIT file recorded of one activity (a leg of a multisport file) beyond the API: the
        -- watch's session totals and laps (JSON), the per-sample channels the API lacks (power,
        -- temperature, running dynamics, pedal cadence: sample-codec columns, deflated), the
        -- developer (Connect IQ) fields raw (deflated JSON). richness counts the values its samples
        -- hold; samples_used is 1 when the activity's details (activity_samples) are this file's.
        CREATE TABLE activity_fit (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          activity_summary_id TEXT NOT NULL,
          details_id          TEXT NOT NULL,
          file_sha256         TEXT NOT NULL,
          source              TEXT NOT NULL,
          leg                 INTEGER NOT NULL,
          legs                INTEGER NOT NULL,
          sport               TEXT NOT NULL,
          sub_sport           TEXT,
          device              TEXT,
          start_time          REAL NOT NULL,
          local_offset        INTEGER,
          totals              TEXT NOT NULL,
          laps                TEXT NOT NULL,
          extras              BLOB,
          developer_z         BLOB,
          richness            INTEGER NOT NULL,
          samples_used        INTEGER NOT NULL,
          truncated           INTEGER NOT NULL,
          warnings            TEXT NOT NULL DEFAULT '[]',
          imported_at         INTEGER NOT NULL,
          PRIMARY KEY (profile_id, activity_summary_id)
        ) STRICT;
        CREATE INDEX activity_fit_file ON activity_fit(profile_id, file_sha256);

        -- The same run from a file and from the API is one activity: found by sport and start.
        CREATE INDEX activities_start ON activities(profile_id, start_time);
      `);
    },
  },
];
