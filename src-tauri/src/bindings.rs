//! The TypeScript declarations of everything the window sends and receives, generated from the
//! Rust types; `ui/src/bindings.ts` must equal them (a test checks; `KIZUNA_BLESS=1` rewrites it).

use ts_rs::{Config, TS};

/// The declarations, in a fixed order.
pub fn typescript() -> String {
    let cfg = Config::default().with_large_int("number");
    let decls = [
        crate::commands::StatusView::decl(&cfg),
        careplan_client::settings::Settings::decl(&cfg),
        crate::state::UiError::decl(&cfg),
        crate::commands::EnrollArgs::decl(&cfg),
        crate::commands::EnrolmentFile::decl(&cfg),
        careplan_client::plan::SendPlan::decl(&cfg),
        careplan_client::plan::UnitCard::decl(&cfg),
        careplan_client::plan::ForeignFile::decl(&cfg),
        careplan_client::plan::FileView::decl(&cfg),
        careplan_client::plan::FindingView::decl(&cfg),
        crate::commands::SentOutcome::decl(&cfg),
        crate::commands::SentView::decl(&cfg),
        careplan_client::HistoryEntry::decl(&cfg),
        crate::commands::HistoryArgs::decl(&cfg),
        careplan_client::Partner::decl(&cfg),
        crate::background::ActivityEvent::decl(&cfg),
        // The relay API's vocabulary (careplan-protocol).
        careplan_client::protocol::OfficeKind::decl(&cfg),
        careplan_client::protocol::MessageState::decl(&cfg),
        careplan_client::protocol::EventKind::decl(&cfg),
        careplan_client::protocol::ErrorCode::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.\n// Regenerate: KIZUNA_BLESS=1 cargo test -p kizuna-desktop bindings\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    for (name, value) in [
        ("ACTIVITY_EVENT", crate::background::ACTIVITY_EVENT),
        ("NAVIGATE_EVENT", crate::background::NAVIGATE_EVENT),
    ] {
        out.push_str(&format!("export const {name} = {value:?};\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ui_bindings_match_the_rust_types() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/bindings.ts");
        let expected = super::typescript();
        if std::env::var_os("KIZUNA_BLESS").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            actual == expected,
            "ui/src/bindings.ts is out of date: run KIZUNA_BLESS=1 cargo test -p kizuna-desktop bindings"
        );
    }
}
