//! Each figure of the benchmark: Sandpit doing what a user asks, and the
//! engine doing the same work directly, in the same run.

mod flood;
mod indicators;
mod latency;
mod rush;
mod scale;

pub use flood::flood;
pub use indicators::indicators;
pub use latency::{browser, cold_start, interactive};
pub use rush::warm_claim;
pub use scale::{density, launch_line, networks};

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use futures_util::StreamExt;

use crate::raw::Raw;
use crate::report::{Figure, ms};
use crate::server::Sandpit;
use crate::term::Term;

pub const SCENARIO: &str = "bench-shell";
/// Status requests per second while many sandboxes are live: a hundred
/// trainers' pages polling every half second.
const STATUS_RATE: u32 = 200;
/// The exercise the check figure presses Check on, and its script.
const EXERCISE: &str = "make-file";
const CHECK_SCRIPT: &str = include_str!("../../scenarios/bench-shell/exercises/make-file/check");

pub struct Ctx {
    pub sandpit: Sandpit,
    pub raw: Raw,
    pub full: bool,
    /// Measured repetitions of the per-sandbox figures (after a warm-up).
    pub runs: usize,
    /// Sandpit's provisioning concurrency; the baseline uses the same.
    pub concurrency: usize,
    /// Live sandboxes in the density figure.
    pub density: u32,
}

impl Ctx {
    fn origin(&self) -> &str {
        &self.sandpit.origin
    }

    async fn term(&self, token: &str) -> Result<Term> {
        Term::connect(&self.sandpit.terminal_url(token), self.origin()).await
    }

    /// Creates `n` raw sandboxes, `concurrency` at a time; their names.
    async fn raw_many(&self, prefix: &str, n: usize) -> Result<Vec<String>> {
        let names: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
        let results: Vec<Result<()>> = futures_util::stream::iter(names.clone())
            .map(|name| async move { self.raw.create(&name).await.map(|_| ()) })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        results.into_iter().collect::<Result<Vec<_>>>()?;
        Ok(names)
    }

    async fn raw_remove_many(&self, names: &[String]) -> Result<()> {
        let results: Vec<Result<()>> = futures_util::stream::iter(names.to_vec())
            .map(|name| async move { self.raw.remove(&crate::raw::RawBox::named(&name)).await })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        results.into_iter().collect()
    }

    /// Engine objects (containers and networks) of this Sandpit instance.
    async fn sandpit_objects(&self) -> Result<usize> {
        self.raw
            .count_labelled(&format!("sandpit.instance={}", self.sandpit.instance))
            .await
    }
}

/// Waits until the engine holds nothing of this Sandpit instance.
async fn wait_gone(ctx: &Ctx) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let left = ctx.sandpit_objects().await?;
        if left == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{left} engine objects of Sandpit's left after teardown");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Loads one endpoint from `concurrency` loopback clients for `length`;
/// (requests per second, latencies in ms, failures).
pub async fn load(
    ctx: &Ctx,
    path: &str,
    concurrency: usize,
    length: Duration,
) -> Result<(f64, Vec<f64>, usize)> {
    let url = Arc::new(format!("{}/api/v1{path}", ctx.sandpit.base));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let http = ctx.sandpit.http.clone();
            let url = url.clone();
            let token = ctx.sandpit.token.clone();
            tokio::spawn(async move {
                let (mut lat, mut failed) = (Vec::new(), 0usize);
                // Bounded in time and in count.
                while started.elapsed() < length && lat.len() < 200_000 {
                    let t = Instant::now();
                    match http.get(url.as_str()).bearer_auth(&token).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            lat.push(ms(t.elapsed()));
                        }
                        _ => failed += 1,
                    }
                }
                (lat, failed)
            })
        })
        .collect();
    let (mut all, mut failed) = (Vec::new(), 0);
    for w in workers {
        let (lat, f) = w.await?;
        all.extend(lat);
        failed += f;
    }
    let secs = started.elapsed().as_secs_f64();
    Ok((all.len() as f64 / secs, all, failed))
}

/// `rate` requests per second to one endpoint for `length`, each sent at
/// its time whatever the others do (an open loop, as many trainers' pages
/// polling would be); (latencies in ms, failures).
pub async fn paced(
    ctx: &Ctx,
    path: &str,
    rate: u32,
    length: Duration,
) -> Result<(Vec<f64>, usize)> {
    let url = Arc::new(format!("{}/api/v1{path}", ctx.sandpit.base));
    let count = (f64::from(rate) * length.as_secs_f64()) as u32;
    let step = Duration::from_secs(1) / rate;
    let started = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let http = ctx.sandpit.http.clone();
            let url = url.clone();
            let token = ctx.sandpit.token.clone();
            tokio::spawn(async move {
                tokio::time::sleep_until(started + step * i).await;
                let t = Instant::now();
                match http.get(url.as_str()).bearer_auth(&token).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        Some(ms(t.elapsed()))
                    }
                    _ => None,
                }
            })
        })
        .collect();
    let (mut lat, mut failed) = (Vec::new(), 0);
    for t in tasks {
        match t.await? {
            Some(l) => lat.push(l),
            None => failed += 1,
        }
    }
    Ok((lat, failed))
}

/// The status endpoint under load, with a small pool live.
pub async fn throughput(ctx: &Ctx) -> Result<Vec<Figure>> {
    let cohort = ctx.sandpit.cohort("bench-api", SCENARIO, 2).await?;
    let result = async {
        ctx.sandpit.launch(&cohort).await?;
        ctx.sandpit
            .wait_ready(&cohort, 2, Duration::from_secs(120))
            .await?;
        let path = format!("/cohorts/{}/status", cohort.id);
        load(ctx, &path, 8, Duration::from_secs(1)).await?;
        let mut figures = Vec::new();
        for concurrency in [1, 16] {
            let (rps, lat, failed) = load(ctx, &path, concurrency, Duration::from_secs(5)).await?;
            figures.push(
                Figure::new(
                    format!("api_status_c{concurrency}"),
                    format!("API status, {concurrency} clients: latency"),
                    "ms",
                )
                .sandpit(&lat)
                .target("report", None)
                .note(format!(
                    "{rps:.0} requests/s over 5 s, {failed} failed; GET /api/v1/cohorts/{{id}}/status with a bearer token, from loopback"
                )),
            );
            if failed > 0 {
                bail!("{failed} status requests failed under load");
            }
        }
        Ok::<_, anyhow::Error>(figures)
    }
    .await;
    ctx.sandpit.teardown(&cohort).await?;
    result
}
