//! Each figure of the benchmark: Sandpit doing what a user asks, and the
//! engine doing the same work directly, in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
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
const CHECK_SCRIPT: &str = include_str!("../scenarios/bench-shell/exercises/make-file/check");

pub struct Ctx {
    pub sandpit: Sandpit,
    pub raw: Raw,
    pub full: bool,
    /// Measured repetitions of the per-sandbox figures (after a warm-up).
    pub runs: usize,
    /// Sandpit's provisioning concurrency; the baseline uses the same.
    pub concurrency: usize,
}

impl Ctx {
    fn origin(&self) -> &str {
        &self.sandpit.base
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

/// Cold start: a cohort that was never launched, so opening a link builds
/// the sandbox there and then; link opened → prompt on the terminal.
pub async fn cold_start(ctx: &Ctx) -> Result<Vec<Figure>> {
    let cohort = ctx
        .sandpit
        .cohort("bench-cold", SCENARIO, (ctx.runs + 1) as u32)
        .await?;
    let (mut sandpit, mut server, mut raw, mut raw_tty) = (vec![], vec![], vec![], vec![]);
    let (mut after, mut raw_shell) = (vec![], vec![]);
    let result: Result<()> = async {
        for (i, token) in cohort.tokens.iter().enumerate() {
            let t = Instant::now();
            let server_ms = ctx.sandpit.start_link(token).await?;
            let answered = Instant::now();
            let mut term = ctx.term(token).await?;
            term.wait_prompt().await?;
            let total = ms(t.elapsed());
            let to_prompt = ms(answered.elapsed());
            term.close().await;

            let name = format!("bench-cold-{i}");
            let t = Instant::now();
            let b = ctx.raw.create(&name).await?;
            let code = ctx.raw.exec(&name, &["true"], None).await?;
            let raw_ms = ms(t.elapsed());
            if code != 0 {
                bail!("`true` exited with {code}");
            }
            ctx.raw.remove(&b).await?;

            let name = format!("bench-cold-tty-{i}");
            let t = Instant::now();
            let b = ctx.raw.create(&name).await?;
            let created = Instant::now();
            let shell = ctx.raw.shell(&name).await?;
            let tty_ms = ms(t.elapsed());
            let shell_ms = ms(created.elapsed());
            shell.close().await;
            ctx.raw.remove(&b).await?;
            if i > 0 {
                sandpit.push(total);
                server.push(server_ms);
                raw.push(raw_ms);
                raw_tty.push(tty_ms);
                after.push(to_prompt);
                raw_shell.push(shell_ms);
            }
        }
        Ok(())
    }
    .await;
    ctx.sandpit.teardown(&cohort).await?;
    result?;
    Ok(vec![
        Figure::new("cold_start", "cold start: link → shell prompt (no pool)", "ms")
            .sandpit(&sandpit)
            .baseline(&raw)
            .ratio_target(1.10)
            .note("baseline: network + create + start + exec `true` on the same image and limits"),
        Figure::new(
            "cold_start_like_for_like",
            "cold start vs raw shell prompt (context)",
            "ms",
        )
        .sandpit(&sandpit)
        .baseline(&raw_tty)
        .note("baseline: network + create + start + TTY exec `bash -l` until its prompt, the same work Sandpit does"),
        Figure::new(
            "cold_start_server",
            "cold start: Start request, server side",
            "ms",
        )
        .sandpit(&server)
        .note("the Start POST builds the sandbox before it answers (Server-Timing)"),
        Figure::new(
            "cold_start_shell",
            "cold start: answer → prompt vs raw shell start",
            "ms",
        )
        .sandpit(&after)
        .baseline(&raw_shell)
        .note("Sandpit: from the Start answer to the prompt on the websocket; baseline: TTY exec `bash -l` on a started container until its prompt"),
    ])
}

/// Check latency and terminal echo, on one launched sandbox with its
/// terminal open, against one raw container.
pub async fn interactive(ctx: &Ctx) -> Result<Vec<Figure>> {
    let cohort = ctx.sandpit.cohort("bench-interactive", SCENARIO, 1).await?;
    let raw_box = ctx.raw.create("bench-interactive").await;
    let result = async {
        let raw_box = raw_box.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))?;
        ctx.sandpit.launch(&cohort).await?;
        ctx.sandpit
            .wait_ready(&cohort, 1, Duration::from_secs(120))
            .await?;
        let token = &cohort.tokens[0];
        ctx.sandpit.start_link(token).await?;
        let mut term = ctx.term(token).await?;
        term.wait_prompt().await?;

        let checks = ctx.runs * 4;
        let (mut sandpit, mut server, mut raw, mut raw_stdin) = (vec![], vec![], vec![], vec![]);
        for i in 0..=checks {
            let t = Instant::now();
            let resp = ctx
                .sandpit
                .http
                .post(format!("{}/s/{token}/check/{EXERCISE}", ctx.sandpit.base))
                .header("origin", ctx.origin())
                .header("accept", "application/json")
                .send()
                .await?;
            let status = resp.status();
            let server_ms = crate::server::server_ms(resp.headers());
            let body: serde_json::Value = resp.json().await?;
            let d = ms(t.elapsed());
            if !status.is_success() {
                bail!("check: {status} {body}");
            }
            let t = Instant::now();
            let code = ctx
                .raw
                .exec(&raw_box.name, &["sh", "-c", CHECK_SCRIPT], None)
                .await?;
            let r = ms(t.elapsed());
            if code != 1 {
                bail!("the raw check should fail (no ~/done) but exited {code}");
            }
            // The way Sandpit runs a script: under `timeout`, the script on
            // the interpreter's stdin (nothing on disk for a learner to read).
            let t = Instant::now();
            let code = ctx
                .raw
                .exec(
                    &raw_box.name,
                    &["timeout", "-k", "2", "10", "sh", "/dev/stdin"],
                    Some(CHECK_SCRIPT.as_bytes()),
                )
                .await?;
            let r_stdin = ms(t.elapsed());
            if code != 1 {
                bail!("the raw check on stdin should fail but exited {code}");
            }
            if i > 0 {
                sandpit.push(d);
                server.extend(server_ms);
                raw.push(r);
                raw_stdin.push(r_stdin);
            }
        }

        let keys = ctx.runs * 8;
        let echo = term.echo_round_trips(keys + 2).await?;
        term.close().await;
        let mut shell = ctx.raw.shell(&raw_box.name).await?;
        let raw_echo = shell.round_trips(keys + 2).await?;
        shell.close().await;
        let echo_fig = Figure::new("terminal_echo", "terminal echo: key → echo drawn", "ms")
            .sandpit(&echo[2..])
            .baseline(&raw_echo[2..]);
        let added = echo_fig
            .sandpit
            .as_ref()
            .zip(echo_fig.baseline.as_ref())
            .map(|(s, b)| s.median - b.median);
        let echo_fig = echo_fig
            .target("≤ +2 ms p50", added.map(|a| a <= 2.0))
            .note(format!(
                "Sandpit adds {:.2} ms at the median: websocket, the server's screen emulation and frame diff; baseline: raw TTY exec attach",
                added.unwrap_or(f64::NAN)
            ));
        Ok::<_, anyhow::Error>(vec![
            Figure::new("check", "check: Check pressed → answer", "ms")
                .sandpit(&sandpit)
                .baseline(&raw)
                .ratio_target(1.20)
                .note("baseline: raw exec `sh -c <check script>`; Sandpit also records the attempt and reloads progress"),
            Figure::new("check_server", "check: server side", "ms").sandpit(&server),
            Figure::new(
                "check_as_sandpit_runs_it",
                "check vs raw exec the way Sandpit runs it (context)",
                "ms",
            )
            .sandpit(&sandpit)
            .baseline(&raw_stdin)
            .note("baseline: raw exec `timeout -k 2 10 sh /dev/stdin` with the script on stdin"),
            echo_fig,
        ])
    }
    .await;
    ctx.sandpit.teardown(&cohort).await?;
    if let Ok(b) = &raw_box {
        ctx.raw.remove(b).await?;
    }
    result
}

