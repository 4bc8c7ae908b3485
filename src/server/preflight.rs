//! What `sandpit serve` checks before it takes learners, each finding with
//! what to do about it: an engine too old, clocks that disagree or went
//! back, an address range with no room for sandboxes' networks, a data
//! directory short of space, a public URL or tool domain that does not
//! resolve. A fatal finding stops the start; a warning is printed and
//! logged, and the server goes on.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use crate::app::App;
use crate::config::HostGuardMode;

/// The oldest engine API Sandpit is tested on (Docker 20.10).
pub const MIN_API: (u32, u32) = (1, 41);

/// Clocks further apart than this are reported.
const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Free space under which the start is refused: the store could not even
/// record checks.
const DISK_FATAL: u64 = 100 << 20;

/// Free space under which a warning is given.
const DISK_LOW: u64 = 2 << 30;

/// How long a name may take to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Sandpit cannot work: the start stops.
    Fatal,
    /// Some of it will not work, or not for everyone.
    Warning,
}

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub problem: String,
    /// What the operator should do.
    pub fix: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label = match self.severity {
            Severity::Fatal => "cannot start",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: {}\n  what to do: {}", self.problem, self.fix)
    }
}

fn fatal(problem: String, fix: impl Into<String>) -> Finding {
    Finding {
        severity: Severity::Fatal,
        problem,
        fix: fix.into(),
    }
}

fn warning(problem: String, fix: impl Into<String>) -> Finding {
    Finding {
        severity: Severity::Warning,
        problem,
        fix: fix.into(),
    }
}

/// Every check, on `app` about to serve at `public_url`.
pub async fn check(app: &App, public_url: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    let config = &app.config;
    match app.runtime.health().await {
        Err(e) => found.push(fatal(
            format!("the engine did not answer: {e}"),
            "start the Docker engine (systemctl start docker) and check that this user may use its socket (the docker group)",
        )),
        Ok(health) => {
            if let Some(api) = &health.api_version
                && parse_api(api).is_some_and(|v| v < MIN_API)
            {
                found.push(fatal(
                    format!(
                        "the engine ({}) speaks API {api}; Sandpit needs {}.{} or newer",
                        health.version, MIN_API.0, MIN_API.1
                    ),
                    "upgrade the engine to Docker 20.10 or newer (Debian's docker.io package)",
                ));
            }
            if let Some(theirs) = health.clock {
                found.extend(clock_skew(chrono::Utc::now(), theirs));
            }
            if let Some(room) = &health.subnets {
                found.extend(address_room(room, config));
            }
        }
    }
    match app.store.latest_record().await {
        Ok(Some(latest)) => found.extend(clock_went_back(chrono::Utc::now(), latest)),
        Ok(None) => {}
        Err(e) => found.push(fatal(
            format!("the store did not answer: {e}"),
            "check the data directory's file system and permissions",
        )),
    }
    if config.proxy_path_fallback {
        found.push(warning(
            "proxy_path_fallback is on: tools are served on Sandpit's own address, where a page in a sandbox could act as a signed-in trainer, so signing in from a browser is refused (the login page says so); trainers and admins can use only API tokens and the CLI".into(),
            format!(
                "give tools names of their own: a wildcard DNS record *.{} (set sandbox_domain), then set proxy_path_fallback = false",
                config.sandbox_domain
            ),
        ));
    }
    if config.tools_url.is_some() && config.tools_listen.is_none() {
        found.push(warning(
            "tools_url is set but tools_listen is not: tools are served by name under sandbox_domain, and tools_url is ignored".into(),
            "set tools_listen to the address tools_url leads to, or remove tools_url",
        ));
    }
    found.extend(disk_space(&config.data_dir));
    // Tools served by path on their own listener need no names.
    let tools_domain = config
        .tools_listen
        .is_none()
        .then_some(config.sandbox_domain.as_str());
    found.extend(public_names(public_url, tools_domain, config.listen.ip()).await);
    found
}

