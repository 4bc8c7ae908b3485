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

/// Who mounts sandboxes' disks. Loop mounts need root: Sandpit does them
/// itself when it runs as root; otherwise a short-lived helper container on
/// the engine, with the mount capability, does (the engine runs as root, and a user in the
/// docker group may ask it to). The helper sees the disks directory through
/// a shared bind mount, so its mounts appear on the host, where the
/// sandbox's volumes bind them; `sandpit host install` makes the directory a
/// shared mount where the host's is not. The helper runs only the fixed
/// scripts below on paths Sandpit names, never anything a learner wrote.
pub enum Mounter<'a> {
    Host,
    Engine(EngineMounter<'a>),
}

/// A helper container's settings.
pub struct EngineMounter<'a> {
    pub docker: &'a bollard::Docker,
    /// An image with `mount` and `sh` (Sandpit's base image).
    pub image: &'a str,
    /// The labels of the sandbox it works for, with the helper's role.
    pub labels: std::collections::HashMap<String, String>,
}

/// Mounts `$1` on `$2` and makes `$3` empty directories `v0`, `v1`, … in it.
const MOUNT_SCRIPT: &str = r#"set -e
mount -t ext4 -o loop,nosuid,nodev "$1" "$2"
n=0
while [ "$n" -lt "$3" ]; do mkdir "$2/v$n"; n=$((n + 1)); done
rmdir "$2/lost+found" 2>/dev/null || true"#;

/// Unmounts `$1`, retrying for about 5 s while a container just removed
/// keeps it busy, then lazily.
const UNMOUNT_SCRIPT: &str = r#"i=0
while [ "$i" -lt 10 ]; do
  umount "$1" 2>/dev/null && exit 0
  mountpoint -q "$1" || exit 0
  i=$((i + 1))
  sleep 0.5
done
umount --lazy "$1""#;