/// Warm claim: a launched pool, then every link opened within one second.
pub async fn warm_claim(ctx: &Ctx) -> Result<Vec<Figure>> {
    let seats = if ctx.full { 100 } else { 20 };
    let cohort = ctx.sandpit.cohort("bench-warm", SCENARIO, seats).await?;
    let result = async {
        ctx.sandpit.launch(&cohort).await?;
        ctx.sandpit
            .wait_ready(&cohort, u64::from(seats), Duration::from_secs(600))
            .await?;
        // Let the pool settle (its last notifications, the tend loop).
        tokio::time::sleep(Duration::from_secs(1)).await;
        let spacing = Duration::from_millis(1000 / u64::from(seats));
        let started = Instant::now();
        let tasks: Vec<_> = cohort
            .tokens
            .iter()
            .enumerate()
            .map(|(i, token)| {
                let ctx_url = ctx.sandpit.terminal_url(token);
                let origin = ctx.origin().to_owned();
                let token = token.clone();
                let http = ctx.sandpit.http.clone();
                let base = ctx.sandpit.base.clone();
                async move {
                    tokio::time::sleep_until((started + spacing * i as u32).into()).await;
                    let t = Instant::now();
                    let resp = http
                        .post(format!("{base}/s/{token}/start"))
                        .header("origin", &origin)
                        .send()
                        .await?;
                    if resp.status() != reqwest::StatusCode::SEE_OTHER {
                        bail!("opening a warm link: {}", resp.status());
                    }
                    let server = crate::server::server_ms(resp.headers()).context("no Server-Timing")?;
                    let client = ms(t.elapsed());
                    let mut term = Term::connect(&ctx_url, &origin).await?;
                    term.wait_prompt().await?;
                    let prompt = ms(t.elapsed());
                    Ok::<_, anyhow::Error>((server, client, prompt, term))
                }
            })
            .collect();
        let results = futures_util::future::join_all(tasks).await;
        let opened_in = ms(started.elapsed());
        let (mut server, mut client, mut prompt) = (vec![], vec![], vec![]);
        for r in results {
            let (s, c, p, term) = r?;
            server.push(s);
            client.push(c);
            prompt.push(p);
            term.close().await;
        }
        let s = crate::report::Stats::of(&server);
        let met = s.as_ref().map(|s| s.median <= 10.0 && s.p99 <= 50.0);
        Ok::<_, anyhow::Error>(vec![
            Figure::new(
                "warm_claim_server",
                format!("warm claim: {seats} opens within 1 s, server side"),
                "ms",
            )
            .sandpit(&server)
            .target("p50 ≤ 10 ms, p99 ≤ 50 ms", met)
            .note(format!(
                "claim of a ready pool sandbox and binding of the link, one transaction (Server-Timing); all {seats} answered and drawn within {opened_in:.0} ms of the first"
            )),
            Figure::new("warm_claim_client", "warm claim: Start → answer, client side", "ms")
                .sandpit(&client),
            Figure::new("warm_claim_prompt", "warm claim: Start → shell prompt", "ms")
                .sandpit(&prompt)
                .note("includes opening the terminal websocket and starting the login shell"),
        ])
    }
    .await;
    ctx.sandpit.teardown(&cohort).await?;
    result
}

