//! Running a scenario's scripts inside a sandbox, and packing its seed data.

use std::path::Path;
use std::time::Duration;

use uuid::Uuid;

use crate::runtime::{ExecOutput, ExecRequest, Result, SandboxRuntime};
use crate::scenario::{Scenario, Script};

/// Writes the script to a private temporary file, runs it under `timeout`
/// and removes it, so no script (nor its solution) stays in the sandbox.
const WRAPPER: &str = r#"umask 077
t=$(mktemp /tmp/.sandpit-XXXXXXXX) || exit 125
printf '%s' "$SANDPIT_SCRIPT" > "$t" && chmod 700 "$t"
unset SANDPIT_SCRIPT
timeout -k 2 "$SANDPIT_TIMEOUT" "$t" </dev/null
rc=$?
rm -f "$t"
exit $rc"#;

/// The exit status `timeout` reports when it had to stop the script.
pub const TIMED_OUT: i64 = 124;

/// Runs one of a scenario's scripts as the scenario's user.
pub async fn run_script(
    runtime: &dyn SandboxRuntime,
    sandbox: Uuid,
    scenario: &Scenario,
    script: &Script,
    timeout: Duration,
) -> Result<ExecOutput> {
    let body = if script.body.starts_with("#!") {
        script.body.clone()
    } else {
        format!("#!/bin/bash\n{}", script.body)
    };
    let home = format!("/home/{}", scenario.user);
    let req = ExecRequest {
        cmd: vec![
            "/bin/sh".into(),
            "-c".into(),
            WRAPPER.into(),
            "sandpit-script".into(),
        ],
        user: Some(scenario.user.clone()),
        workdir: Some(scenario.workdir.clone()),
        env: vec![
            format!("SANDPIT_SCRIPT={body}"),
            format!("SANDPIT_TIMEOUT={}", timeout.as_secs().max(1)),
            format!("HOME={home}"),
            format!("USER={}", scenario.user),
            format!("LOGNAME={}", scenario.user),
        ],
        // The engine-side limit is a backstop for `timeout` inside.
        timeout: timeout + Duration::from_secs(5),
    };
    let mut out = runtime.exec(sandbox, req).await?;
    if out.exit_code == Some(TIMED_OUT) {
        out.timed_out = true;
    }
    Ok(out)
}

/// Packs a directory as a tar archive whose entries belong to `uid:gid`.
/// Symlinks are kept as links (the loader proved they stay inside).
pub fn pack_dir(dir: &Path, uid: u64, gid: u64) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&current)?.collect::<std::io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let rel = path.strip_prefix(dir).map_err(std::io::Error::other)?;
            let meta = std::fs::symlink_metadata(&path)?;
            let mut header = tar::Header::new_gnu();
            header.set_metadata_in_mode(&meta, tar::HeaderMode::Deterministic);
            header.set_uid(uid);
            header.set_gid(gid);
            if meta.file_type().is_symlink() {
                header.set_size(0);
                builder.append_link(&mut header, rel, std::fs::read_link(&path)?)?;
            } else if meta.is_dir() {
                header.set_size(0);
                builder.append_data(&mut header, rel, std::io::empty())?;
                stack.push(path);
            } else {
                builder.append_data(&mut header, rel, std::fs::File::open(&path)?)?;
            }
        }
    }
    builder.into_inner()
}
