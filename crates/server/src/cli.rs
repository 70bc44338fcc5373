//! The command line: `serve`, `migrate`, `user add|list`, `import`, `invite`, `audit`,
//! `sessions list|end`, `config check|example`.

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
    /// Import accounts from another deployment (JSON Lines or CSV; see docs/import.md).
    /// Re-running updates the same accounts; rejected rows are reported, not fatal.
    Import {
        /// The file of accounts.
        file: PathBuf,
        /// File layout (default: from the extension, .jsonl/.ndjson/.json or .csv).
        #[arg(long, value_enum)]
        format: Option<crate::import::FileFormat>,
        /// Validate every row and compare with the database; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write rejected rows (line, e-mail, reason) to this JSON Lines file.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Rows imported at once.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
        concurrency: u16,
        /// Also replace password hashes set in Tessera since the last import.
        #[arg(long)]
        overwrite_passwords: bool,
    },
    /// Manage invite codes (registration mode `invite`).
    Invite {
        /// Invite command.
        #[command(subcommand)]
        command: InviteCommand,
    },
    /// Read the audit trail (sign-ins, credential and factor changes, session revocations,
    /// admin actions), newest first; or delete what is older than `audit_retention_days`.
    Audit {
        /// Only events by or about this account.
        #[arg(long, value_name = "EMAIL")]
        user: Option<String>,
        /// Show at most this many.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        limit: i64,
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
        /// Delete events older than the retention period (`core.audit_retention_days`)
        /// instead of listing (the server also does this daily).
        #[arg(long, conflicts_with_all = ["user", "json"])]
        purge: bool,
    },
    /// See an account's sessions, or end one account's or everyone's sessions without
    /// blocking anyone (for a lost device, a suspected takeover, a leaked key).
    Sessions {
        /// Sessions command.
        #[command(subcommand)]
        command: SessionsCommand,
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
    /// Remove an account's second factors (TOTP, phone, e-mailed codes) after its owner
    /// lost one, and end all its sessions; the owner is mailed a notice. Check the owner's
    /// identity out of band first (docs/security.md, "Lost second factor").
    ResetFactors {
        /// E-mail address of the account.
        #[arg(long)]
        email: String,
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

/// Invite code commands.
#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Create a code and print it (it is stored hashed: this is the only time it is shown).
    Create {
        /// The inviter: each use spends this account's quota (see `invite quota`). Without
        /// it the code is a system code.
        #[arg(long, value_name = "EMAIL")]
        owner: Option<String>,
        /// For a system code: how many registrations it allows (default: unlimited).
        #[arg(long, conflicts_with = "owner")]
        uses: Option<i64>,
        /// For an owned code: also set the owner's quota (negative: unlimited).
        #[arg(long, requires = "owner", allow_hyphen_values = true)]
        quota: Option<i64>,
    },
    /// Set how many people an account may still invite (negative: unlimited).
    Quota {
        /// The account's e-mail address.
        email: String,
        /// Invitations left.
        #[arg(allow_hyphen_values = true)]
        remaining: i64,
    },
    /// List codes (hashes only), their owners and what is left.
    List,
}

/// Session commands. Both are audited (`admin.sessions.list`, `admin.sessions.end`).
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List an account's live sessions, oldest first: id, times, address, user agent,
    /// sign-in method and dialect (never a token).
    List {
        /// The account's e-mail address.
        #[arg(long, value_name = "EMAIL")]
        user: String,
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// End sessions in every dialect and on every node; the accounts stay usable and their
    /// owners sign in again. Prints how many ended.
    #[command(group(clap::ArgGroup::new("whose").required(true).args(["user", "all"])))]
    End {
        /// End this account's sessions.
        #[arg(long, value_name = "EMAIL")]
        user: Option<String>,
        /// End every account's sessions (needs --yes).
        #[arg(long)]
        all: bool,
        /// Confirm --all: everyone is signed out.
        #[arg(long)]
        yes: bool,
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
                UserCommand::ResetFactors { email } => {
                    let user = account(&core, &email).await?;
                    let removed = core
                        .reset_second_factors(None, user.id, &cli_context())
                        .await
                        .map_err(|e| describe(&e))?;
                    let mut what: Vec<&str> = Vec::new();
                    if removed.totp {
                        what.push("authenticator (TOTP)");
                    }
                    if removed.phone {
                        what.push("phone");
                    }
                    if removed.email_otp {
                        what.push("e-mailed sign-in codes");
                    }
                    let what = if what.is_empty() {
                        "no second factor was set".to_owned()
                    } else {
                        format!("removed: {}", what.join(", "))
                    };
                    println!(
                        "{email}: {what}; {} session(s) ended; the owner was mailed a notice",
                        removed.sessions
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
        Command::Import {
            file,
            format,
            dry_run,
            report,
            concurrency,
            overwrite_passwords,
        } => {
            std::fs::create_dir_all(&config.server.data_dir).map_err(|e| e.to_string())?;
            let args = crate::import::ImportArgs {
                file,
                format,
                dry_run,
                report,
                concurrency: usize::from(concurrency),
                overwrite_passwords,
            };
            let core = build_core(&config).await?;
            let summary = crate::import::import_file(&core, &args).await?;
            println!("{}", crate::import::render_summary(&summary, &args));
            Ok(())
        }
        Command::Invite { command } => {
            let core = build_core(&config).await?;
            invite(&core, command).await
        }
        Command::Audit {
            user,
            limit,
            json,
            purge,
        } => {
            let core = build_core(&config).await?;
            audit(&core, user.as_deref(), limit, json, purge).await
        }
        Command::Sessions { command } => {
            if let SessionsCommand::End {
                all: true,
                yes: false,
                ..
            } = command
            {
                return Err(
                    "`sessions end --all` signs every account out of every client; add --yes \
                     to confirm"
                        .into(),
                );
            }
            let core = build_core(&config).await?;
            sessions(&core, command).await
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

async fn account(
    core: &tessera_core::services::Core,
    email: &str,
) -> Result<tessera_core::domain::User, String> {
    core.user_by_email(email)
        .await
        .map_err(|e| describe(&e))?
        .ok_or_else(|| format!("no account with e-mail {email}"))
}

async fn invite(core: &tessera_core::services::Core, command: InviteCommand) -> Result<(), String> {
    match command {
        InviteCommand::Create { owner, uses, quota } => {
            let owner = match owner {
                Some(email) => Some(account(core, &email).await?),
                None => None,
            };
            if let (Some(user), Some(n)) = (&owner, quota) {
                core.set_invite_quota(user.id, n)
                    .await
                    .map_err(|e| describe(&e))?;
            }
            let code = core
                .create_invite(owner.as_ref().map(|u| u.id), uses)
                .await
                .map_err(|e| describe(&e))?;
            println!("{code}");
            match &owner {
                Some(user) => {
                    let left = core.invite_quota(user.id).await.map_err(|e| describe(&e))?;
                    eprintln!(
                        "invite code for {} (invitations left: {})",
                        user.email,
                        quota_text(left)
                    );
                }
                None => eprintln!(
                    "system invite code ({})",
                    uses.map_or("unlimited uses".to_owned(), |n| format!("{n} uses"))
                ),
            }
            Ok(())
        }
        InviteCommand::Quota { email, remaining } => {
            let user = account(core, &email).await?;
            core.set_invite_quota(user.id, remaining)
                .await
                .map_err(|e| describe(&e))?;
            println!(
                "{}: invitations left: {}",
                user.email,
                quota_text(remaining)
            );
            Ok(())
        }
        InviteCommand::List => {
            for code in core.list_invites().await.map_err(|e| describe(&e))? {
                let (owner, left) = match code.owner {
                    Some(id) => {
                        let user = core.user(id).await.map_err(|e| describe(&e))?;
                        let left = core.invite_quota(id).await.map_err(|e| describe(&e))?;
                        (user.email.as_str().to_owned(), quota_text(left))
                    }
                    None => (
                        "(system)".to_owned(),
                        code.uses_left
                            .map_or("unlimited".to_owned(), |n| n.to_string()),
                    ),
                };
                println!(
                    "{}…  {}  {:<32}  left: {}",
                    &code.code_hash[..12.min(code.code_hash.len())],
                    code.created_at.date(),
                    owner,
                    left
                );
            }
            Ok(())
        }
    }
}

/// The request context of operator commands: no account, no address.
fn cli_context() -> RequestContext {
    RequestContext {
        ip: None,
        user_agent: None,
        dialect: "cli",
    }
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn sessions(
    core: &tessera_core::services::Core,
    command: SessionsCommand,
) -> Result<(), String> {
    let ctx = cli_context();
    match command {
        SessionsCommand::List { user, json } => {
            let account = account(core, &user).await?;
            let sessions = core
                .sessions_for_operator(None, account.id, &ctx)
                .await
                .map_err(|e| describe(&e))?;
            if sessions.is_empty() && !json {
                eprintln!("{} has no live session", account.email);
            }
            for s in sessions {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "id": s.id.to_simple(), "created_at": rfc3339(s.created_at),
                            "last_seen_at": rfc3339(s.last_seen_at),
                            "expires_at": rfc3339(s.expires_at), "ip": s.ip,
                            "user_agent": s.user_agent, "method": s.method, "dialect": s.dialect,
                        })
                    );
                } else {
                    println!(
                        "{}  created {}  last seen {}  {:<15}  {:<14}  {:<8}  {}",
                        s.id.to_simple(),
                        rfc3339(s.created_at),
                        rfc3339(s.last_seen_at),
                        s.ip.as_deref().unwrap_or("-"),
                        s.method,
                        s.dialect,
                        s.user_agent.as_deref().unwrap_or("-"),
                    );
                }
            }
            Ok(())
        }
        SessionsCommand::End { user, .. } => {
            let ended = match &user {
                Some(email) => {
                    let account = account(core, email).await?;
                    core.end_user_sessions(None, account.id, &ctx).await
                }
                None => core.end_all_sessions(None, &ctx).await,
            }
            .map_err(|e| describe(&e))?;
            let plural = if ended == 1 { "" } else { "s" };
            match user {
                Some(email) => println!("ended {ended} session{plural} of {email}"),
                None => println!("ended {ended} session{plural} of every account"),
            }
            Ok(())
        }
    }
}

fn quota_text(n: i64) -> String {
    if n < 0 {
        "unlimited".to_owned()
    } else {
        n.to_string()
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

async fn audit(
    core: &tessera_core::services::Core,
    user: Option<&str>,
    limit: i64,
    json: bool,
    purge: bool,
) -> Result<(), String> {
    if purge {
        let n = core.purge_old_audit().await.map_err(|e| e.to_string())?;
        println!("deleted {n} audit and login events older than the retention period");
        return Ok(());
    }
    let about = match user {
        Some(email) => Some(
            core.user_by_email(email)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no account with e-mail {email}"))?
                .id,
        ),
        None => None,
    };
    let events = core
        .audit_trail(about, limit)
        .await
        .map_err(|e| e.to_string())?;
    let simple = |u: Option<tessera_core::domain::UserId>| u.map(|u| u.to_simple());
    for e in events {
        let at =
            e.at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "at": at, "action": e.action, "actor": simple(e.actor),
                    "target": simple(e.target), "ip": e.ip, "outcome": e.outcome,
                    "detail": e.detail,
                })
            );
        } else {
            println!(
                "{at}  {:<22}  {:<20}  actor={}  target={}  ip={}",
                e.action,
                e.outcome,
                simple(e.actor).unwrap_or_else(|| "-".into()),
                simple(e.target).unwrap_or_else(|| "-".into()),
                e.ip.as_deref().unwrap_or("-"),
            );
        }
    }
    Ok(())
}
