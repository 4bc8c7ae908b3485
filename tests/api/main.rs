//! Sandpit's integration tests, one crate so that the suite links the
//! binary once: each module is one API area (bollard's layout), run as
//! `cargo test --test api -- <module>::`. They start the real server on
//! port 0 with a fresh data directory (so a fresh instance label) and use
//! the real engine; `common` holds the shared helpers.

mod common;
mod records;
mod xapi_kit;

mod admin;
mod admin_figures;
mod api_cohorts;
mod backup;
mod check_forgery;
mod cli_cohort;
mod cli_link;
mod cli_programme;
mod cli_scenario_test;
mod cohort_lists;
mod cohort_names;
mod cohorts;
mod community_help;
mod community_live;
mod community_tips;
mod demo;
mod disk_budget;
mod domain_memory;
mod e2e_browser;
mod e2e_keyboard;
mod e2e_languages;
mod e2e_learner;
mod e2e_programme;
mod e2e_trainer;
mod e2e_wiki;
mod engine_trouble;
mod export_format;
mod exports;
mod help_indicators;
mod indicators;
mod learner_ended;
mod learner_http;
mod lifecycle;
mod metrics;
mod page_forms;
mod password_change;
mod personal_data;
mod pool_teardown;
mod programmes;
mod proxy;
mod pulses;
mod reconcile;
mod refreshers;
mod replays;
mod reset;
mod restart;
mod rosters;
mod runtime_hardening;
mod runtime_removal;
mod runtime_scale;
mod sandbox_service;
mod scenario_languages;
mod scenario_validation;
mod screenshots;
mod security_doc;
mod store;
mod terminal;
mod terminal_flood;
mod time_zones;
mod trainer_french;
mod trainer_pages;
mod upgrades;
mod web_assets;
mod web_edge;
mod xapi;
mod xapi_programme;
mod xapi_refusals;
mod xapi_send;
