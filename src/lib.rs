//! Sandpit: a sandbox training orchestrator. Learners practise on throwaway
//! copies of a tool, run as hardened Docker containers; every check is
//! recorded.
//!
//! Layers, top to bottom, each using only those below it (`layers` holds
//! the rule against the sources): `cli` → `server` (the HTTP edge on a
//! listener, and the background work) → `http` (requests mapped to the
//! domain) → `app` (everything connected) → the domain (`sandbox`,
//! `terminal`, `auth`, `xapi`, `export`, `metrics`) → `store` (the records),
//! `runtime` (the engine), `scenario` and `images` (what is run) → small
//! foundations (`config`, `lang`, `timezone`, `sync`, `lock`, `tabular`).

pub mod app;
pub mod auth;
pub mod cli;
pub mod community;
pub mod config;
pub mod export;
pub mod http;
pub mod images;
pub mod lang;
#[cfg(test)]
mod layers;
pub mod lock;
pub mod metrics;
pub mod programme;
pub mod runtime;
pub mod sandbox;
pub mod scenario;
pub mod server;
pub mod store;
pub mod sync;
pub mod tabular;
pub mod terminal;
pub mod timezone;
pub mod xapi;