/// Whether sandboxes are kept off the host's services, proven by a probe
/// sandbox that tries to connect to the host (after the images are built:
/// it runs on the base image). Missing, it is fatal under
/// `host_guard = "required"` and a warning under `"best-effort"`.
pub async fn host_guard(app: &App) -> Option<Finding> {
    let mode = app.config.host_guard;
    if mode == HostGuardMode::Off {
        return None;
    }
    let finding = |problem: String, fix: &str| {
        if mode == HostGuardMode::Required {
            fatal(problem, fix)
        } else {
            warning(problem, fix)
        }
    };
    let range = app.config.subnet_range;
    match app
        .runtime
        .host_reachable(&app.images.reference("base"))
        .await
    {
        Ok(Some(false)) => {
            tracing::info!(%range, "host guard proven: a probe sandbox could not reach the host");
            None
        }
        Ok(None) => None,
        Ok(Some(true)) => Some(finding(
            format!(
                "SANDBOXES CAN REACH THIS HOST'S SERVICES: a probe sandbox in {range} opened a connection to the host (the firewall chain SANDPIT-HOSTGUARD is missing)"
            ),
            "run `sudo sandpit host install` once after each boot (the systemd unit does it before serve starts), \
             or set host_guard = \"off\" if another firewall drops new connections from subnet_range to the host",
        )),
        Err(e) => Some(finding(
            format!("the host guard could not be checked: a probe sandbox failed: {e}"),
            "check that the engine runs containers (docker run --rm sandpit/base true), then start again",
        )),
    }
}

