// The store's schema migrations. See schema.h for how to add one.
#include "store/schema.h"

#include <string>

namespace skein::store {
namespace {

constexpr Migration kMigrations[] = {
    {
        1,
        "catalog entities and the import locations that own them",
        R"sql(
CREATE TABLE imports (
  location     TEXT PRIMARY KEY,
  imported_at  TEXT NOT NULL,
  entity_count INTEGER NOT NULL
);
CREATE TABLE entities (
  key         TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  namespace   TEXT NOT NULL,
  name        TEXT NOT NULL,
  location    TEXT NOT NULL REFERENCES imports(location),
  origin      TEXT NOT NULL,
  origin_line INTEGER NOT NULL,
  body        TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX entities_by_location ON entities(location);
)sql",
        // key sorts bytewise (COLLATE "C") so that ListEntities orders as SQLite and std::string do,
        // whatever the database's locale.
        R"sql(
CREATE TABLE imports (
  location     TEXT PRIMARY KEY,
  imported_at  TIMESTAMPTZ NOT NULL,
  entity_count INTEGER NOT NULL
);
CREATE TABLE entities (
  key         TEXT COLLATE "C" PRIMARY KEY,
  kind        TEXT NOT NULL,
  namespace   TEXT NOT NULL,
  name        TEXT NOT NULL,
  location    TEXT NOT NULL REFERENCES imports(location),
  origin      TEXT NOT NULL,
  origin_line INTEGER NOT NULL,
  body        TEXT NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX entities_by_location ON entities(location);
)sql",
    },
    {
        2,
        "the data side of migrations: one record per migration and per partition written",
        R"sql(
CREATE TABLE data_runs (
  migration  TEXT PRIMARY KEY,
  body       TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE data_partitions (
  migration  TEXT NOT NULL,
  partition  TEXT NOT NULL,
  body       TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (migration, partition)
);
)sql",
        R"sql(
CREATE TABLE data_runs (
  migration  TEXT COLLATE "C" PRIMARY KEY,
  body       TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE data_partitions (
  migration  TEXT COLLATE "C" NOT NULL,
  partition  TEXT COLLATE "C" NOT NULL,
  body       TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (migration, partition)
);
)sql",
    },
    {
        3,
        "the fleet's job queue: campaigns, their jobs, every attempt (also the lease history), workers, "
        "events",
        R"sql(
CREATE TABLE campaigns (
  id                TEXT PRIMARY KEY,
  state             TEXT NOT NULL,
  reason            TEXT NOT NULL,
  manifest_file     TEXT NOT NULL,
  manifest          TEXT NOT NULL,
  manifest_hash     TEXT NOT NULL,
  workdir           TEXT NOT NULL,
  policy            TEXT NOT NULL,
  max_parallel      INTEGER NOT NULL,
  per_owner         INTEGER NOT NULL,
  per_repo          INTEGER NOT NULL,
  open_stage        INTEGER NOT NULL,
  breaker_since_ms  BIGINT NOT NULL,
  created_ms        BIGINT NOT NULL,
  updated_ms        BIGINT NOT NULL
);
CREATE TABLE jobs (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign         TEXT NOT NULL REFERENCES campaigns(id),
  kind             TEXT NOT NULL,
  target           TEXT NOT NULL,
  stage            INTEGER NOT NULL,
  wave             INTEGER NOT NULL,
  priority         INTEGER NOT NULL,
  owner            TEXT NOT NULL,
  repo             TEXT NOT NULL,
  tier             TEXT NOT NULL,
  grp              TEXT NOT NULL,
  needs_approval   INTEGER NOT NULL,
  approved_by      TEXT NOT NULL,
  payload          TEXT NOT NULL,
  state            TEXT NOT NULL,
  attempts         INTEGER NOT NULL,
  max_attempts     INTEGER NOT NULL,
  run_after_ms     BIGINT NOT NULL,
  lease_worker     TEXT NOT NULL,
  lease_token      BIGINT NOT NULL,
  lease_expires_ms BIGINT NOT NULL,
  outcome          TEXT NOT NULL,
  result           TEXT NOT NULL,
  created_ms       BIGINT NOT NULL,
  updated_ms       BIGINT NOT NULL,
  finished_ms      BIGINT NOT NULL,
  UNIQUE (campaign, kind, target)
);
CREATE INDEX jobs_claimable ON jobs(state, run_after_ms);
CREATE INDEX jobs_by_campaign ON jobs(campaign, stage, state);
CREATE TABLE attempts (
  job              BIGINT NOT NULL REFERENCES jobs(id),
  token            BIGINT NOT NULL,
  worker           TEXT NOT NULL,
  started_ms       BIGINT NOT NULL,
  lease_expires_ms BIGINT NOT NULL,
  ended_ms         BIGINT NOT NULL,
  outcome          TEXT NOT NULL,
  error            TEXT NOT NULL,
  evidence         TEXT NOT NULL,
  PRIMARY KEY (job, token)
);
CREATE TABLE workers (
  id           TEXT PRIMARY KEY,
  host         TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  slots        INTEGER NOT NULL,
  grp          TEXT NOT NULL,
  state        TEXT NOT NULL,
  started_ms   BIGINT NOT NULL,
  heartbeat_ms BIGINT NOT NULL
);
CREATE TABLE campaign_events (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign TEXT NOT NULL,
  at_ms    BIGINT NOT NULL,
  kind     TEXT NOT NULL,
  message  TEXT NOT NULL
);
CREATE INDEX campaign_events_by_campaign ON campaign_events(campaign, id);
)sql",
        R"sql(
CREATE TABLE campaigns (
  id                TEXT COLLATE "C" PRIMARY KEY,
  state             TEXT NOT NULL,
  reason            TEXT NOT NULL,
  manifest_file     TEXT NOT NULL,
  manifest          TEXT NOT NULL,
  manifest_hash     TEXT NOT NULL,
  workdir           TEXT NOT NULL,
  policy            TEXT NOT NULL,
  max_parallel      INTEGER NOT NULL,
  per_owner         INTEGER NOT NULL,
  per_repo          INTEGER NOT NULL,
  open_stage        INTEGER NOT NULL,
  breaker_since_ms  BIGINT NOT NULL,
  created_ms        BIGINT NOT NULL,
  updated_ms        BIGINT NOT NULL
);
CREATE TABLE jobs (
  id               BIGSERIAL PRIMARY KEY,
  campaign         TEXT COLLATE "C" NOT NULL REFERENCES campaigns(id),
  kind             TEXT NOT NULL,
  target           TEXT COLLATE "C" NOT NULL,
  stage            INTEGER NOT NULL,
  wave             INTEGER NOT NULL,
  priority         INTEGER NOT NULL,
  owner            TEXT NOT NULL,
  repo             TEXT NOT NULL,
  tier             TEXT NOT NULL,
  grp              TEXT NOT NULL,
  needs_approval   INTEGER NOT NULL,
  approved_by      TEXT NOT NULL,
  payload          TEXT NOT NULL,
  state            TEXT NOT NULL,
  attempts         INTEGER NOT NULL,
  max_attempts     INTEGER NOT NULL,
  run_after_ms     BIGINT NOT NULL,
  lease_worker     TEXT NOT NULL,
  lease_token      BIGINT NOT NULL,
  lease_expires_ms BIGINT NOT NULL,
  outcome          TEXT NOT NULL,
  result           TEXT NOT NULL,
  created_ms       BIGINT NOT NULL,
  updated_ms       BIGINT NOT NULL,
  finished_ms      BIGINT NOT NULL,
  UNIQUE (campaign, kind, target)
);
CREATE INDEX jobs_claimable ON jobs(state, run_after_ms);
CREATE INDEX jobs_by_campaign ON jobs(campaign, stage, state);
CREATE TABLE attempts (
  job              BIGINT NOT NULL REFERENCES jobs(id),
  token            BIGINT NOT NULL,
  worker           TEXT NOT NULL,
  started_ms       BIGINT NOT NULL,
  lease_expires_ms BIGINT NOT NULL,
  ended_ms         BIGINT NOT NULL,
  outcome          TEXT NOT NULL,
  error            TEXT NOT NULL,
  evidence         TEXT NOT NULL,
  PRIMARY KEY (job, token)
);
CREATE TABLE workers (
  id           TEXT COLLATE "C" PRIMARY KEY,
  host         TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  slots        INTEGER NOT NULL,
  grp          TEXT NOT NULL,
  state        TEXT NOT NULL,
  started_ms   BIGINT NOT NULL,
  heartbeat_ms BIGINT NOT NULL
);
CREATE TABLE campaign_events (
  id       BIGSERIAL PRIMARY KEY,
  campaign TEXT COLLATE "C" NOT NULL,
  at_ms    BIGINT NOT NULL,
  kind     TEXT NOT NULL,
  message  TEXT NOT NULL
);
CREATE INDEX campaign_events_by_campaign ON campaign_events(campaign, id);
)sql",
    },
    {
        4,
        "change requests opened per forge, for organisation-wide rate limits shared by every worker",
        R"sql(
CREATE TABLE forge_requests (
  forge TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX forge_requests_by_forge ON forge_requests(forge, at_ms);
)sql",
        R"sql(
CREATE TABLE forge_requests (
  forge TEXT COLLATE "C" NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX forge_requests_by_forge ON forge_requests(forge, at_ms);
)sql",
    },
    {
        5,
        "the pending jobs in claim order, so a claim reads its batch instead of sorting every pending job",
        R"sql(
CREATE INDEX jobs_pending ON jobs(stage, priority, id) WHERE state = 'pending';
)sql",
        R"sql(
CREATE INDEX jobs_pending ON jobs(stage, priority, id) WHERE state = 'pending';
)sql",
    },
    {
        6,
        "the portal's API tokens (hashes only) and which events have been alerted",
        R"sql(
CREATE TABLE api_tokens (
  name       TEXT PRIMARY KEY,
  role       TEXT NOT NULL,
  hash       TEXT NOT NULL UNIQUE,
  created_ms BIGINT NOT NULL,
  revoked_ms BIGINT NOT NULL
);
ALTER TABLE campaign_events ADD COLUMN alerted_ms BIGINT NOT NULL DEFAULT 0;
UPDATE campaign_events SET alerted_ms = 1;
)sql",
        R"sql(
