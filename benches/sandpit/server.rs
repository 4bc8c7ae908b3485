//! Sandpit as users run it: the release binary (`sandpit serve`) in a
//! process of its own, with a data directory of its own, on 127.0.0.1 port
//! 0; driven over HTTP and websockets like a browser and the API would.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub struct Sandpit {
    child: Child,
    pub base: String,
    /// The server's public origin (`http://sandpit.localhost:<port>`), as a
    /// browser on its pages writes `Origin`; requests go to `base`.
    pub origin: String,
    pub token: String,
    /// The admin's printed password (to be changed at the first sign-in).
    password: String,
    pub instance: String,
    pub http: reqwest::Client,
    pub data: tempfile::TempDir,
}

/// A cohort made for one figure, with its learners' link tokens.
pub struct Cohort {
    pub id: String,
    pub tokens: Vec<String>,
}

/// Settings every run shares: room for the density figure, and the 1,000
/// tracked records of the memory figure.
const ENV: &[(&str, &str)] = &[
    ("SANDPIT_LISTEN", "127.0.0.1:0"),
    ("SANDPIT_MAX_SANDBOXES", "3000"),
    ("SANDPIT_LAUNCH_LEAD_MINUTES", "0"),
    ("RUST_LOG", "info"),
];

impl Sandpit {
    /// Starts `sandpit serve` on `scenarios` and makes an admin API token.
    pub async fn start(binary: &Path, scenarios: &Path, extra: &[(&str, String)]) -> Result<Self> {
        let data = tempfile::Builder::new()
            .prefix("sandpit-bench-")
            .tempdir()?;
        let log = std::fs::File::create(data.path().join("serve.log"))?;
        let mut cmd = Command::new(binary);
        cmd.arg("serve")
            .env("SANDPIT_DATA_DIR", data.path())
            .env("SANDPIT_SCENARIOS_DIR", scenarios)
            .stdout(Stdio::piped())
            .stderr(log);
        for (k, v) in ENV {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        // A group of its own: a Ctrl-C meant for the harness must not stop
        // the server before the harness has torn its sandboxes down.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().context("starting sandpit serve")?;
        match ready(&mut child, binary, data.path()).await {
            Ok(Ready {
                base,
                origin,
                instance,
                token,
                password,
                http,
            }) => Ok(Self {
                child,
                base,
                origin,
                token,
                password,
                instance,
                http,
                data,
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory, in MiB.
    pub fn rss_mib(&self) -> f64 {
        rss_mib(self.pid())
    }

    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value)> {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    /// A cohort of `seats` anonymous learners on `scenario`, starting in two
    /// days (so nothing launches it on its own).
    pub async fn cohort(&self, name: &str, scenario: &str, seats: u32) -> Result<Cohort> {
        let start = chrono::Utc::now() + chrono::TimeDelta::days(2);
        let end = start + chrono::TimeDelta::days(1);
        let (status, body) = self
            .api(
                reqwest::Method::POST,
                "/cohorts",
                Some(json!({
                    "name": name,
                    "scenario": scenario,
                    "starts_at": start.to_rfc3339(),
                    "ends_at": end.to_rfc3339(),
                    "seats": seats,
                    "spare": 0,
                })),
            )
            .await?;
        if status != StatusCode::CREATED {
            bail!("creating cohort {name}: {status} {body}");
        }
        let tokens = body["learners"]
            .as_array()
            .context("no learners")?
            .iter()
            .filter_map(|l| l["link"].as_str())
            .map(|link| link.rsplit('/').next().unwrap_or(link).to_owned())
            .collect();
        Ok(Cohort {
            id: body["id"].as_str().context("no id")?.to_owned(),
            tokens,
        })
    }

    /// `method` on a cohort's `action` (`launch`, `status`, `teardown`);
    /// the answer, or an error naming what was refused.
    async fn on_cohort(
        &self,
        method: reqwest::Method,
        cohort: &Cohort,
        action: &str,
    ) -> Result<Value> {
        let path = format!("/cohorts/{}/{action}", cohort.id);
        let (status, body) = self.api(method, &path, None).await?;
        if !status.is_success() {
            bail!("{action}: {status} {body}");
        }
        Ok(body)
    }

    pub async fn launch(&self, cohort: &Cohort) -> Result<()> {
        self.on_cohort(reqwest::Method::POST, cohort, "launch")
            .await
            .map(drop)
    }

    pub async fn status(&self, cohort: &Cohort) -> Result<Value> {
        self.on_cohort(reqwest::Method::GET, cohort, "status").await
    }

    /// Polls the status until `ready` sandboxes are ready. The poll interval
    /// grows with the wait (2% of it, 20–250 ms): polls cost the server CPU
    /// that the engine, busy creating sandboxes on the same cores, would
    /// miss, and the raw baseline is not polled at all.
    pub async fn wait_ready(&self, cohort: &Cohort, ready: u64, limit: Duration) -> Result<()> {
        let started = Instant::now();
        let deadline = started + limit;
        loop {
            let s = self.status(cohort).await?;
            if s["counts"]["ready"].as_u64().unwrap_or(0)
                + s["counts"]["claimed"].as_u64().unwrap_or(0)
                >= ready
            {
                return Ok(());
            }
            if let Some(failing) = s["failing"].as_str() {
                bail!("the pool is failing: {failing}");
            }
            if Instant::now() > deadline {
                bail!("only {} of {ready} ready after {limit:?}", s["counts"]);
            }
            let interval = (started.elapsed() / 50)
                .clamp(Duration::from_millis(20), Duration::from_millis(250));
            tokio::time::sleep(interval).await;
        }
    }

    pub async fn teardown(&self, cohort: &Cohort) -> Result<Value> {
        self.on_cohort(reqwest::Method::POST, cohort, "teardown")
            .await
    }

    /// Opens a cohort link the way the Start button does; returns the
    /// server's own time (Server-Timing) in ms.
    pub async fn start_link(&self, token: &str) -> Result<f64> {
        let resp = self
            .http
            .post(format!("{}/s/{token}/start", self.base))
            .header("origin", &self.origin)
            .send()
            .await?;
        if resp.status() != StatusCode::SEE_OTHER {
            bail!("starting a link: {}", resp.status());
        }
        server_ms(resp.headers()).context("no Server-Timing on the answer")
    }

    pub fn terminal_url(&self, token: &str) -> String {
        format!(
            "{}/s/{token}/terminal",
            self.base.replace("http://", "ws://")
        )
    }

    /// Stops the server (SIGTERM, then SIGKILL after 20 s).
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data.path().to_owned()
    }
}

impl Sandpit {
    /// Signs the admin in through the login form, as a browser would, and
    /// replaces the printed password on the change page the first sign-in
    /// leads to; the session's `Cookie` header.
    pub async fn session(&mut self) -> Result<String> {
        let login = self
            .http
            .get(format!("{}/login?next=/trainer", self.base))
            .send()
            .await?;
        let csrf_cookie =
            cookie_pair(&login, "sandpit_login_csrf").context("no login CSRF cookie")?;
        let csrf = csrf_of(&login.text().await?).context("no CSRF field on the login page")?;
        let signed = self
            .http
            .post(format!("{}/login", self.base))
            .header(reqwest::header::COOKIE, csrf_cookie)
            .header(reqwest::header::ORIGIN, &self.origin)
            .form(&[
                ("name", "bench"),
                ("password", self.password.as_str()),
                ("csrf", &csrf),
                ("next", "/trainer"),
            ])
            .send()
            .await?;
        if signed.status() != StatusCode::SEE_OTHER {
            bail!("signing in answered {}", signed.status());
        }
        let cookie = cookie_pair(&signed, "sandpit_session").context("no session cookie")?;
        let change = self
            .http
            .get(format!("{}/account/password?next=/trainer", self.base))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await?;
        let csrf = csrf_of(&change.text().await?).context("no CSRF field on the change page")?;
        let chosen = format!("{} and more", self.password);
        let changed = self
            .http
            .post(format!("{}/account/password", self.base))
            .header(reqwest::header::COOKIE, &cookie)
            .header(reqwest::header::ORIGIN, &self.origin)
            .form(&[
                ("csrf", csrf.as_str()),
                ("current", self.password.as_str()),
                ("new", chosen.as_str()),
                ("confirm", chosen.as_str()),
                ("next", "/trainer"),
            ])
            .send()
            .await?;
        if changed.status() != StatusCode::SEE_OTHER {
            bail!(
                "changing the printed password answered {}",
                changed.status()
            );
        }
        self.password = chosen;
        Ok(cookie)
    }
}

impl Drop for Sandpit {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

/// What a started server told, and a client for it.
struct Ready {
    base: String,
    origin: String,
    instance: String,
    token: String,
    password: String,
    http: reqwest::Client,
}

/// Waits for the server to say where it serves, and makes an admin token.
async fn ready(child: &mut Child, binary: &Path, data: &Path) -> Result<Ready> {
    let stdout = child.stdout.take().context("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let log_path = data.join("serve.out");
    std::thread::spawn(move || {
        let mut out = std::fs::File::create(log_path).ok();
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            if line.starts_with("Sandpit is serving") {
                let _ = tx.send(line.clone());
            }
            if let Some(f) = out.as_mut() {
                let _ = writeln!(f, "{line}");
            }
        }
    });
    let line = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(600)))
        .await?
        .context("sandpit serve did not say where it serves (see serve.log)")?;
    let url = line
        .rsplit(' ')
        .next()
        .context("no URL on the serving line")?
        .trim();
    let port = url.rsplit(':').next().context("no port")?;
    let instance = std::fs::read_to_string(data.join("instance"))?
        .trim()
        .to_owned();
    let (token, password) = make_token(binary, data)?;
    Ok(Ready {
        base: format!("http://127.0.0.1:{port}"),
        origin: url.trim_end_matches('/').to_owned(),
        instance,
        token,
        password,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(256)
            .build()?,
    })
}

/// `app;dur=<ms>` from a Server-Timing header.
pub fn server_ms(headers: &reqwest::header::HeaderMap) -> Option<f64> {
    headers
        .get("server-timing")?
        .to_str()
        .ok()?
        .split(';')
        .find_map(|p| p.trim().strip_prefix("dur="))?
        .parse()
        .ok()
}

/// CPU time (user + system) a process has used so far, in ms.
pub fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<f64>().ok())
        .sum();
    // The kernel's USER_HZ is 100 on Linux.
    ticks * 10.0
}

/// VmRSS of a process, in MiB.
pub fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| crate::report::meminfo_kib(&s, "VmRSS"))
        .map_or(0.0, |kib| kib as f64 / 1024.0)
}

/// An admin account and an API token for it, by the CLI on the same store.
fn make_token(binary: &Path, data: &Path) -> Result<(String, String)> {
    let run = |args: &[&str]| -> Result<Value> {
        let out = Command::new(binary)
            .args(args)
            .env("SANDPIT_DATA_DIR", data)
            .output()?;
        if !out.status.success() {
            bail!(
                "sandpit {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    };
    let user = run(&[
        "user", "create", "--name", "bench", "--role", "admin", "--json",
    ])?;
    let token = run(&[
        "token", "create", "--user", "bench", "--name", "bench", "--json",
    ])?;
    let text = |v: &Value, key: &str| -> Result<String> {
        Ok(v[key]
            .as_str()
            .with_context(|| format!("no {key} in the CLI's answer: {v}"))?
            .to_owned())
    };
    Ok((text(&token, "token")?, text(&user, "password")?))
}

/// The value of the `Set-Cookie` pair named `name`, as `name=value`.
fn cookie_pair(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .find(|pair| pair.split_once('=').is_some_and(|(n, _)| n.trim() == name))
        .map(|pair| pair.trim().to_owned())
}

/// The CSRF field of a page's form.
fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_owned())
}
