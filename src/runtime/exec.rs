//! Commands run to their end inside a sandbox's containers: their output
//! captured, their time limit kept. A command in the checker that runs past
//! its limit is killed with everything it started, from the server: no
//! process of its own (`timeout`) waits beside every check for that.

use std::time::{Duration, Instant};

use bollard::container::LogOutput;
use bollard::exec::StartExecResults;
use bollard::models::ExecConfig;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use super::docker::Context;
use super::{
    CHECKER_HOME, CHECKER_USER, DockerRuntime, EngineWatch, ExecOutput, ExecRequest, ExecTarget,
    Result, RuntimeError, checker_name, object_name,
};

/// Most output kept from one stream of an exec; the rest is cut.
const MAX_CAPTURE: usize = 64 * 1024;
/// How long a command killed for its time has to be gone, its output
/// stream with it.
const KILL_GRACE: Duration = Duration::from_secs(2);
/// Past its limit and the grace, an exec is given up whatever the engine
/// does (an engine that stopped answering).
const BACKSTOP: Duration = Duration::from_secs(5);

/// The variable that marks every process of one command in the checker
/// (children inherit it, whatever session or group they move to). Its value
/// is random per command; only the checker's own processes, which nothing
/// the learner runs can see or start, live in that process namespace.
pub const EXEC_MARK: &str = "SANDPIT_EXEC_MARK";

/// Kills, as the checker, every process in the checker whose environment
/// holds `SANDPIT_EXEC_MARK=$1`, again until none is left (children forked
/// meanwhile are found on the next pass). Zombies have no environment left,
/// so they end the loop. The checker's idle process and its init carry no
/// mark; the killer's own mark is in its arguments, not its environment.
const KILLER: &str = r#"m="SANDPIT_EXEC_MARK=$1"
for pass in 1 2 3 4 5 6 7 8 9 10; do
    found=
    for d in /proc/[0-9]*; do
        if grep -qzxF -- "$m" "$d/environ" 2>/dev/null; then
            kill -KILL "${d#/proc/}" 2>/dev/null && found=1
        fi
    done
    [ -n "$found" ] || exit 0
done
exit 1"#;

/// The container a command for `target` runs in.
fn target_name(sandbox: Uuid, target: ExecTarget) -> String {
    match target {
        ExecTarget::Sandbox => object_name(sandbox),
        ExecTarget::Checker => checker_name(sandbox),
    }
}

