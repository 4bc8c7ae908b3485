//! The layers under [`Config`] (its defaults, a TOML file, `SANDPIT_*`
//! variables), what a bad value is told (where it came from, and the value
//! unless it is a secret), and the checks every setting must pass wherever
//! it came from.

use std::path::Path;

use figment::error::Kind;
use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};

use super::{Config, ConfigError, SECRET_NOT_A_STRING};

/// What every variable that sets a setting starts with.
pub const PREFIX: &str = "SANDPIT_";

/// The name of the environment's layer (how its values are told apart).
const VARIABLES: &str = "SANDPIT_* environment variables";

/// The variable that sets the setting `key`: `SANDPIT_` and the key in
/// capitals.
pub fn variable(key: &str) -> String {
    format!("{PREFIX}{}", key.to_ascii_uppercase())
}

/// The variables that name a setting, each value kept as the string it is.
///
/// Figment's own `Env` reads values as figment literals (`007` becomes the
/// number 7, `"x"` loses its quotes, `[a]` becomes a list), which would
/// change passwords, tokens and paths; here a number or a boolean is read
/// from its string only when the setting is one (`extract_lossy`). It also
/// reads only the process's environment, which tests cannot set safely
/// (`unsafe_code` is forbidden, and threads share it).
struct Variables(Dict);

impl Variables {
    /// The `(name, value)` pairs of `vars` whose name is `variable(key)` for
    /// a key of `settings`; the others are ignored.
    fn new(vars: impl IntoIterator<Item = (String, String)>, settings: &Dict) -> Self {
        Self(
            vars.into_iter()
                .filter_map(|(name, value)| {
                    let key = name.strip_prefix(PREFIX)?.to_ascii_lowercase();
                    (settings.contains_key(&key) && name == variable(&key))
                        .then(|| (key, Value::from(value)))
                })
                .collect(),
        )
    }
}

impl Provider for Variables {
    fn metadata(&self) -> Metadata {
        Metadata::named(VARIABLES)
            .interpolater(|_: &Profile, path: &[&str]| variable(&path.join(".")))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.0.clone()))
    }
}

impl Config {
    /// Every setting's key with its default (unset ones as empty values).
    pub fn settings() -> Result<Dict, ConfigError> {
        Serialized::defaults(Config::default())
            .data()
            .map(|mut profiles| profiles.remove(&Profile::Default).unwrap_or_default())
            .map_err(|e| ConfigError {
                source_name: "the defaults".into(),
                message: e.to_string(),
            })
    }

    /// The defaults, then `file` if given, then the settings' variables
    /// among `vars`; then every setting checked.
    pub fn from_sources(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let settings = Self::settings()?;
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            // `file_exact`: a file named but missing is an error, not an
            // empty layer, and no parent directory is searched.
            figment = figment.merge(Toml::file_exact(path));
        }
        let figment = figment.merge(Variables::new(vars, &settings));
        let mut config: Config = figment.extract_lossy().map_err(|e| error(&figment, e))?;
        config.tidy();
        config
            .check()
            .map_err(|(key, message)| named(&figment, key, message))?;
        Ok(config)
    }

    /// What is written differently but means the same, made one.
    fn tidy(&mut self) {
        for url in [&mut self.public_url, &mut self.tools_url]
            .into_iter()
            .flatten()
        {
            url.truncate(url.trim_end_matches('/').len());
        }
        self.xapi_endpoint.take_if(|v| v.trim().is_empty());
        self.metrics_token.take_if(|s| s.0.trim().is_empty());
    }

    /// Settings that must be at least 1: the key and what is wrong.
    fn check(&self) -> Result<(), (&'static str, String)> {
        let at_least_one = |key: &'static str, value: u64, hint: &str| {
            if value == 0 {
                Err((key, format!("must be at least 1{hint}")))
            } else {
                Ok(())
            }
        };
        at_least_one(
            "recording_budget_mb",
            self.recording_budget_mb.into(),
            " (set record_terminals = false to record nothing)",
        )?;
        at_least_one(
            "provision_concurrency",
            self.provision_concurrency as u64,
            "",
        )?;
        at_least_one("provision_attempts", self.provision_attempts.into(), "")?;
        at_least_one("stuck_failures", self.stuck_failures.into(), "")?;
        at_least_one("stuck_idle_minutes", self.stuck_idle_minutes.into(), "")?;
        at_least_one("reaper_interval_seconds", self.reaper_interval_seconds, "")?;
        at_least_one("busy_retry_seconds", self.busy_retry_seconds, "")?;
        at_least_one("usage_refresh_seconds", self.usage_refresh_seconds, "")
    }
}

/// Where the value of `key` came from: its variable, the file and the key,
/// or the key (a default, or no value at all).
fn source_name(metadata: Option<&Metadata>, key: &str) -> String {
    match metadata {
        Some(md) if md.name == VARIABLES => variable(key),
        Some(Metadata {
            source: Some(Source::File(path)),
            ..
        }) if key.is_empty() => path.display().to_string(),
        Some(Metadata {
            source: Some(Source::File(path)),
            ..
        }) => format!("{}: {key}", path.display()),
        _ => key.to_owned(),
    }
}

/// The value `key` has, as it was written (a string without quotes).
fn shown(figment: &Figment, key: &str) -> Option<String> {
    match figment.find_value(key).ok()? {
        Value::String(_, s) => Some(s),
        Value::Empty(..) => None,
        other => serde_json::to_string(&other).ok(),
    }
}

/// `message` about `key`, named by where its value came from and with the
/// value in front unless the message already quotes it.
fn named(figment: &Figment, key: &str, message: String) -> ConfigError {
    let message = match shown(figment, key) {
        Some(value) if !message.contains(&format!("`{value}`")) => {
            format!("`{value}`: {message}")
        }
        _ => message,
    };
    ConfigError {
        source_name: source_name(figment.find_metadata(key), key),
        message,
    }
}

/// Figment's first error, named by where the bad value came from.
fn error(figment: &Figment, e: figment::Error) -> ConfigError {
    let Some(e) = e.into_iter().next() else {
        return ConfigError {
            source_name: "configuration".into(),
            message: "could not be read".into(),
        };
    };
    match e.kind {
        // (Reported on the whole table, with an empty path.)
        Kind::UnknownField(key, _) => ConfigError {
            source_name: source_name(figment.find_metadata(&key), &key),
            message: "not a setting (the README's Configuration table lists them)".into(),
        },
        // A file that cannot be read or parsed.
        _ if e.path.is_empty() => ConfigError {
            source_name: source_name(e.metadata.as_ref(), ""),
            message: e.kind.to_string(),
        },
        Kind::Message(message) if message != SECRET_NOT_A_STRING => {
            named(figment, &e.path.join("."), message)
        }
        // These name the value themselves (or must not: a secret).
        kind => {
            let key = e.path.join(".");
            ConfigError {
                source_name: source_name(figment.find_metadata(&key), &key),
                message: kind.to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests;
