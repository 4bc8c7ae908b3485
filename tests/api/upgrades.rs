//! Upgrades: the migrations only go forward, and a store left at any
//! earlier schema opens in this Sandpit, whole, with its records. Each
//! schema is made by running the migrations up to it, as the Sandpit of
//! that schema did; one is filled the way such a Sandpit filled it, and
//! what was there is read back, with what the later migrations computed
//! from it.

use std::borrow::Cow;
use std::path::Path;

use chrono::{TimeDelta, Utc};
use sandpit::store::Store;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnectOptions;

/// A store at schema `version`: the migrations up to it, and no further.
async fn store_at(dir: &Path, version: i64) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(dir.join("sandpit.db"))
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.migrations = Cow::Owned(
        migrator
            .migrations
            .iter()
            .filter(|m| m.version <= version)
            .cloned()
            .collect(),
    );
    migrator.run(&pool).await.unwrap();
    pool
}

fn versions() -> Vec<i64> {
    sqlx::migrate!("./migrations")
        .iter()
        .map(|m| m.version)
        .collect()
}

#[tokio::test]
async fn a_store_at_every_earlier_schema_opens_whole_at_the_newest() {
    let all = versions();
    assert_eq!(all.last().copied(), Some(Store::schema()));
    for version in all {
        let dir = tempfile::tempdir().unwrap();
        store_at(dir.path(), version).await.close().await;
        let store = Store::open(dir.path())
            .await
            .unwrap_or_else(|e| panic!("from schema {version}: {e}"));
        assert_eq!(
            store.integrity().await.unwrap(),
            "ok",
            "from schema {version}"
        );
        store.close().await;
        let pool = SqlitePool::connect_with(
            SqliteConnectOptions::new().filename(dir.path().join("sandpit.db")),
        )
        .await
        .unwrap();
        let dangling: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert!(dangling.is_empty(), "from schema {version}: {dangling:?}");
        let newest: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(newest, Store::schema());
        pool.close().await;
    }
}

#[tokio::test]
async fn the_records_of_a_schema_15_store_survive_and_feed_what_came_later() {
    let dir = tempfile::tempdir().unwrap();
    let pool = store_at(dir.path(), 15).await;
    let at = |minutes: i64| Utc::now() - TimeDelta::minutes(minutes);
    let (user, cohort, learner, sandbox) = (
        uuid::Uuid::new_v4().to_string(),
        uuid::Uuid::new_v4().to_string(),
        uuid::Uuid::new_v4().to_string(),
        uuid::Uuid::new_v4().to_string(),
    );
    sqlx::query(
        "INSERT INTO users (id, name, role, password_hash, created_at) VALUES (?, 'tom', 'trainer', 'x', ?)",
    )
    .bind(&user)
    .bind(at(60))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO cohorts (id, name, scenario_id, owner_id, starts_at, ends_at, created_at, time_zone)
         VALUES (?, 'Tuesday', 'tiny', ?, ?, ?, ?, 'Europe/Paris')",
    )
    .bind(&cohort)
    .bind(&user)
    .bind(at(50))
    .bind(at(-60))
    .bind(at(60))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO learners (id, cohort_id, position, name, created_at) VALUES (?, ?, 1, 'Ada', ?)",
    )
    .bind(&learner)
    .bind(&cohort)
    .bind(at(60))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO sandboxes (id, scenario_id, cohort_id, state, created_at, updated_at, learner_id)
         VALUES (?, 'tiny', ?, 'destroyed', ?, ?, ?)",
    )
    .bind(&sandbox)
    .bind(&cohort)
    .bind(at(40))
    .bind(at(5))
    .bind(&learner)
    .execute(&pool)
    .await
    .unwrap();
    let passed_at = at(10);
    for (outcome, output, when) in [
        ("failed", "No done.txt yet", at(30)),
        ("failed", "No done.txt yet", at(20)),
        ("passed", "Found done.txt.", passed_at),
    ] {
        sqlx::query(
            "INSERT INTO attempts (sandbox_id, exercise_id, outcome, output, duration_ms, created_at)
             VALUES (?, 'make-file', ?, ?, 100, ?)",
        )
        .bind(&sandbox)
        .bind(outcome)
        .bind(output)
        .bind(when)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let store = Store::open(dir.path()).await.unwrap();
    let cohort_id = uuid::Uuid::parse_str(&cohort).unwrap();
    let learners = store.learners(cohort_id).await.unwrap();
    assert_eq!(learners.len(), 1);
    assert_eq!(learners[0].name, "Ada");
    let sandbox_id = uuid::Uuid::parse_str(&sandbox).unwrap();
    assert_eq!(store.attempts(sandbox_id).await.unwrap().len(), 3);
    store.close().await;
    // What migration 16 computed from the attempts: three tries, passed
    // at the third, two failures with one output.
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::new().filename(dir.path().join("sandpit.db")),
    )
    .await
    .unwrap();
    let row: (i64, bool, Option<i64>, chrono::DateTime<Utc>) = sqlx::query_as(
        "SELECT attempts, first_passed, pass_number, passed_at FROM learner_exercises
         WHERE learner_id = ? AND exercise_id = 'make-file'",
    )
    .bind(&learner)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row, (3, false, Some(3), passed_at));
    let failures: i64 = sqlx::query_scalar(
        "SELECT f.count FROM learner_failures f JOIN check_outputs o ON o.id = f.output_id
         WHERE f.learner_id = ? AND o.output = 'No done.txt yet'",
    )
    .bind(&learner)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(failures, 2);
    pool.close().await;
}
