//! The layers, their errors, and the README's configuration tables held
//! against the settings (the fields of `Config`) both ways.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use figment::value::Value;
use ipnet::IpNet;

use super::super::*;

/// `Config` from the defaults, `toml` as a file when given, then `vars`;
/// with the file's path (errors name it).
fn load(toml: Option<&str>, vars: &[(&str, &str)]) -> (Result<Config, ConfigError>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandpit.toml");
    if let Some(text) = toml {
        std::fs::write(&path, text).unwrap();
    }
    let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    let config = Config::from_sources(toml.map(|_| path.as_path()), vars);
    (config, path.display().to_string())
}

fn ok(toml: Option<&str>, vars: &[(&str, &str)]) -> Config {
    load(toml, vars).0.unwrap_or_else(|e| panic!("{e}"))
}

fn err(toml: Option<&str>, vars: &[(&str, &str)]) -> (String, String) {
    let (config, path) = load(toml, vars);
    match config {
        Ok(c) => panic!("{toml:?} {vars:?} was accepted: {c:?}"),
        Err(e) => (e.to_string(), path),
    }
}

#[test]
fn environment_overrides_the_file_and_the_file_the_defaults() {
    let file = "subnet_prefix = 29\ndata_dir = \"/x\"\nrecording_budget_mb = 8";
    let c = ok(Some(file), &[]);
    assert_eq!(
        (c.subnet_prefix, c.data_dir.as_path()),
        (29, Path::new("/x"))
    );
    assert_eq!(c.recording_budget_mb, 8);
    let c = ok(
        Some(file),
        &[
            ("SANDPIT_DATA_DIR", "/y"),
            ("SANDPIT_RECORDING_BUDGET_MB", "2"),
        ],
    );
    assert_eq!(
        (c.data_dir.as_path(), c.subnet_prefix),
        (Path::new("/y"), 29)
    );
    assert_eq!(c.recording_budget_mb, 2);
    assert_eq!(c.subnet_range.to_string(), "10.231.0.0/16");
    assert_eq!(c.record_terminals, Config::default().record_terminals);
    let c = ok(Some("time_zone = \"America/Sao_Paulo\""), &[]);
    assert_eq!(c.time_zone.name(), "America/Sao_Paulo");
    let c = ok(None, &[]);
    assert_eq!(c.listen, Config::default().listen);
}

