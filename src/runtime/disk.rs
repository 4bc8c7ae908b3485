//! Per-sandbox disk budgets enforced by the kernel: each sandbox's writable
//! paths live on a file system of its own (a sparse ext4 image, loop-mounted
//! on the host), so a learner who fills it gets "No space left on device"
//! inside the sandbox and the host's disk is untouched past the budget.
//!
//! The engine's writable layer cannot be capped on every storage driver
//! (overlay2 needs XFS project quotas; fuse-overlayfs cannot at all), so the
//! container's root file system is read-only and only these mounts are
//! writable.

use std::path::{Path, PathBuf};

use tokio::process::Command;
use uuid::Uuid;

use super::{Result, RuntimeError};

/// Where a sandbox's disk image and its mount point live.
#[derive(Debug, Clone)]
pub struct Disk {
    pub image: PathBuf,
    pub mount: PathBuf,
}

/// The file names a sandbox's disk uses under the disks directory.
pub fn disk_of(dir: &Path, sandbox: Uuid) -> Disk {
    let name = super::object_name(sandbox);
    Disk {
        image: dir.join(format!("{name}.img")),
        mount: dir.join(name),
    }
}

/// The sandbox a disk file or mount point belongs to, from its name.
pub fn sandbox_of(file_name: &str) -> Option<Uuid> {
    let id = file_name.strip_prefix("sandpit-")?;
    let id = id.strip_suffix(".img").unwrap_or(id);
    Uuid::parse_str(id).ok()
}

async fn run(what: &str, cmd: &mut Command) -> Result<()> {
    let out = cmd
        .output()
        .await
        .map_err(|e| RuntimeError::Other(format!("{what}: cannot run {cmd:?}: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(RuntimeError::Other(format!(
            "{what}: {} ({})",
            String::from_utf8_lossy(&out.stderr).trim(),
            out.status
        )))
    }
}

/// Whether `path` is a mount point now (as the host's mount table says).
fn is_mounted(path: &Path) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/self/mounts") else {
        return false;
    };
    let want = path.to_string_lossy();
    // Spaces in mount points are written as \040 in the table.
    let want = want.replace(' ', "\\040");
    table
        .lines()
        .filter_map(|l| l.split(' ').nth(1))
        .any(|m| m == want)
}

/// Makes and mounts a file system of `bytes` for a sandbox, with one empty
/// directory per writable path (`v0`, `v1`, …). Nothing is left behind when
/// a step fails.
pub async fn create(dir: &Path, sandbox: Uuid, bytes: u64, paths: usize) -> Result<Disk> {
    let disk = disk_of(dir, sandbox);
    let made = async {
        std::fs::create_dir_all(dir).map_err(|e| {
            RuntimeError::Other(format!("making the disks directory {}: {e}", dir.display()))
        })?;
        let file = std::fs::File::create(&disk.image)
            .map_err(|e| RuntimeError::Other(format!("creating {}: {e}", disk.image.display())))?;
        // Sparse: only what the learner writes takes room on the host.
        file.set_len(bytes)
            .map_err(|e| RuntimeError::Other(format!("sizing {}: {e}", disk.image.display())))?;
        drop(file);
        // No journal (a throwaway file system), no blocks reserved for root.
        run(
            &format!("making the file system of sandbox {sandbox}"),
            Command::new("mkfs.ext4")
                .args(["-q", "-F", "-m", "0", "-O", "^has_journal"])
                .args(["-E", "lazy_itable_init=1,nodiscard"])
                .arg(&disk.image),
        )
        .await?;
        std::fs::create_dir_all(&disk.mount)
            .map_err(|e| RuntimeError::Other(format!("creating {}: {e}", disk.mount.display())))?;
        run(
            &format!("mounting the disk of sandbox {sandbox} (loop mounts need root)"),
            Command::new("mount")
                .args(["-t", "ext4", "-o", "loop,nosuid,nodev"])
                .arg(&disk.image)
                .arg(&disk.mount),
        )
        .await?;
        for n in 0..paths {
            let d = disk.mount.join(format!("v{n}"));
            std::fs::create_dir(&d)
                .map_err(|e| RuntimeError::Other(format!("creating {}: {e}", d.display())))?;
        }
        let lost = disk.mount.join("lost+found");
        let _ = std::fs::remove_dir(lost);
        Ok(())
    }
    .await;
    match made {
        Ok(()) => Ok(disk),
        Err(e) => {
            if let Err(cleanup) = remove(dir, sandbox).await {
                tracing::warn!(%sandbox, error = %cleanup, "cleaning up a disk that failed to mount");
            }
            Err(e)
        }
    }
}

/// Unmounts and deletes a sandbox's disk. Already gone is success.
pub async fn remove(dir: &Path, sandbox: Uuid) -> Result<()> {
    let disk = disk_of(dir, sandbox);
    if is_mounted(&disk.mount) {
        // The loop device goes with the last unmount (mount -o loop sets
        // autoclear). A container still holding it would make this fail:
        // containers are removed first.
        unmount(sandbox, &disk.mount).await?;
    }
    match std::fs::remove_dir(&disk.mount) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(RuntimeError::Other(format!(
                "removing {}: {e}",
                disk.mount.display()
            )));
        }
    }
    match std::fs::remove_file(&disk.image) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RuntimeError::Other(format!(
            "removing {}: {e}",
            disk.image.display()
        ))),
    }
}

/// Unmounts a sandbox's disk. A container just removed can keep it busy
/// for a moment on a loaded engine: tried for about 5 s, then detached
/// lazily (the kernel frees it, and its loop device, once the last user
/// lets go), so that nothing stays mounted.
async fn unmount(sandbox: Uuid, mount: &Path) -> Result<()> {
    let what = format!("unmounting the disk of sandbox {sandbox}");
    for tries in 1..=10u64 {
        match run(&what, Command::new("umount").arg(mount)).await {
            Ok(()) => return Ok(()),
            Err(_) if !is_mounted(mount) => return Ok(()),
            Err(e) => {
                tracing::debug!(sandbox = %sandbox, error = %e, "disk still busy, retrying");
                tokio::time::sleep(std::time::Duration::from_millis(100 * tries.min(5))).await;
            }
        }
    }
    run(&what, Command::new("umount").arg("--lazy").arg(mount)).await
}

/// The sandboxes that have a disk (image or mount point) in `dir`.
pub fn list(dir: &Path) -> Vec<(Uuid, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(Uuid, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((sandbox_of(&e.file_name().to_string_lossy())?, e.path())))
        .collect();
    out.sort();
    out.dedup_by_key(|(id, _)| *id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_files_name_their_sandbox() {
        let id = Uuid::new_v4();
        let disk = disk_of(Path::new("/d"), id);
        let image = disk
            .image
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mount = disk
            .mount
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(sandbox_of(&image), Some(id));
        assert_eq!(sandbox_of(&mount), Some(id));
        assert_eq!(sandbox_of("sandpit-nope.img"), None);
        assert_eq!(sandbox_of("other"), None);
    }
}
