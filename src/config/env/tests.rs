//! The variables read, their errors, and the README's configuration table
//! held against the code both ways.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::super::*;

#[test]
fn environment_overrides_the_file_and_the_defaults() {
    let mut c: Config = toml::from_str("subnet_prefix = 29\ndata_dir = \"/x\"").unwrap();
    assert_eq!(c.subnet_prefix, 29);
    c.apply_env(|k| (k == "SANDPIT_DATA_DIR").then(|| "/y".to_owned()))
        .unwrap();
    assert_eq!(c.data_dir, PathBuf::from("/y"));
    assert_eq!(c.recording_budget_mb, 64);
    let mut c: Config = toml::from_str("recording_budget_mb = 8").unwrap();
    assert_eq!(c.recording_budget_mb, 8);
    c.apply_env(|k| (k == "SANDPIT_RECORDING_BUDGET_MB").then(|| "2".to_owned()))
        .unwrap();
    assert_eq!(c.recording_budget_mb, 2);
    assert_eq!(c.subnet_range.to_string(), "10.231.0.0/16");
    let c: Config = toml::from_str("time_zone = \"America/Sao_Paulo\"").unwrap();
    assert_eq!(c.time_zone.name(), "America/Sao_Paulo");
}

#[test]
fn trusted_proxies_are_addresses_or_ranges_from_the_file_or_the_environment() {
    let mut c: Config = toml::from_str(r#"trusted_proxies = ["10.0.0.0/8", "::1"]"#).unwrap();
    assert_eq!(
        c.trusted_proxies,
        vec![
            "10.0.0.0/8".parse::<IpNet>().unwrap(),
            "::1/128".parse().unwrap()
        ]
    );
    let e = toml::from_str::<Config>(r#"trusted_proxies = ["proxy"]"#).unwrap_err();
    assert!(
        e.to_string().contains("`proxy` is not an IP address"),
        "{e}"
    );
    c.apply_env(|k| {
        (k == "SANDPIT_TRUSTED_PROXIES").then(|| "192.0.2.7, 2001:db8::/32,".to_owned())
    })
    .unwrap();
    assert_eq!(
        c.trusted_proxies,
        vec![
            "192.0.2.7/32".parse::<IpNet>().unwrap(),
            "2001:db8::/32".parse().unwrap()
        ]
    );
}

#[test]
fn bad_values_name_their_source() {
    let one = |name: &'static str, value: &'static str| {
        move |k: &str| (k == name).then(|| value.to_owned())
    };
    let mut c = Config::default();
    let e = c
        .apply_env(one("SANDPIT_SUBNET_RANGE", "nope"))
        .unwrap_err();
    assert!(
        e.to_string().starts_with("SANDPIT_SUBNET_RANGE: `nope`"),
        "{e}"
    );
    let e = c
        .apply_env(one("SANDPIT_TRUSTED_PROXIES", "10.0.0.1, proxy"))
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("SANDPIT_TRUSTED_PROXIES: `proxy` is not an IP address"),
        "{e}"
    );
    let e = c
        .apply_env(one("SANDPIT_TIME_ZONE", "Europe/Pariss"))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "SANDPIT_TIME_ZONE: `Europe/Pariss`: `Europe/Pariss` is not a time zone name from the IANA database (such as Europe/Paris, America/New_York or UTC)"
    );
    let e = toml::from_str::<Config>("time_zone = \"CEST\"").unwrap_err();
    assert!(
        e.to_string().contains("`CEST` is not a time zone name"),
        "{e}"
    );
    let e = toml::from_str::<Config>("subnet_prefx = 1").unwrap_err();
    assert!(e.to_string().contains("subnet_prefx"), "{e}");
    let mut c: Config = toml::from_str("recording_budget_mb = 0").unwrap();
    let e = c.apply_env(|_| None).unwrap_err();
    assert!(e.to_string().starts_with("recording_budget_mb:"), "{e}");
    let e = c
        .apply_env(one("SANDPIT_RECORDING_BUDGET_MB", "-1"))
        .unwrap_err();
    assert!(
        e.to_string().starts_with("SANDPIT_RECORDING_BUDGET_MB"),
        "{e}"
    );
    for (name, setting) in [
        ("SANDPIT_PROVISION_ATTEMPTS", "provision_attempts"),
        ("SANDPIT_STUCK_FAILURES", "stuck_failures"),
        ("SANDPIT_STUCK_IDLE_MINUTES", "stuck_idle_minutes"),
        ("SANDPIT_USAGE_REFRESH_SECONDS", "usage_refresh_seconds"),
        ("SANDPIT_BUSY_RETRY_SECONDS", "busy_retry_seconds"),
    ] {
        let e = Config::default().apply_env(one(name, "0")).unwrap_err();
        assert_eq!(e.to_string(), format!("{setting}: must be at least 1"));
    }
}

