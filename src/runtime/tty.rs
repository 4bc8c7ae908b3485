//! Interactive processes on a TTY inside a sandbox: the exec is created and
//! resized with bollard, but started over a raw upgraded connection of our own.
//!
//! Why not bollard's `start_exec`: its output decoder guesses whether a chunk
//! is raw TTY output or a multiplexed frame from the chunk's first byte. A
//! chunk that starts with 0x00–0x02 (a binary file `cat` to the terminal, or
//! a hostile sandbox) is read as a frame header whose length can reach 4 GiB:
//! the terminal would stall and the buffer grow without bound. With a TTY the
//! engine sends a raw stream, so we read it raw.

use std::path::PathBuf;
use std::time::Duration;

use bollard::models::ExecConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio_util::io::ReaderStream;
use uuid::Uuid;

use super::{DockerRuntime, Result, RuntimeError, TtyProcess, TtyRequest, object_name};

/// Most bytes of response head accepted from the engine.
const MAX_HEAD: usize = 16 * 1024;
/// How long the engine may take to answer the start request.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The engine's socket, found the way bollard's local defaults find it.
fn socket_path() -> PathBuf {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"))
}

fn other(what: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Other(what.to_string())
}

/// Sends the start request and reads the response head; returns the bytes
/// that came after it (the first output) and the connection.
async fn start_raw(api_version: &str, exec_id: &str) -> std::io::Result<(Vec<u8>, UnixStream)> {
    use std::io::{Error, ErrorKind};
    let body = r#"{"Detach":false,"Tty":true}"#;
    let request = format!(
        "POST /v{api_version}/exec/{exec_id}/start HTTP/1.1\r\n\
         Host: docker\r\n\
         User-Agent: sandpit\r\n\
         Content-Type: application/json\r\n\
         Connection: Upgrade\r\n\
         Upgrade: tcp\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = UnixStream::connect(socket_path()).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::with_capacity(1024);
    let end = loop {
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if head.len() > MAX_HEAD {
            return Err(Error::new(ErrorKind::InvalidData, "response head too long"));
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(Error::new(
                ErrorKind::UnexpectedEof,
                "the engine closed the connection",
            ));
        }
        head.extend_from_slice(&chunk[..n]);
    };
    let status_line = String::from_utf8_lossy(&head[..head.len().min(end)])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let status = status_line.split_whitespace().nth(1).unwrap_or_default();
    if status != "101" && status != "200" {
        let said = String::from_utf8_lossy(&head[end..]).into_owned();
        return Err(Error::other(format!("{status_line}: {}", said.trim())));
    }
    Ok((head.split_off(end), stream))
}

impl DockerRuntime {
    pub(super) async fn start_tty(&self, sandbox: Uuid, req: TtyRequest) -> Result<TtyProcess> {
        let config = ExecConfig {
            attach_stdin: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(true),
            cmd: Some(req.cmd),
            user: req.user,
            working_dir: req.workdir,
            env: Some(req.env),
            ..Default::default()
        };
        let exec = self
            .docker()
            .create_exec(&object_name(sandbox), config)
            .await
            .map_err(|source| RuntimeError::Engine {
                context: format!("creating a terminal in sandbox {sandbox}"),
                source,
            })?;
        if exec.id.is_empty() || !exec.id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(other(format!(
                "the engine gave an odd exec id `{}`",
                exec.id
            )));
        }
        let version = self.docker().client_version().to_string();
        let (early, stream) = tokio::time::timeout(START_TIMEOUT, start_raw(&version, &exec.id))
            .await
            .map_err(|_| {
                other(format!(
                    "starting a terminal in sandbox {sandbox}: timed out"
                ))
            })?
            .map_err(|e| other(format!("starting a terminal in sandbox {sandbox}: {e}")))?;
        // The process may not have its TTY yet right after the start answer:
        // retry the first resize for a moment, as the docker CLI does.
        for attempt in 1..=10u64 {
            match self.resize_exec_tty(&exec.id, req.rows, req.cols).await {
                Ok(()) => break,
                Err(e) if attempt == 10 => {
                    tracing::debug!(sandbox = %sandbox, error = %e, "first resize of a terminal failed");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10 * attempt)).await,
            }
        }
        let (read, write) = stream.into_split();
        let reader = std::io::Cursor::new(early).chain(read);
        Ok(TtyProcess {
            exec_id: exec.id,
            output: Box::pin(ReaderStream::with_capacity(reader, 16 * 1024)),
            input: Box::pin(write),
        })
    }

    pub(super) async fn resize_exec_tty(&self, exec_id: &str, rows: u16, cols: u16) -> Result<()> {
        let options = bollard::query_parameters::ResizeExecOptionsBuilder::default()
            .h(i32::from(rows.max(1)))
            .w(i32::from(cols.max(1)))
            .build();
        self.docker()
            .resize_exec(exec_id, options)
            .await
            .map_err(|source| RuntimeError::Engine {
                context: format!("resizing terminal {exec_id}"),
                source,
            })
    }
}
