//! Typed configuration, loaded once at start-up.
//!
//! Layers, later wins: the built-in defaults (`config/default.toml`, embedded with
//! `include_str!` so the binary works from any directory) → the file named by `--config` or
//! `RANKMAP_CONFIG` → environment variables `RANKMAP__<SECTION>__<KEY>`. The defaults file holds
//! every key, so it doubles as the schema: a key it does not have is unknown and stops start-up,
//! and an environment value is parsed according to the type of the default it replaces.
//!
//! Relative paths (the storage directories and path-like `runner.command` arguments) are
//! resolved here, against the directory of the config file that set them, or against the
//! working directory for the built-in default and the environment. Nothing else in the server
//! reads configuration sources: tests build [`Config`] values directly.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::{Table, Value};

/// The defaults, embedded in the binary.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Prefix of the environment variables that override keys.
const ENV_PREFIX: &str = "RANKMAP__";

/// Why the configuration could not be loaded; every variant names the key or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("unknown configuration key `{key}` (in {origin})")]
    UnknownKey { key: String, origin: String },
    #[error("invalid value for `{key}`: {message}")]
    Invalid { key: String, message: String },
}

/// The whole configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub runner: RunnerConfig,
    pub results: ResultsConfig,
    pub cleanup: CleanupConfig,
    pub sse: SseConfig,
    pub socketio: SocketIoConfig,
    pub auth: AuthConfig,
    pub log: LogConfig,
}

/// `[server]`: the listener and request limits.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub max_upload_bytes: u64,
    pub max_connections: NonZeroUsize,
    pub header_timeout: Duration,
    pub body_idle_timeout: Duration,
    pub body_min_rate_bytes: u64,
    /// The least time a whole upload body is allowed (60 s); not a key of its own, but tests
    /// lower it so that a trickling client is cut quickly.
    pub body_deadline_floor: Duration,
    pub shutdown_grace: Duration,
    pub cors_origins: Vec<String>,
}

/// `[storage]`: where uploads and results live.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    pub uploads_dir: PathBuf,
    pub results_dir: PathBuf,
    pub min_free_bytes: u64,
}

/// `[runner]`: how the analysis script is run.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    pub command: Vec<String>,
    pub timeout: Duration,
    pub kill_grace: Duration,
    /// Already resolved: 0 in the file means the number of CPUs.
    pub concurrency: NonZeroUsize,
    pub max_queued: usize,
    pub env: Vec<String>,
    pub max_result_bytes: u64,
}

/// `[results]`: the completed status body.
#[derive(Debug, Clone)]
pub struct ResultsConfig {
    pub inline_rows: usize,
    pub cache_bytes: u64,
}

/// `[cleanup]`: retention of finished jobs.
#[derive(Debug, Clone)]
pub struct CleanupConfig {
    pub interval: Duration,
    pub max_age: Duration,
}

/// `[sse]`.
#[derive(Debug, Clone)]
pub struct SseConfig {
    pub keep_alive: Duration,
}

/// `[socketio]`.
#[derive(Debug, Clone)]
pub struct SocketIoConfig {
    pub max_payload_bytes: u64,
}

/// `[auth]`.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub api_keys: Vec<String>,
    pub admin_keys: Vec<String>,
    pub metrics_public: bool,
    pub link_secret: String,
}

/// `[log]`.
#[derive(Debug, Clone)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// The built-in defaults alone, with relative paths resolved against `base_dir`.
    pub fn defaults(base_dir: &Path) -> Result<Self, ConfigError> {
        let table = parse_defaults();
        let origins = Origins::new(base_dir);
        validate(table, &origins)
    }

    /// Loads the layers: defaults → `file` (if any) → the given environment variables.
    ///
    /// `cwd` is the base for relative paths that do not come from a file.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        cwd: &Path,
    ) -> Result<Self, ConfigError> {
        let mut table = parse_defaults();
        let mut origins = Origins::new(cwd);
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
                path: path.to_owned(),
                source,
            })?;
            let layer: Table = text
                .parse()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    path: path.to_owned(),
                    message: e.message().to_owned(),
                })?;
            let dir = path
                .parent()
                .map(|p| {
                    if p.as_os_str().is_empty() {
                        cwd.join(".")
                    } else {
                        cwd.join(p)
                    }
                })
                .unwrap_or_else(|| cwd.to_owned());
            merge_file_layer(
                &mut table,
                layer,
                &path.display().to_string(),
                &dir,
                &mut origins,
            )?;
        }
        for (name, value) in env {
            if let Some(rest) = name.strip_prefix(ENV_PREFIX) {
                apply_env(&mut table, rest, &name, &value)?;
            }
        }
        validate(table, &origins)
    }

    /// How long a whole upload body may take: max(60 s, max_upload_bytes ÷ body_min_rate_bytes).
    /// An idle timeout alone would let a client that trickles a byte at a time hold a
    /// connection and a scratch file forever.
    pub fn body_deadline(&self) -> Duration {
        let s = &self.server;
        Duration::from_secs(s.max_upload_bytes / s.body_min_rate_bytes).max(s.body_deadline_floor)
    }

    /// The upload body limit: the file part limit plus room for the other parts.
    pub fn max_body_bytes(&self) -> u64 {
        self.server.max_upload_bytes + 64 * 1024
    }
}

