//! The TypeScript declarations of everything the window sends and receives, generated from the
//! Rust types; `ui/src/bindings.ts` must equal them (a test checks; `KIZUNA_BLESS=1` rewrites it).

use ts_rs::{Config, TS};

/// The declarations, in a fixed order.
pub fn typescript() -> String {
    let cfg = Config::default().with_large_int("number");
    let decls = [
        crate::commands::StatusView::decl(&cfg),
        careplan_client::Enrolled::decl(&cfg),
        crate::state::LoopHealth::decl(&cfg),
        careplan_client::settings::Settings::decl(&cfg),
        careplan_client::settings::WatchMode::decl(&cfg),
        crate::state::UiError::decl(&cfg),
        crate::commands::EnrollArgs::decl(&cfg),
        crate::joining::JoiningView::decl(&cfg),
        careplan_client::protocol::PendingDevice::decl(&cfg),
        careplan_client::protocol::Invite::decl(&cfg),
        crate::opening::InviteOpened::decl(&cfg),
        crate::update::UpdateView::decl(&cfg),
        careplan_client::protocol::StaffMember::decl(&cfg),
        careplan_client::protocol::Role::decl(&cfg),
        crate::staff::NewStaffArgs::decl(&cfg),
        crate::staff::StaffAddedView::decl(&cfg),
        careplan_client::protocol::SecondFactor::decl(&cfg),
        careplan_client::Device::decl(&cfg),
        careplan_client::plan::SendPlan::decl(&cfg),
        careplan_client::plan::UnitCard::decl(&cfg),
        careplan_client::plan::ForeignFile::decl(&cfg),
        careplan_client::plan::FileView::decl(&cfg),
        careplan_client::plan::FindingView::decl(&cfg),
        careplan_client::SendOutcome::decl(&cfg),
        careplan_client::SentFile::decl(&cfg),
        careplan_client::HistoryEntry::decl(&cfg),
        careplan_client::OfficeSave::decl(&cfg),
        careplan_client::Direction::decl(&cfg),
        careplan_client::FileState::decl(&cfg),
        crate::commands::HistoryArgs::decl(&cfg),
        careplan_client::Partner::decl(&cfg),
        crate::background::ActivityEvent::decl(&cfg),
        crate::watching::WaitingUnit::decl(&cfg),
        // The cost-effect simulator (careplan-cost).
        careplan_client::cost::UnitCosts::decl(&cfg),
        careplan_client::cost::CostItem::decl(&cfg),
        careplan_client::cost::CostReport::decl(&cfg),
        careplan_client::cost::MonthCost::decl(&cfg),
        careplan_client::cost::Counts::decl(&cfg),
        careplan_client::cost::PartnerMonth::decl(&cfg),
        // The forms viewer and 予実突合 (careplan-forms).
        crate::forms::OpenedView::decl(&cfg),
        careplan_client::viewer::Opened::decl(&cfg),
        careplan_client::viewer::OpenedFile::decl(&cfg),
        careplan_client::forms::UserEntry::decl(&cfg),
        careplan_client::forms::UserKey::decl(&cfg),
        careplan_client::forms::UserForms::decl(&cfg),
        careplan_client::forms::Form::decl(&cfg),
        careplan_client::forms::view::Source::decl(&cfg),
        careplan_client::forms::view::Sheet::decl(&cfg),
        careplan_client::forms::view::Item::decl(&cfg),
        careplan_client::forms::view::Table::decl(&cfg),
        careplan_client::forms::view::Column::decl(&cfg),
        careplan_client::forms::view::WeekPlan::decl(&cfg),
        careplan_client::forms::view::WeeklyService::decl(&cfg),
        careplan_client::forms::view::DailyActivity::decl(&cfg),
        careplan_client::forms::view::Schedule::decl(&cfg),
        careplan_client::forms::view::ScheduleRow::decl(&cfg),
        careplan_client::forms::view::Sikyu::decl(&cfg),
        careplan_client::forms::view::SikyuRow::decl(&cfg),
        careplan_client::forms::view::SikyuRowKind::decl(&cfg),
        careplan_client::forms::view::LimitPlacement::decl(&cfg),
        careplan_client::forms::view::Image::decl(&cfg),
        careplan_client::viewer::MonthComparison::decl(&cfg),
        careplan_client::forms::compare::Comparison::decl(&cfg),
        careplan_client::forms::compare::UserComparison::decl(&cfg),
        careplan_client::forms::compare::Difference::decl(&cfg),
        careplan_client::forms::compare::Visit::decl(&cfg),
        careplan_client::forms::compare::GridRow::decl(&cfg),
        careplan_client::forms::compare::Check::decl(&cfg),
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
        ("INVITE_EVENT", crate::opening::INVITE_EVENT),
        ("UPDATE_EVENT", crate::update::UPDATE_EVENT),
    ] {
        out.push_str(&format!("export const {name} = {value:?};\n"));
    }
    out.push_str(&state_labels());
    out
}

