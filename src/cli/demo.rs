//! `sandpit demo`: loads a made-up programme, clearly marked as a demo, in
//! the data directory's store (no server, no engine needed: no sandbox
//! starts), so that its indicators page is full at once; `sandpit demo
//! --remove` takes it away.

use std::process::ExitCode;
use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::auth::Auth;
use crate::config::Config;
use crate::programme::Programmes;
use crate::programme::demo::{DEMO_LEAD, DEMO_SCENARIOS, DemoReport, DemoSize};
use crate::scenario::Scenarios;
use crate::store::{DemoRemoval, Role, Store, User};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Remove the demo programme and everything it made.
    #[arg(long)]
    remove: bool,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
    /// The benchmark's size (20 teams, 5,000 people, some 200,000 checks)
    /// instead of the demo's.
    #[arg(long, hide = true, conflicts_with = "remove")]
    large: bool,
}

pub async fn run(args: DemoArgs, config: Config) -> anyhow::Result<ExitCode> {
    let store = Store::open(&config.data_dir).await?;
    let images = crate::app::image_catalog(&config)?;
    let (scenarios, _left_out) = crate::app::load_scenarios(&config, &images)?;
    let programmes = Programmes::new(
        store.clone(),
        Arc::new(Scenarios::new(scenarios)),
        config.time_zone,
    );
    let result = if args.remove {
        remove(&programmes, args.json).await
    } else {
        let size = if args.large {
            DemoSize::LARGE
        } else {
            DemoSize::DEMO
        };
        load(&programmes, &store, &config, &size, args.json).await
    };
    store.close().await;
    result
}

async fn load(
    programmes: &Programmes,
    store: &Store,
    config: &Config,
    size: &DemoSize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    if let Some(lrs) = &config.xapi_endpoint {
        anyhow::bail!(
            "an xAPI LRS is configured ({lrs}): the demo's made-up records would be sent to it; \
             load the demo in a data directory whose configuration has no `xapi_endpoint`"
        );
    }
    programmes.demo_loadable(&DEMO_SCENARIOS).await?;
    let lead = match store.user_by_name(DEMO_LEAD).await? {
        Some(user) => user,
        // Its password is never shown: nobody signs in as it unless an
        // admin resets it.
        None => {
            Auth::new(store.clone())
                .create_user(DEMO_LEAD, Role::Trainer)
                .await?
                .0
        }
    };
    let key = App::link_key(&config.data_dir)?;
    let report = programmes
        .load_demo(&lead, &key, &DEMO_SCENARIOS, size, chrono::Utc::now())
        .await?;
    let (base, running) = match super::serving::running(&config.data_dir) {
        Some(url) => (url, true),
        None => (
            config
                .public_url
                .clone()
                .unwrap_or_else(|| crate::server::public_url(config.listen)),
            false,
        ),
    };
    let url = format!(
        "{}/trainer/programmes/{}",
        base.trim_end_matches('/'),
        report.programme.id
    );
    let admins: Vec<User> = store
        .users()
        .await?
        .into_iter()
        .filter(User::is_admin)
        .collect();
    if json {
        let mut out = serde_json::to_value(&report)?;
        out["url"] = url.into();
        out["lead"] = DEMO_LEAD.into();
        out["admins"] = admins.iter().map(|a| a.name.as_str()).collect();
        println!("{out}");
        return Ok(ExitCode::SUCCESS);
    }
    print_loaded(&report);
    println!("See it at {url}");
    if !running {
        println!("(once `sandpit serve` runs on this data directory)");
    }
    if admins.is_empty() {
        println!(
            "Admins see every programme, and there is no admin account yet: create one with \
             `sandpit user create --name admin --role admin` (it prints a one-time password), \
             then sign in with it."
        );
    } else {
        let names: Vec<String> = admins.iter().map(|a| format!("`{}`", a.name)).collect();
        println!(
            "Admins see every programme: sign in as {}.",
            names.join(" or ")
        );
    }
    println!(
        "Its change lead is the account `{DEMO_LEAD}`, which has no password anyone knows \
         (`sandpit user reset-password --name {DEMO_LEAD}` gives it one)."
    );
    println!("Remove the demo with `sandpit demo --remove`.");
    Ok(ExitCode::SUCCESS)
}

fn print_loaded(r: &DemoReport) {
    let t = &r.tally;
    println!(
        "Loaded the demo programme `{}`: {} teams, {} people, {} cohorts ({} learners, {} of \
         whom opened their sandbox), {} checks, {} exercises passed, {} ratings of exercises, {} \
         pulse answers, {} weeks of use of the tool.",
        r.programme.name,
        r.teams,
        r.people,
        r.cohorts,
        t.learners,
        t.started,
        t.attempts,
        t.completions,
        t.ratings,
        t.pulse_answers,
        r.usage_weeks
    );
}

async fn remove(programmes: &Programmes, json: bool) -> anyhow::Result<ExitCode> {
    let removed = programmes.remove_demo().await?;
    if json {
        println!("{}", json!({ "removed": removed }));
        return Ok(ExitCode::SUCCESS);
    }
    match removed {
        None => println!("No demo is loaded: there is nothing to remove."),
        Some(r) => print_removed(&r),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_removed(r: &DemoRemoval) {
    println!(
        "Removed the demo programme `{}`: {} teams, {} people, {} cohorts, {} learners, {} \
         sandboxes, {} checks, {} completions, {} ratings of exercises, {} pulse questions, {} \
         pulse answers, {} weeks of use of the tool.",
        r.programme,
        r.teams,
        r.people,
        r.cohorts,
        r.learners,
        r.sandboxes,
        r.attempts,
        r.completions,
        r.ratings,
        r.pulse_questions,
        r.pulse_answers,
        r.usage_weeks
    );
    if r.detached_cohorts > 0 {
        println!(
            "{} other cohort(s) put in it are kept, out of any programme.",
            r.detached_cohorts
        );
    }
    match &r.account {
        Some(name) => println!("Its lead's account `{name}` is removed too."),
        None => {
            println!("Its lead's account `{DEMO_LEAD}` is kept: it owns or leads something else.")
        }
    }
}
