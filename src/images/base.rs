//! The base image: `debootstrap` a Debian root file system and import it.
//! No registry is involved, so this works on a machine that cannot pull.

use std::process::Stdio;

use bollard::Docker;
use bollard::query_parameters::CreateImageOptionsBuilder;
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio_util::io::ReaderStream;

use super::ImageError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaseSpec {
    suite: String,
    variant: String,
    #[serde(default)]
    include: Vec<String>,
}

fn fail(message: impl Into<String>) -> ImageError {
    ImageError::Build {
        image: "base".into(),
        message: message.into(),
    }
}

/// The Debian mirror to bootstrap from: `SANDPIT_DEBIAN_MIRROR`, else the
/// host's own apt source.
pub fn debian_mirror() -> Result<String, ImageError> {
    if let Ok(m) = std::env::var("SANDPIT_DEBIAN_MIRROR") {
        return Ok(m);
    }
    let mut candidates = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/etc/apt/sources.list.d") {
        for e in entries.filter_map(Result::ok) {
            if e.path().extension().is_some_and(|x| x == "sources") {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                candidates.extend(
                    text.lines()
                        .filter_map(|l| l.strip_prefix("URIs:"))
                        .flat_map(|l| l.split_whitespace().map(str::to_owned)),
                );
            }
        }
    }
    let list = std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default();
    candidates.extend(list.lines().filter_map(|l| {
        let mut words = l.split_whitespace();
        (words.next() == Some("deb"))
            .then(|| words.find(|w| !w.starts_with('[')).map(str::to_owned))
            .flatten()
    }));
    candidates
        .into_iter()
        .find(|u| u.starts_with("http") && !u.contains("security"))
        .ok_or_else(|| {
            fail("no Debian mirror found in the host's apt sources: set SANDPIT_DEBIAN_MIRROR")
        })
}

/// Pulls `reference` from a registry and labels it as the base image. Only
/// tried when `SANDPIT_BASE_PULL` names an image: by default Sandpit
/// contacts no registry.
async fn pull(
    docker: &Docker,
    reference: &str,
    hash_label: &str,
    hash: &str,
    progress: &(dyn Fn(&str, &str) + Sync),
) -> Result<(), ImageError> {
    progress("base", &format!("pulling {reference}"));
    let options = CreateImageOptionsBuilder::new()
        .from_image(reference)
        .build();
    let mut stream = docker.create_image(Some(options), None, None);
    while let Some(info) = stream.next().await {
        let info = info.map_err(|e| fail(e.to_string()))?;
        if let Some(message) = info.error_detail.and_then(|d| d.message) {
            return Err(fail(message));
        }
    }
    // The pulled image gets the hash label through a one-line build.
    let dockerfile = format!("FROM {reference}\nLABEL {hash_label}={hash}\n");
    let files =
        std::collections::BTreeMap::from([("Dockerfile".to_owned(), dockerfile.into_bytes())]);
    super::build_context(docker, "base", &files, hash, progress).await
}

/// Bootstraps the root file system described by `spec` and imports it as `tag`.
pub async fn build(
    docker: &Docker,
    spec: &[u8],
    tag: &str,
    hash_label: &str,
    hash: &str,
    progress: &(dyn Fn(&str, &str) + Sync),
) -> Result<(), ImageError> {
    if let Ok(reference) = std::env::var("SANDPIT_BASE_PULL") {
        match pull(docker, &reference, hash_label, hash, progress).await {
            Ok(()) => return Ok(()),
            Err(e) => progress(
                "base",
                &format!("pulling {reference} failed ({e}); bootstrapping instead"),
            ),
        }
    }
    let spec: BaseSpec =
        toml::from_str(std::str::from_utf8(spec).map_err(|e| fail(e.to_string()))?)
            .map_err(|e| fail(format!("images/base/image.toml: {e}")))?;
    let mirror = debian_mirror()?;
    let dir = tempfile::Builder::new()
        .prefix("sandpit-rootfs-")
        .tempdir()
        .map_err(|e| fail(format!("making a temporary directory: {e}")))?;
    let root = dir.path().join("rootfs");
    progress(
        "base",
        &format!(
            "debootstrap {} ({}) from {mirror}",
            spec.suite, spec.variant
        ),
    );
    let mut cmd = Command::new("debootstrap");
    cmd.arg(format!("--variant={}", spec.variant));
    if !spec.include.is_empty() {
        cmd.arg(format!("--include={}", spec.include.join(",")));
    }
    cmd.arg(&spec.suite)
        .arg(&root)
        .arg(&mirror)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| fail(format!("running debootstrap (install it with `apt-get install debootstrap`; it needs root): {e}")))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let err_task = tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        let mut tail = Vec::new();
        while let Ok(Some(l)) = lines.next_line().await {
            tail.push(l);
            if tail.len() > 20 {
                tail.remove(0);
            }
        }
        tail.join("\n")
    });
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.starts_with("I: Retrieving")
            || line.starts_with("I: Installing")
            || line.starts_with("I: Base system")
        {
            progress("base", line.trim_start_matches("I: "));
        }
    }
    let status = child
        .wait()
        .await
        .map_err(|e| fail(format!("waiting for debootstrap: {e}")))?;
    let tail = err_task.await.unwrap_or_default();
    if !status.success() {
        return Err(fail(format!("debootstrap failed ({status}): {tail}")));
    }
    // Leave nothing the image does not need: package caches and lists.
    for d in ["var/cache/apt/archives", "var/lib/apt/lists"] {
        if let Ok(entries) = std::fs::read_dir(root.join(d)) {
            for e in entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    progress("base", "importing the root file system");
    let mut tar = Command::new("tar")
        .args(["--numeric-owner", "-C"])
        .arg(&root)
        .args(["-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("running tar: {e}")))?;
    let body = ReaderStream::new(tar.stdout.take().expect("stdout is piped"));
    let (repo, version) = tag.split_once(':').unwrap_or((tag, "latest"));
    let options = CreateImageOptionsBuilder::new()
        .from_src("-")
        .repo(repo)
        .tag(version)
        .changes(vec![
            format!("LABEL {hash_label}={hash}"),
            "ENV LANG=C.UTF-8".to_owned(),
            "CMD [\"/bin/bash\"]".to_owned(),
        ])
        .build();
    let results: Vec<_> = docker
        .create_image(Some(options), Some(bollard::body_try_stream(body)), None)
        .map_err(|e| fail(format!("importing the root file system: {e}")))
        .collect()
        .await;
    for r in results {
        let info = r?;
        if let Some(message) = info.error_detail.and_then(|d| d.message) {
            return Err(fail(format!("importing the root file system: {message}")));
        }
    }
    let status = tar
        .wait()
        .await
        .map_err(|e| fail(format!("waiting for tar: {e}")))?;
    if !status.success() {
        return Err(fail(format!(
            "tar of the root file system failed ({status})"
        )));
    }
    Ok(())
}