/// Cohort launch to all ready, and teardown to nothing left, for each size;
/// the baseline creates and removes as many at the same concurrency.
pub async fn launch_line(ctx: &Ctx) -> Result<Vec<Figure>> {
    let sizes: &[u32] = if ctx.full {
        &[10, 25, 50, 100]
    } else {
        &[10, 25]
    };
    let mut figures = Vec::new();
    for &n in sizes {
        let cohort = ctx
            .sandpit
            .cohort(&format!("bench-launch-{n}"), SCENARIO, n)
            .await?;
        let t = Instant::now();
        let launched = async {
            ctx.sandpit.launch(&cohort).await?;
            ctx.sandpit
                .wait_ready(&cohort, u64::from(n), Duration::from_secs(1200))
                .await
        }
        .await;
        let sandpit_launch = ms(t.elapsed());
        let t = Instant::now();
        ctx.sandpit.teardown(&cohort).await?;
        wait_gone(ctx).await?;
        let sandpit_teardown = ms(t.elapsed());
        launched?;

        let t = Instant::now();
        let names = ctx.raw_many(&format!("bench-launch-{n}"), n as usize).await;
        let raw_launch = ms(t.elapsed());
        let names = match names {
            Ok(names) => names,
            Err(e) => {
                ctx.raw.sweep().await?;
                return Err(e);
            }
        };
        let t = Instant::now();
        ctx.raw_remove_many(&names).await?;
        let raw_teardown = ms(t.elapsed());

        let per = |total: f64| total / f64::from(n);
        figures.push(
            Figure::new(
                format!("launch_{n}"),
                format!("cohort launch of {n} → all ready"),
                "ms",
            )
            .sandpit(&[sandpit_launch])
            .baseline(&[raw_launch])
            .ratio_target(1.15)
            .note(format!(
                "{:.0} ms per sandbox (engine: {:.0}), {} at a time",
                per(sandpit_launch),
                per(raw_launch),
                ctx.concurrency
            )),
        );
        figures.push(
            Figure::new(
                format!("teardown_{n}"),
                format!("teardown of {n} → nothing left"),
                "ms",
            )
            .sandpit(&[sandpit_teardown])
            .baseline(&[raw_teardown])
            .ratio_target(1.15)
            .note("Sandpit: API teardown until the engine lists no object of its instance; baseline: parallel force-remove of containers and networks"),
        );
    }
    Ok(figures)
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

/// A real headless Chromium: link page → Start clicked → prompt drawn.
pub async fn browser(ctx: &Ctx) -> Result<Vec<Figure>> {
    let seats = if ctx.full { 20 } else { ctx.runs as u32 + 1 };
    let cohort = ctx.sandpit.cohort("bench-browser", SCENARIO, seats).await?;
    let result = async {
        ctx.sandpit.launch(&cohort).await?;
        ctx.sandpit
            .wait_ready(&cohort, u64::from(seats), Duration::from_secs(300))
            .await?;
        let browser = crate::browser::Browser::start().await;
        let mut samples = Vec::new();
        let run = async {
            for (i, token) in cohort.tokens.iter().enumerate() {
                browser
                    .client
                    .goto(&format!("{}/s/{token}", ctx.sandpit.base))
                    .await?;
                let button = browser.find("#start").await;
                let t0 = browser.client.execute("return Date.now()", vec![]).await?;
                button.click().await?;
                let t1 = browser
                    .client
                    .execute_async(
                        r#"const done = arguments[arguments.length - 1];
                           const poll = () => {
                             const s = document.querySelector('.term-screen');
                             if (s && s.textContent.includes(':~$')) done(Date.now());
                             else setTimeout(poll, 2);
                           };
                           poll();"#,
                        vec![],
                    )
                    .await?;
                let d = t1.as_f64().context("no time")? - t0.as_f64().context("no time")?;
                if i > 0 {
                    samples.push(d);
                }
                browser.client.goto("about:blank").await?;
            }
            Ok::<_, anyhow::Error>(())
        }
        .await;
        let _ = browser.client.clone().close().await;
        run?;
        let s = crate::report::Stats::of(&samples);
        Ok::<_, anyhow::Error>(vec![
            Figure::new(
                "browser_click_to_prompt",
                "browser: Start clicked → prompt drawn (warm)",
                "ms",
            )
            .sandpit(&samples)
            .target("p50 ≤ 300 ms", s.map(|s| s.median <= 300.0))
            .note("headless Chromium; times taken by the page's own clock: the click, the learner page's load, its script, the websocket and the first frame"),
        ])
    }
    .await;
    ctx.sandpit.teardown(&cohort).await?;
    result
}

/// Resident memory of the engine's daemon, in MiB.
fn dockerd_mib() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "dockerd")
        })
        .map(crate::server::rss_mib)
        .sum()
}

