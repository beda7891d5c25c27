//! The cost-effect simulator over this office's history.

use std::path::Path;

use careplan_cost::{CostReport, UnitCosts};
use careplan_csv::values::YearMonth;

use crate::client::Client;
use crate::error::Result;
use crate::viewer::{pdf_font, print_error};

impl Client {
    /// What the plans, schedules and 実績 in this PC's history would have cost on paper at
    /// `costs`; only `month` when given.
    pub fn cost_report(&self, costs: &UnitCosts, month: Option<YearMonth>) -> Result<CostReport> {
        let rows = self.db().exchanged()?;
        Ok(careplan_cost::report(&rows, costs, month))
    }

    /// The report as a one-page PDF at `path`, for the office's management.
    pub fn save_cost_pdf(&self, report: &CostReport, path: &Path) -> Result<()> {
        let printed = careplan_print::Printed::today(self.config().office_name);
        let bytes =
            careplan_print::cost_pdf(report, &printed, &pdf_font()?).map_err(print_error)?;
        crate::profile::write_atomic(path, &bytes, false)
    }

    /// The report as CSV (MS932) at `path`.
    pub fn save_cost_csv(&self, report: &CostReport, path: &Path) -> Result<()> {
        crate::profile::write_atomic(path, &report.to_csv(), false)
    }
}