CREATE TABLE api_tokens (
  name       TEXT COLLATE "C" PRIMARY KEY,
  role       TEXT NOT NULL,
  hash       TEXT COLLATE "C" NOT NULL UNIQUE,
  created_ms BIGINT NOT NULL,
  revoked_ms BIGINT NOT NULL
);
ALTER TABLE campaign_events ADD COLUMN alerted_ms BIGINT NOT NULL DEFAULT 0;
UPDATE campaign_events SET alerted_ms = 1;
)sql",
    },
    {
        7,
        "a campaign's jobs in id order, so the portal's pages read their rows instead of sorting all",
        R"sql(
CREATE INDEX jobs_by_campaign_id ON jobs(campaign, id);
)sql",
        R"sql(
CREATE INDEX jobs_by_campaign_id ON jobs(campaign, id);
)sql",
    },
    {
        8,
        "a campaign's jobs in id order with every column the portal filters and searches on "
        "(state, kind, wave, tier, target, owner, repo): its pages, counts and searches read the "
        "index, not the rows (a job's state change updates it; the rest never changes)",
        R"sql(
DROP INDEX jobs_by_campaign_id;
CREATE INDEX jobs_by_campaign_columns ON jobs(campaign, id, state, kind, wave, tier, target, owner, repo);
)sql",
        R"sql(