#[test]
fn trusted_proxies_are_a_list_in_the_file_and_comma_separated_in_the_environment() {
    let c = ok(Some(r#"trusted_proxies = ["10.0.0.0/8", "::1"]"#), &[]);
    assert_eq!(
        c.trusted_proxies,
        vec![
            "10.0.0.0/8".parse::<IpNet>().unwrap(),
            "::1/128".parse().unwrap()
        ]
    );
    let (e, path) = err(Some("trusted_proxies = 3"), &[]);
    assert_eq!(
        e,
        format!(
            "{path}: trusted_proxies: `3`: must be a list of addresses and CIDR ranges, or one string of them separated by commas"
        )
    );
    let (e, path) = err(Some(r#"trusted_proxies = ["proxy"]"#), &[]);
    assert!(
        e.starts_with(&format!("{path}: trusted_proxies: "))
            && e.contains("`proxy` is not an IP address"),
        "{e}"
    );
    let c = ok(
        Some(r#"trusted_proxies = ["10.0.0.0/8"]"#),
        &[("SANDPIT_TRUSTED_PROXIES", "192.0.2.7, 2001:db8::/32,")],
    );
    assert_eq!(
        c.trusted_proxies,
        vec![
            "192.0.2.7/32".parse::<IpNet>().unwrap(),
            "2001:db8::/32".parse().unwrap()
        ]
    );
}

#[test]
fn bad_values_name_their_variable_or_their_file_and_key_and_the_value() {
    let env = |name, value| err(None, &[(name, value)]).0;
    let e = env("SANDPIT_SUBNET_RANGE", "nope");
    assert!(e.starts_with("SANDPIT_SUBNET_RANGE: `nope`: "), "{e}");
    let e = env("SANDPIT_TRUSTED_PROXIES", "10.0.0.1, proxy");
    assert!(
        e.starts_with("SANDPIT_TRUSTED_PROXIES: `10.0.0.1, proxy`: `proxy` is not an IP address"),
        "{e}"
    );
    assert_eq!(
        env("SANDPIT_TIME_ZONE", "Europe/Pariss"),
        "SANDPIT_TIME_ZONE: `Europe/Pariss` is not a time zone name from the IANA database (such as Europe/Paris, America/New_York or UTC)"
    );
    let e = env("SANDPIT_LISTEN", "localhost");
    assert!(e.starts_with("SANDPIT_LISTEN: `localhost`: "), "{e}");
    let e = env("SANDPIT_HOST_GUARD", "sometimes");
    assert!(
        e.starts_with("SANDPIT_HOST_GUARD: ")
            && e.contains("sometimes")
            && e.contains("best-effort"),
        "{e}"
    );
    let e = env("SANDPIT_MAX_SANDBOXES", "many");
    assert!(
        e.starts_with("SANDPIT_MAX_SANDBOXES: ") && e.contains("many"),
        "{e}"
    );
    let e = env("SANDPIT_RECORDING_BUDGET_MB", "-1");
    assert!(
        e.starts_with("SANDPIT_RECORDING_BUDGET_MB: ") && e.contains("-1"),
        "{e}"
    );
    let e = env("SANDPIT_RECORD_TERMINALS", "maybe");
    assert!(
        e.starts_with("SANDPIT_RECORD_TERMINALS: ") && e.contains("maybe"),
        "{e}"
    );

    let (e, path) = err(Some("time_zone = \"CEST\""), &[]);
    assert!(
        e.starts_with(&format!(
            "{path}: time_zone: `CEST` is not a time zone name"
        )),
        "{e}"
    );
    let (e, path) = err(Some("subnet_prefix = \"wide\""), &[]);
    assert!(
        e.starts_with(&format!("{path}: subnet_prefix: ")) && e.contains("wide"),
        "{e}"
    );
    let (e, path) = err(Some("subnet_prefx = 1"), &[]);
    assert_eq!(
        e,
        format!(
            "{path}: subnet_prefx: not a setting (the README's Configuration table lists them)"
        )
    );
    let (e, path) = err(Some("subnet_prefix = "), &[]);
    assert!(
        e.starts_with(&format!("{path}: ")) && e.contains("line 1"),
        "{e}"
    );
    let missing = PathBuf::from("/nonexistent/sandpit.toml");
    let e = Config::from_sources(Some(&missing), [])
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("/nonexistent/sandpit.toml: "), "{e}");
}

#[test]
fn settings_that_must_be_at_least_one_say_so_wherever_they_were_set() {
    let (e, path) = err(Some("recording_budget_mb = 0"), &[]);
    assert_eq!(
        e,
        format!(
            "{path}: recording_budget_mb: `0`: must be at least 1 (set record_terminals = false to record nothing)"
        )
    );
    for key in [
        "provision_concurrency",
        "provision_attempts",
        "stuck_failures",
        "stuck_idle_minutes",
        "reaper_interval_seconds",
        "busy_retry_seconds",
        "usage_refresh_seconds",
    ] {
        let name = variable(key);
        let (e, _) = err(None, &[(&name, "0")]);
        assert_eq!(e, format!("{name}: `0`: must be at least 1"));
        let (e, path) = err(Some(&format!("{key} = 0")), &[]);
        assert_eq!(e, format!("{path}: {key}: `0`: must be at least 1"));
    }
}

#[test]
fn secrets_are_read_as_written_and_never_shown_in_errors() {
    for written in ["007", "\"quoted\"", "[a, b]", "true", "{x = 1}"] {
        let c = ok(
            None,
            &[
                ("SANDPIT_XAPI_PASSWORD", written),
                ("SANDPIT_METRICS_TOKEN", written),
            ],
        );
        assert_eq!(c.xapi_password, Some(Secret(written.into())));
        assert_eq!(c.metrics_token, Some(Secret(written.into())));
    }
    let c = ok(None, &[("SANDPIT_XAPI_PASSWORD", "pw-5618")]);
    assert!(!format!("{c:?}").contains("pw-5618"), "{c:?}");
    let (e, path) = err(Some("xapi_password = 918273"), &[]);
    assert!(!e.contains("918273"), "{e}");
    assert!(
        e.starts_with(&format!("{path}: xapi_password: must be a string")),
        "{e}"
    );
    let c = ok(
        Some("metrics_token = \" \""),
        &[("SANDPIT_XAPI_ENDPOINT", "")],
    );
    assert_eq!((c.metrics_token, c.xapi_endpoint), (None, None));
}

#[test]
fn variables_that_name_no_setting_are_left_alone() {
    let c = ok(
        None,
        &[
            ("SANDPIT_CONFIG", "/etc/sandpit.toml"),
            ("SANDPIT_TOKEN", "abc"),
            ("SANDPIT_SERVER", "not a url"),
            ("SANDPIT_LOG_FORMAT", "json"),
            ("SANDPIT_LISTEN_ADDRESS", "nonsense"),
            ("sandpit_listen", "nonsense"),
            ("SANDPIT_", "nonsense"),
            ("LISTEN", "nonsense"),
        ],
    );
    assert_eq!(c.listen, Config::default().listen);
}

#[test]
fn public_url_loses_its_trailing_slashes_wherever_it_was_set() {
    let c = ok(Some("public_url = \"https://a.example.org/\""), &[]);
    assert_eq!(c.public_url.as_deref(), Some("https://a.example.org"));
    let c = ok(None, &[("SANDPIT_PUBLIC_URL", "https://b.example.org//")]);
    assert_eq!(c.public_url.as_deref(), Some("https://b.example.org"));
}

type Arrived = fn(&Config) -> bool;

/// For each setting: a valid value for its variable that is not its
/// default, and how to tell that it arrived.
const SAMPLES: &[(&str, &str, Arrived)] = &[
    ("data_dir", "/srv/sp-data", |c| {
        c.data_dir == Path::new("/srv/sp-data")
    }),
    ("scenarios_dir", "/srv/sp-scen", |c| {
        c.scenarios_dir.as_deref() == Some(Path::new("/srv/sp-scen"))
    }),
    ("images_dir", "/srv/sp-img", |c| {
        c.images_dir.as_deref() == Some(Path::new("/srv/sp-img"))
    }),
    ("subnet_range", "10.77.0.0/16", |c| {
        c.subnet_range.to_string() == "10.77.0.0/16"
    }),
    ("subnet_prefix", "27", |c| c.subnet_prefix == 27),
    ("listen", "127.0.0.1:9137", |c| {
        c.listen.to_string() == "127.0.0.1:9137"
    }),
    ("public_url", "https://sp.example.org/", |c| {
        c.public_url.as_deref() == Some("https://sp.example.org")
    }),
    ("trusted_proxies", "192.0.2.9", |c| {
        c.trusted_proxies == ["192.0.2.9/32".parse::<IpNet>().unwrap()]
    }),
    ("sandbox_domain", "tools.example.org", |c| {
        c.sandbox_domain == "tools.example.org"
    }),
    ("time_zone", "Asia/Kathmandu", |c| {
        c.time_zone.name() == "Asia/Kathmandu"
    }),
    ("proxy_path_fallback", "true", |c| c.proxy_path_fallback),
    ("tools_listen", "192.0.2.4:8081", |c| {
        c.tools_listen.map(|a| a.to_string()).as_deref() == Some("192.0.2.4:8081")
    }),
    ("tools_url", "http://192.0.2.4:8081/", |c| {
        c.tools_url.as_deref() == Some("http://192.0.2.4:8081")
    }),
    ("record_terminals", "false", |c| !c.record_terminals),
    ("disks_dir", "/srv/disks", |c| {
        c.disks_dir.as_deref() == Some(std::path::Path::new("/srv/disks"))
    }),
    ("attempt_retention_days", "400", |c| {
        c.attempt_retention_days == 400
    }),
    ("recording_retention_days", "17", |c| {
        c.recording_retention_days == 17
    }),
    ("recording_budget_mb", "19", |c| c.recording_budget_mb == 19),
    ("max_sandboxes", "23", |c| c.max_sandboxes == 23),
    ("busy_retry_seconds", "89", |c| c.busy_retry_seconds == 89),
    ("provision_concurrency", "29", |c| {
        c.provision_concurrency == 29
    }),
    ("launch_lead_minutes", "31", |c| c.launch_lead_minutes == 31),
    ("provision_attempts", "37", |c| c.provision_attempts == 37),
    ("stuck_failures", "41", |c| c.stuck_failures == 41),
    ("stuck_idle_minutes", "43", |c| c.stuck_idle_minutes == 43),
    ("host_guard", "off", |c| c.host_guard == HostGuardMode::Off),
    ("xapi_endpoint", "https://lrs.example.org/xapi/", |c| {
        c.xapi_endpoint.as_deref() == Some("https://lrs.example.org/xapi/")
    }),
    ("xapi_username", "lrs-user", |c| {
        c.xapi_username.as_deref() == Some("lrs-user")
    }),
    ("xapi_password", "lrs-pass", |c| {
        c.xapi_password == Some(Secret("lrs-pass".into()))
    }),
    ("idle_minutes", "47", |c| c.idle_minutes == 47),
    ("idle_seconds", "53", |c| c.idle_seconds == Some(53)),
    ("expiry_warning_minutes", "59", |c| {
        c.expiry_warning_minutes == 59
    }),
    ("extend_minutes", "61", |c| c.extend_minutes == 61),
    ("max_extension_minutes", "67", |c| {
        c.max_extension_minutes == 67
    }),
    ("reaper_interval_seconds", "71", |c| {
        c.reaper_interval_seconds == 71
    }),
    ("reconcile_interval_seconds", "73", |c| {
        c.reconcile_interval_seconds == 73
    }),
    ("engine_connect_attempts", "79", |c| {
        c.engine_connect_attempts == 79
    }),
    ("usage_refresh_seconds", "83", |c| {
        c.usage_refresh_seconds == 83
    }),
    ("metrics_token", "metrics-secret", |c| {
        c.metrics_token == Some(Secret("metrics-secret".into()))
    }),
];

#[test]
fn every_setting_is_set_by_its_variable() {
    let settings = Config::settings().unwrap();
    let sampled: BTreeSet<&str> = SAMPLES.iter().map(|(key, _, _)| *key).collect();
    let keys: BTreeSet<&str> = settings.keys().map(String::as_str).collect();
    assert_eq!(sampled, keys, "one sample per setting");
    for (key, value, arrived) in SAMPLES {
        let name = variable(key);
        assert!(
            !arrived(&Config::default()),
            "{key}'s sample is its default"
        );
        let c = ok(None, &[(&name, value)]);
        assert!(arrived(&c), "{name}={value} did not arrive: {c:?}");
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rows of the README's Configuration section's tables, each a list
/// of cells, keyed by the first cell of the table's header.
fn readme_tables() -> Vec<(String, Vec<Vec<String>>)> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .expect("the README has a Configuration section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut tables: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    let mut in_table = false;
    for line in section.lines() {
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect();
        if !in_table {
            tables.push((cells[0].clone(), Vec::new()));
            in_table = true;
        } else if !cells[0].starts_with("---") {
            tables.last_mut().unwrap().1.push(cells);
        }
    }
    tables
}

fn table(header: &str) -> Vec<Vec<String>> {
    readme_tables()
        .into_iter()
        .find(|(first, _)| first == header)
        .unwrap_or_else(|| panic!("the README's Configuration section has a `{header}` table"))
        .1
}

/// `x` when `cell` is nothing but the code span `` `x` ``.
fn lone_code(cell: &str) -> Option<&str> {
    let inner = cell.strip_prefix('`')?.strip_suffix('`')?;
    (!inner.contains('`')).then_some(inner)
}

/// Defaults the README explains in words, as they depend on the machine.
const DEFAULTS_IN_WORDS: &[&str] = &["provision_concurrency"];

#[test]
fn the_readme_has_one_row_per_setting_with_its_variable_and_default() {
    let settings = Config::settings().unwrap();
    let rows = table("setting");
    let mut documented = BTreeSet::new();
    for row in &rows {
        let key = lone_code(&row[0]).unwrap_or_else(|| panic!("a setting's name: {row:?}"));
        let default = settings
            .get(key)
            .unwrap_or_else(|| panic!("the README documents `{key}`, which is not a setting"));
        assert!(documented.insert(key), "`{key}` has two rows");
        let name = variable(key);
        assert!(
            row[1].contains(&format!("`{name}`")),
            "`{key}`'s row names {name}: {row:?}"
        );
        let shown = match default {
            Value::String(_, s) => Some(s.clone()),
            Value::Empty(..) => None,
            Value::Array(_, items) if items.is_empty() => None,
            other => Some(serde_json::to_string(other).unwrap()),
        };
        match (lone_code(&row[2]), shown) {
            (Some(readme), Some(code)) => {
                assert_eq!(readme, code, "`{key}`'s default in the README")
            }
            (Some(readme), None) => {
                panic!("the README gives `{key}` the default `{readme}`; it is unset")
            }
            (None, Some(code)) => assert!(
                DEFAULTS_IN_WORDS.contains(&key),
                "the README's default for `{key}` is `{}`, not `{code}`",
                row[2]
            ),
            (None, None) => {}
        }
    }
    for key in settings.keys() {
        assert!(
            documented.contains(key.as_str()),
            "`{key}` is missing from the README's table"
        );
    }
}

/// Every `SANDPIT_[A-Z_]+` in `text`.
fn names_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .unwrap_or(tail.len());
        names.push(tail[..end].to_owned());
        rest = &tail[end..];
    }
    names
}

/// The variables the code outside the configuration reads by name
/// (`var("SANDPIT_…")`, clap's `env = "SANDPIT_…"`), each with its file.
fn read_elsewhere() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<(String, PathBuf)>) {
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for marker in ["var(\"", "env = \""] {
                    for (at, _) in text.match_indices(marker) {
                        let rest = &text[at + marker.len()..];
                        if let Some(name) = names_in(rest)
                            .into_iter()
                            .next()
                            .filter(|n| rest.starts_with(n.as_str()) && n.len() > PREFIX.len())
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
fn the_readme_lists_the_variables_that_are_not_settings_and_they_are_read() {
    let settings = Config::settings().unwrap();
    let listed: BTreeSet<String> = table("variable")
        .iter()
        .flat_map(|row| names_in(&row[0]))
        .collect();
    assert!(
        listed.contains("SANDPIT_CONFIG"),
        "the table was found: {listed:?}"
    );
    for name in &listed {
        assert!(
            !settings.keys().any(|key| &variable(key) == name),
            "{name} is a setting's variable, listed as not one"
        );
    }
    let read = read_elsewhere();
    for name in &listed {
        assert!(
            read.iter().any(|(n, _)| n == name),
            "the README lists {name}, but no code reads it"
        );
    }
    for (name, path) in &read {
        assert!(
            listed.contains(name),
            "{name} is read by {} but not in the README's list",
            path.display()
        );
    }
}
