//! Many small rows handed over as one. The store hands each row of a
//! result from SQLite's thread to the caller's task, at a few microseconds
//! a row: 20,000 rows of a few columns take 0.1–0.15 s, more than SQLite
//! takes to find them. A query that reads thousands of rows for the
//! indicators packs them instead into one JSON array per group
//! (`json_group_array(json_array(…))`), unpacked here.

use serde::de::DeserializeOwned;

use super::{Result, StoreError};

/// The rows packed in `json` (a JSON array of them); `what` says what was
/// being read, for the error if the array does not hold such rows.
pub(super) fn unpack<T: DeserializeOwned>(
    json: &str,
    what: impl FnOnce() -> String,
) -> Result<Vec<T>> {
    serde_json::from_str(json).map_err(|e| StoreError::Sql {
        context: what(),
        source: sqlx::Error::Decode(Box::new(e)),
    })
}
