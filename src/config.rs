//! Typed settings: defaults, then a TOML file, then `SANDPIT_*` variables,
//! layered by figment over one struct, [`Config`], whose fields are the
//! settings (each `key` in the file is `SANDPIT_KEY` in the environment).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ipnet::{IpNet, Ipv4Net};
use serde::{Deserialize, Serialize};

use crate::timezone::TimeZone;

mod sources;

pub use sources::{PREFIX, variable};

/// What to do when the host firewall rule cannot be installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostGuardMode {
    /// Refuse to run sandboxes without it.
    Required,
    /// Warn loudly and go on.
    BestEffort,
    /// Do not install it (someone else firewalls the host).
    Off,
}

/// Sandpit's settings: every field is one, and nothing else is. Its
/// `Default` is the bottom layer (serialized, it also lists the settings:
/// which variables are read, and the README's table is tested against it).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the store, recordings and unpacked bundled scenarios live.
    pub data_dir: PathBuf,
    /// Where sandboxes' disks (sparse image files and their mount points)
    /// live; `<data_dir>/disks` when unset. Sandpit in a container: a host
    /// directory bound at the same path (the engine binds disks by it).
    pub disks_dir: Option<PathBuf>,
    /// Scenarios to serve; the ones bundled in the binary when unset.
    pub scenarios_dir: Option<PathBuf>,
    /// Image build contexts; the bundled ones when unset.
    pub images_dir: Option<PathBuf>,
    /// The range per-sandbox subnets are carved from.
    pub subnet_range: Ipv4Net,
    /// The size of each sandbox's subnet.
    pub subnet_prefix: u8,
    pub host_guard: HostGuardMode,
    /// Where `sandpit serve` listens. Loopback by default: sandboxes must
    /// not reach it, and nothing else should unless an operator says so.
    pub listen: SocketAddr,
    /// The URL learners use to reach Sandpit (links are built from it);
    /// `http://<listen>` when unset. Browsers' `Origin` must be its origin.
    pub public_url: Option<String>,
    /// Reverse proxies in front of Sandpit (addresses or CIDR ranges). A
    /// request from one of them is taken to come from the right-most
    /// address in `X-Forwarded-For` that is not one of them; from anyone
    /// else, `X-Forwarded-For` is ignored.
    /// (A list in the file; a list or a comma-separated string anywhere.)
    #[serde(deserialize_with = "networks")]
    pub trusted_proxies: Vec<IpNet>,
    /// Proxied web UIs are served from `<port>-<web key>.<sandbox_domain>`, an
    /// origin apart from Sandpit's own, so a page in a sandbox can never read
    /// Sandpit's cookies; on the same site as the public URL (its host or a
    /// name under the same registrable domain), so that the tool's cookies
    /// work inside the learner page's frame. `*.localhost` resolves to
    /// loopback in browsers.
    pub sandbox_domain: String,
    /// The zone new cohorts' times are in unless their trainer picks
    /// another, and the zone of times on the admin's pages.
    pub time_zone: TimeZone,
    /// Also serve proxied UIs under `/s/<token>/proxy/<port>/` on Sandpit's
    /// own origin. Off by default: it shares the origin with Sandpit.
    pub proxy_path_fallback: bool,
    /// Where to serve tools by path on an origin of their own, for networks
    /// without a wildcard name (a classroom's LAN): a second listener that
    /// answers `/s/<web key>/proxy/<port>/…` and nothing of Sandpit's, so
    /// a page in a sandbox never shares Sandpit's origin and signing in
    /// stays allowed. Unset by default (tools by name under
    /// `sandbox_domain`); `sandpit serve --lan` sets it.
    pub tools_listen: Option<SocketAddr>,
    /// The URL browsers reach `tools_listen` at (`http://<tools_listen>`
    /// when unset); another origin than the public URL's.
    pub tools_url: Option<String>,
    /// Record every terminal as asciicast v2, one file per shell, under
    /// `<data_dir>/recordings/<sandbox id>/<UTC start time>.cast`.
    pub record_terminals: bool,
    /// Days a terminal recording is kept after its sandbox ended (0: forever).
    pub recording_retention_days: u32,
    /// Days a check's record (what it printed, when, its outcome) is kept
    /// after it was made, once its sandbox has ended (0: forever). The
    /// indicators' per-learner tallies stay; a learner's whole record goes
    /// only with an erasure.
    pub attempt_retention_days: u32,
    /// MiB all recordings of one learner link may take, over every shell and
    /// every reset of its sandbox. The recording that reaches it ends with a
    /// "recording stopped" marker; the link records nothing more (its
    /// terminal keeps working). At least 1.
    pub recording_budget_mb: u32,
    /// The most sandboxes that may be live at once (provisioning, ready or
    /// claimed), over all cohorts. Past it, launches and cold starts are
    /// refused with a clear message.
    pub max_sandboxes: u32,
    /// Seconds a learner refused for lack of room is told to wait
    /// (`Retry-After`); their page counts down and tries again on its own.
    pub busy_retry_seconds: u64,
    /// How many sandboxes are provisioned at once; twice the CPUs by default.
    pub provision_concurrency: usize,
    /// How long before a cohort's start its warm pool is launched on its own.
    pub launch_lead_minutes: u32,
    /// Failed provisionings in a row, per cohort, after which its pool stops
    /// retrying and reports the last reason (a new launch tries again).
    pub provision_attempts: u32,
    /// A learner is marked stuck after this many failed checks on one step...
    pub stuck_failures: u32,
    /// ...or after this many minutes with no check on an unfinished step.
    pub stuck_idle_minutes: u32,
    /// The xAPI endpoint of a learning record store (an `https://` or `http://` URL);
    /// statements are POSTed to its `statements` resource. Unset: nothing is
    /// sent (the statements can still be downloaded per cohort).
    pub xapi_endpoint: Option<String>,
    /// Basic-auth user name for the LRS.
    pub xapi_username: Option<String>,
    /// Basic-auth password for the LRS.
    pub xapi_password: Option<Secret>,
    /// A claimed sandbox with no terminal input, proxied request or check for
    /// this long is ended (0 = never).
    pub idle_minutes: u32,
    /// The idle time in seconds, overriding `idle_minutes` when set (0 = never).
    pub idle_seconds: Option<u64>,
    /// How long before a sandbox ends (or is ended for idleness) the learner
    /// is warned.
    pub expiry_warning_minutes: u32,
    /// How much each press of "Extend" adds.
    pub extend_minutes: u32,
    /// How far past the end given at claim a learner may extend (never past
    /// the cohort's end).
    pub max_extension_minutes: u32,
    /// How often the reaper looks for sandboxes to end.
    pub reaper_interval_seconds: u64,
    /// How often the store is compared with the engine (engine events
    /// catch most changes within seconds; this catches the rest).
    pub reconcile_interval_seconds: u64,
    /// How often the admin page's CPU and memory figures are asked of the
    /// engine, in the background, while someone looks at them.
    pub usage_refresh_seconds: u64,
    /// Tries to reach the engine at start, with a doubling wait between
    /// them (1 s, 2 s, 4 s, …), before giving up.
    pub engine_connect_attempts: u32,
    /// A bearer token `/metrics` requires; unset, `/metrics` answers only
    /// clients on loopback.
    pub metrics_token: Option<Secret>,
}