type Arrived = fn(&Config) -> bool;

/// For each variable the configuration reads: a valid value that is not
/// its default, and how to tell that it arrived.
const SAMPLES: &[(&str, &str, Arrived)] = &[
    ("SANDPIT_DATA_DIR", "/srv/sp-data", |c| {
        c.data_dir == Path::new("/srv/sp-data")
    }),
    ("SANDPIT_SCENARIOS_DIR", "/srv/sp-scen", |c| {
        c.scenarios_dir.as_deref() == Some(Path::new("/srv/sp-scen"))
    }),
    ("SANDPIT_IMAGES_DIR", "/srv/sp-img", |c| {
        c.images_dir.as_deref() == Some(Path::new("/srv/sp-img"))
    }),
    ("SANDPIT_SUBNET_RANGE", "10.77.0.0/16", |c| {
        c.subnet_range.to_string() == "10.77.0.0/16"
    }),
    ("SANDPIT_SUBNET_PREFIX", "27", |c| c.subnet_prefix == 27),
    ("SANDPIT_LISTEN", "127.0.0.1:9137", |c| {
        c.listen.to_string() == "127.0.0.1:9137"
    }),
    ("SANDPIT_PUBLIC_URL", "https://sp.example.org/", |c| {
        c.public_url.as_deref() == Some("https://sp.example.org")
    }),
    ("SANDPIT_TRUSTED_PROXIES", "192.0.2.9", |c| {
        c.trusted_proxies == ["192.0.2.9/32".parse::<IpNet>().unwrap()]
    }),
    ("SANDPIT_SANDBOX_DOMAIN", "tools.example.org", |c| {
        c.sandbox_domain == "tools.example.org"
    }),
    ("SANDPIT_TIME_ZONE", "Asia/Kathmandu", |c| {
        c.time_zone.name() == "Asia/Kathmandu"
    }),
    ("SANDPIT_PROXY_PATH_FALLBACK", "true", |c| {
        c.proxy_path_fallback
    }),
    ("SANDPIT_RECORD_TERMINALS", "false", |c| !c.record_terminals),
    ("SANDPIT_RECORDING_RETENTION_DAYS", "17", |c| {
        c.recording_retention_days == 17
    }),
    ("SANDPIT_RECORDING_BUDGET_MB", "19", |c| {
        c.recording_budget_mb == 19
    }),
    ("SANDPIT_MAX_SANDBOXES", "23", |c| c.max_sandboxes == 23),
    ("SANDPIT_BUSY_RETRY_SECONDS", "89", |c| {
        c.busy_retry_seconds == 89
    }),
    ("SANDPIT_PROVISION_CONCURRENCY", "29", |c| {
        c.provision_concurrency == 29
    }),
    ("SANDPIT_LAUNCH_LEAD_MINUTES", "31", |c| {
        c.launch_lead_minutes == 31
    }),
    ("SANDPIT_PROVISION_ATTEMPTS", "37", |c| {
        c.provision_attempts == 37
    }),
    ("SANDPIT_STUCK_FAILURES", "41", |c| c.stuck_failures == 41),
    ("SANDPIT_STUCK_IDLE_MINUTES", "43", |c| {
        c.stuck_idle_minutes == 43
    }),
    ("SANDPIT_HOST_GUARD", "off", |c| {
        c.host_guard == HostGuardMode::Off
    }),
    (
        "SANDPIT_XAPI_ENDPOINT",
        "https://lrs.example.org/xapi/",
        |c| c.xapi_endpoint.as_deref() == Some("https://lrs.example.org/xapi/"),
    ),
    ("SANDPIT_XAPI_USERNAME", "lrs-user", |c| {
        c.xapi_username.as_deref() == Some("lrs-user")
    }),
    ("SANDPIT_XAPI_PASSWORD", "lrs-pass", |c| {
        c.xapi_password == Some(Secret("lrs-pass".into()))
    }),
    ("SANDPIT_IDLE_MINUTES", "47", |c| c.idle_minutes == 47),
    ("SANDPIT_IDLE_SECONDS", "53", |c| c.idle_seconds == Some(53)),
    ("SANDPIT_EXPIRY_WARNING_MINUTES", "59", |c| {
        c.expiry_warning_minutes == 59
    }),
    ("SANDPIT_EXTEND_MINUTES", "61", |c| c.extend_minutes == 61),
    ("SANDPIT_MAX_EXTENSION_MINUTES", "67", |c| {
        c.max_extension_minutes == 67
    }),
    ("SANDPIT_REAPER_INTERVAL_SECONDS", "71", |c| {
        c.reaper_interval_seconds == 71
    }),
    ("SANDPIT_RECONCILE_INTERVAL_SECONDS", "73", |c| {
        c.reconcile_interval_seconds == 73
    }),
    ("SANDPIT_ENGINE_CONNECT_ATTEMPTS", "79", |c| {
        c.engine_connect_attempts == 79
    }),
    ("SANDPIT_USAGE_REFRESH_SECONDS", "83", |c| {
        c.usage_refresh_seconds == 83
    }),
    ("SANDPIT_METRICS_TOKEN", "metrics-secret", |c| {
        c.metrics_token == Some(Secret("metrics-secret".into()))
    }),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `SANDPIT_*` names in the variable column of the README's
/// configuration table.
fn documented_in_table() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .expect("the README has a Configuration section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(2))
        .flat_map(names_in)
        .collect()
}

/// Every `SANDPIT_[A-Z_]+` in `text`.
fn names_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("SANDPIT_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .unwrap_or(tail.len());
        names.push(tail[..end].to_owned());
        rest = &tail[end..];
    }
    names
}

