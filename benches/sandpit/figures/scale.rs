//! Figures of scale: cohort launches and teardowns as sizes grow, density
//! with the server's memory, and the network layout on the raw engine.

use std::time::{Duration, Instant};

use anyhow::Result;

use super::{Ctx, SCENARIO, STATUS_RATE, paced, wait_gone};
use crate::report::{Figure, ms};

/// Runs of each launch size, the side going first alternating.
const LAUNCH_RUNS: usize = 2;

/// Cohort launch to all ready, and teardown to nothing left, for each size;
/// the baseline creates and removes as many at the same concurrency. Each
/// side's best of [`LAUNCH_RUNS`] runs is compared.
pub async fn launch_line(ctx: &Ctx) -> Result<Vec<Figure>> {
    let sizes: &[u32] = if ctx.full {
        &[10, 25, 50, 100]
    } else {
        &[10, 25]
    };
    let mut figures = Vec::new();
    for &n in sizes {
        let (mut launch, mut teardown, mut raw_launch, mut raw_teardown) =
            (vec![], vec![], vec![], vec![]);
        for run in 0..LAUNCH_RUNS {
            let name = format!("bench-launch-{n}-{run}");
            let ((l, t), (rl, rt)) = if run % 2 == 0 {
                let sandpit = sandpit_cycle(ctx, &name, n).await?;
                (sandpit, raw_cycle(ctx, &name, n).await?)
            } else {
                let raw = raw_cycle(ctx, &name, n).await?;
                (sandpit_cycle(ctx, &name, n).await?, raw)
            };
            launch.push(l);
            teardown.push(t);
            raw_launch.push(rl);
            raw_teardown.push(rt);
        }
        let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let per = |v: &[f64]| best(v) / f64::from(n);
        figures.push(
            Figure::new(
                format!("launch_{n}"),
                format!("cohort launch of {n} → all ready"),
                "ms",
            )
            .sandpit(&[best(&launch)])
            .baseline(&[best(&raw_launch)])
            .ratio_target(1.15)
            .note(format!(
                "best of {LAUNCH_RUNS} each (Sandpit {launch:.0?}, engine {raw_launch:.0?}); {:.0} ms per sandbox (engine: {:.0}), {} at a time",
                per(&launch),
                per(&raw_launch),
                ctx.concurrency
            )),
        );
        figures.push(
            Figure::new(
                format!("teardown_{n}"),
                format!("teardown of {n} → nothing left"),
                "ms",
            )
            .sandpit(&[best(&teardown)])
            .baseline(&[best(&raw_teardown)])
            .ratio_target(1.15)
            .note(format!("best of {LAUNCH_RUNS} each (Sandpit {teardown:.0?}, engine {raw_teardown:.0?}); Sandpit: API teardown until the engine lists no object of its instance; baseline: parallel force-remove of containers and networks")),
        );
    }
    Ok(figures)
}

/// A cohort of `n` launched until all are ready, then torn down until the
/// engine holds nothing of Sandpit's; (launch ms, teardown ms).
async fn sandpit_cycle(ctx: &Ctx, name: &str, n: u32) -> Result<(f64, f64)> {
    let cohort = ctx.sandpit.cohort(name, SCENARIO, n).await?;
    let cpu = crate::server::cpu_ms(ctx.sandpit.pid());
    let t = Instant::now();
    let launched = async {
        ctx.sandpit.launch(&cohort).await?;
        ctx.sandpit
            .wait_ready(&cohort, u64::from(n), Duration::from_secs(1200))
            .await
    }
    .await;
    let launch = ms(t.elapsed());
    let cpu = crate::server::cpu_ms(ctx.sandpit.pid()) - cpu;
    let t = Instant::now();
    ctx.sandpit.teardown(&cohort).await?;
    wait_gone(ctx).await?;
    let teardown = ms(t.elapsed());
    launched?;
    eprintln!(
        "  (Sandpit's server used {cpu:.0} ms of CPU to launch {n}: {:.1} ms per sandbox)",
        cpu / f64::from(n)
    );
    Ok((launch, teardown))
}

/// `n` raw sandboxes created, then removed, at Sandpit's concurrency;
/// (create ms, remove ms).
async fn raw_cycle(ctx: &Ctx, prefix: &str, n: u32) -> Result<(f64, f64)> {
    let t = Instant::now();
    let names = ctx.raw_many(prefix, n as usize).await;
    let launch = ms(t.elapsed());
    let names = match names {
        Ok(names) => names,
        Err(e) => {
            ctx.raw.sweep().await?;
            return Err(e);
        }
    };
    let t = Instant::now();
    ctx.raw_remove_many(&names).await?;
    Ok((launch, ms(t.elapsed())))
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
    let live = ctx.density;
    let terminals = (if ctx.full { 200 } else { 20 }).min(live as usize);
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
