// The catalog schema, one migration per change. Times are Unix milliseconds.
#include "store/migrations.h"

namespace strata::store {

const std::vector<Migration>& CatalogMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "jobs", R"sql(
        CREATE TABLE jobs (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          type TEXT NOT NULL,
          status TEXT NOT NULL,
          progress REAL NOT NULL DEFAULT 0,
          message TEXT,
          params TEXT NOT NULL DEFAULT '{}',
          result TEXT,
          failure_reason TEXT,
          created_at INTEGER NOT NULL,
          started_at INTEGER,
          ended_at INTEGER,
          worker_pid INTEGER,
          server_id TEXT,
          stop_requested INTEGER NOT NULL DEFAULT 0,
          log_key TEXT
        );
        CREATE INDEX jobs_status ON jobs(status);
      )sql"},
      {2, "datasets", R"sql(
        CREATE TABLE datasets (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          rows INTEGER NOT NULL,
          columns TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          source_bytes INTEGER NOT NULL,
          format TEXT NOT NULL,
          source TEXT,
          parent TEXT,
          skipped_rows INTEGER NOT NULL DEFAULT 0,
          object_prefix TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          UNIQUE (name, version)
        );
      )sql"},
      {3, "models", R"sql(
        CREATE TABLE models (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          algorithm TEXT NOT NULL,
          problem TEXT NOT NULL,
          target TEXT NOT NULL,
          dataset TEXT NOT NULL,
          job TEXT,
          hyperparameters TEXT NOT NULL,
          metrics TEXT NOT NULL,
          object_prefix TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          training_seconds REAL NOT NULL,
          program_version TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          UNIQUE (name, version)
        );
      )sql"},
      {4, "model_aliases", R"sql(
        CREATE TABLE model_aliases (
          model TEXT NOT NULL,
          alias TEXT NOT NULL,
          version INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          updated_by TEXT NOT NULL,
          PRIMARY KEY (model, alias)
        );
        CREATE TABLE model_alias_history (
          model TEXT NOT NULL,
          alias TEXT NOT NULL,
          version INTEGER NOT NULL,
          previous_version INTEGER,
          at INTEGER NOT NULL,
          by TEXT NOT NULL
        );
      )sql"},
      {5, "endpoints", R"sql(
        CREATE TABLE endpoints (
          name TEXT PRIMARY KEY,
          spec TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
      )sql"},
  };
  return kMigrations;
}

}  // namespace strata::store
