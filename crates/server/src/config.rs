//! Layered configuration: defaults, then a TOML file, then `TESSERA_*` environment
//! variables (nested keys with `__`, e.g. `TESSERA_HTTP__MODE=production`), with
//! `TESSERA_..._FILE` variants that read a secret from a file, and a few short aliases
//! (`TESSERA_DATABASE_URL`, `TESSERA_LISTEN`, `TESSERA_DATA_DIR`, `TESSERA_MODE`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use tessera_api::ApiConfig;
use tessera_core::config::CoreConfig;
use tessera_delivery::{MailConfig, SmsConfig};

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Process-level settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the SQLite file, development mail and generated files live.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; empty means `sqlite://<data_dir>/tessera.db`.
    pub database_url: String,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `tessera=debug,info`.
    pub log_level: String,
    /// Serve Prometheus metrics at `/metrics`.
    pub metrics: bool,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Seconds between outbox polls (new messages wake the dispatcher at once anyway).
    pub outbox_poll_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            log_format: LogFormat::Text,
            log_level: "info".into(),
            metrics: true,
            shutdown_grace_secs: 10,
            outbox_poll_secs: 5,
        }
    }
}

impl ServerConfig {
    /// The database URL in force.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("tessera.db").display())
        } else {
            self.database_url.clone()
        }
    }
}

/// Where uploaded files and avatars are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilesConfig {
    /// Directory of the uploaded bytes; unset means `<data_dir>/files`. Several nodes must
    /// share it (a mounted volume), as they share the database.
    pub dir: Option<PathBuf>,
}

/// Server keys given explicitly (base64), instead of generated and stored on first start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeysConfig {
    /// Signs access tokens.
    pub jwt: Option<String>,
    /// Pepper of code and token hashes.
    pub pepper: Option<String>,
    /// Encrypts TOTP seeds (32 bytes).
    pub seal: Option<String>,
    /// Signs CSRF tokens.
    pub csrf: Option<String>,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Process settings.
    pub server: ServerConfig,
    /// Upload storage.
    pub files: FilesConfig,
    /// HTTP and dialect settings.
    pub http: ApiConfig,
    /// The core's rules.
    pub core: CoreConfig,
    /// Outgoing mail.
    pub mail: MailConfig,
    /// Outgoing SMS.
    pub sms: SmsConfig,
    /// Explicit server keys.
    pub keys: KeysConfig,
    /// Social sign-in providers (Google, Facebook); all off by default.
    pub identity: tessera_identity::IdentityConfig,
}

impl Config {
    /// The upload directory in force: `files.dir`, or `<data_dir>/files`.
    pub fn files_dir(&self) -> PathBuf {
        self.files
            .dir
            .clone()
            .unwrap_or_else(|| self.server.data_dir.join("files"))
    }
}

const ALIASES: &[(&str, &str)] = &[
    ("database_url", "server.database_url"),
    ("listen", "server.listen"),
    ("data_dir", "server.data_dir"),
    ("log_format", "server.log_format"),
    ("log_level", "server.log_level"),
    ("mode", "http.mode"),
];

fn alias(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    ALIASES
        .iter()
        .find(|(short, _)| *short == lower)
        .map_or_else(|| lower.replace("__", "."), |(_, long)| (*long).to_owned())
}

/// Reads the configuration from `file` (if given; it must then exist) and the environment.
pub fn load(file: Option<&Path>) -> Result<Config, String> {
    let mut fig = Figment::new();
    if let Some(path) = file {
        if !path.exists() {
            return Err(format!("config file {} does not exist", path.display()));
        }
        fig = fig.merge(Toml::file(path));
    }
    let env = Env::prefixed("TESSERA_")
        .filter(|k| !k.as_str().to_ascii_lowercase().ends_with("_file"))
        .map(|k| alias(k.as_str()).into());
    fig = fig.merge(env);
    for (name, value) in std::env::vars() {
        let Some(rest) = name.strip_prefix("TESSERA_") else {
            continue;
        };
        let Some(key) = rest.strip_suffix("_FILE") else {
            continue;
        };
        let content = std::fs::read_to_string(&value)
            .map_err(|e| format!("{name}: cannot read {value}: {e}"))?;
        fig = fig.merge(Serialized::global(&alias(key), content.trim().to_owned()));
    }
    let config: Config = fig
        .extract()
        .map_err(|e| format!("configuration error: {e}"))?;
    validate(&config)?;
    Ok(config)
}

