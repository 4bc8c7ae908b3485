//! Figures of what one learner feels: cold start, check, terminal echo,
//! and the whole page in a real browser.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::{CHECK_SCRIPT, Ctx, EXERCISE, SCENARIO};
use crate::report::{Figure, ms};

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
        let (mut sandpit, mut server, mut raw) = (vec![], vec![], vec![]);
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
            if i > 0 {
                sandpit.push(d);
                server.extend(server_ms);
                raw.push(r);
            }
        }

        // Where the server's time goes: its own histogram of check execs.
        let exec_mean = check_exec_mean(ctx).await?;

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
            Figure::new("check_exec", "check: the exec inside Sandpit (mean)", "ms")
                .sandpit(&exec_mean.into_iter().collect::<Vec<_>>())
                .note("Sandpit's own `sandpit_check_duration_seconds` (sum / count): the script on the interpreter's stdin, stopped by the server at its time limit; the rest of the server side is HTTP, the link lookup, progress and the attempt's commit"),
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
                    .goto(&format!("{}/s/{token}", ctx.origin()))
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

/// The mean time of the checks' execs, in ms, from Sandpit's `/metrics`.
async fn check_exec_mean(ctx: &Ctx) -> Result<Option<f64>> {
    let text = ctx
        .sandpit
        .http
        .get(format!("{}/metrics", ctx.sandpit.base))
        .send()
        .await?
        .text()
        .await?;
    let total = |suffix: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with(&format!("sandpit_check_duration_seconds_{suffix}{{")))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let (sum, count) = (total("sum"), total("count"));
    Ok((count > 0.0).then(|| sum / count * 1000.0))
}
