//! Fairness under a flood: a quiet learner's Check while two neighbours'
//! terminals print as fast as they can (`yes`), each watched by a viewer,
//! against the same learner's Check with the neighbours quiet.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use super::{Ctx, EXERCISE, SCENARIO};
use crate::report::{Figure, ms};

/// How long the floods run before checks are timed: past the first burst
/// every terminal is allowed.
const SETTLE: Duration = Duration::from_secs(3);

/// Presses Check on the bench exercise through the learner's link, as the
/// page does; the time to the answer, in ms.
pub async fn press_check(ctx: &Ctx, token: &str) -> Result<f64> {
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
    let body: serde_json::Value = resp.json().await?;
    let took = ms(t.elapsed());
    if !status.is_success() {
        bail!("check: {status} {body}");
    }
    Ok(took)
}

/// `runs` timed checks after one untimed.
async fn checks(ctx: &Ctx, token: &str, runs: usize) -> Result<Vec<f64>> {
    let mut samples = Vec::with_capacity(runs);
    for i in 0..=runs {
        let took = press_check(ctx, token).await?;
        if i > 0 {
            samples.push(took);
        }
        // Checks a learner presses are seconds apart, not back to back.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(samples)
}

/// Check latency of a quiet learner, alone and while two neighbours flood.
pub async fn flood(ctx: &Ctx) -> Result<Vec<Figure>> {
    let cohort = ctx.sandpit.cohort("bench-flood", SCENARIO, 3).await?;
    let result = async {
        ctx.sandpit.launch(&cohort).await?;
        ctx.sandpit
            .wait_ready(&cohort, 3, Duration::from_secs(120))
            .await?;
        for token in &cohort.tokens {
            ctx.sandpit.start_link(token).await?;
        }
        let quiet_token = &cohort.tokens[2];
        let mut quiet_term = ctx.term(quiet_token).await?;
        quiet_term.wait_prompt().await?;
        let runs = ctx.runs * 4;
        let quiet = checks(ctx, quiet_token, runs).await?;
        eprintln!("  quiet checks: {:?}", crate::report::Stats::of(&quiet));

        let mut floods = Vec::new();
        for token in &cohort.tokens[..2] {
            let mut term = ctx.term(token).await?;
            term.wait_prompt().await?;
            term.type_text("yes\r").await?;
            floods.push(term.watch());
        }
        tokio::time::sleep(SETTLE).await;
        let cpu_before = crate::server::cpu_ms(ctx.sandpit.pid());
        let wall = Instant::now();
        let flooded = checks(ctx, quiet_token, runs).await;
        let server_cpu = (crate::server::cpu_ms(ctx.sandpit.pid()) - cpu_before)
            / ms(wall.elapsed())
            * 100.0;
        if let Ok(f) = &flooded {
            eprintln!("  checks during the floods: {:?}", crate::report::Stats::of(f));
        }
        // The quiet learner's own terminal still answers a key.
        let echo = quiet_term
            .echo_round_trips(4)
            .await
            .map_or_else(|e| format!("failed ({e})"), |e| {
                format!("median {:.1} ms", crate::report::Stats::of(&e).map_or(f64::NAN, |s| s.median))
            });
        let (mut frames, mut back) = (Vec::new(), Vec::new());
        for f in floods {
            let (n, ms) = f.stop().await?;
            frames.push(n);
            back.push(ms);
        }
        quiet_term.close().await;
        let flooded = flooded?;
        let secs = SETTLE.as_secs_f64() + ms(wall.elapsed()) / 1000.0;
        Ok::<_, anyhow::Error>(vec![
            Figure::new(
                "check_flood",
                "check: quiet learner while 2 neighbours flood",
                "ms",
            )
            .sandpit(&flooded)
            .baseline(&quiet)
            .ratio_target(1.5)
            .note(format!(
                "baseline: the same learner's Check with the neighbours quiet; two other sandboxes run `yes` in their terminals, each with a viewer reading every frame ({} and {} frames in about {secs:.0} s); the server used {server_cpu:.0} % of one CPU meanwhile; the quiet terminal's echo during the flood: {echo}; ^C → prompt back on the flooding terminals: {:.0} and {:.0} ms",
                frames[0],
                frames[1],
                back[0],
                back[1],
            )),
        ])
    }
    .await;
    ctx.sandpit.teardown(&cohort).await?;
    result
}
