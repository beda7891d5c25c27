//! Kizuna client core: enrolment, office keys, signed and encrypted exchange through the relay,
//! a persistent outbox, receiving into a folder, receipts and a searchable history.
//!
//! No UI here: the `kizuna` CLI and the desktop app are thin shells over [`Client`].

mod activity;
pub mod background;
mod client;
pub mod demo;
pub mod envelope;
pub mod error;
pub mod events;
pub mod export;
mod file_state;
pub mod invite;
pub mod keys;
mod local;
pub mod messages;
pub mod plan;
pub mod profile;
mod receive;
pub mod relay;
mod savings;
mod send;
pub mod settings;
mod staff;
mod status;
mod store;
mod sync;
#[cfg(test)]
mod testing;
pub mod tls;
pub mod viewer;
pub mod watch;
mod work;

/// The cost-effect simulator.
pub use careplan_cost as cost;
/// The forms viewer's model and 予実突合.
pub use careplan_forms as forms;
/// The relay API's types, as the client speaks them.
pub use careplan_protocol as protocol;
pub use client::{Client, Enrolment, Pairing};
pub use error::{ClientError, Result};
pub use file_state::{Direction, FileState};
pub use local::{Device, Partner, history_of};
pub use receive::{Received, write_new_file};
pub use send::{SendOutcome, SentFile, Upload, expand};
pub use staff::{qr_svg, qr_text};
pub use status::{Enrolled, Status};
pub use store::{HistoryEntry, HistoryQuery, OfficeSave};
