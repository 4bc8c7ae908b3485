//! Samples, their statistics, and the table the harness prints and writes
//! as JSON and Markdown.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

/// Summary of repeated measurements of one thing, in its unit.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub n: usize,
    pub median: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    /// `None` for no samples.
    pub fn of(samples: &[f64]) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        Some(Self {
            n: s.len(),
            median: percentile(&s, 50.0),
            p99: percentile(&s, 99.0),
            min: s[0],
            max: s[s.len() - 1],
        })
    }
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub key: String,
    pub title: String,
    pub unit: String,
    pub sandpit: Option<Stats>,
    pub baseline: Option<Stats>,
    /// Sandpit's median over the baseline's.
    pub ratio: Option<f64>,
    pub target: String,
    /// Whether the target was met; `None` where there is no target.
    pub met: Option<bool>,
    pub notes: Vec<String>,
}

impl Figure {
    pub fn new(key: impl Into<String>, title: impl Into<String>, unit: &str) -> Self {
        Self {
            key: key.into(),
            title: title.into(),
            unit: unit.into(),
            sandpit: None,
            baseline: None,
            ratio: None,
            target: String::new(),
            met: None,
            notes: Vec::new(),
        }
    }

    pub fn sandpit(mut self, samples: &[f64]) -> Self {
        self.sandpit = Stats::of(samples);
        self.ratio = self.ratio_now();
        self
    }

    pub fn baseline(mut self, samples: &[f64]) -> Self {
        self.baseline = Stats::of(samples);
        self.ratio = self.ratio_now();
        self
    }

    fn ratio_now(&self) -> Option<f64> {
        let (s, b) = (self.sandpit.as_ref()?, self.baseline.as_ref()?);
        (b.median > 0.0).then(|| s.median / b.median)
    }

    /// A target on the ratio of medians.
    pub fn ratio_target(mut self, at_most: f64) -> Self {
        self.target = format!("≤ {at_most:.2}×");
        self.met = self.ratio.map(|r| r <= at_most);
        self
    }

    /// A target stated in words, with whether it was met.
    pub fn target(mut self, text: impl Into<String>, met: Option<bool>) -> Self {
        self.target = text.into();
        self.met = met;
        self
    }

    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.notes.push(text.into());
        self
    }
}

/// Everything one run measured, and where.
#[derive(Debug, Serialize)]
pub struct Report {
    pub started_at: String,
    pub mode: String,
    pub machine: Machine,
    pub figures: Vec<Figure>,
    pub errors: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub memory_gib: f64,
    pub engine: String,
    pub kernel: String,
}

impl Machine {
    pub fn read(engine: String) -> Self {
        let memory_kib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| meminfo_kib(&m, "MemTotal"))
            .unwrap_or(0);
        Self {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib: memory_kib as f64 / 1024.0 / 1024.0,
            engine,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_owned(),
        }
    }
}

/// A `/proc/meminfo` field in KiB.
pub fn meminfo_kib(meminfo: &str, field: &str) -> Option<u64> {
    meminfo
        .lines()
        .find(|l| l.split(':').next() == Some(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn cell(s: &Option<Stats>) -> (String, String) {
    match s {
        Some(s) => (num(s.median), num(s.p99)),
        None => ("–".into(), "–".into()),
    }
}

impl Report {
    /// The table as Markdown (the terminal gets the same text).
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let m = &self.machine;
        let _ = writeln!(
            out,
            "Sandpit benchmark, {} mode, {} — {} CPUs, {:.0} GiB, engine {}, kernel {}\n",
            self.mode, self.started_at, m.cpus, m.memory_gib, m.engine, m.kernel
        );
        let _ = writeln!(
            out,
            "| figure | unit | Sandpit median | Sandpit p99 | engine median | engine p99 | ratio | target | met | n |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---|---|---:|");
        for f in &self.figures {
            let (sm, sp) = cell(&f.sandpit);
            let (bm, bp) = cell(&f.baseline);
            let ratio = f.ratio.map_or("–".into(), |r| format!("{r:.2}×"));
            let met = match f.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "–",
            };
            let n = f.sandpit.as_ref().map_or(0, |s| s.n);
            let _ = writeln!(
                out,
                "| {} | {} | {sm} | {sp} | {bm} | {bp} | {ratio} | {} | {met} | {n} |",
                f.title, f.unit, f.target
            );
        }
        let _ = writeln!(
            out,
            "\nRatio: Sandpit's median over the engine's. p99 is nearest-rank: with fewer than 100 samples it is the largest or close to it; figures with n = 1 (launch, teardown, memory) are single runs, indicative only."
        );
        let noted: Vec<&Figure> = self
            .figures
            .iter()
            .filter(|f| !f.notes.is_empty())
            .collect();
        if !noted.is_empty() {
            let _ = writeln!(out, "\nNotes:\n");
            for f in noted {
                for n in &f.notes {
                    let _ = writeln!(out, "- {}: {n}", f.title);
                }
            }
        }
        if !self.errors.is_empty() {
            let _ = writeln!(out, "\nErrors (figures that could not be measured):\n");
            for e in &self.errors {
                let _ = writeln!(out, "- {e}");
            }
        }
        out
    }

    /// Writes `<stamp>.json` and `<stamp>.md` (and `latest.*`) into `dir`.
    pub fn write(&self, dir: &Path, stamp: &str) -> std::io::Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let md = self.markdown();
        let mut written = Vec::new();
        for name in [stamp, "latest"] {
            let j = dir.join(format!("{name}-{}.json", self.mode));
            let m = dir.join(format!("{name}-{}.md", self.mode));
            std::fs::write(&j, &json)?;
            std::fs::write(&m, &md)?;
            written.push(j);
            written.push(m);
        }
        Ok(written)
    }
}