fn validate(c: &Config) -> Result<(), String> {
    let url = c.server.database_url();
    if !(url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://"))
    {
        return Err(
            "server.database_url must start with sqlite:, postgres:// or postgresql://".into(),
        );
    }
    let h = &c.core.password.hash;
    if h.memory_kib < 8 || h.iterations < 1 || h.parallelism != 1 {
        return Err(
            "core.password.hash: need memory_kib >= 8, iterations >= 1, parallelism = 1".into(),
        );
    }
    if c.core.password.min_length < 1 || c.core.password.max_length < c.core.password.min_length {
        return Err("core.password: need 1 <= min_length <= max_length".into());
    }
    if c.core.session.idle_timeout_secs <= 0
        || c.core.session.absolute_lifetime_secs <= 0
        || c.core.session.access_token_secs <= 0
    {
        return Err("core.session: lifetimes must be positive".into());
    }
    if c.core.lockout.max_failures < 1 {
        return Err("core.lockout.max_failures must be at least 1".into());
    }
    if c.files
        .dir
        .as_ref()
        .is_some_and(|d| d.as_os_str().is_empty())
    {
        return Err("files.dir must not be empty (leave it unset for <data_dir>/files)".into());
    }
    if c.http.max_body_bytes < 1024 {
        return Err("http.max_body_bytes must be at least 1024".into());
    }
    tessera_identity::build_providers(&c.identity)?;
    Ok(())
}

/// The example configuration file, documenting every key with its default.
pub const EXAMPLE: &str = include_str!("../../../tessera.example.toml");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_example_file_parses_to_the_defaults() {
        let parsed: Config = Figment::new()
            .merge(Toml::string(EXAMPLE))
            .extract()
            .unwrap();
        assert_eq!(format!("{parsed:?}"), format!("{:?}", Config::default()));
    }

    #[test]
    fn aliases_map_to_nested_keys() {
        assert_eq!(alias("DATABASE_URL"), "server.database_url");
        assert_eq!(alias("HTTP__MODE"), "http.mode");
        assert_eq!(
            alias("CORE__LOCKOUT__MAX_FAILURES"),
            "core.lockout.max_failures"
        );
    }

    #[test]
    fn files_dir_defaults_under_the_data_dir_and_can_be_set() {
        let mut c = Config::default();
        c.server.data_dir = PathBuf::from("/srv/tessera");
        assert_eq!(c.files_dir(), PathBuf::from("/srv/tessera/files"));
        let parsed: Config = Figment::new()
            .merge(Toml::string("[files]\ndir = \"/mnt/uploads\""))
            .extract()
            .unwrap();
        assert_eq!(parsed.files_dir(), PathBuf::from("/mnt/uploads"));
        assert_eq!(alias("FILES__DIR"), "files.dir");
        let unknown: Result<Config, _> = Figment::new()
            .merge(Toml::string("[files]\ndirectory = \"/x\""))
            .extract();
        assert!(unknown.is_err());
    }

    #[test]
    fn bad_values_name_the_key() {
        let mut c = Config::default();
        c.server.database_url = "mysql://x".into();
        assert!(validate(&c).unwrap_err().contains("server.database_url"));
        let mut c = Config::default();
        c.core.lockout.max_failures = 0;
        assert!(validate(&c)
            .unwrap_err()
            .contains("core.lockout.max_failures"));
        let mut c = Config::default();
        c.files.dir = Some(PathBuf::new());
        assert!(validate(&c).unwrap_err().contains("files.dir"));
    }
}
