//! `sandpit cohort launch [--wait]`: launch, then poll the pool's status
//! with a progress bar on stderr until every sandbox is ready.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::client::Client;
use super::{print_json, text};

fn count(v: &Value, key: &str) -> u64 {
    v["counts"][key].as_u64().unwrap_or(0)
}

/// `[#####-----] 12/20 ready · 8 provisioning · 0 failed`
pub(super) fn progress_line(status: &Value) -> String {
    const WIDTH: u64 = 30;
    let target = status["target"].as_u64().unwrap_or(0);
    let ready = count(status, "ready");
    let filled = (ready.min(target) * WIDTH).checked_div(target).unwrap_or(0) as usize;
    format!(
        "[{}{}] {ready}/{target} ready · {} provisioning · {} failed",
        "#".repeat(filled),
        "-".repeat(WIDTH as usize - filled),
        count(status, "provisioning"),
        count(status, "failed"),
    )
}

pub(super) async fn launch(
    client: &Client,
    id: &str,
    wait: bool,
    timeout: Duration,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let reservation = client
        .json(Method::POST, &format!("/cohorts/{id}/launch"), None)
        .await?;
    let refused = reservation["refused"].as_u64().unwrap_or(0);
    if !json {
        match reservation["started"].as_u64().unwrap_or(0) {
            0 if refused == 0 => println!("The pool is full already: nothing to start."),
            n => println!("Launching: {n} sandboxes starting."),
        }
    }
    if refused > 0 {
        eprintln!(
            "{refused} sandboxes refused: {}",
            text(&reservation["refusal"])
        );
    }
    if !wait {
        if json {
            print_json(&reservation);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let tty = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last = String::new();
    let status = loop {
        let status = client
            .json(Method::GET, &format!("/cohorts/{id}/status"), None)
            .await?;
        let line = progress_line(&status);
        if tty {
            eprint!("\r{line}\x1b[K");
            let _ = std::io::stderr().flush();
        } else if line != last {
            eprintln!("{line}");
        }
        last = line;
        let (ready, provisioning) = (count(&status, "ready"), count(&status, "provisioning"));
        let target = status["target"].as_u64().unwrap_or(0);
        if let Some(reason) = status["failing"].as_str() {
            if tty {
                eprintln!();
            }
            anyhow::bail!("provisioning keeps failing: {reason}");
        }
        if provisioning == 0 && (ready >= target || refused > 0) {
            break status;
        }
        if started.elapsed() >= timeout {
            if tty {
                eprintln!();
            }
            anyhow::bail!(
                "gave up waiting after {} s: {ready} of {target} sandboxes ready",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    if tty {
        eprintln!();
    }
    let (ready, target) = (
        count(&status, "ready"),
        status["target"].as_u64().unwrap_or(0),
    );
    if json {
        print_json(&json!({ "reservation": reservation, "status": status }));
    } else {
        println!("{ready} of {target} sandboxes ready.");
    }
    if ready < target {
        anyhow::bail!(
            "only {ready} of {target} sandboxes are ready: {}",
            text(&reservation["refusal"])
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_ready_sandboxes() {
        let s = json!({ "target": 20, "counts": { "ready": 10, "provisioning": 8, "failed": 1 } });
        assert_eq!(
            progress_line(&s),
            format!(
                "[{}{}] 10/20 ready · 8 provisioning · 1 failed",
                "#".repeat(15),
                "-".repeat(15)
            )
        );
    }
}
