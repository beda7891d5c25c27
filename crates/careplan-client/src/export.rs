//! The history as a CSV file for audits (実地指導): what was sent and received, when, to whom,
//! and the proof of receipt. UTF-8 with a byte-order mark, so Excel opens it correctly.

use careplan_csv::Lang;

use crate::file_state::Direction;
use crate::messages::state_label;
use crate::store::HistoryEntry;

/// Unix seconds as Japan time (the standard's time zone), `2026-12-01 09:30:00`.
pub fn jst(t: i64) -> String {
    let offset = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    match time::OffsetDateTime::from_unix_timestamp(t) {
        Ok(d) => {
            let d = d.to_offset(offset);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                d.year(),
                u8::from(d.month()),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            )
        }
        Err(_) => t.to_string(),
    }
}

/// A cell as a spreadsheet shows it, never as a formula: names and file names come from other
/// offices and the relay, and a cell starting with `=`, `+`, `-`, `@` or a control character would
/// be run by Excel when the audit file is opened (CSV injection). Such cells are kept as text
/// with a leading apostrophe, the spreadsheet convention for "this is text".
fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

const HEADER: [&str; 14] = [
    "方向",
    "日時",
    "ファイル名",
    "相手事業所番号",
    "相手事業所名",
    "種別",
    "対象年月",
    "利用者数",
    "状態",
    "署名付き受信確認",
    "経過",
    "担当者",
    "相手の担当者",
    "保存（PC・担当者・日時・場所）",
];

/// The history entries as CSV bytes (times in Japan time).
pub fn history_csv(entries: &[HistoryEntry]) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer("\u{feff}".as_bytes().to_vec());
    // Writing to memory cannot fail; the rows are built from strings only.
    let _ = out.write_record(HEADER);
    for e in entries {
        let timeline = e
            .timeline
            .iter()
            .map(|(s, t)| format!("{} {}", jst(*t), state_label(e.direction, *s, Lang::Ja)))
            .collect::<Vec<_>>()
            .join(" / ");
        let row = [
            if e.direction == Direction::Sent {
                "送信"
            } else {
                "受信"
            }
            .to_owned(),
            jst(e.created_at),
            e.file_name.clone(),
            e.partner.clone(),
            e.partner_name.clone().unwrap_or_default(),
            e.kind_name.clone().or(e.kind.clone()).unwrap_or_default(),
            e.month.clone().unwrap_or_default(),
            e.users.map(|u| u.to_string()).unwrap_or_default(),
            state_label(e.direction, e.state, Lang::Ja).to_owned(),
            if e.receipt.is_some() { "あり" } else { "" }.to_owned(),
            timeline,
            e.person.clone().unwrap_or_default(),
            e.partner_person.clone().unwrap_or_default(),
            e.saves
                .iter()
                .map(|v| {
                    let who = v
                        .person
                        .as_deref()
                        .map(|p| format!(" {p}"))
                        .unwrap_or_default();
                    let again = if v.again { "（再保存）" } else { "" };
                    format!("{}{who} {} {}{again}", v.device_name, jst(v.at), v.place)
                })
                .collect::<Vec<_>>()
                .join(" / "),
        ];
        let _ = out.write_record(row.iter().map(|f| cell(f).into_owned()));
    }
    out.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file_state::FileState;

    fn entry() -> HistoryEntry {
        HistoryEntry {
            direction: Direction::Sent,
            id: 1,
            file_name: "UPPLAN_202612_x.CSV".into(),
            partner: "1320000001".into(),
            partner_name: Some("ひまわり, 訪問介護".into()),
            kind: Some("UPPLAN".into()),
            kind_name: None,
            month: Some("202612".into()),
            users: Some(4),
            state: FileState::Acknowledged,
            detail: None,
            saved_path: None,
            receipt: Some("r".into()),
            created_at: 1_796_000_000,
            timeline: vec![
                (FileState::Queued, 1_796_000_000),
                (FileState::Acknowledged, 1_796_000_060),
            ],
            person: Some("佐藤 花子 (sato)".into()),
            partner_person: None,
            saves: Vec::new(),
        }
    }

    #[test]
    fn the_audit_csv_has_a_row_per_file_with_its_receipt_and_timeline() {
        let csv = String::from_utf8(history_csv(&[entry()])).unwrap();
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].starts_with("送信,2026-"), "{}", lines[1]);
        assert!(lines[1].contains("\"ひまわり, 訪問介護\""));
        assert!(lines[1].contains("相手受信確認済み,あり,"));
        assert!(lines[1].contains("送信待ち / "));
    }

    #[test]
    fn the_audit_csv_names_the_pc_the_person_and_the_place_of_each_save() {
        let mut e = entry();
        e.direction = Direction::Received;
        e.saves = vec![crate::store::OfficeSave {
            device_name: "事務所PC".into(),
            here: false,
            person: Some("鈴木 一郎 (suzuki)".into()),
            place: "C:\\取込\\UPPLAN.CSV".into(),
            again: false,
            at: 1_796_000_120,
        }];
        let csv = history_csv(&[e]);
        let mut rows = csv::Reader::from_reader(&csv[3..]);
        let row = rows.records().next().unwrap().unwrap();
        assert!(
            row[13].starts_with("事務所PC 鈴木 一郎 (suzuki) 2026-")
                && row[13].ends_with("C:\\取込\\UPPLAN.CSV"),
            "{}",
            &row[13]
        );
    }

    #[test]
    fn a_name_that_would_be_a_formula_in_a_spreadsheet_stays_text() {
        let mut e = entry();
        e.partner_name = Some("=HYPERLINK(\"http://evil.example\",\"開く\")".into());
        let csv = String::from_utf8(history_csv(&[e])).unwrap();
        let mut rows = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let row = rows.records().next().unwrap().unwrap();
        assert_eq!(&row[4], "'=HYPERLINK(\"http://evil.example\",\"開く\")");
    }

    #[test]
    fn the_audit_csv_reads_back_as_written_with_quotes_and_line_breaks() {
        let mut e = entry();
        e.partner_name = Some("ひまわり\"本店\"\n第二".into());
        let csv = history_csv(&[e]);
        assert!(csv.starts_with("\u{feff}".as_bytes()));
        let mut rows = csv::Reader::from_reader(&csv[3..]);
        assert_eq!(rows.headers().unwrap().len(), 14);
        let row = rows.records().next().unwrap().unwrap();
        assert_eq!(&row[4], "ひまわり\"本店\"\n第二");
        assert_eq!(&row[8], "相手受信確認済み");
        assert_eq!(&row[11], "佐藤 花子 (sato)");
    }
}