fn parse_defaults() -> Table {
    // The embedded file is part of the binary and covered by tests; it cannot fail at run time.
    #[allow(clippy::expect_used)]
    DEFAULT_TOML
        .parse()
        .expect("config/default.toml is valid TOML")
}

/// Which directory relative paths of each key are resolved against.
struct Origins {
    cwd: PathBuf,
    from_file: Vec<(String, PathBuf)>,
}

impl Origins {
    fn new(cwd: &Path) -> Self {
        Self {
            cwd: cwd.to_owned(),
            from_file: Vec::new(),
        }
    }
    fn base_for(&self, key: &str) -> &Path {
        self.from_file
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, dir)| dir.as_path())
            .unwrap_or(&self.cwd)
    }
}

fn merge_file_layer(
    table: &mut Table,
    layer: Table,
    origin: &str,
    dir: &Path,
    origins: &mut Origins,
) -> Result<(), ConfigError> {
    for (section, value) in layer {
        let Some(Value::Table(defaults)) = table.get_mut(&section) else {
            return Err(ConfigError::UnknownKey {
                key: section,
                origin: origin.to_owned(),
            });
        };
        let Value::Table(keys) = value else {
            return Err(ConfigError::Invalid {
                key: section,
                message: "expected a [section] table".into(),
            });
        };
        for (key, value) in keys {
            let full = format!("{section}.{key}");
            if !defaults.contains_key(&key) {
                return Err(ConfigError::UnknownKey {
                    key: full,
                    origin: origin.to_owned(),
                });
            }
            origins.from_file.push((full, dir.to_owned()));
            defaults.insert(key, value);
        }
    }
    Ok(())
}

fn apply_env(table: &mut Table, rest: &str, name: &str, raw: &str) -> Result<(), ConfigError> {
    let unknown = || ConfigError::UnknownKey {
        key: rest.to_lowercase().replace("__", "."),
        origin: format!("environment variable {name}"),
    };
    let (section, key) = rest.split_once("__").ok_or_else(unknown)?;
    let (section, key) = (section.to_lowercase(), key.to_lowercase());
    let Some(Value::Table(defaults)) = table.get_mut(&section) else {
        return Err(unknown());
    };
    let full = format!("{section}.{key}");
    let invalid = |message: String| ConfigError::Invalid {
        key: full.clone(),
        message,
    };
    let value = match defaults.get(&key).ok_or_else(unknown)? {
        Value::String(_) => Value::String(raw.to_owned()),
        Value::Integer(_) => Value::Integer(
            raw.trim()
                .parse()
                .map_err(|_| invalid(format!("`{raw}` is not an integer")))?,
        ),
        Value::Boolean(_) => Value::Boolean(
            raw.trim()
                .parse()
                .map_err(|_| invalid(format!("`{raw}` is not true or false")))?,
        ),
        Value::Array(_) if full == "runner.command" => {
            let argv: Vec<String> = serde_json::from_str(raw)
                .map_err(|_| invalid("expected a JSON array of strings".into()))?;
            Value::Array(argv.into_iter().map(Value::String).collect())
        }
        Value::Array(_) => Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        _ => {
            return Err(invalid(
                "this key cannot be set from the environment".into(),
            ));
        }
    };
    defaults.insert(key, value);
    Ok(())
}