/// A setting that must never appear in logs, debug output or errors.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// What a secret that is not a string is told; its value is not shown.
const SECRET_NOT_A_STRING: &str = "must be a string (a secret: its value is not shown)";

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The string's own error would quote the value.
        String::deserialize(d)
            .map(Secret)
            .map_err(|_| serde::de::Error::custom(SECRET_NOT_A_STRING))
    }
}

/// Redacted like its `Debug`: configurations are serialized only for their
/// defaults (where no secret is set) and to show them.
impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[redacted]")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("sandpit-data"),
            disks_dir: None,
            scenarios_dir: None,
            images_dir: None,
            subnet_range: "10.231.0.0/16".parse().expect("a valid default range"),
            subnet_prefix: 28,
            host_guard: HostGuardMode::BestEffort,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            trusted_proxies: Vec::new(),
            sandbox_domain: "sandpit.localhost".into(),
            time_zone: TimeZone::PARIS,
            proxy_path_fallback: false,
            tools_listen: None,
            tools_url: None,
            record_terminals: true,
            recording_retention_days: 90,
            attempt_retention_days: 0,
            recording_budget_mb: 64,
            max_sandboxes: 200,
            busy_retry_seconds: 30,
            provision_concurrency: std::thread::available_parallelism()
                .map_or(2, |n| n.get() * 2)
                .clamp(2, 16),
            launch_lead_minutes: 30,
            provision_attempts: 3,
            stuck_failures: 3,
            stuck_idle_minutes: 10,
            xapi_endpoint: None,
            xapi_username: None,
            xapi_password: None,
            idle_minutes: 30,
            idle_seconds: None,
            expiry_warning_minutes: 5,
            extend_minutes: 15,
            max_extension_minutes: 60,
            reaper_interval_seconds: 5,
            reconcile_interval_seconds: 60,
            usage_refresh_seconds: 15,
            engine_connect_attempts: 5,
            metrics_token: None,
        }
    }
}

/// A setting that could not be read; names where it came from.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct ConfigError {
    pub source_name: String,
    pub message: String,
}

impl Config {
    /// Where sandboxes' disks live, as an absolute path.
    pub fn disks(&self) -> std::io::Result<PathBuf> {
        std::path::absolute(
            self.disks_dir
                .clone()
                .unwrap_or_else(|| self.data_dir.join("disks")),
        )
    }

    /// Loads the defaults, then `file` if given, then the process's
    /// `SANDPIT_*` variables that name a setting (others, such as
    /// `SANDPIT_CONFIG` or `SANDPIT_TOKEN`, are someone else's), then checks
    /// every setting.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        // A variable that is not Unicode is not read, as `std::env::var`
        // would not read it.
        let vars = std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        });
        Self::from_sources(file, vars)
    }
}

/// An address (its own /32 or /128) or a CIDR range.
fn parse_network(v: &str) -> Result<IpNet, String> {
    v.parse::<IpNet>()
        .or_else(|_| v.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{v}` is not an IP address or a CIDR range"))
}

/// A list of addresses and CIDR ranges, or one string of them separated by
/// commas (what an environment variable holds).
fn networks<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Networks {
        List(Vec<String>),
        Commas(String),
    }
    let networks = Networks::deserialize(d).map_err(|_: D::Error| {
        serde::de::Error::custom(
            "must be a list of addresses and CIDR ranges, or one string of them separated by commas",
        )
    })?;
    let items = match networks {
        Networks::List(items) => items,
        Networks::Commas(text) => text.split(',').map(str::to_owned).collect(),
    };
    items
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| parse_network(v).map_err(serde::de::Error::custom))
        .collect()
}
