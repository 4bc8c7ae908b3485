//! Warm claims: a launched pool, one learner at a time, then a whole class
//! pressing Start within the same second ("open your links now"), each
//! measured from the Start request to the shell's prompt on its terminal.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::{Ctx, SCENARIO};
use crate::report::{Figure, Stats, ms};
use crate::term::Term;

/// Learners of the rush: a class opening their links in one second.
const RUSH: usize = 100;

/// One learner's Start: the server's claim time (Server-Timing), the
/// client's wait for the answer, and the wait for the prompt, in ms.
async fn open(
    ctx_url: String,
    origin: String,
    base: String,
    http: reqwest::Client,
    token: String,
) -> Result<(f64, f64, f64, Term)> {
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
    Ok((server, client, ms(t.elapsed()), term))
}

/// Waits until Sandpit runs `n` shells (`sandpit_terminals_live`): a
/// launched pool starts one in each ready sandbox.
async fn wait_shells(ctx: &Ctx, n: u64, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let text = ctx
            .sandpit
            .http
            .get(format!("{}/metrics", ctx.sandpit.base))
            .send()
            .await?
            .text()
            .await?;
        let live: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("sandpit_terminals_live "))
            .and_then(|v| v.trim().parse().ok())
            .context("no sandpit_terminals_live in /metrics")?;
        if live >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{live} of {n} shells started after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Warm claim: a launched pool of `runs` + 1 + [`RUSH`] seats; first one
/// learner at a time, then [`RUSH`] Starts spread over one second.
pub async fn warm_claim(ctx: &Ctx) -> Result<Vec<Figure>> {
    let singles = ctx.runs + 1;
    let seats = (singles + RUSH) as u32;
    let cohort = ctx.sandpit.cohort("bench-warm", SCENARIO, seats).await?;
    let result = async {
        let launched = Instant::now();
        ctx.sandpit.launch(&cohort).await?;
        ctx.sandpit
            .wait_ready(&cohort, u64::from(seats), Duration::from_secs(600))
            .await?;
        wait_shells(ctx, u64::from(seats), Duration::from_secs(300)).await?;
        let warm_in = launched.elapsed().as_secs_f64();
        // Let the pool settle (its last notifications, the tend loop).
        tokio::time::sleep(Duration::from_secs(1)).await;

        let mut single = Vec::new();
        for (i, token) in cohort.tokens[..singles].iter().enumerate() {
            let (url, origin, base, http) = parts(ctx, token);
            let (_, _, prompt, term) = open(url, origin, base, http, token.clone()).await?;
            term.close().await;
            if i > 0 {
                single.push(prompt);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        let spacing = Duration::from_millis(1000 / RUSH as u64);
        let started = Instant::now();
        let tasks: Vec<_> = cohort.tokens[singles..]
            .iter()
            .enumerate()
            .map(|(i, token)| {
                let (url, origin, base, http) = parts(ctx, token);
                let token = token.clone();
                async move {
                    tokio::time::sleep_until((started + spacing * i as u32).into()).await;
                    open(url, origin, base, http, token).await
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
        let claim = Stats::of(&server);
        let drawn = Stats::of(&prompt);
        Ok::<_, anyhow::Error>(vec![
            Figure::new(
                "warm_claim_single_prompt",
                "warm claim: one learner, Start → shell prompt",
                "ms",
            )
            .sandpit(&single)
            .note(format!(
                "one Start at a time on a launched pool whose {seats} shells were started ahead ({warm_in:.1} s from launch to all ready with their shells)"
            )),
            Figure::new(
                "warm_claim_server",
                format!("warm claim: {RUSH} Starts within 1 s, server side"),
                "ms",
            )
            .sandpit(&server)
            .target(
                "p50 ≤ 10 ms, p99 ≤ 50 ms",
                claim.map(|s| s.median <= 10.0 && s.p99 <= 50.0),
            )
            .note(format!(
                "claim of a ready pool sandbox and binding of the link, one transaction (Server-Timing); all {RUSH} answered and drawn within {opened_in:.0} ms of the first"
            )),
            Figure::new("warm_claim_client", format!("warm claim: {RUSH} Starts within 1 s, Start → answer"), "ms")
                .sandpit(&client),
            Figure::new(
                "warm_claim_prompt",
                format!("warm claim: {RUSH} Starts within 1 s → prompt drawn"),
                "ms",
            )
            .sandpit(&prompt)
            .target(
                "p50 ≤ 300 ms, p99 ≤ 1 s",
                drawn.map(|s| s.median <= 300.0 && s.p99 <= 1000.0),
            )
            .note("from the Start request to the prompt on the terminal websocket: the claim, the redirect's answer, the websocket and the first frame of the shell started ahead"),
        ])
    }
    .await;
    ctx.sandpit.teardown(&cohort).await?;
    result
}

/// What one learner's Start needs: the terminal's URL, the page's origin,
/// the server's base URL and a client.
fn parts(ctx: &Ctx, token: &str) -> (String, String, String, reqwest::Client) {
    (
        ctx.sandpit.terminal_url(token),
        ctx.origin().to_owned(),
        ctx.sandpit.base.clone(),
        ctx.sandpit.http.clone(),
    )
}