impl EngineMounter<'_> {
    /// Runs `script` with `args` in a helper container for `sandbox`, and
    /// removes it; its output is the error when it fails.
    async fn run(
        &self,
        dir: &Path,
        sandbox: Uuid,
        what: &str,
        script: &str,
        args: &[String],
    ) -> Result<()> {
        use bollard::models::{ContainerCreateBody, HostConfig};
        use bollard::query_parameters::{
            CreateContainerOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
        };
        use futures_util::StreamExt;
        let name = format!("{}-disk", super::object_name(sandbox));
        let remove = || async {
            let _ = self
                .docker
                .remove_container(
                    &name,
                    Some(RemoveContainerOptionsBuilder::new().force(true).build()),
                )
                .await;
        };
        // One left by a crash goes first.
        remove().await;
        let dir = dir.to_string_lossy();
        let mut cmd = vec![
            "sh".to_owned(),
            "-c".to_owned(),
            script.to_owned(),
            "sandpit-disk".to_owned(),
        ];
        cmd.extend_from_slice(args);
        let body = ContainerCreateBody {
            image: Some(self.image.to_owned()),
            cmd: Some(cmd),
            labels: Some(self.labels.clone()),
            network_disabled: Some(true),
            // What a loop mount needs, no more (not `--privileged`): the
            // mount capability, reading and writing a disk image the
            // server's user owns, the loop devices (the host's `/dev`, with
            // only `loop-control` and loop block devices allowed), no
            // AppArmor profile (docker-default forbids mounts).
            host_config: Some(HostConfig {
                cap_drop: Some(vec!["ALL".into()]),
                cap_add: Some(vec!["SYS_ADMIN".into(), "DAC_OVERRIDE".into()]),
                security_opt: Some(vec!["apparmor=unconfined".into()]),
                device_cgroup_rules: Some(vec!["b 7:* rmw".into(), "c 10:237 rmw".into()]),
                network_mode: Some("none".into()),
                binds: Some(vec!["/dev:/dev".into(), format!("{dir}:{dir}:rshared")]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let fail = |message: String| RuntimeError::Other(format!("{what}: {message}"));
        let not_shared = |e: &bollard::errors::Error| {
            let text = e.to_string();
            if text.contains("shared") || text.contains("propagation") {
                fail(format!(
                    "the disks directory {dir} is not a shared mount, so a helper's mounts would not reach the host: \
                     run `sudo sandpit host install` (it makes it one) ({text})"
                ))
            } else {
                fail(text)
            }
        };
        let options = CreateContainerOptionsBuilder::new().name(&name).build();
        let outcome = async {
            self.docker
                .create_container(Some(options), body)
                .await
                .map_err(|e| not_shared(&e))?;
            self.docker
                .start_container(
                    &name,
                    None::<bollard::query_parameters::StartContainerOptions>,
                )
                .await
                .map_err(|e| not_shared(&e))?;
            let mut wait = self.docker.wait_container(
                &name,
                None::<bollard::query_parameters::WaitContainerOptions>,
            );
            let code = match wait.next().await {
                Some(Ok(status)) => status.status_code,
                Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
                Some(Err(e)) => return Err(fail(e.to_string())),
                None => return Err(fail("the helper container did not finish".into())),
            };
            if code == 0 {
                return Ok(());
            }
            let mut logs = self.docker.logs(
                &name,
                Some(LogsOptionsBuilder::new().stdout(true).stderr(true).build()),
            );
            let mut output = String::new();
            while let Some(Ok(chunk)) = logs.next().await {
                output.push_str(&chunk.to_string());
            }
            Err(fail(format!(
                "the helper exited with {code}: {}",
                output.trim()
            )))
        }
        .await;
        remove().await;
        outcome
    }
}

/// Makes and mounts a file system of `bytes` for a sandbox, with one empty
/// directory per writable path (`v0`, `v1`, …). Nothing is left behind when
/// a step fails.
pub async fn create(
    dir: &Path,
    sandbox: Uuid,
    bytes: u64,
    paths: usize,
    mounter: &Mounter<'_>,
) -> Result<Disk> {
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
        let what = format!("mounting the disk of sandbox {sandbox}");
        match mounter {
            Mounter::Host => {
                run(
                    &format!("{what} (loop mounts need root)"),
                    Command::new("mount")
                        .args(["-t", "ext4", "-o", "loop,nosuid,nodev"])
                        .arg(&disk.image)
                        .arg(&disk.mount),
                )
                .await?;
                for n in 0..paths {
                    let d = disk.mount.join(format!("v{n}"));
                    std::fs::create_dir(&d).map_err(|e| {
                        RuntimeError::Other(format!("creating {}: {e}", d.display()))
                    })?;
                }
                let lost = disk.mount.join("lost+found");
                let _ = std::fs::remove_dir(lost);
            }
            Mounter::Engine(engine) => {
                let args = [
                    disk.image.to_string_lossy().into_owned(),
                    disk.mount.to_string_lossy().into_owned(),
                    paths.to_string(),
                ];
                engine.run(dir, sandbox, &what, MOUNT_SCRIPT, &args).await?;
            }
        }
        Ok(())
    }
    .await;
    match made {
        Ok(()) => Ok(disk),
        Err(e) => {
            if let Err(cleanup) = remove(dir, sandbox, mounter).await {
                tracing::warn!(%sandbox, error = %cleanup, "cleaning up a disk that failed to mount");
            }
            Err(e)
        }
    }
}

/// Unmounts and deletes a sandbox's disk. Already gone is success.
pub async fn remove(dir: &Path, sandbox: Uuid, mounter: &Mounter<'_>) -> Result<()> {
    let disk = disk_of(dir, sandbox);
    if is_mounted(&disk.mount) {
        // The loop device goes with the last unmount (mount -o loop sets
        // autoclear). A container still holding it would make this fail:
        // containers are removed first.
        match mounter {
            Mounter::Host => unmount(sandbox, &disk.mount).await?,
            Mounter::Engine(engine) => {
                let what = format!("unmounting the disk of sandbox {sandbox}");
                let args = [disk.mount.to_string_lossy().into_owned()];
                engine
                    .run(dir, sandbox, &what, UNMOUNT_SCRIPT, &args)
                    .await?;
            }
        }
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

/// Whether the mount that holds `dir` propagates mounts made under it to
/// its peers (`shared:` in `/proc/self/mountinfo`): a helper container's
/// mounts then reach the host.
pub fn is_shared(dir: &Path) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    holding_mount(&table, dir).is_some_and(|(_, shared)| shared)
}

/// The mount point holding `dir` in a mountinfo table (the longest that is
/// a prefix of it), and whether it is shared.
fn holding_mount(table: &str, dir: &Path) -> Option<(PathBuf, bool)> {
    table
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let point = PathBuf::from(fields.get(4)?.replace("\\040", " "));
            let optional = fields.get(6..)?;
            let shared = optional
                .iter()
                .take_while(|f| **f != "-")
                .any(|f| f.starts_with("shared:"));
            dir.starts_with(&point).then_some((point, shared))
        })
        .max_by_key(|(point, _)| point.components().count())
}

/// The commands that make `dir` a shared mount of its own, when the mount
/// holding it is not shared (what `sandpit host install` runs).
pub fn share_commands(dir: &Path) -> Vec<String> {
    let d = dir.display();
    vec![
        format!("mount --bind {d} {d}"),
        format!("mount --make-shared {d}"),
    ]
}

/// Makes `dir` (created if missing, owned like `owner`) a shared mount,
/// unless the mount holding it already is one; returns whether it did.
pub async fn share(dir: &Path, owner: &Path) -> Result<bool> {
    use std::os::unix::fs::MetadataExt;
    std::fs::create_dir_all(dir)
        .map_err(|e| RuntimeError::Other(format!("creating {}: {e}", dir.display())))?;
    if let Ok(meta) = std::fs::metadata(owner) {
        std::os::unix::fs::chown(dir, Some(meta.uid()), Some(meta.gid())).map_err(|e| {
            RuntimeError::Other(format!("giving {} to its owner: {e}", dir.display()))
        })?;
    }
    if is_shared(dir) {
        return Ok(false);
    }
    let what = format!("making {} a shared mount", dir.display());
    run(&what, Command::new("mount").arg("--bind").arg(dir).arg(dir)).await?;
    run(&what, Command::new("mount").arg("--make-shared").arg(dir)).await?;
    Ok(true)
}

/// Undoes [`share`]: unmounts `dir`'s own bind mount, if it has one;
/// returns whether it did.
pub async fn unshare(dir: &Path) -> Result<bool> {
    let Ok(table) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Ok(false);
    };
    if holding_mount(&table, dir).is_none_or(|(point, _)| point != dir) {
        return Ok(false);
    }
    let what = format!("unmounting {}", dir.display());
    run(&what, Command::new("umount").arg(dir)).await?;
    Ok(true)
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
    fn the_mount_holding_a_directory_and_its_propagation_are_read_from_mountinfo() {
        let table = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n\
                     30 22 0:5 / /var/lib/docker rw - ext4 /dev/vdb rw\n\
                     31 22 0:6 / /srv/sandpit\\040data/disks rw shared:7 master:2 - ext4 /dev/vda rw\n";
        assert_eq!(
            holding_mount(table, Path::new("/srv/data/disks")),
            Some((PathBuf::from("/"), true))
        );
        assert_eq!(
            holding_mount(table, Path::new("/var/lib/docker/volumes/x")),
            Some((PathBuf::from("/var/lib/docker"), false))
        );
        assert_eq!(
            holding_mount(table, Path::new("/srv/sandpit data/disks/sandpit-1")),
            Some((PathBuf::from("/srv/sandpit data/disks"), true))
        );
        assert_eq!(
            share_commands(Path::new("/srv/d")),
            ["mount --bind /srv/d /srv/d", "mount --make-shared /srv/d"]
        );
    }

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