/// The variables the code reads (`var("SANDPIT_…")`, clap's
/// `env = "SANDPIT_…"`), each with the file that reads it.
fn read_by_code() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<(String, PathBuf)>) {
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for marker in ["var(\"SANDPIT_", "env = \"SANDPIT_"] {
                    for (at, _) in text.match_indices(marker) {
                        let from = at + marker.len() - "SANDPIT_".len();
                        // (`SANDPIT_…` alone is this test's own doc comment.)
                        if let Some(name) = names_in(&text[from..])
                            .into_iter()
                            .next()
                            .filter(|n| n.len() > "SANDPIT_".len())
                        {
                            out.push((name, path.clone()));
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("src"), &mut out);
    out
}

#[test]
fn every_variable_the_readme_documents_is_read_and_every_variable_read_is_documented() {
    let table = documented_in_table();
    assert!(table.len() > 30, "the table was found: {table:?}");
    let code = read_by_code();
    let config_dir = root().join("src/config");
    let read_elsewhere: BTreeSet<&str> = code
        .iter()
        .filter(|(_, path)| {
            !path.starts_with(&config_dir) && path != &config_dir.with_extension("rs")
        })
        .map(|(name, _)| name.as_str())
        .collect();
    for name in &table {
        let Some((_, value, arrived)) = SAMPLES.iter().find(|(n, _, _)| n == name) else {
            assert!(
                read_elsewhere.contains(name.as_str()),
                "the README documents {name}, but no code reads it"
            );
            continue;
        };
        assert!(
            !arrived(&Config::default()),
            "{name}'s sample is its default"
        );
        let mut c = Config::default();
        c.apply_env(|k| (k == name).then(|| (*value).to_owned()))
            .unwrap_or_else(|e| panic!("{name}={value}: {e}"));
        assert!(arrived(&c), "{name}={value} did not arrive: {c:?}");
    }
    for (name, _, _) in SAMPLES {
        assert!(
            table.contains(*name),
            "{name} is missing from the README's table"
        );
    }
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for (name, path) in &code {
        if path.starts_with(&config_dir) || path == &config_dir.with_extension("rs") {
            assert!(
                table.contains(name),
                "{name} is read by {} but not in the README's table",
                path.display()
            );
        } else {
            assert!(
                readme.contains(&format!("`{name}`")),
                "{name} is read by {} but the README never names it",
                path.display()
            );
        }
    }
}
