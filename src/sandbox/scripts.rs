//! Running a scenario's scripts inside a sandbox, and packing its seed data.

use std::path::Path;
use std::time::Duration;

use uuid::Uuid;

use crate::lang::Lang;
use crate::runtime::{
    CHECKER_HOME, CHECKER_USER, ExecOutput, ExecRequest, ExecTarget, Result, SandboxRuntime,
};
use crate::scenario::{Scenario, Script};

/// The exit status `timeout` reports when it had to stop an act script.
pub const TIMED_OUT: i64 = 124;

/// The interpreter a script names on its `#!` line (`/bin/bash` without
/// one): the program and at most one argument, as the kernel reads it.
fn interpreter(body: &str) -> Vec<String> {
    let line = body
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#!"))
        .map(str::trim)
        .unwrap_or("");
    let mut parts = line
        .splitn(2, char::is_whitespace)
        .filter(|p| !p.is_empty());
    match parts.next() {
        Some(program) => std::iter::once(program.to_owned())
            .chain(parts.next().map(|a| a.trim().to_owned()))
            .collect(),
        None => vec!["/bin/bash".to_owned()],
    }
}

/// Who a script acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptRole {
    /// A check: in the checker container, as the checker, with the learner's
    /// files read-only. Nothing the learner runs can see, signal, trace or
    /// feed it, and nothing the learner wrote is on its `PATH` or in its
    /// start-up files. It prints its feedback in the language given
    /// (`SANDPIT_LANG`).
    Check(Lang),
    /// Setup, solve and resets: they change the sandbox, so they run in it
    /// as the scenario's user.
    Act,
}

/// Runs one of a scenario's scripts. The script is fed to its interpreter
/// on standard input (`/dev/stdin`): it is never a file in the sandbox. Its
/// environment is fixed (no learner-controlled `PATH`, `HOME` files or
/// `BASH_ENV`). When its time is up, a check is killed by the runtime with
/// everything it started (in the checker's process namespace, which only
/// the checker's processes share); setup, solve and resets run where the
/// learner's processes are, under `timeout`.
pub async fn run_script(
    runtime: &dyn SandboxRuntime,
    sandbox: Uuid,
    scenario: &Scenario,
    script: &Script,
    role: ScriptRole,
    timeout: Duration,
) -> Result<ExecOutput> {
    let home = format!("/home/{}", scenario.user);
    let timeout = timeout.max(Duration::from_secs(1));
    let mut cmd: Vec<String> = Vec::new();
    if role == ScriptRole::Act {
        cmd.extend(["timeout", "-k", "2"].map(String::from));
        cmd.push(timeout.as_secs().to_string());
    }
    cmd.extend(interpreter(&script.body));
    cmd.push("/dev/stdin".into());
    let (target, user, workdir, env) = match role {
        ScriptRole::Check(lang) => (
            ExecTarget::Checker,
            CHECKER_USER.to_owned(),
            CHECKER_HOME.to_owned(),
            {
                let mut env = crate::runtime::check_env(&scenario.user, &home, lang);
                // Lets the checker's tools keep per-run state (git's
                // snapshot of a repository) apart from earlier runs.
                env.push(format!("SANDPIT_CHECK_RUN={}", Uuid::new_v4().simple()));
                env
            },
        ),
        ScriptRole::Act => (
            ExecTarget::Sandbox,
            scenario.script_user.clone(),
            scenario.workdir.clone(),
            vec![
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
                format!(
                    "HOME={}",
                    if scenario.script_user == scenario.user {
                        home.as_str()
                    } else {
                        "/tmp"
                    }
                ),
                format!("USER={}", scenario.script_user),
                format!("LOGNAME={}", scenario.script_user),
                "LANG=C.UTF-8".into(),
                format!("SANDPIT_LEARNER={}", scenario.user),
                format!("SANDPIT_LEARNER_HOME={home}"),
            ],
        ),
    };
    let req = ExecRequest {
        target,
        cmd,
        user: Some(user),
        workdir: Some(workdir),
        env,
        // A check's limit is kept by the runtime; for the others it is a
        // backstop for `timeout` inside.
        timeout: match role {
            ScriptRole::Check(_) => timeout,
            ScriptRole::Act => timeout + Duration::from_secs(5),
        },
        stdin: Some(script.body.clone().into_bytes()),
    };
    let mut out = runtime.exec(sandbox, req).await?;
    if role == ScriptRole::Act && out.exit_code == Some(TIMED_OUT) {
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

#[cfg(test)]
mod tests {
    use super::interpreter;

    #[test]
    fn the_interpreter_comes_from_the_shebang_line() {
        assert_eq!(interpreter("#!/bin/bash\necho"), ["/bin/bash"]);
        assert_eq!(
            interpreter("#!/usr/bin/env php\n<?php"),
            ["/usr/bin/env", "php"]
        );
        assert_eq!(interpreter("#! /bin/sh -eu\n"), ["/bin/sh", "-eu"]);
        assert_eq!(interpreter("echo no shebang"), ["/bin/bash"]);
        assert_eq!(interpreter(""), ["/bin/bash"]);
    }
}
