//! The store: every SQL statement Sandpit runs. SQLite in the data directory
//! by default; migrations are embedded from `migrations/`.

mod admin;
mod attempts;
mod batch;
mod cohort_list;
mod cohort_programme;
mod cohorts;
mod community;
mod demo;
mod help;
mod help_sessions;
mod indicators;
mod lifecycle;
mod links;
mod outbox;
mod packed;
mod parked;
mod personal;
mod pool;
mod programmes;
mod pulses;
mod recordings;
mod refreshers;
mod reset;
mod sandboxes;
mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use admin::{AdminSandbox, NewTeardownReport, TeardownRecord};
pub use attempts::{Attempt, CheckRecord, NewAttempt, Outcome};
pub use batch::Batch;
pub use cohort_list::{CohortListing, PassedStep};
pub use cohort_programme::CohortProgramme;
pub use cohorts::{Cohort, CohortAttempt, DbUuid, Learner, NewCohort, NewLearner};
pub use community::{
    ExerciseRatings, NewTip, ProgrammeTip, Rated, Rating, ReviewedTip, TipAnswer, TipRecord,
};
pub use demo::DemoRemoval;
pub use help::{AmbassadorRecord, Care, Helper, Peer, PeerExercise};
pub use help_sessions::{HelpCalls, HelpFact, HelpSessionRecord, NewHelpSession};
pub use indicators::{
    CohortLearners, FailedOutput, IndicatorScope, LearnerExercise, ProgrammeCohort,
};
pub use lifecycle::{EndReason, Lifecycle};
pub use links::LinkRecord;
pub use outbox::{ClaimRecord, NewOutboxStatement, OutboxCursor, OutboxRow, OutboxStatus};
pub use parked::ParkedRow;
pub use pool::{Claim, StateCounts};
pub use programmes::{
    ImpactRecord, ImportCounts, NewPerson, NewProgramme, NewTeam, PersonProgress, PersonScenario,
    PhaseDates, ProgrammeRecord, TeamRecord, UsageRecord,
};
pub use pulses::{PulseComment, PulseQuestion, PulseScores};
pub use recordings::{RecordingRecord, RecordingUse};
pub use refreshers::{DueRefresher, InviteRecord, RefresherRecord};
pub use reset::Rebind;
pub use sandboxes::{NewSandbox, SandboxRecord, SandboxState};
pub use users::{ApiTokenInfo, Role, Session, User};

/// Errors from the store, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{context}: {source}")]
    Sql {
        context: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("migrating the store: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("sandbox {0} is not in the store")]
    UnknownSandbox(uuid::Uuid),
    #[error("cohort {0} is not in the store")]
    UnknownCohort(uuid::Uuid),
    #[error("programme {0} is not in the store")]
    UnknownProgramme(uuid::Uuid),
    #[error("the programme has no team `{0}`")]
    UnknownTeam(String),
    #[error("there is already {0}")]
    Duplicate(String),
    /// The owner already has a cohort of this name (letter case aside).
    #[error("you already have a cohort named `{0}`")]
    CohortNameTaken(String),
    /// A claim in a [`Batch`] found no ready sandbox, or its link bound.
    #[error("no ready sandbox could be claimed for the link")]
    NotClaimed,
    #[error("sandbox {id} is {actual}, not {expected}")]
    WrongState {
        id: uuid::Uuid,
        expected: String,
        actual: SandboxState,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Adds "what was being done" to an sqlx error.
trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, sqlx::Error> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| StoreError::Sql {
            context: what(),
            source,
        })
    }
}

/// How much of the store's file reads map (SQLite's `mmap_size`): 256 MiB.
const MMAP_SIZE: u64 = 256 << 20;

/// A handle on the store; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) `sandpit.db` in `data_dir` and migrates it.
    pub async fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Sql {
            context: format!("creating the data directory {}", data_dir.display()),
            source: sqlx::Error::Io(e),
        })?;
        let options = SqliteConnectOptions::new()
            .filename(data_dir.join("sandpit.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a completion survives a power cut once the learner saw "passed".
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Reads map the file instead of copying each page through a
            // system call into each connection's small cache: the
            // indicators page reads tens of thousands of rows, on any of
            // the pool's connections (0.03 s instead of 0.03–0.12 s).
            .pragma("mmap_size", MMAP_SIZE.to_string());
        Self::connect(options, 8).await
    }

    /// A private in-memory store, for tools that must not touch a data directory.
    pub async fn in_memory() -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .context(|| "parsing the in-memory store's address".into())?
            .foreign_keys(true);
        // One connection: every connection to :memory: is a database of its own.
        Self::connect(options, 1).await
    }

    async fn connect(options: SqliteConnectOptions, connections: u32) -> Result<Self> {
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            .connect_with(options)
            .await
            .context(|| "opening the SQLite store".into())?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The newest schema this build knows: its last migration's number.
    pub fn schema() -> i64 {
        sqlx::migrate!("./migrations")
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0)
    }

    /// Writes a consistent copy of the whole store to `path` (a new file),
    /// while the server may be writing: SQLite's `VACUUM INTO` reads one
    /// snapshot.
    pub async fn copy_into(&self, path: &Path) -> Result<()> {
        let target = path.to_string_lossy().into_owned();
        sqlx::query("VACUUM INTO ?")
            .bind(&target)
            .execute(&self.pool)
            .await
            .context(|| format!("copying the store to {target}"))?;
        Ok(())
    }

    /// How many rows the main tables hold, to say what a backup holds.
    pub async fn counts(&self) -> Result<Vec<(&'static str, i64)>> {
        let mut out = Vec::new();
        for table in [
            "users",
            "cohorts",
            "learners",
            "sandboxes",
            "attempts",
            "recordings",
            "programmes",
            "help_sessions",
        ] {
            // The names are the fixed list above.
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&self.pool)
                    .await
                    .context(|| format!("counting {table}"))?;
            out.push((table, n));
        }
        Ok(out)
    }

    /// The time of the newest record (a sandbox's change, a check), to
    /// tell whether the clock went back; None in an empty store.
    pub async fn latest_record(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        sqlx::query_scalar(
            "SELECT MAX(t) FROM (SELECT MAX(updated_at) AS t FROM sandboxes
                                 UNION ALL SELECT MAX(created_at) FROM attempts)",
        )
        .fetch_one(&self.pool)
        .await
        .context(|| "reading the time of the newest record".into())
    }

    /// Whether SQLite finds the store whole.
    pub async fn integrity(&self) -> Result<String> {
        sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await
            .context(|| "checking the store's integrity".into())
    }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
