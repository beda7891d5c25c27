//! The cost-effect simulator: what the plans, schedules and 実績 an office really exchanged
//! would have cost on paper — sheets printed, postage or travel, fax, and staff minutes — with
//! every unit cost editable and stated with where it comes from. No I/O: the history's rows
//! come in, a report goes out.

mod costs;
mod report;

pub use costs::{CostItem, UnitCosts};
pub use report::{Category, CostReport, Counts, Exchanged, MonthCost, PartnerMonth, Way, report};
