//! The command line: `serve`, `migrate`, `user add|list`, `config check|example`.

use std::io::Read;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tessera_core::domain::{Password, RequestContext};
use tessera_core::services::CreateUser;

use crate::app::{build_core, shutdown_signal, App};
use crate::config::{self, Config};

/// Tessera: one account server that speaks the wire protocols of several backends.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about)]
pub struct Cli {
    /// TOML configuration file (optional; defaults work with no file).
    #[arg(long, short, global = true, env = "TESSERA_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (SQLite under ./data on 127.0.0.1:8080 unless configured).
    Serve {
        /// Listen address, overriding the configuration.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage accounts.
    User {
        /// Account command.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Inspect the configuration.
    Config {
        /// Configuration command.
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Add {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// Password (prefer --password-stdin: arguments are visible to other local users).
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Display name.
        #[arg(long, default_value = "")]
        name: String,
        /// Make the account an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// List accounts.
    List {
        /// Skip this many.
        #[arg(long, default_value_t = 0)]
        offset: i64,
        /// Show at most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Configuration commands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load and validate the configuration; print the effective values (secrets hidden).
    Check,
    /// Print an example configuration file documenting every key.
    Example,
}

fn redacted(c: &Config) -> Config {
    let mut c = c.clone();
    let hide = |v: &mut Option<String>| {
        if v.is_some() {
            *v = Some("<redacted>".into());
        }
    };
    hide(&mut c.keys.jwt);
    hide(&mut c.keys.pepper);
    hide(&mut c.keys.seal);
    hide(&mut c.keys.csrf);
    c
}

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli, config: Config) -> Result<(), String> {
    match cli.command {
        Command::Serve { listen } => {
            let mut config = config;
            if let Some(addr) = listen {
                config.server.listen = addr;
            }
            let listener = tokio::net::TcpListener::bind(config.server.listen)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", config.server.listen))?;
            let app = App::build(config).await?;
            app.serve(listener, shutdown_signal()).await
        }
        Command::Migrate => {
            std::fs::create_dir_all(&config.server.data_dir).map_err(|e| e.to_string())?;
            crate::app::open_store(&config.server.database_url()).await?;
            println!(
                "schema is up to date ({})",
                config
                    .server
                    .database_url()
                    .split('@')
                    .next_back()
                    .unwrap_or_default()
            );
            Ok(())
        }
        Command::User { command } => {
            std::fs::create_dir_all(&config.server.data_dir).map_err(|e| e.to_string())?;
            let core = build_core(&config).await?;
            match command {
                UserCommand::Add {
                    email,
                    password,
                    password_stdin,
                    name,
                    admin,
                } => {
                    let password = match (password, password_stdin) {
                        (Some(p), _) => p,
                        (None, true) => {
                            let mut s = String::new();
                            std::io::stdin()
                                .read_to_string(&mut s)
                                .map_err(|e| e.to_string())?;
                            s.trim_end_matches(['\r', '\n']).to_owned()
                        }
                        (None, false) => return Err("give --password or --password-stdin".into()),
                    };
                    let ctx = RequestContext {
                        ip: None,
                        user_agent: None,
                        dialect: "cli",
                    };
                    let user = core
                        .create_user(
                            CreateUser {
                                email,
                                password: Some(Password::new(password)),
                                name,
                                username: None,
                                is_admin: admin,
                                email_verified: true,
                            },
                            &ctx,
                        )
                        .await
                        .map_err(|e| format!("cannot add user: {}", describe(&e)))?;
                    println!(
                        "created user {} <{}>{}",
                        user.id,
                        user.email,
                        if admin { " (admin)" } else { "" }
                    );
                    Ok(())
                }
                UserCommand::List {
                    offset,
                    limit,
                    json,
                } => {
                    let users = core
                        .list_users(offset, limit)
                        .await
                        .map_err(|e| e.to_string())?;
                    for u in users {
                        if json {
                            println!(
                                "{}",
                                serde_json::json!({
                                    "id": u.id.to_simple(), "email": u.email.as_str(), "name": u.name,
                                    "admin": u.is_admin, "status": u.status.as_str(),
                                    "created_at": u.created_at.unix_timestamp(),
                                })
                            );
                        } else {
                            println!(
                                "{}  {:<32}  {:<7}  {}{}",
                                u.id,
                                u.email,
                                u.status.as_str(),
                                u.name,
                                if u.is_admin { "  [admin]" } else { "" }
                            );
                        }
                    }
                    Ok(())
                }
            }
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            println!(
                "configuration is valid; effective values (secrets hidden):\n{:#?}",
                redacted(&config)
            );
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{}", config::EXAMPLE);
            Ok(())
        }
    }
}

fn describe(e: &tessera_core::CoreError) -> String {
    match e {
        tessera_core::CoreError::WeakPassword(why) => format!("weak password ({why})"),
        tessera_core::CoreError::InvalidInput(fields) => fields
            .iter()
            .map(|f| format!("{} is invalid ({})", f.field, f.tag))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.code().replace('_', " "),
    }
}
