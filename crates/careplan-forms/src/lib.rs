//! What is exchanged, read as the forms office staff know: 居宅サービス計画書 (第1・2表), 週間サービス
//! 計画表 (第3表), サービス利用票 (第6表) and 別表 (第7表), 実績, 利用者補足情報 and the 介護予防
//! forms; and 予実突合, the plan set against what was delivered.
//!
//! Values are shown as the files hold them: codes get the names of the spec's code tables, dates
//! and times are written out, and nothing the standard leaves open is guessed. No I/O here: the
//! caller hands in file names and bytes.

pub mod bundle;
pub mod compare;
pub mod display;
pub mod schedule;
pub mod view;

pub use bundle::{Bundle, UserEntry, UserKey};
pub use compare::{Check, Comparison, compare};
pub use view::{Form, UserForms};
