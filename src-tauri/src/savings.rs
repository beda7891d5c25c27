//! The cost-effect simulator (効果): thin commands over careplan-client; the unit costs an
//! office edits are kept in its settings, where `kizuna report` finds them too.

use std::path::PathBuf;

use careplan_client::cost::{CostReport, UnitCosts};
use careplan_csv::values::YearMonth;
use tauri::State;

use crate::commands::{Res, with_client};
use crate::state::AppState;

/// The report of this PC's history at the office's unit costs.
#[tauri::command]
pub async fn cost_report(state: State<'_, AppState>) -> Res<CostReport> {
    let costs = state.settings().costs;
    with_client(&state, move |c| c.cost_report(&costs, None)).await
}

/// Keeps new unit costs (negative ones count as zero) and answers the report at them.
#[tauri::command]
pub async fn set_costs(state: State<'_, AppState>, costs: UnitCosts) -> Res<CostReport> {
    let mut settings = state.settings();
    settings.costs = costs.normalised();
    settings.save(&state.profile).map_err(|e| state.error(&e))?;
    *state.settings.lock().unwrap_or_else(|p| p.into_inner()) = settings.clone();
    with_client(&state, move |c| c.cost_report(&settings.costs, None)).await
}

/// Writes the report at `path`: a one-page PDF, or CSV when the name ends in .csv.
#[tauri::command]
pub async fn save_cost_report(state: State<'_, AppState>, path: String) -> Res<()> {
    let costs = state.settings().costs;
    let path = PathBuf::from(path);
    with_client(&state, move |c| {
        let report = c.cost_report(&costs, None::<YearMonth>)?;
        let csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if csv {
            c.save_cost_csv(&report, &path)
        } else {
            c.save_cost_pdf(&report, &path)
        }
    })
    .await
}