fn keep(buf: &mut Vec<u8>, bytes: &[u8]) {
    let room = MAX_CAPTURE.saturating_sub(buf.len());
    buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

fn lossy(buf: Vec<u8>) -> String {
    let cut = buf.len() >= MAX_CAPTURE;
    let mut s = String::from_utf8_lossy(&buf).into_owned();
    if cut {
        s.push_str("\n[… output cut at 64 KiB]");
    }
    s
}

impl DockerRuntime {
    /// Runs `req` and waits for it, at most `req.timeout`.
    pub(super) async fn run_exec(&self, sandbox: Uuid, req: ExecRequest) -> Result<ExecOutput> {
        let started = Instant::now();
        let out = if req.target == ExecTarget::Checker {
            // A check inspects a live sandbox: the checker outlives a
            // learner's container that died or was removed, and must not
            // judge its remains. Asked while the check runs (a check only
            // reads), and its answer wins over the check's.
            let (status, out) =
                tokio::join!(self.container_status(sandbox), self.bounded(sandbox, req));
            if let Some(problem) = status?.problem() {
                return Err(RuntimeError::Other(format!(
                    "sandbox {sandbox} cannot be checked: {problem}"
                )));
            }
            out?
        } else {
            self.bounded(sandbox, req).await?
        };
        Ok(ExecOutput {
            duration: started.elapsed(),
            ..out
        })
    }

    async fn bounded(&self, sandbox: Uuid, req: ExecRequest) -> Result<ExecOutput> {
        let backstop = req.timeout + KILL_GRACE + BACKSTOP;
        match tokio::time::timeout(backstop, self.collect(sandbox, req)).await {
            Ok(out) => out,
            Err(_) => Ok(ExecOutput {
                timed_out: true,
                ..Default::default()
            }),
        }
    }

    async fn collect(&self, sandbox: Uuid, mut req: ExecRequest) -> Result<ExecOutput> {
        let deadline = tokio::time::Instant::now() + req.timeout;
        let mark = (req.target == ExecTarget::Checker).then(|| Uuid::new_v4().simple().to_string());
        if let Some(mark) = &mark {
            req.env.push(format!("{EXEC_MARK}={mark}"));
        }
        let config = ExecConfig {
            attach_stdin: Some(req.stdin.is_some()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            cmd: Some(req.cmd),
            user: req.user,
            working_dir: req.workdir,
            env: Some(req.env),
            ..Default::default()
        };
        let exec = self
            .docker()
            .create_exec(&target_name(sandbox, req.target), config)
            .await
            .context(|| format!("creating an exec in sandbox {sandbox}"))?;
        let started = self
            .docker()
            .start_exec(&exec.id, None)
            .await
            .context(|| format!("starting an exec in sandbox {sandbox}"))?;
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let (mut timed_out, mut ended) = (false, true);
        if let StartExecResults::Attached {
            mut output,
            mut input,
        } = started
        {
            // Written while the output is read, so neither side can block
            // the other; closing it tells the command its input ended.
            let feeder = req.stdin.map(|bytes| {
                tokio::spawn(async move {
                    let _ = input.write_all(&bytes).await;
                    let _ = input.shutdown().await;
                })
            });
            let mut until = deadline;
            loop {
                match tokio::time::timeout_at(until, output.next()).await {
                    Ok(Some(chunk)) => match chunk
                        .context(|| format!("reading an exec's output in sandbox {sandbox}"))?
                    {
                        LogOutput::StdOut { message } => keep(&mut stdout, &message),
                        LogOutput::StdErr { message } => keep(&mut stderr, &message),
                        _ => {}
                    },
                    Ok(None) => break,
                    Err(_) => match (&mark, timed_out) {
                        // Its time is up: kill it and everything it
                        // started, then read what it wrote until its output
                        // ends.
                        (Some(mark), false) => {
                            timed_out = true;
                            if let Err(e) = self.kill_marked(sandbox, mark).await {
                                tracing::warn!(%sandbox, error = %e, "killing a command that ran out of time");
                            }
                            until = tokio::time::Instant::now() + KILL_GRACE;
                        }
                        _ => {
                            (timed_out, ended) = (true, false);
                            break;
                        }
                    },
                }
            }
            if let Some(feeder) = feeder {
                feeder.abort();
            }
        }
        let exit_code = if ended {
            self.docker()
                .inspect_exec(&exec.id)
                .await
                .context(|| format!("reading an exec's status in sandbox {sandbox}"))?
                .exit_code
        } else {
            None
        };
        Ok(ExecOutput {
            exit_code,
            stdout: lossy(stdout),
            stderr: lossy(stderr),
            timed_out,
            duration: Duration::ZERO,
        })
    }

    /// Kills the checker's processes marked with `mark`, and waits for the
    /// killer to finish.
    async fn kill_marked(&self, sandbox: Uuid, mark: &str) -> Result<()> {
        let config = ExecConfig {
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            cmd: Some(
                ["/bin/sh", "-c", KILLER, "sandpit-kill", mark]
                    .map(String::from)
                    .into(),
            ),
            user: Some(CHECKER_USER.into()),
            working_dir: Some(CHECKER_HOME.into()),
            env: Some(vec!["PATH=/usr/sbin:/usr/bin:/sbin:/bin".into()]),
            ..Default::default()
        };
        let killing = async {
            let exec = self
                .docker()
                .create_exec(&checker_name(sandbox), config)
                .await
                .context(|| format!("creating the killer of a check in sandbox {sandbox}"))?;
            let started = self
                .docker()
                .start_exec(&exec.id, None)
                .await
                .context(|| format!("starting the killer of a check in sandbox {sandbox}"))?;
            let mut said = Vec::new();
            if let StartExecResults::Attached { mut output, .. } = started {
                while let Some(Ok(chunk)) = output.next().await {
                    keep(&mut said, &chunk.into_bytes());
                }
            }
            let code = self
                .docker()
                .inspect_exec(&exec.id)
                .await
                .context(|| format!("reading the killer's status in sandbox {sandbox}"))?
                .exit_code;
            match code {
                Some(0) => Ok(()),
                _ => Err(RuntimeError::Other(format!(
                    "the killer of a check in sandbox {sandbox} ended with {code:?}: {}",
                    lossy(said).trim()
                ))),
            }
        };
        tokio::time::timeout(KILL_GRACE, killing)
            .await
            .unwrap_or_else(|_| {
                Err(RuntimeError::Other(format!(
                    "the killer of a check in sandbox {sandbox} did not finish"
                )))
            })
    }
}