/// The words for every state, by language and direction, as the client says them.
fn state_labels() -> String {
    use careplan_client::messages::{outcome_label, state_label};
    use careplan_client::{Direction, FileState};
    use careplan_csv::Lang;
    let mut by_lang = serde_json::Map::new();
    for (name, lang) in [("ja", Lang::Ja), ("en", Lang::En)] {
        let mut by_direction = serde_json::Map::new();
        for d in Direction::ALL {
            let words: serde_json::Map<String, serde_json::Value> = FileState::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), state_label(d, *s, lang).into()))
                .collect();
            by_direction.insert(d.as_str().to_owned(), words.into());
        }
        by_lang.insert(name.to_owned(), by_direction.into());
    }
    let outcomes: serde_json::Map<String, serde_json::Value> = [("ja", Lang::Ja), ("en", Lang::En)]
        .into_iter()
        .map(|(name, lang)| {
            let words: serde_json::Map<String, serde_json::Value> =
                careplan_client::SendOutcome::ALL
                    .iter()
                    .map(|o| (o.as_str().to_owned(), outcome_label(*o, lang).into()))
                    .collect();
            (name.to_owned(), words.into())
        })
        .collect();
    format!(
        "\n/** How sending a file ended, in words, by language (careplan_client::messages::outcome_label). */\nexport const OUTCOME_LABELS: Record<\"ja\" | \"en\", Record<SendOutcome, string>> = {};\n\n/** Every state's words, by language and direction (careplan_client::messages::state_label). */\nexport const STATE_LABELS: Record<\"ja\" | \"en\", Record<Direction, Record<FileState, string>>> = {};\n",
        serde_json::to_string_pretty(&serde_json::Value::Object(outcomes)).unwrap_or_default(),
        serde_json::to_string_pretty(&serde_json::Value::Object(by_lang)).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ui_writes_no_state_label_of_its_own() {
        use careplan_client::messages::state_label;
        use careplan_client::{Direction, FileState};
        use careplan_csv::Lang;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name == "bindings.ts" || name.ends_with(".test.ts") || !name.ends_with(".ts") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for lang in [Lang::Ja, Lang::En] {
                for o in careplan_client::SendOutcome::ALL {
                    let label = careplan_client::messages::outcome_label(o, lang);
                    if lang == Lang::En && label.chars().count() <= 8 {
                        continue;
                    }
                    assert!(
                        !source.contains(&format!("\"{label}\"")),
                        "{name} writes the label {label:?}: use OUTCOME_LABELS"
                    );
                }
                for d in Direction::ALL {
                    for s in FileState::ALL {
                        let label = state_label(d, s, lang);
                        // Short English words (\"Queued\") may be other text; the sentences may not.
                        if label.chars().count() > 8 || lang == Lang::Ja {
                            assert!(
                                !source.contains(&format!("\"{label}\"")),
                                "{name} writes the label {label:?}: use STATE_LABELS"
                            );
                        }
                    }
                }
            }
        }
    }

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