/// The file shape, before validation. `deny_unknown_fields` is a second guard behind the
/// key check against the defaults.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    server: RawServer,
    storage: RawStorage,
    runner: RawRunner,
    results: RawResults,
    cleanup: RawCleanup,
    sse: RawSse,
    socketio: RawSocketIo,
    auth: RawAuth,
    log: RawLog,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    bind: String,
    max_upload_bytes: u64,
    max_connections: usize,
    header_timeout_secs: u64,
    body_idle_timeout_secs: u64,
    body_min_rate_bytes: u64,
    shutdown_grace_secs: u64,
    cors_origins: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    uploads_dir: String,
    results_dir: String,
    min_free_bytes: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRunner {
    command: Vec<String>,
    timeout_secs: u64,
    kill_grace_secs: u64,
    concurrency: usize,
    max_queued: usize,
    env: Vec<String>,
    max_result_bytes: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResults {
    inline_rows: usize,
    cache_bytes: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCleanup {
    interval_secs: u64,
    max_age_secs: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSse {
    keep_alive_secs: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSocketIo {
    max_payload_bytes: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    api_keys: Vec<String>,
    admin_keys: Vec<String>,
    metrics_public: bool,
    link_secret: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLog {
    format: String,
    level: String,
}

fn validate(table: Table, origins: &Origins) -> Result<Config, ConfigError> {
    let raw: Raw = Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError::Invalid {
            key: "configuration".into(),
            message: e.message().to_owned(),
        })?;
    let invalid = |key: &str, message: &str| ConfigError::Invalid {
        key: key.to_owned(),
        message: message.to_owned(),
    };
    let positive = |key: &str, value: u64| {
        if value == 0 {
            Err(invalid(key, "must be at least 1"))
        } else {
            Ok(value)
        }
    };
    let secs = |key: &str, value: u64| positive(key, value).map(Duration::from_secs);

    let bind = raw
        .server
        .bind
        .parse()
        .map_err(|_| invalid("server.bind", "expected an address such as 0.0.0.0:3001"))?;
    let max_connections = NonZeroUsize::new(raw.server.max_connections)
        .ok_or_else(|| invalid("server.max_connections", "must be at least 1"))?;
    if raw.runner.command.is_empty() || raw.runner.command[0].is_empty() {
        return Err(invalid("runner.command", "must name a program"));
    }
    let concurrency = NonZeroUsize::new(raw.runner.concurrency)
        .or_else(|| std::thread::available_parallelism().ok())
        .unwrap_or(NonZeroUsize::MIN);
    if raw.results.inline_rows > 5000 {
        return Err(invalid("results.inline_rows", "must be between 0 and 5000"));
    }
    let format = match raw.log.format.as_str() {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        _ => return Err(invalid("log.format", "expected `text` or `json`")),
    };
    let command_base = origins.base_for("runner.command");
    let command = raw
        .runner
        .command
        .iter()
        .map(|arg| resolve_arg(arg, command_base))
        .collect();

    Ok(Config {
        server: ServerConfig {
            bind,
            max_upload_bytes: positive("server.max_upload_bytes", raw.server.max_upload_bytes)?,
            max_connections,
            header_timeout: secs("server.header_timeout_secs", raw.server.header_timeout_secs)?,
            body_idle_timeout: secs(
                "server.body_idle_timeout_secs",
                raw.server.body_idle_timeout_secs,
            )?,
            body_min_rate_bytes: positive(
                "server.body_min_rate_bytes",
                raw.server.body_min_rate_bytes,
            )?,
            body_deadline_floor: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(raw.server.shutdown_grace_secs),
            cors_origins: raw.server.cors_origins,
        },
        storage: StorageConfig {
            uploads_dir: resolve_dir(&raw.storage.uploads_dir, origins, "storage.uploads_dir")?,
            results_dir: resolve_dir(&raw.storage.results_dir, origins, "storage.results_dir")?,
            min_free_bytes: raw.storage.min_free_bytes,
        },
        runner: RunnerConfig {
            command,
            timeout: secs("runner.timeout_secs", raw.runner.timeout_secs)?,
            kill_grace: secs("runner.kill_grace_secs", raw.runner.kill_grace_secs)?,
            concurrency,
            max_queued: raw.runner.max_queued,
            env: raw.runner.env,
            max_result_bytes: positive("runner.max_result_bytes", raw.runner.max_result_bytes)?,
        },
        results: ResultsConfig {
            inline_rows: raw.results.inline_rows,
            cache_bytes: raw.results.cache_bytes,
        },
        cleanup: CleanupConfig {
            interval: secs("cleanup.interval_secs", raw.cleanup.interval_secs)?,
            max_age: secs("cleanup.max_age_secs", raw.cleanup.max_age_secs)?,
        },
        sse: SseConfig {
            keep_alive: secs("sse.keep_alive_secs", raw.sse.keep_alive_secs)?,
        },
        socketio: SocketIoConfig {
            max_payload_bytes: positive(
                "socketio.max_payload_bytes",
                raw.socketio.max_payload_bytes,
            )?,
        },
        auth: AuthConfig {
            api_keys: raw.auth.api_keys,
            admin_keys: raw.auth.admin_keys,
            metrics_public: raw.auth.metrics_public,
            link_secret: raw.auth.link_secret,
        },
        log: LogConfig {
            format,
            level: raw.log.level,
        },
    })
}

fn resolve_dir(value: &str, origins: &Origins, key: &str) -> Result<PathBuf, ConfigError> {
    if value.is_empty() {
        return Err(ConfigError::Invalid {
            key: key.into(),
            message: "must not be empty".into(),
        });
    }
    Ok(origins.base_for(key).join(value))
}

/// A `runner.command` argument that looks like a relative path (has a `/`) is anchored to `base`;
/// bare program names stay as they are, to be looked up on `PATH`.
fn resolve_arg(arg: &str, base: &Path) -> String {
    let path = Path::new(arg);
    if arg.contains('/') && path.is_relative() {
        base.join(path).display().to_string()
    } else {
        arg.to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_match_the_contract_table() {
        let cfg = Config::defaults(Path::new("/srv")).unwrap();
        assert_eq!(cfg.server.bind.to_string(), "0.0.0.0:3001");
        assert_eq!(cfg.server.max_upload_bytes, 104_857_600);
        assert_eq!(
            cfg.runner.command,
            vec!["python3", "/srv/analysis/analyze.py"]
        );
        assert_eq!(cfg.runner.timeout, Duration::from_secs(600));
        assert_eq!(cfg.storage.uploads_dir, PathBuf::from("/srv/uploads"));
        assert_eq!(cfg.results.inline_rows, 1000);
        assert_eq!(cfg.cleanup.max_age, Duration::from_secs(86_400));
        assert_eq!(cfg.log.format, LogFormat::Text);
    }

    #[test]
    fn a_file_overrides_defaults_and_anchors_its_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rankmap.toml");
        std::fs::write(
            &file,
            "[storage]\nuploads_dir = \"up\"\n[runner]\ntimeout_secs = 7\n",
        )
        .unwrap();
        let cfg = Config::load(Some(&file), env(&[]), Path::new("/cwd")).unwrap();
        assert_eq!(cfg.storage.uploads_dir, dir.path().join("up"));
        assert_eq!(cfg.storage.results_dir, PathBuf::from("/cwd/results"));
        assert_eq!(cfg.runner.timeout, Duration::from_secs(7));
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[runner]\ntimeout_secs = 7\n").unwrap();
        let cfg = Config::load(
            Some(&file),
            env(&[
                ("RANKMAP__RUNNER__TIMEOUT_SECS", "9"),
                ("RANKMAP__RUNNER__COMMAND", r#"["sh", "/x/run.sh"]"#),
                ("RANKMAP__AUTH__API_KEYS", "a, b,"),
                ("OTHER", "ignored"),
            ]),
            Path::new("/cwd"),
        )
        .unwrap();
        assert_eq!(cfg.runner.timeout, Duration::from_secs(9));
        assert_eq!(cfg.runner.command, vec!["sh", "/x/run.sh"]);
        assert_eq!(cfg.auth.api_keys, vec!["a", "b"]);
    }

    #[test]
    fn an_unknown_key_in_a_file_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[server]\nbnid = \"x\"\n").unwrap();
        let err = Config::load(Some(&file), env(&[]), Path::new("/")).unwrap_err();
        assert!(err.to_string().contains("server.bnid"), "{err}");
    }

    #[test]
    fn an_unknown_environment_key_names_the_key() {
        let err = Config::load(
            None,
            env(&[("RANKMAP__RUNNER__TIMEOUT", "1")]),
            Path::new("/"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("runner.timeout"), "{err}");
    }

    #[test]
    fn invalid_values_name_the_key() {
        for (name, value, key) in [
            ("RANKMAP__RUNNER__TIMEOUT_SECS", "0", "runner.timeout_secs"),
            (
                "RANKMAP__RUNNER__TIMEOUT_SECS",
                "soon",
                "runner.timeout_secs",
            ),
            ("RANKMAP__LOG__FORMAT", "xml", "log.format"),
            (
                "RANKMAP__RESULTS__INLINE_ROWS",
                "5001",
                "results.inline_rows",
            ),
            ("RANKMAP__SERVER__BIND", "nowhere", "server.bind"),
            ("RANKMAP__RUNNER__COMMAND", "python3", "runner.command"),
        ] {
            let err = Config::load(None, env(&[(name, value)]), Path::new("/")).unwrap_err();
            assert!(err.to_string().contains(key), "{name}={value}: {err}");
        }
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let err = Config::load(
            Some(Path::new("/nonexistent/rankmap.toml")),
            env(&[]),
            Path::new("/"),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::ReadFile { .. }));
    }
}
