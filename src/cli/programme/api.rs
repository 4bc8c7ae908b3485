//! The API as `sandpit programme` calls it: one programme's routes, its
//! 404 said with the id, CSV files sent as they are, and a usage file's
//! teams checked before anything is sent.

use std::path::Path;

use anyhow::Context;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use crate::cli::cohort::client::{ApiFailure, Client};

/// The API, as the change lead, about one programme.
pub(super) struct Api {
    pub client: Client,
}

impl Api {
    /// Calls `path` under programme `id`; its 404 says which programme.
    pub async fn send(
        &self,
        method: Method,
        id: Uuid,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<reqwest::Response> {
        let path = format!("/programmes/{id}{path}");
        self.client
            .send(method, &path, body)
            .await
            .map_err(|e| unknown(e, id))
    }

    pub async fn json(
        &self,
        method: Method,
        id: Uuid,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        self.send(method, id, path, body)
            .await?
            .json()
            .await
            .context("reading the server's answer")
    }

    /// Sends a CSV file as it is; the server decodes it and names every bad line.
    pub async fn import(&self, id: Uuid, route: &str, file: &Path) -> anyhow::Result<Value> {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let path = format!("/programmes/{id}/{route}");
        let response = self
            .client
            .send_bytes(Method::POST, &path, bytes, "text/csv")
            .await
            .map_err(|e| unknown(e, id))
            .map_err(|e| match e.downcast_ref::<ApiFailure>() {
                Some(f) if f.status == StatusCode::BAD_REQUEST => anyhow::anyhow!(
                    "{} was not imported (nothing changed):\n{}",
                    file.display(),
                    indented(&f.message)
                ),
                _ => e,
            })?;
        response.json().await.context("reading the server's answer")
    }
}

/// A 404 from a programme's route, said with the id that was not found.
fn unknown(e: anyhow::Error, id: Uuid) -> anyhow::Error {
    match e.downcast_ref::<ApiFailure>() {
        Some(f) if f.status == StatusCode::NOT_FOUND && f.message == "not found" => {
            anyhow::anyhow!("there is no programme {id} (or it is not yours to see)")
        }
        _ => e,
    }
}

fn indented(lines: &str) -> String {
    lines
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A path segment: every byte but letters, digits and `-._~` percent-encoded.
pub(super) fn segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.trim().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names_are_one_path_segment() {
        assert_eq!(segment("Sales / Lyon"), "Sales%20%2F%20Lyon");
        assert_eq!(segment("Équipe"), "%C3%89quipe");
        assert_eq!(segment("a-b_c.d~"), "a-b_c.d~");
    }
}
