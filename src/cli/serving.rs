//! The URL a running `sandpit serve` answers at, recorded in its data
//! directory (`serving`, locked while the server runs) so that commands on
//! the same data directory (`sandpit link create`) print links to that
//! server, whatever `--listen` address or port it was started with.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::Path;

/// The file, in the data directory.
const FILE: &str = "serving";

/// Held by the server while it serves: the lock ends with the process,
/// even when it is killed, so a record left behind is never taken for a
/// running server.
#[derive(Debug)]
pub struct Serving {
    _file: File,
}

/// Records that the server on `data_dir` answers at `url`. None (with a
/// warning) when another server on this data directory holds the record.
pub fn record(data_dir: &Path, url: &str) -> anyhow::Result<Option<Serving>> {
    let path = data_dir.join(FILE);
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            tracing::warn!(
                "another sandpit serve runs on {}; `sandpit link create` prints links to it",
                data_dir.display()
            );
            return Ok(None);
        }
        Err(TryLockError::Error(e)) => anyhow::bail!("locking {}: {e}", path.display()),
    }
    file.set_len(0)?;
    file.write_all(url.as_bytes())?;
    file.sync_all()?;
    Ok(Some(Serving { _file: file }))
}

/// The URL of the server running on `data_dir`, if one runs.
pub fn running(data_dir: &Path) -> Option<String> {
    let mut file = File::open(data_dir.join(FILE)).ok()?;
    match file.try_lock_shared() {
        // Nobody holds it: what it says is from a server that has stopped.
        Ok(()) => None,
        Err(TryLockError::WouldBlock) => {
            let mut url = String::new();
            file.read_to_string(&mut url).ok()?;
            let url = url.trim();
            (!url.is_empty()).then(|| url.to_owned())
        }
        Err(TryLockError::Error(_)) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_names_the_server_only_while_it_is_held() {
        let data = tempfile::tempdir().unwrap();
        assert_eq!(running(data.path()), None);
        let held = record(data.path(), "http://localhost:40123").unwrap();
        assert!(held.is_some());
        assert_eq!(
            running(data.path()).as_deref(),
            Some("http://localhost:40123")
        );
        // A second server on the same directory does not overwrite it.
        assert!(record(data.path(), "http://localhost:1").unwrap().is_none());
        assert_eq!(
            running(data.path()).as_deref(),
            Some("http://localhost:40123")
        );
        drop(held);
        assert_eq!(running(data.path()), None, "a stopped server's record");
    }
}
