//! Relay settings: `relay.toml` in the data folder, overridden by `KIZUNA_RELAY_*` variables.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// Relay settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`KIZUNA_RELAY_LISTEN`).
    pub listen: String,
    /// Host names and addresses in the server certificate.
    pub hostnames: Vec<String>,
    /// Validity of office certificates in days (`KIZUNA_RELAY_CERT_DAYS`).
    pub cert_days: i64,
    /// Failed logins before an office is locked (`KIZUNA_RELAY_LOCKOUT_FAILURES`).
    pub lockout_failures: u32,
    /// How long a lock lasts, in minutes (`KIZUNA_RELAY_LOCKOUT_MINUTES`).
    pub lockout_minutes: i64,
    /// Largest accepted upload in bytes (`KIZUNA_RELAY_MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// Days an undelivered message is kept (`KIZUNA_RELAY_EXPIRY_DAYS`).
    pub expiry_days: i64,
    /// Seconds between heartbeats on event streams (`KIZUNA_RELAY_HEARTBEAT_SECS`).
    pub heartbeat_secs: u64,
    /// Seconds between checks for expired messages (`KIZUNA_RELAY_EXPIRY_CHECK_SECS`).
    pub expiry_check_secs: u64,
    /// Open connections at most, in total (`KIZUNA_RELAY_MAX_CONNECTIONS`); more are answered 503.
    pub max_connections: usize,
    /// Open connections at most from one client address (`KIZUNA_RELAY_MAX_CONNECTIONS_PER_IP`).
    pub max_connections_per_ip: usize,
    /// Seconds a request body may send nothing before it is cut (`KIZUNA_RELAY_BODY_IDLE_SECS`).
    pub body_idle_secs: u64,
    /// Password checks computed at once, at most (`KIZUNA_RELAY_HASH_CONCURRENCY`); 0 = one per
    /// CPU core.
    pub hash_concurrency: usize,
    /// Activity reports (saves, exports) one device may make within an hour, counted by every
    /// node together (`KIZUNA_RELAY_ACTIVITY_PER_HOUR`).
    pub activity_per_hour: u32,
    /// Requests to join an office one client address may make within an hour
    /// (`KIZUNA_RELAY_JOIN_REQUESTS_PER_HOUR`).
    pub join_requests_per_hour: u32,
    /// Message bodies in an S3-compatible bucket instead of the data folder (`[object_store]`;
    /// `KIZUNA_RELAY_S3_ENDPOINT`, `_BUCKET`, `_REGION`); its keys come from the environment
    /// only (`KIZUNA_RELAY_S3_ACCESS_KEY_ID`, `KIZUNA_RELAY_S3_SECRET_ACCESS_KEY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_store: Option<ObjectStore>,
    /// Metadata in PostgreSQL instead of `relay.db` (`KIZUNA_RELAY_DATABASE_URL`,
    /// `postgres://user:password@host:port/database`): what several nodes share. Its password
    /// belongs in the environment rather than in this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// CA certificates (PEM) the PostgreSQL server's certificate is checked against, besides the
    /// system's (`KIZUNA_RELAY_DATABASE_CA_FILE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_ca_file: Option<std::path::PathBuf>,
}

/// Where an S3-compatible bucket is (its keys are not kept in the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectStore {
    /// `https://s3.ap-northeast-1.amazonaws.com`, `http://127.0.0.1:9000`, …
    pub endpoint: String,
    /// The bucket (made when it does not exist and the keys may).
    pub bucket: String,
    /// Its region.
    #[serde(default = "default_region")]
    pub region: String,
    /// The bucket in the path rather than in the host name (most self-hosted stores).
    #[serde(default = "default_path_style")]
    pub path_style: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}

fn default_path_style() -> bool {
    true
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "0.0.0.0:8443".into(),
            hostnames: vec!["localhost".into(), "127.0.0.1".into()],
            cert_days: 365,
            lockout_failures: 5,
            lockout_minutes: 15,
            max_upload_bytes: 20 * 1024 * 1024,
            expiry_days: 30,
            heartbeat_secs: 15,
            expiry_check_secs: 60,
            max_connections: 20_000,
            max_connections_per_ip: 512,
            body_idle_secs: 30,
            hash_concurrency: 0,
            activity_per_hour: 1_000,
            join_requests_per_hour: 20,
            object_store: None,
            database_url: None,
            database_ca_file: None,
        }
    }
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// An environment variable holds no valid value.
    #[error("{name}: not a valid value")]
    Env {
        /// The variable.
        name: &'static str,
    },
}

/// Name of the settings file in the data folder.
pub const FILE: &str = "relay.toml";

