//! The `SANDPIT_*` environment variables, read over the file's settings,
//! and the checks every setting must pass wherever it came from.

use std::str::FromStr;

use ipnet::IpNet;

use super::{Config, ConfigError, HostGuardMode, Secret, parse_network};

/// A variable's value parsed as `T`, or an error naming the variable.
fn parse<T: FromStr>(name: &str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e: T::Err| ConfigError {
        source_name: name.to_owned(),
        message: format!("`{value}`: {e}"),
    })
}

/// A comma-separated list of addresses and CIDR ranges.
fn parse_networks(name: &str, value: &str) -> Result<Vec<IpNet>, ConfigError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            parse_network(v).map_err(|message| ConfigError {
                source_name: name.to_owned(),
                message,
            })
        })
        .collect()
}

impl Config {
    /// Applies the variables `var` finds (the process's environment, or a
    /// test's), then checks every setting.
    pub(super) fn apply_env(
        &mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        // `name` parsed into `slot` when it is set.
        fn set<T: FromStr>(
            var: &impl Fn(&str) -> Option<String>,
            name: &str,
            slot: &mut T,
        ) -> Result<(), ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            if let Some(v) = var(name) {
                *slot = parse(name, &v)?;
            }
            Ok(())
        }
        if let Some(v) = var("SANDPIT_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = var("SANDPIT_SCENARIOS_DIR") {
            self.scenarios_dir = Some(v.into());
        }
        if let Some(v) = var("SANDPIT_IMAGES_DIR") {
            self.images_dir = Some(v.into());
        }
        set(&var, "SANDPIT_SUBNET_RANGE", &mut self.subnet_range)?;
        set(&var, "SANDPIT_SUBNET_PREFIX", &mut self.subnet_prefix)?;
        set(&var, "SANDPIT_LISTEN", &mut self.listen)?;
        if let Some(v) = var("SANDPIT_PUBLIC_URL") {
            self.public_url = Some(v.trim_end_matches('/').to_owned());
        }
        if let Some(v) = var("SANDPIT_TRUSTED_PROXIES") {
            self.trusted_proxies = parse_networks("SANDPIT_TRUSTED_PROXIES", &v)?;
        }
        if let Some(v) = var("SANDPIT_SANDBOX_DOMAIN") {
            self.sandbox_domain = v;
        }
        set(&var, "SANDPIT_TIME_ZONE", &mut self.time_zone)?;
        set(
            &var,
            "SANDPIT_PROXY_PATH_FALLBACK",
            &mut self.proxy_path_fallback,
        )?;
        set(
            &var,
            "SANDPIT_RECORDING_RETENTION_DAYS",
            &mut self.recording_retention_days,
        )?;
        set(
            &var,
            "SANDPIT_RECORDING_BUDGET_MB",
            &mut self.recording_budget_mb,
        )?;
        set(&var, "SANDPIT_RECORD_TERMINALS", &mut self.record_terminals)?;
        set(&var, "SANDPIT_MAX_SANDBOXES", &mut self.max_sandboxes)?;
        set(
            &var,
            "SANDPIT_BUSY_RETRY_SECONDS",
            &mut self.busy_retry_seconds,
        )?;
        set(
            &var,
            "SANDPIT_PROVISION_CONCURRENCY",
            &mut self.provision_concurrency,
        )?;
        set(
            &var,
            "SANDPIT_LAUNCH_LEAD_MINUTES",
            &mut self.launch_lead_minutes,
        )?;
        set(
            &var,
            "SANDPIT_PROVISION_ATTEMPTS",
            &mut self.provision_attempts,
        )?;
        set(&var, "SANDPIT_STUCK_FAILURES", &mut self.stuck_failures)?;
        set(
            &var,
            "SANDPIT_STUCK_IDLE_MINUTES",
            &mut self.stuck_idle_minutes,
        )?;
        if let Some(v) = var("SANDPIT_HOST_GUARD") {
            self.host_guard = match v.as_str() {
                "required" => HostGuardMode::Required,
                "best-effort" => HostGuardMode::BestEffort,
                "off" => HostGuardMode::Off,
                _ => {
                    return Err(ConfigError {
                        source_name: "SANDPIT_HOST_GUARD".into(),
                        message: format!("`{v}` is not one of required, best-effort, off"),
                    });
                }
            };
        }
        if let Some(v) = var("SANDPIT_XAPI_ENDPOINT") {
            self.xapi_endpoint = Some(v).filter(|v| !v.trim().is_empty());
        }
        if let Some(v) = var("SANDPIT_XAPI_USERNAME") {
            self.xapi_username = Some(v);
        }
        if let Some(v) = var("SANDPIT_XAPI_PASSWORD") {
            self.xapi_password = Some(Secret(v));
        }
        set(
            &var,
            "SANDPIT_RECONCILE_INTERVAL_SECONDS",
            &mut self.reconcile_interval_seconds,
        )?;
        set(
            &var,
            "SANDPIT_ENGINE_CONNECT_ATTEMPTS",
            &mut self.engine_connect_attempts,
        )?;
        set(&var, "SANDPIT_IDLE_MINUTES", &mut self.idle_minutes)?;
        if let Some(v) = var("SANDPIT_IDLE_SECONDS") {
            self.idle_seconds = Some(parse("SANDPIT_IDLE_SECONDS", &v)?);
        }
        set(
            &var,
            "SANDPIT_EXPIRY_WARNING_MINUTES",
            &mut self.expiry_warning_minutes,
        )?;
        set(&var, "SANDPIT_EXTEND_MINUTES", &mut self.extend_minutes)?;
        set(
            &var,
            "SANDPIT_MAX_EXTENSION_MINUTES",
            &mut self.max_extension_minutes,
        )?;
        set(
            &var,
            "SANDPIT_REAPER_INTERVAL_SECONDS",
            &mut self.reaper_interval_seconds,
        )?;
        set(
            &var,
            "SANDPIT_USAGE_REFRESH_SECONDS",
            &mut self.usage_refresh_seconds,
        )?;
        if let Some(v) = var("SANDPIT_METRICS_TOKEN") {
            self.metrics_token = Some(Secret(v)).filter(|s| !s.0.trim().is_empty());
        }
        self.check()
    }

    /// Settings that must be at least 1, from the file or the environment.
    fn check(&self) -> Result<(), ConfigError> {
        let at_least_one = |name: &str, value: u64, hint: &str| {
            if value == 0 {
                Err(ConfigError {
                    source_name: name.to_owned(),
                    message: format!("must be at least 1{hint}"),
                })
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

#[cfg(test)]
mod tests;
