//! TLS of the relay: TLS 1.3 only; a client certificate from the relay's CA is accepted at the
//! handshake but required by every route except enrolment and health.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

/// Installs the process-wide crypto provider (ring) once; later calls do nothing.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate or key file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file holds no certificate or key.
    #[error("{0}: no certificate or key in it")]
    Empty(String),
    /// A file is not well-formed PEM.
    #[error("{path}: {source}")]
    Pem {
        /// The file.
        path: String,
        /// Why.
        source: pem::Error,
    },
    /// rustls refused the configuration.
    #[error("TLS: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client verifier could not be built.
    #[error("client verifier: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Certificates in a PEM file.
pub fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Pem {
            path: path.display().to_string(),
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::Empty(path.display().to_string()));
    }
    Ok(certs)
}

/// The private key in a PEM file.
pub fn key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read(path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|source| match source {
        pem::Error::NoItemsFound => TlsError::Empty(path.display().to_string()),
        source => TlsError::Pem {
            path: path.display().to_string(),
            source,
        },
    })
}

/// The server configuration: TLS 1.3 only, server certificate from `data`, client certificates
/// verified against the relay's CA but optional at the handshake.
pub fn server_config(data: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    install_crypto_provider();
    let mut roots = RootCertStore::empty();
    for c in certs(&data.join("ca").join("ca.pem"))? {
        roots.add(c)?;
    }
    let verifier = WebPkiClientVerifier::builder(Arc::new(roots))
        .allow_unauthenticated()
        .build()?;
    let config = rustls::ServerConfig::builder_with_protocol_versions(&[&rustls::version::TLS13])
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            certs(&data.join("server.pem"))?,
            key(&data.join("server.key"))?,
        )?;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_a_key_or_certificate_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.pem");
        std::fs::write(&path, "not a PEM file").unwrap();
        assert!(matches!(key(&path), Err(TlsError::Empty(_))));
        assert!(matches!(certs(&path), Err(TlsError::Empty(_))));
    }

    #[test]
    fn a_broken_pem_block_is_named_with_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.pem");
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let err = certs(&path).unwrap_err();
        assert!(matches!(err, TlsError::Pem { .. }), "{err}");
        assert!(err.to_string().contains("server.pem"));
    }
}
