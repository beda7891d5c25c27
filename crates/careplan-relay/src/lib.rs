//! The Kizuna relay (連携基盤): offices enrol with a password and get a certificate from the
//! relay's own CA, then use mutual TLS 1.3; the relay routes files by office number, stores them
//! until fetched and records receipts and an audit log.
//!
//! The relay never needs to read care data: message bodies are end-to-end encrypted by the
//! offices. It must never log passwords, keys or contents.

pub mod blobs;
pub mod ca;
pub mod checkpoint;
pub mod config;
pub mod password;
pub mod pg_store;
pub mod s3;
pub mod server;
pub mod store;
pub mod tls;
pub mod totp;
