//! `sandpit user …` and `sandpit token …`: accounts and API tokens, made
//! directly in the data directory's store (no server, no engine needed).

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use crate::auth::Auth;
use crate::config::Config;
use crate::store::{Role, Store};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account and print its one-time password.
    Create {
        #[arg(long)]
        name: String,
        /// `admin` (sees and manages everything) or `trainer` (their own cohorts).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Print JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Give an account a new one-time password (its sessions end).
    ResetPassword {
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List the accounts.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (it is shown once).
    Create {
        /// The account the token acts as.
        #[arg(long)]
        user: String,
        /// A label, to recognise the token by later.
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List API tokens (never the tokens themselves).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke an API token by its id.
    Revoke {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("`{s}` is not a role: use `admin` or `trainer`"))
}

async fn open(config: &Config) -> anyhow::Result<(Store, Auth)> {
    let store = Store::open(&config.data_dir).await?;
    Ok((store.clone(), Auth::new(store)))
}

pub async fn user(cmd: UserCommand, config: Config) -> anyhow::Result<ExitCode> {
    let (store, auth) = open(&config).await?;
    match cmd {
        UserCommand::Create { name, role, json } => {
            let (user, password) = auth.create_user(&name, role).await?;
            if json {
                println!(
                    "{}",
                    json!({ "id": user.id, "name": user.name, "role": user.role, "password": password, "must_change_password": true })
                );
            } else {
                println!("Created {} `{}`.", user.role, user.name);
                println!("One-time password: {password}");
                println!(
                    "It is shown only now, and must be replaced at the first sign-in; \
                     `sandpit user reset-password --name {}` makes a new one.",
                    user.name
                );
            }
        }
        UserCommand::ResetPassword { name, json } => {
            let password = auth.reset_password(&name).await?;
            if json {
                println!(
                    "{}",
                    json!({ "name": name, "password": password, "must_change_password": true })
                );
            } else {
                println!("New one-time password for `{name}`: {password}");
                println!("It must be replaced at the next sign-in; the account's sessions ended.");
            }
        }
        UserCommand::List { json } => {
            let users = store.users().await?;
            if json {
                println!("{}", serde_json::to_string(&users)?);
            } else {
                println!("{:<36}  {:<8}  {:<20}  NAME", "ID", "ROLE", "CREATED");
                for u in users {
                    println!(
                        "{:<36}  {:<8}  {:<20}  {}",
                        u.id,
                        u.role,
                        u.created_at.format("%Y-%m-%d %H:%M UTC"),
                        u.name
                    );
                }
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn token(cmd: TokenCommand, config: Config) -> anyhow::Result<ExitCode> {
    let (store, auth) = open(&config).await?;
    match cmd {
        TokenCommand::Create { user, name, json } => {
            let account = store
                .user_by_name(user.trim())
                .await?
                .ok_or_else(|| anyhow::anyhow!("there is no user named `{user}`"))?;
            let (token, info) = auth.create_token(&account, &name).await?;
            if json {
                println!(
                    "{}",
                    json!({ "id": info.id, "name": info.name, "user": account.name, "token": token })
                );
            } else {
                println!("{token}");
                eprintln!(
                    "API token `{}` (id {}) for `{}`; it is shown only now.",
                    info.name, info.id, account.name
                );
            }
        }
        TokenCommand::List { json } => {
            let names: std::collections::HashMap<String, String> = store
                .users()
                .await?
                .into_iter()
                .map(|u| (u.id.to_string(), u.name))
                .collect();
            let tokens = store.api_tokens(None).await?;
            let user_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
            if json {
                let list: Vec<_> = tokens
                    .iter()
                    .map(|t| {
                        let mut v = serde_json::to_value(t).unwrap_or_default();
                        v["user"] = user_of(&t.user_id).into();
                        v
                    })
                    .collect();
                println!("{}", serde_json::to_string(&list)?);
            } else {
                println!(
                    "{:<36}  {:<16}  {:<20}  {:<20}  {:<8}  NAME",
                    "ID", "USER", "CREATED", "LAST USED", "REVOKED"
                );
                let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
                    t.map_or("-".into(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                };
                for t in tokens {
                    println!(
                        "{:<36}  {:<16}  {:<20}  {:<20}  {:<8}  {}",
                        t.id,
                        user_of(&t.user_id),
                        when(Some(t.created_at)),
                        when(t.last_used_at),
                        if t.revoked_at.is_some() { "yes" } else { "no" },
                        t.name
                    );
                }
            }
        }
        TokenCommand::Revoke { id, json } => {
            if !store.revoke_api_token(id.trim()).await? {
                anyhow::bail!("there is no live API token with id `{id}`");
            }
            if json {
                println!("{}", json!({ "id": id, "revoked": true }));
            } else {
                println!("Revoked API token {id}.");
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