fn mem_available_mib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| crate::report::meminfo_kib(&m, "MemAvailable"))
        .map_or(0.0, |k| k as f64 / 1024.0)
}

/// Density: many idle sandboxes live, terminals open on some, 1,000 more
/// sandbox records in the store; the status endpoint's latency and
/// Sandpit's memory throughout.
pub async fn density(ctx: &Ctx, idle_rss: f64) -> Result<Vec<Figure>> {
    let (live, terminals) = if ctx.full {
        (500u32, 200usize)
    } else {
        (50, 20)
    };
    let mut figures = Vec::new();
    let avail_before = mem_available_mib();
    let dockerd_before = dockerd_mib();
    let cohort = ctx.sandpit.cohort("bench-density", SCENARIO, live).await?;
    let mut terms = Vec::new();
    let result = async {
        let t = Instant::now();
        ctx.sandpit.launch(&cohort).await?;
        ctx.sandpit
            .wait_ready(&cohort, u64::from(live), Duration::from_secs(3600))
            .await?;
        let launch = ms(t.elapsed());
        let path = format!("/cohorts/{}/status", cohort.id);
        let (lat, failed) = paced(ctx, &path, STATUS_RATE, Duration::from_secs(5)).await?;
        let s = crate::report::Stats::of(&lat);
        let per_sandbox_host = (avail_before - mem_available_mib()) / f64::from(live);
        let ceiling = (mem_available_mib() / per_sandbox_host.max(0.1)) as u64 + u64::from(live);
        figures.push(
            Figure::new(
                format!("density_{live}"),
                format!("density: status with {live} idle sandboxes live"),
                "ms",
            )
            .sandpit(&lat)
            .target(
                if live >= 500 {
                    "≥ 500 live, status p99 < 50 ms"
                } else {
                    "status p99 < 50 ms (500 live: --full)"
                },
                s.as_ref().map(|s| s.p99 < 50.0 && failed == 0),
            )
            .note(format!(
                "{live} launched in {:.1} s; status polled at {STATUS_RATE}/s for 5 s, {failed} failed; host memory {per_sandbox_host:.1} MiB per idle sandbox (engine daemon {:.0} → {:.0} MiB); memory would run out near {ceiling} sandboxes",
                launch / 1000.0,
                dockerd_before,
                dockerd_mib()
            )),
        );
        let with_live = ctx.sandpit.rss_mib();
        for token in cohort.tokens.iter().take(terminals) {
            ctx.sandpit.start_link(token).await?;
            let mut term = ctx.term(token).await?;
            term.wait_prompt().await?;
            terms.push(term);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let with_terms = ctx.sandpit.rss_mib();
        let records = add_records(ctx, 1000).await?;
        // Pages and endpoints that read every sandbox, so the records are
        // loaded, not just stored.
        for _ in 0..3 {
            ctx.sandpit
                .http
                .get(format!("{}/metrics", ctx.sandpit.base))
                .send()
                .await?;
            ctx.sandpit.status(&cohort).await?;
        }
        let with_records = ctx.sandpit.rss_mib();
        figures.push(
            Figure::new("rss_idle", "server memory (RSS), idle", "MiB")
                .sandpit(&[idle_rss])
                .target("≤ 150 MB", Some(idle_rss * 1.048_576 <= 150.0)),
        );
        figures.push(
            Figure::new(
                "rss_loaded",
                format!("server memory with {live} live, {terminals} terminals, +{records} records"),
                "MiB",
            )
            .sandpit(&[with_records])
            .target("≤ 150 MB", Some(with_records * 1.048_576 <= 150.0))
            .note(format!(
                "idle {idle_rss:.1} MiB → {with_live:.1} with {live} live sandboxes ({:.1} KiB each) → {with_terms:.1} with {terminals} open terminals ({:.0} KiB each) → {with_records:.1} with {records} more sandbox records ({:.2} KiB per tracked sandbox)",
                (with_live - idle_rss) * 1024.0 / f64::from(live),
                (with_terms - with_live) * 1024.0 / terminals as f64,
                (with_records - with_terms) * 1024.0 / records as f64,
            )),
        );
        Ok::<_, anyhow::Error>(())
    }
    .await;
    for term in terms {
        term.close().await;
    }
    let t = Instant::now();
    let torn = ctx.sandpit.teardown(&cohort).await;
    wait_gone(ctx).await?;
    let teardown = ms(t.elapsed());
    torn?;
    result?;
    figures.push(
        Figure::new(
            format!("teardown_{live}"),
            format!("teardown of {live} (density)"),
            "ms",
        )
        .sandpit(&[teardown]),
    );
    Ok(figures)
}

/// Adds `n` sandbox records (state ready, no containers) to the server's
/// store, as a large deployment's history and pools would be.
async fn add_records(ctx: &Ctx, n: usize) -> Result<usize> {
    let store = sandpit::store::Store::open(&ctx.sandpit.data_dir()).await?;
    for _ in 0..n {
        let id = uuid::Uuid::new_v4();
        store
            .insert_sandbox(sandpit::store::NewSandbox {
                id,
                scenario_id: SCENARIO,
                cohort_id: None,
                learner: Some("tracked"),
                expires_at: Some(chrono::Utc::now() + chrono::TimeDelta::hours(2)),
            })
            .await?;
        store
            .set_sandbox_objects(id, "none", "none", "10.254.0.2")
            .await?;
        store.mark_ready(id).await?;
    }
    store.close().await;
    Ok(n)
}

/// DESIGN's open question, on the raw engine: a network per sandbox, or one
/// shared internal network with inter-container traffic off?
pub async fn networks(ctx: &Ctx) -> Result<Vec<Figure>> {
    let n = if ctx.full { 50 } else { 10 };
    let (mut own, mut shared, mut own_rm, mut shared_rm) = (vec![], vec![], vec![], vec![]);
    ctx.raw.shared_network("bench-shared").await?;
    let result = async {
        for i in 0..n {
            let name = format!("bench-net-own-{i}");
            let t = Instant::now();
            let b = ctx.raw.create(&name).await?;
            own.push(ms(t.elapsed()));
            let t = Instant::now();
            ctx.raw.remove(&b).await?;
            own_rm.push(ms(t.elapsed()));

            let name = format!("bench-net-shared-{i}");
            let t = Instant::now();
            let b = ctx.raw.create_on(&name, "bench-shared").await?;
            shared.push(ms(t.elapsed()));
            let t = Instant::now();
            ctx.raw.remove(&b).await?;
            shared_rm.push(ms(t.elapsed()));
        }
        Ok::<_, anyhow::Error>(())
    }
    .await;
    ctx.raw.remove_network("bench-shared").await?;
    result?;
    Ok(vec![
        Figure::new(
            "net_create_shared_vs_own",
            "engine: create+start, shared network vs own",
            "ms",
        )
        .sandpit(&shared)
        .baseline(&own)
        .note("raw engine only: the 'Sandpit' column is a container on one shared internal ICC-off network, the 'engine' column one with a network of its own (what Sandpit does)"),
        Figure::new(
            "net_remove_shared_vs_own",
            "engine: remove, shared network vs own",
            "ms",
        )
        .sandpit(&shared_rm)
        .baseline(&own_rm),
    ])
}