impl Config {
    /// Reads `relay.toml` from `data` (defaults when missing), then applies the environment.
    pub fn load(data: &Path) -> Result<Config, ConfigError> {
        let path = data.join(FILE);
        let mut config = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| ConfigError::Parse {
                path: path.display().to_string(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        macro_rules! from_env {
            ($($name:literal => $field:ident),* $(,)?) => {$(
                if let Some(v) = var($name) {
                    self.$field = v.parse().map_err(|_| ConfigError::Env { name: $name })?;
                }
            )*};
        }
        from_env! {
            "KIZUNA_RELAY_LISTEN" => listen,
            "KIZUNA_RELAY_CERT_DAYS" => cert_days,
            "KIZUNA_RELAY_LOCKOUT_FAILURES" => lockout_failures,
            "KIZUNA_RELAY_LOCKOUT_MINUTES" => lockout_minutes,
            "KIZUNA_RELAY_MAX_UPLOAD_BYTES" => max_upload_bytes,
            "KIZUNA_RELAY_EXPIRY_DAYS" => expiry_days,
            "KIZUNA_RELAY_HEARTBEAT_SECS" => heartbeat_secs,
            "KIZUNA_RELAY_EXPIRY_CHECK_SECS" => expiry_check_secs,
            "KIZUNA_RELAY_MAX_CONNECTIONS" => max_connections,
            "KIZUNA_RELAY_MAX_CONNECTIONS_PER_IP" => max_connections_per_ip,
            "KIZUNA_RELAY_BODY_IDLE_SECS" => body_idle_secs,
            "KIZUNA_RELAY_HASH_CONCURRENCY" => hash_concurrency,
            "KIZUNA_RELAY_ACTIVITY_PER_HOUR" => activity_per_hour,
            "KIZUNA_RELAY_JOIN_REQUESTS_PER_HOUR" => join_requests_per_hour,
        }
        if let Some(url) = var("KIZUNA_RELAY_DATABASE_URL") {
            self.database_url = Some(url);
        }
        if let Some(file) = var("KIZUNA_RELAY_DATABASE_CA_FILE") {
            self.database_ca_file = Some(file.into());
        }
        if let Some(endpoint) = var("KIZUNA_RELAY_S3_ENDPOINT") {
            let bucket = var("KIZUNA_RELAY_S3_BUCKET").ok_or(ConfigError::Env {
                name: "KIZUNA_RELAY_S3_BUCKET",
            })?;
            self.object_store = Some(ObjectStore {
                endpoint,
                bucket,
                region: var("KIZUNA_RELAY_S3_REGION").unwrap_or_else(default_region),
                path_style: true,
            });
        }
        Ok(())
    }

    /// The object store's settings with its keys from the environment, when bodies go there.
    pub fn s3(
        &self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<crate::s3::S3Settings>, ConfigError> {
        let Some(o) = &self.object_store else {
            return Ok(None);
        };
        let key = |name: &'static str| var(name).ok_or(ConfigError::Env { name });
        Ok(Some(crate::s3::S3Settings {
            endpoint: o.endpoint.clone(),
            bucket: o.bucket.clone(),
            region: o.region.clone(),
            path_style: o.path_style,
            access_key: key("KIZUNA_RELAY_S3_ACCESS_KEY_ID")?,
            secret_key: key("KIZUNA_RELAY_S3_SECRET_ACCESS_KEY")?,
        }))
    }

    /// Writes the settings as `relay.toml` into `data`.
    pub fn save(&self, data: &Path) -> std::io::Result<()> {
        let text = toml::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(
            data.join(FILE),
            format!("# Kizuna relay settings; KIZUNA_RELAY_* variables override them.\n{text}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file() {
        let mut c = Config::default();
        c.apply_env(|k| (k == "KIZUNA_RELAY_LOCKOUT_FAILURES").then(|| "3".to_owned()))
            .unwrap();
        assert_eq!(c.lockout_failures, 3);
        assert!(
            c.apply_env(|k| (k == "KIZUNA_RELAY_CERT_DAYS").then(|| "x".to_owned()))
                .is_err()
        );
    }

    #[test]
    fn settings_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config {
            cert_days: 30,
            ..Config::default()
        };
        c.save(dir.path()).unwrap();
        assert_eq!(Config::load(dir.path()).unwrap().cert_days, 30);
    }

    #[test]
    fn an_object_store_in_the_file_takes_its_keys_from_the_environment_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            "[object_store]\nendpoint = \"http://127.0.0.1:9000\"\nbucket = \"kizuna\"\n",
        )
        .unwrap();
        let c = Config::load(dir.path()).unwrap();
        assert!(matches!(
            c.s3(|_| None),
            Err(ConfigError::Env {
                name: "KIZUNA_RELAY_S3_ACCESS_KEY_ID"
            })
        ));
        let s3 = c
            .s3(|k| Some(format!("{k}-value")))
            .unwrap()
            .expect("bodies in the bucket");
        assert_eq!(
            (s3.bucket.as_str(), s3.region.as_str(), s3.path_style),
            ("kizuna", "us-east-1", true)
        );
        assert_eq!(s3.secret_key, "KIZUNA_RELAY_S3_SECRET_ACCESS_KEY-value");
        c.save(dir.path()).unwrap();
        let written = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(!written.contains("value"), "no key is written to the file");
    }

    #[test]
    fn a_database_url_from_the_environment_puts_the_metadata_in_postgresql() {
        let mut c = Config::default();
        assert_eq!(c.database_url, None, "relay.db by default");
        c.apply_env(|k| (k == "KIZUNA_RELAY_DATABASE_URL").then(|| "postgres://r@db/k".into()))
            .unwrap();
        assert_eq!(c.database_url.as_deref(), Some("postgres://r@db/k"));
    }

    #[test]
    fn an_object_store_endpoint_from_the_environment_needs_its_bucket() {
        let mut c = Config::default();
        let env = |k: &str| (k == "KIZUNA_RELAY_S3_ENDPOINT").then(|| "http://s3.local".to_owned());
        assert!(c.apply_env(env).is_err());
        assert!(
            Config::default().s3(|_| None).unwrap().is_none(),
            "the data folder by default"
        );
    }
}