DROP INDEX jobs_by_campaign_id;
CREATE INDEX jobs_by_campaign_columns ON jobs(campaign, id, state, kind, wave, tier, target, owner, repo);
)sql",
    },
    {
        9,
        "background mode: the change requests campaigns opened as last seen on their forge, each "
        "dataset's schema as last read from its location, and the notices (schema drift, "
        "decommission) the watcher recorded and alerted once",
        R"sql(
CREATE TABLE change_requests (
  campaign         TEXT NOT NULL,
  consumer         TEXT NOT NULL,
  job              BIGINT NOT NULL,
  forge            TEXT NOT NULL,
  url              TEXT NOT NULL,
  branch           TEXT NOT NULL,
  state            TEXT NOT NULL,
  checks           TEXT NOT NULL,
  closed_by        TEXT NOT NULL,
  closed_ms        BIGINT NOT NULL,
  rebase_ms        BIGINT NOT NULL,
  checks_failed_ms BIGINT NOT NULL,
  synced_ms        BIGINT NOT NULL,
  PRIMARY KEY (campaign, consumer)
);
CREATE TABLE dataset_schemas (
  dataset  TEXT PRIMARY KEY,
  location TEXT NOT NULL,
  columns  TEXT NOT NULL,
  seen_ms  BIGINT NOT NULL
);
CREATE TABLE notices (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  key     TEXT NOT NULL UNIQUE,
  kind    TEXT NOT NULL,
  subject TEXT NOT NULL,
  at_ms   BIGINT NOT NULL,
  message TEXT NOT NULL,
  detail  TEXT NOT NULL,
  alert   INTEGER NOT NULL,
  sent_ms BIGINT NOT NULL
);
CREATE INDEX notices_by_subject ON notices(subject, id);
)sql",
        R"sql(
