//! `sandpit backup FILE` and `sandpit restore FILE`: the data directory in
//! one tar archive, and back.
//!
//! A backup is taken online, while `serve` runs: the store is copied from
//! one snapshot (SQLite's `VACUUM INTO`), with the installation's id (the
//! label of its engine objects), its link key (so learner links keep
//! working) and the terminal recordings, and a `manifest.json` saying which
//! Sandpit and schema made it and what it holds. The archive is readable by
//! its owner only: the link key opens every cohort link.
//!
//! A restore refuses to run while a server uses the data directory, and
//! refuses an archive that is not a Sandpit backup, holds anything else, or
//! was made by a newer schema. It unpacks aside, checks the store (an older
//! schema is migrated forward), then moves what was there into
//! `before-restore-<time>/` and the backup into place, so nothing is lost
//! either way. The next `serve` reconciles the store with the engine.

use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::cohort::print_json;
use crate::config::Config;
use crate::store::Store;

/// What the archive says of itself.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    sandpit: String,
    schema: i64,
    created_at: chrono::DateTime<chrono::Utc>,
    counts: std::collections::BTreeMap<String, i64>,
    recordings: u64,
}

const FORMAT: &str = "sandpit-backup-1";
/// What a backup may hold besides recordings.
const FILES: [&str; 4] = ["manifest.json", "sandpit.db", "instance", "link-key"];

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The archive to write (a new file).
    file: PathBuf,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The archive `sandpit backup` wrote.
    file: PathBuf,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub async fn backup(args: BackupArgs, config: Config) -> anyhow::Result<ExitCode> {
    let data = &config.data_dir;
    if !data.join("sandpit.db").exists() {
        bail!(
            "{} holds no Sandpit store (sandpit.db) to back up",
            data.display()
        );
    }
    let store = Store::open(data).await?;
    let scratch = tempfile::Builder::new()
        .prefix(".backup-")
        .tempdir_in(data)
        .with_context(|| format!("making a scratch directory in {}", data.display()))?;
    let copy = scratch.path().join("sandpit.db");
    store.copy_into(&copy).await?;
    let counts = store.counts().await?;
    store.close().await;
    let recordings = data.join("recordings");
    let manifest = Manifest {
        format: FORMAT.into(),
        sandpit: env!("CARGO_PKG_VERSION").into(),
        schema: Store::schema(),
        created_at: chrono::Utc::now(),
        counts: counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        recordings: count_files(&recordings),
    };
    let out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&args.file)
        .with_context(|| format!("creating {} (it must not exist yet)", args.file.display()))?;
    let written = (|| -> anyhow::Result<()> {
        let mut tar = tar::Builder::new(std::io::BufWriter::new(out));
        let json = serde_json::to_vec_pretty(&manifest)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(manifest.created_at.timestamp().max(0) as u64);
        header.set_cksum();
        tar.append_data(&mut header, "manifest.json", json.as_slice())?;
        tar.append_path_with_name(&copy, "sandpit.db")?;
        for name in ["instance", "link-key"] {
            let path = data.join(name);
            if path.exists() {
                tar.append_path_with_name(&path, name)?;
            }
        }
        if recordings.is_dir() {
            tar.append_dir_all("recordings", &recordings)?;
        }
        tar.into_inner()?.flush()?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&args.file);
        return Err(e.context(format!("writing {}", args.file.display())));
    }
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    if args.json {
        print_json(&serde_json::json!({
            "file": args.file, "bytes": size, "manifest": manifest,
        }));
    } else {
        println!(
            "Backed up {} to {} ({} bytes): {}, {} recordings. Keep it private: it holds the key of every learner link.",
            data.display(),
            args.file.display(),
            size,
            said(&manifest),
            manifest.recordings
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What a restore replaces in the data directory: set aside, whole, then
/// taken from the backup.
const RESTORED: [&str; 6] = [
    "sandpit.db",
    "sandpit.db-wal",
    "sandpit.db-shm",
    "instance",
    "link-key",
    "recordings",
];

pub async fn restore(args: RestoreArgs, config: Config) -> anyhow::Result<ExitCode> {
    let data = &config.data_dir;
    if let Some(url) = super::serving::running(data) {
        bail!(
            "a Sandpit server runs on {} (at {url}): stop it first, then restore",
            data.display()
        );
    }
    std::fs::create_dir_all(data)
        .with_context(|| format!("creating the data directory {}", data.display()))?;
    let scratch = tempfile::Builder::new()
        .prefix(".restore-")
        .tempdir_in(data)
        .with_context(|| format!("making a scratch directory in {}", data.display()))?;
    let manifest = unpack(&args.file, scratch.path()).with_context(|| {
        format!(
            "{} is not a Sandpit backup this Sandpit can restore",
            args.file.display()
        )
    })?;
    // The store must open (an older schema is migrated forward) and be whole.
    let store = Store::open(scratch.path()).await?;
    let integrity = store.integrity().await?;
    store.close().await;
    if integrity != "ok" {
        bail!(
            "the store in {} is damaged: {integrity}",
            args.file.display()
        );
    }
    // What was there goes aside, whole; then the backup takes its place.
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let aside = data.join(format!("before-restore-{stamp}"));
    let mut moved = Vec::new();
    for name in RESTORED {
        let from = data.join(name);
        if from.exists() {
            std::fs::create_dir_all(&aside)?;
            std::fs::rename(&from, aside.join(name))
                .with_context(|| format!("moving {} aside", from.display()))?;
            moved.push(name);
        }
    }
    for name in RESTORED {
        let from = scratch.path().join(name);
        if from.exists() {
            std::fs::rename(&from, data.join(name))
                .with_context(|| format!("moving the restored {name} into place"))?;
        }
    }
    if args.json {
        print_json(&serde_json::json!({
            "restored": args.file, "manifest": manifest,
            "previous": (!moved.is_empty()).then_some(&aside),
        }));
    } else {
        println!(
            "Restored {} into {}: {} (Sandpit {}, schema {}, backed up {}).",
            args.file.display(),
            data.display(),
            said(&manifest),
            manifest.sandpit,
            manifest.schema,
            manifest.created_at.to_rfc3339()
        );
        if !moved.is_empty() {
            println!("What was there before is in {}.", aside.display());
        }
        println!("Start `sandpit serve`: it reconciles the store with the engine first.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Unpacks a backup into `into`, refusing anything that is not one.
fn unpack(file: &Path, into: &Path) -> anyhow::Result<Manifest> {
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(input));
    let mut manifest = None;
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
        let name = path.to_string_lossy().into_owned();
        let allowed = FILES.contains(&name.as_str())
            || (name == "recordings" || name.starts_with("recordings/"));
        let kind = entry.header().entry_type();
        if !plain || !allowed || !(kind.is_file() || kind.is_dir()) {
            bail!("it holds `{name}`, which no Sandpit backup does");
        }
        if name == "manifest.json" {
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            let m: Manifest =
                serde_json::from_str(&text).context("its manifest.json is not one")?;
            if m.format != FORMAT {
                bail!("its format is `{}`, not `{FORMAT}`", m.format);
            }
            if m.schema > Store::schema() {
                bail!(
                    "it was made by Sandpit {} with schema {}, newer than this one's ({}): restore it with that Sandpit or a newer one",
                    m.sandpit,
                    m.schema,
                    Store::schema()
                );
            }
            manifest = Some(m);
            continue;
        }
        entry.unpack_in(into)?;
    }
    let manifest = manifest.context("it has no manifest.json")?;
    if !into.join("sandpit.db").exists() {
        bail!("it has no sandpit.db");
    }
    Ok(manifest)
}

/// The manifest's counts, as a sentence.
fn said(m: &Manifest) -> String {
    let n = |k: &str| m.counts.get(k).copied().unwrap_or(0);
    format!(
        "{} accounts, {} cohorts, {} learners, {} sandboxes, {} checks, {} programmes, {} help sessions",
        n("users"),
        n("cohorts"),
        n("learners"),
        n("sandboxes"),
        n("attempts"),
        n("programmes"),
        n("help_sessions")
    )
}

/// Files under `dir`, at any depth.
fn count_files(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            let path = e.path();
            if path.is_dir() { count_files(&path) } else { 1 }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut tar = tar::Builder::new(file.reopen().unwrap());
        for (name, body) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o600);
            header.set_cksum();
            tar.append_data(&mut header, name, *body).unwrap();
        }
        tar.finish().unwrap();
        file
    }

    fn manifest(schema: i64) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "format": FORMAT, "sandpit": "9.9.9", "schema": schema,
            "created_at": "2026-12-07T10:00:00Z", "counts": {}, "recordings": 0,
        }))
        .unwrap()
    }

    #[test]
    fn archives_that_are_not_backups_are_refused_with_what_is_wrong() {
        let said = |entries: &[(&str, &[u8])]| {
            let into = tempfile::tempdir().unwrap();
            format!(
                "{:#}",
                unpack(archive(entries).path(), into.path()).unwrap_err()
            )
        };
        assert!(said(&[("sandpit.db", b"x")]).contains("no manifest.json"));
        let ok = manifest(1);
        assert!(
            said(&[("manifest.json", &ok), ("etc/passwd", b"x")]).contains("holds `etc/passwd`")
        );
        let newer = manifest(Store::schema() + 1);
        assert!(said(&[("manifest.json", &newer)]).contains("newer than this one's"));
        assert!(said(&[("manifest.json", b"{}")]).contains("not one"));
        assert!(said(&[("manifest.json", &ok)]).contains("no sandpit.db"));
    }
}
