//! Sandpit's benchmark: what users feel, each figure measured against the
//! Docker engine doing the same work directly, on the same machine, in the
//! same run. Ratios are the result; absolute times are context.
//!
//! `./dev bench` (small sizes, a few minutes on 2 cores) or
//! `./dev bench --full` (the 100- and 500-sandbox figures). Prints the table
//! and writes it to `bench/results/` as JSON and Markdown. Everything it
//! makes is removed at the end, also after an error or Ctrl-C.

mod figures;
mod raw;
mod report;
mod server;
mod term;

#[allow(dead_code)]
#[path = "../../tests/api/common/browser.rs"]
mod browser;
#[allow(dead_code)]
#[path = "../../tests/api/common/netns.rs"]
mod netns;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use futures_util::FutureExt;

use figures::Ctx;
use report::{Figure, Machine, Report};

#[derive(Debug, Parser)]
#[command(about = "Sandpit against the raw Docker engine, side by side")]
struct Args {
    /// The large sizes: launches of 50 and 100, 500 live
    /// sandboxes with 200 terminals.
    #[arg(long)]
    full: bool,
    /// Measured repetitions of the per-sandbox figures (after one warm-up).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Only these figures (cold, interactive, flood, warm, launch, api,
    /// browser, density, networks, indicators); all when none given.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Live sandboxes for the density figure (50 by default, 500 with
    /// --full); raise it to look for the ceiling.
    #[arg(long)]
    density: Option<u32>,
    /// Where the JSON and Markdown go.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

type Run<'a> = Pin<Box<dyn Future<Output = Result<Vec<Figure>>> + 'a>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_sandpit"));
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    // The exact image the bench scenario's sandboxes start from.
    let image = sandpit::images::ImageCatalog::bundled().reference("shell");
    let raw = raw::Raw::connect(&run_id, &image).await?;
    let engine = raw.engine_version().await;
    eprintln!("starting Sandpit ({})", binary.display());
    let sandpit = server::Sandpit::start(
        &binary,
        &root.join("benches/scenarios"),
        &[("SANDPIT_RECONCILE_INTERVAL_SECONDS", "3600".into())],
    )
    .await?;
    // Settled: migrations done, first reconcile and pool tending passed.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle_rss = sandpit.rss_mib();
    // Sandpit's default provisioning concurrency: twice the CPUs, 2 to 16.
    let concurrency =
        (2 * std::thread::available_parallelism().map_or(1, |n| n.get())).clamp(2, 16);
    let ctx = Ctx {
        sandpit,
        raw,
        full: args.full,
        runs: args.runs.max(1),
        concurrency,
        density: args
            .density
            .unwrap_or(if args.full { 500 } else { 50 })
            .max(1),
    };
    let mut report = Report {
        started_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        mode: if args.full { "full" } else { "default" }.into(),
        machine: Machine::read(engine),
        figures: Vec::new(),
        errors: Vec::new(),
    };

    let runs: Vec<(&str, Run<'_>)> = vec![
        ("cold", Box::pin(figures::cold_start(&ctx))),
        ("interactive", Box::pin(figures::interactive(&ctx))),
        ("flood", Box::pin(figures::flood(&ctx))),
        ("warm", Box::pin(figures::warm_claim(&ctx))),
        ("launch", Box::pin(figures::launch_line(&ctx))),
        ("api", Box::pin(figures::throughput(&ctx))),
        ("browser", Box::pin(figures::browser(&ctx))),
        ("density", Box::pin(figures::density(&ctx, idle_rss))),
        ("networks", Box::pin(figures::networks(&ctx))),
        (
            "indicators",
            Box::pin(figures::indicators(&ctx, &root, &binary)),
        ),
    ];
    let interrupted = tokio::select! {
        () = async {
            for (name, run) in runs {
                if !args.only.is_empty() && !args.only.iter().any(|o| o == name) {
                    continue;
                }
                eprintln!("measuring: {name}");
                // A panic (a browser that would not start) is a failed
                // figure: the clean-up below must still run.
                let run = std::panic::AssertUnwindSafe(run).catch_unwind();
                match run.await.unwrap_or_else(|p| Err(anyhow::anyhow!("panicked: {}", panic_text(&p)))) {
                    Ok(figures) => {
                        for f in &figures {
                            if let Some(s) = &f.sandpit {
                                eprintln!("  {}: median {:.2} {} (p99 {:.2}){}", f.title, s.median, f.unit, s.p99,
                                    f.ratio.map_or(String::new(), |r| format!(", {r:.2}× the engine")));
                            }
                        }
                        report.figures.extend(figures);
                    }
                    Err(e) => {
                        eprintln!("  {name} failed: {e:#}");
                        report.errors.push(format!("{name}: {e:#}"));
                    }
                }
            }
        } => false,
        _ = tokio::signal::ctrl_c() => true,
    };

    let Ctx {
        mut sandpit, raw, ..
    } = ctx;
    let left = cleanup(&mut sandpit, &raw).await;
    if interrupted {
        match left {
            Ok(_) => eprintln!("interrupted; cleaned up"),
            Err(e) => eprintln!("interrupted; cleaning up failed: {e:#}"),
        }
        std::process::exit(130);
    }
    match left {
        Ok(0) => {}
        Ok(n) => report
            .errors
            .push(format!("{n} engine objects had to be swept after the run")),
        Err(e) => report.errors.push(format!("cleaning up: {e:#}")),
    }
    let md = report.markdown();
    println!("\n{md}");
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let out = if args.out.is_absolute() {
        args.out.clone()
    } else {
        root.join(&args.out)
    };
    for path in report.write(&out, &stamp).context("writing the results")? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Tears down whatever Sandpit still runs, stops it, and sweeps anything of
/// its instance or of the baseline from the engine; how many objects the
/// sweep found.
async fn cleanup(sandpit: &mut server::Sandpit, raw: &raw::Raw) -> Result<usize> {
    let teardown = sandpit.api(
        reqwest::Method::POST,
        "/admin/teardown-all",
        Some(serde_json::json!({ "confirm": "everything" })),
    );
    match tokio::time::timeout(Duration::from_secs(600), teardown).await {
        Ok(Ok((status, _))) if status.is_success() => {}
        Ok(Ok((status, body))) => eprintln!("teardown-all: {status} {body}; sweeping instead"),
        Ok(Err(e)) => eprintln!("teardown-all: {e:#}; sweeping instead"),
        Err(_) => eprintln!("teardown-all took over 10 minutes; sweeping instead"),
    }
    sandpit.stop();
    let instance = format!("sandpit.instance={}", sandpit.instance);
    let found = raw.sweep_label(&instance).await? + raw.sweep().await?;
    // A create already on its way when a figure stopped can land after the
    // listing: look again.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let found = found + raw.sweep_label(&instance).await? + raw.sweep().await?;
    raw.sweep_disks(&sandpit.data_dir().join("disks")).await;
    let still = raw.count_labelled(&instance).await? + raw.count_labelled(&raw.run_label()).await?;
    if still > 0 {
        anyhow::bail!(
            "{still} engine objects could not be removed (labels {instance}, {})",
            raw.run_label()
        );
    }
    Ok(found)
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}