CREATE TABLE change_requests (
  campaign         TEXT COLLATE "C" NOT NULL,
  consumer         TEXT COLLATE "C" NOT NULL,
  job              BIGINT NOT NULL,
  forge            TEXT NOT NULL,
  url              TEXT NOT NULL,
  branch           TEXT NOT NULL,
  state            TEXT NOT NULL,
  checks           TEXT NOT NULL,
  closed_by        TEXT NOT NULL,
  closed_ms        BIGINT NOT NULL,
  rebase_ms        BIGINT NOT NULL,
  checks_failed_ms BIGINT NOT NULL,
  synced_ms        BIGINT NOT NULL,
  PRIMARY KEY (campaign, consumer)
);
CREATE TABLE dataset_schemas (
  dataset  TEXT COLLATE "C" PRIMARY KEY,
  location TEXT NOT NULL,
  columns  TEXT NOT NULL,
  seen_ms  BIGINT NOT NULL
);
CREATE TABLE notices (
  id      BIGSERIAL PRIMARY KEY,
  key     TEXT COLLATE "C" NOT NULL UNIQUE,
  kind    TEXT NOT NULL,
  subject TEXT COLLATE "C" NOT NULL,
  at_ms   BIGINT NOT NULL,
  message TEXT NOT NULL,
  detail  TEXT NOT NULL,
  alert   INTEGER NOT NULL,
  sent_ms BIGINT NOT NULL
);
CREATE INDEX notices_by_subject ON notices(subject, id);
)sql",
    },
};

}  // namespace

const std::string_view kSqliteSchemaMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)";
const std::string_view kPostgresSchemaMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)";

std::span<const Migration> Migrations() { return kMigrations; }

int LatestSchemaVersion() { return Migrations().empty() ? 0 : Migrations().back().version; }

Status CheckSchemaNotNewer(int version) {
  if (version <= LatestSchemaVersion()) return Status::Ok();
  return Status::Conflict("its schema version " + std::to_string(version) +
                          " is newer than this skein knows (" + std::to_string(LatestSchemaVersion()) +
                          "): upgrade skein to use this store");
}

}  // namespace skein::store
