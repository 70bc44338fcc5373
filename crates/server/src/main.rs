//! `tessera`: see `tessera --help`.

use clap::Parser;
use tessera::cli::{Cli, Command, ConfigCommand};
use tessera::config::{self, LogFormat};
use tracing_subscriber::EnvFilter;

fn init_logging(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if matches!(
        cli.command,
        Command::Config {
            command: ConfigCommand::Example
        }
    ) {
        print!("{}", config::EXAMPLE);
        return std::process::ExitCode::SUCCESS;
    }
    let config = match config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tessera: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    init_logging(config.server.log_format, &config.server.log_level);
    match tessera::cli::run(cli, config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tessera: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
