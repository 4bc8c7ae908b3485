//! Sandpit: a sandbox training orchestrator. Learners practise on throwaway
//! copies of a tool, run as hardened Docker containers; every check is
//! recorded.
//!
//! Layers, top to bottom: `cli` → `sandbox` (the service) → `runtime` (the
//! engine) and `store` (the records). `scenario` and `images` describe what
//! is run.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod export;
pub mod http;
pub mod images;
pub mod lang;
pub mod lock;
pub mod metrics;
pub mod runtime;
pub mod sandbox;
pub mod scenario;
pub mod server;
pub mod store;
pub mod sync;
pub mod terminal;
pub mod timezone;
pub mod xapi;
