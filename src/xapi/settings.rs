//! Where statements go and how Sandpit signs in there: the LRS settings,
//! checked at start so that a wrong one stops the server with its name.

use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::config::{Config, ConfigError};

/// Where statements go and how Sandpit signs in there.
#[derive(Clone)]
pub struct LrsSettings {
    /// The LRS's statements resource.
    pub statements_url: Url,
    pub(super) authorization: Option<HeaderValue>,
}

impl std::fmt::Debug for LrsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LrsSettings")
            .field("statements_url", &self.statements_url.as_str())
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

fn config_error(source: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        source_name: source.to_owned(),
        message: message.into(),
    }
}

impl LrsSettings {
    /// The configured LRS, None when none is; an error names the setting
    /// that is wrong.
    pub fn from_config(config: &Config) -> Result<Option<Self>, ConfigError> {
        let Some(endpoint) = config.xapi_endpoint.as_deref().map(str::trim) else {
            if config.xapi_username.is_some() || config.xapi_password.is_some() {
                tracing::warn!(
                    "xAPI credentials are set but xapi_endpoint is not: nothing is sent"
                );
            }
            return Ok(None);
        };
        let url = Url::parse(endpoint)
            .map_err(|e| config_error("xapi_endpoint", format!("`{endpoint}`: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(config_error(
                "xapi_endpoint",
                format!("`{endpoint}` is not an https:// or http:// URL"),
            ));
        }
        if url.host().is_none() {
            return Err(config_error(
                "xapi_endpoint",
                format!("`{endpoint}` has no host"),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(config_error(
                "xapi_endpoint",
                "put the LRS's credentials in xapi_username and xapi_password, not in the URL",
            ));
        }
        // The xAPI endpoint is the LRS's base; statements live under it.
        // A URL that names the statements resource already is used as is.
        let path = url.path().trim_end_matches('/');
        let path = if path.ends_with("/statements") {
            path.to_owned()
        } else {
            format!("{path}/statements")
        };
        let mut statements_url = url;
        statements_url.set_path(&path);
        statements_url.set_fragment(None);
        let authorization = match (&config.xapi_username, &config.xapi_password) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(config_error(
                    "xapi_password",
                    "is set without xapi_username",
                ));
            }
            (Some(user), password) => {
                if user.contains(':') {
                    return Err(config_error(
                        "xapi_username",
                        "must not contain `:` (Basic authentication)",
                    ));
                }
                let pair = format!("{user}:{}", password.as_ref().map_or("", |p| p.0.as_str()));
                let mut value = HeaderValue::from_str(&format!(
                    "Basic {}",
                    data_encoding::BASE64.encode(pair.as_bytes())
                ))
                .map_err(|e| config_error("xapi_username", e.to_string()))?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        Ok(Some(Self {
            statements_url,
            authorization,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn settings(endpoint: &str) -> Result<Option<LrsSettings>, ConfigError> {
        LrsSettings::from_config(&Config {
            xapi_endpoint: Some(endpoint.to_owned()),
            xapi_username: Some("sandpit".into()),
            xapi_password: Some(Secret("pw".into())),
            ..Config::default()
        })
    }

    #[test]
    fn statements_go_to_the_endpoints_statements_resource() {
        for (endpoint, url) in [
            ("http://lrs:8080/xapi/", "http://lrs:8080/xapi/statements"),
            ("http://lrs:8080/xapi", "http://lrs:8080/xapi/statements"),
            ("http://lrs/xapi/statements", "http://lrs/xapi/statements"),
            ("http://lrs/xapi/statements/", "http://lrs/xapi/statements"),
            ("http://lrs", "http://lrs/statements"),
            (
                "https://lrs.example/xapi/",
                "https://lrs.example/xapi/statements",
            ),
        ] {
            let s = settings(endpoint).unwrap().unwrap();
            assert_eq!(s.statements_url.to_string(), url, "{endpoint}");
        }
        let s = settings("http://lrs/xapi/").unwrap().unwrap();
        assert_eq!(
            s.authorization.as_ref().unwrap().to_str().unwrap(),
            format!("Basic {}", data_encoding::BASE64.encode(b"sandpit:pw"))
        );
        assert!(
            !format!("{s:?}").contains("Basic"),
            "credentials stay out of logs"
        );
    }

    #[test]
    fn wrong_settings_are_refused_with_the_setting_named() {
        let e = settings("ftp://lrs/").unwrap_err();
        assert_eq!(e.source_name, "xapi_endpoint");
        assert!(e.message.contains("not an https:// or http:// URL"), "{e}");
        let e = settings("http://user:pw@lrs/").unwrap_err();
        assert!(e.message.contains("xapi_username"), "{e}");
        let e = LrsSettings::from_config(&Config {
            xapi_endpoint: Some("http://lrs/".into()),
            xapi_password: Some(Secret("pw".into())),
            ..Config::default()
        })
        .unwrap_err();
        assert_eq!(e.source_name, "xapi_password");
        assert!(
            LrsSettings::from_config(&Config::default())
                .unwrap()
                .is_none()
        );
    }
}