/// `1.41` as (1, 41).
fn parse_api(version: &str) -> Option<(u32, u32)> {
    let (major, minor) = version.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

fn clock_skew(
    ours: chrono::DateTime<chrono::Utc>,
    engine: chrono::DateTime<chrono::Utc>,
) -> Option<Finding> {
    let skew = (ours - engine).abs();
    (skew > CLOCK_SKEW).then(|| {
        warning(
            format!(
                "this machine's clock and the engine's differ by {} s (here {}, engine {})",
                skew.num_seconds(),
                ours.format("%Y-%m-%d %H:%M:%S UTC"),
                engine.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            "synchronise both clocks (systemd-timesyncd or chrony): sandboxes' end times and every record's time depend on them",
        )
    })
}

fn clock_went_back(
    now: chrono::DateTime<chrono::Utc>,
    latest: chrono::DateTime<chrono::Utc>,
) -> Option<Finding> {
    (latest - now > CLOCK_SKEW).then(|| {
        warning(
            format!(
                "the clock says {}, but the store holds a record made at {}: the clock went back",
                now.format("%Y-%m-%d %H:%M:%S UTC"),
                latest.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            "set the clock right (systemd-timesyncd or chrony) before learners start: times on pages and in exports would be wrong",
        )
    })
}

fn address_room(room: &crate::runtime::SubnetRoom, config: &crate::config::Config) -> Vec<Finding> {
    let mut found = Vec::new();
    let range = config.subnet_range;
    let others = if room.foreign.is_empty() {
        String::new()
    } else {
        format!(
            "; other networks on the engine overlap it: {}",
            room.foreign
                .iter()
                .map(|(name, net)| format!("{name} ({net})"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let fix = format!(
        "set subnet_range to a private range no other network uses (e.g. 10.232.0.0/16), \
         or a larger one, or lower max_sandboxes ({})",
        config.max_sandboxes
    );
    if room.free == 0 {
        found.push(fatal(
            format!(
                "no /{} network is left for a sandbox in subnet_range {range} ({} in all){others}",
                config.subnet_prefix, room.total
            ),
            fix,
        ));
    } else if room.free < u64::from(config.max_sandboxes) {
        found.push(warning(
            format!(
                "only {} /{} networks are left in subnet_range {range}, fewer than max_sandboxes ({}){others}",
                room.free, config.subnet_prefix, config.max_sandboxes
            ),
            fix,
        ));
    }
    found
}

/// Free space on the data directory's file system.
fn disk_space(dir: &Path) -> Option<Finding> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    disk_finding(dir, stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// What `free` bytes on the data directory's file system call for.
fn disk_finding(dir: &Path, free: u64) -> Option<Finding> {
    let mib = free >> 20;
    let fix = format!(
        "free space on the file system of {} (or move the data directory): the store, terminal recordings and each sandbox's disk live there",
        dir.display()
    );
    if free < DISK_FATAL {
        Some(fatal(
            format!("only {mib} MiB free in {}", dir.display()),
            fix,
        ))
    } else if free < DISK_LOW {
        Some(warning(
            format!("only {mib} MiB free in {}", dir.display()),
            fix,
        ))
    } else {
        None
    }
}

/// Whether a host name is one browsers resolve to loopback by themselves.
fn is_localhost(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// Whether a name is under a special-use domain no public DNS answers for
/// (RFC 2606, RFC 6761: `.test`, `.example`, `.invalid`, `.localhost`):
/// such names exist only in a test set-up's own resolver (a browser's
/// host rules, `/etc/hosts`), so they are not looked up.
fn special_use(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    ["test", "example", "invalid", "localhost"]
        .iter()
        .any(|tld| host == *tld || host.ends_with(&format!(".{tld}")))
}

async fn resolves(host: &str) -> bool {
    match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, 80))).await {
        Ok(Ok(mut addrs)) => addrs.next().is_some(),
        _ => false,
    }
}

/// The public URL and the tools' wildcard name (`sandbox_domain`, when
/// tools are served by name): do they resolve here, and can learners on
/// other machines use them?
async fn public_names(
    public_url: &str,
    sandbox_domain: Option<&str>,
    listen: IpAddr,
) -> Vec<Finding> {
    let mut found = Vec::new();
    let Some(host) = url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
    else {
        return found;
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let local = is_localhost(&host) || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if local && !listen.is_loopback() {
        found.push(warning(
            format!(
                "Sandpit listens on {listen} for other machines, but its links point at {public_url}, which is this machine only"
            ),
            "set public_url to the name (or address) learners reach Sandpit by, e.g. https://sandpit.example.org, or use `sandpit serve --lan`",
        ));
    }
    if host.parse::<IpAddr>().is_err() && !special_use(&host) && !resolves(&host).await {
        found.push(warning(
            format!("public_url's host {host} does not resolve from this machine"),
            format!("add {host} to the DNS (or to /etc/hosts for a test) so that learners' browsers find it"),
        ));
    }
    let Some(sandbox_domain) = sandbox_domain else {
        return found;
    };
    if !local && is_localhost(sandbox_domain) {
        found.push(warning(
            format!(
                "tools are served under {sandbox_domain}, which only a browser on this machine resolves: learners elsewhere will see Sandpit but not their tool's pages"
            ),
            "give tools names of their own (a wildcard DNS record, then set sandbox_domain), or serve them by path on a port of their own (tools_listen, as `sandpit serve --lan` does)",
        ));
    } else if !special_use(sandbox_domain) {
        let probe = format!(
            "sandpit-probe-{}.{sandbox_domain}",
            uuid::Uuid::new_v4().simple()
        );
        if !resolves(&probe).await {
            found.push(warning(
                format!(
                    "tools' names under {sandbox_domain} do not resolve (tried {probe}): learners will see Sandpit but not their tool's pages"
                ),
                format!(
                    "add a wildcard DNS record *.{sandbox_domain} pointing at Sandpit's reverse proxy, with a certificate for it"
                ),
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn special_use_names_are_not_looked_up() {
        for name in [
            "sandpit.example.test",
            "x.example",
            "a.invalid",
            "sandpit.localhost",
            "TEST",
        ] {
            assert!(special_use(name), "{name}");
        }
        for name in ["sandpit.example.org", "testing.fr", "example.com"] {
            assert!(!special_use(name), "{name}");
        }
    }

    #[test]
    fn api_versions_compare_as_numbers() {
        assert_eq!(parse_api("1.41"), Some((1, 41)));
        assert!(parse_api("1.9").unwrap() < MIN_API);
        assert!(parse_api("1.40").unwrap() < MIN_API);
        assert!(parse_api("1.43").unwrap() >= MIN_API);
        assert_eq!(parse_api("x"), None);
    }

    #[test]
    fn clocks_apart_by_more_than_a_minute_are_reported_with_both_times() {
        let ours = chrono::Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap();
        assert_eq!(
            clock_skew(ours, ours + chrono::TimeDelta::seconds(59)),
            None
        );
        let found = clock_skew(ours, ours - chrono::TimeDelta::seconds(300)).unwrap();
        assert_eq!(found.severity, Severity::Warning);
        assert!(
            found.problem.contains("differ by 300 s"),
            "{}",
            found.problem
        );
        assert!(
            found.problem.contains("2026-12-07 09:55:00 UTC"),
            "{}",
            found.problem
        );
        let back = clock_went_back(ours, ours + chrono::TimeDelta::hours(2)).unwrap();
        assert!(back.problem.contains("went back"), "{}", back.problem);
        assert_eq!(
            clock_went_back(ours, ours - chrono::TimeDelta::hours(2)),
            None
        );
    }

    #[test]
    fn an_address_range_with_no_room_stops_the_start_and_names_who_took_it() {
        let config = crate::config::Config::default();
        let room = crate::runtime::SubnetRoom {
            free: 0,
            total: 4096,
            foreign: vec![("office-vpn".into(), "10.231.0.0/16".into())],
        };
        let found = address_room(&room, &config);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Fatal);
        assert!(
            found[0].problem.contains("office-vpn (10.231.0.0/16)"),
            "{}",
            found[0].problem
        );
        let room = crate::runtime::SubnetRoom {
            free: 150,
            total: 4096,
            foreign: Vec::new(),
        };
        let found = address_room(&room, &config);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0].problem.contains("only 150 /28 networks"),
            "{}",
            found[0].problem
        );
        let room = crate::runtime::SubnetRoom {
            free: 4096,
            total: 4096,
            foreign: Vec::new(),
        };
        assert!(address_room(&room, &config).is_empty());
    }

    #[tokio::test]
    async fn links_to_this_machine_only_are_reported_when_listening_for_others() {
        let found = public_names(
            "http://sandpit.localhost:8080",
            Some("sandpit.localhost"),
            "0.0.0.0".parse().unwrap(),
        )
        .await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].problem.contains("this machine only"),
            "{}",
            found[0].problem
        );
        let found = public_names(
            "http://127.0.0.1:8080",
            Some("sandpit.localhost"),
            "127.0.0.1".parse().unwrap(),
        )
        .await;
        assert!(found.is_empty(), "{found:?}");
    }

    #[tokio::test]
    async fn tools_under_localhost_for_learners_elsewhere_are_reported_unless_served_by_path() {
        let elsewhere = public_names(
            "http://192.0.2.10:8080",
            Some("sandpit.localhost"),
            "0.0.0.0".parse().unwrap(),
        )
        .await;
        assert_eq!(elsewhere.len(), 1, "{elsewhere:?}");
        assert!(
            elsewhere[0]
                .problem
                .contains("which only a browser on this machine resolves"),
            "{}",
            elsewhere[0].problem
        );
        assert!(elsewhere[0].fix.contains("--lan"), "{}", elsewhere[0].fix);
        let by_path = public_names(
            "http://192.0.2.10:8080",
            None,
            "192.0.2.10".parse().unwrap(),
        )
        .await;
        assert!(by_path.is_empty(), "{by_path:?}");
    }

    #[test]
    fn a_data_directory_short_of_space_is_reported_and_one_nearly_full_stops_the_start() {
        let dir = Path::new("/srv/sandpit");
        assert_eq!(disk_finding(dir, 3 << 30), None);
        let low = disk_finding(dir, 1 << 30).unwrap();
        assert_eq!(low.severity, Severity::Warning);
        assert!(
            low.problem.contains("only 1024 MiB free in /srv/sandpit"),
            "{}",
            low.problem
        );
        assert_eq!(
            disk_finding(dir, 50 << 20).unwrap().severity,
            Severity::Fatal
        );
        // The data directory's own file system is read.
        let here = tempfile::tempdir().unwrap();
        let stat = rustix::fs::statvfs(here.path()).unwrap();
        assert_eq!(
            disk_space(here.path()),
            disk_finding(here.path(), stat.f_bavail * stat.f_frsize)
        );
    }
}
