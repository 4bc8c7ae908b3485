//! Machine-wide locks for work that several Sandpit processes on one host
//! must not do at once (image builds, firewall changes).

/// Takes an exclusive lock on `<tmp>/sandpit-<name>.lock`, held until the
/// returned file is dropped. None when the lock file cannot be used, in
/// which case the caller goes on unlocked.
pub async fn machine_lock(name: &str) -> Option<std::fs::File> {
    let path = std::env::temp_dir().join(format!("sandpit-{name}.lock"));
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .ok()?;
        file.lock().ok()?;
        Some(file)
    })
    .await
    .ok()
    .flatten()
}
