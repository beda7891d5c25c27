//! One behaviour per test: each rule of rules.md (R-numbers) and each column rule of the JSON
//! (COL-…) breaks a valid sample in one place and expects exactly the finding it names.

use careplan_csv::record::{self, Record};
use careplan_csv::sample::{SampleOptions, every_kind, exchange};
use careplan_csv::values::{OfficeNumber, ServiceType, YearMonth};
use careplan_csv::{FileKind, FileName, Input, Mode, Problem, Severity, validate};

use Severity::{Error as E, Warning as W};

/// (code, severity, line, item No.)
type Seen = (&'static str, Severity, Option<u64>, Option<u16>);

/// A set of files being broken on purpose.
struct Files(Vec<(String, Vec<u8>)>);

const OFFICE_A: &str = "1320000001"; // 通所介護 (two codes: needs 第7表 subtotals)
const KYOTAKU: &str = "1310000001";

impl Files {
    /// The plan unit (K1), the 利用票 unit (K2) sent to office A and office A's 実績 (K5), June 2025.
    fn exchange() -> Files {
        let opts = SampleOptions {
            kyotaku: OfficeNumber::parse(KYOTAKU).unwrap(),
            services: vec![
                (
                    OfficeNumber::parse(OFFICE_A).unwrap(),
                    ServiceType::parse("15").unwrap(),
                ),
                (
                    OfficeNumber::parse("1320000002").unwrap(),
                    ServiceType::parse("17").unwrap(),
                ),
            ],
            month: YearMonth::parse("202506").unwrap(),
            users: 2,
        };
        let files = exchange(&opts).unwrap();
        Files(
            files
                .into_iter()
                .filter(|f| {
                    f.name.recipient.office.as_str() == OFFICE_A
                        || f.name.sender.office.as_str() == OFFICE_A
                })
                .map(|f| (f.name.to_string(), f.bytes))
                .collect(),
        )
    }

    /// Every kind, including the 介護予防 unit with its image.
    fn every_kind() -> Files {
        Files(
            every_kind(YearMonth::parse("202506").unwrap())
                .into_iter()
                .map(|f| (f.name.to_string(), f.bytes))
                .collect(),
        )
    }

    fn index(&self, sel: &str) -> usize {
        let found: Vec<usize> = (0..self.0.len())
            .filter(|i| self.0[*i].0.starts_with(sel))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "selector {sel} must match one file: {:?}",
            self.0.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        found[0]
    }

    fn kind(&self, sel: &str) -> FileKind {
        FileName::parse(&self.0[self.index(sel)].0).unwrap().kind
    }

    fn records(&self, sel: &str) -> Vec<Record> {
        record::parse(self.kind(sel), &self.0[self.index(sel)].1[..]).unwrap()
    }

    fn edit(&mut self, sel: &str, f: impl FnOnce(&mut Vec<Record>)) -> &mut Self {
        let mut r = self.records(sel);
        f(&mut r);
        let i = self.index(sel);
        self.0[i].1 = record::write(&r).bytes;
        self
    }

    /// Sets item `no` of the record at 0-based index `rec`.
    fn set(&mut self, sel: &str, rec: usize, no: u16, v: &str) -> &mut Self {
        self.edit(sel, |r| {
            r[rec].set(no, v);
        })
    }

    fn bytes(&mut self, sel: &str, f: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        let i = self.index(sel);
        f(&mut self.0[i].1);
        self
    }

    /// Sets item `no` of the first two records to `v`: a value repeated from the record before.
    fn set_in_first_two(&mut self, sel: &str, no: u16, v: &str) -> &mut Self {
        self.set(sel, 0, no, v).set(sel, 1, no, v)
    }

    /// Edits the bytes of the first two records in place, each given from its first byte on.
    fn edit_first_two(&mut self, sel: &str, edit: impl Fn(&mut [u8])) -> &mut Self {
        self.bytes(sel, |b| {
            let second = b.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
            edit(&mut b[second..]);
            edit(&mut b[..]);
        })
    }

    fn rename(&mut self, sel: &str, name: &str) -> &mut Self {
        let i = self.index(sel);
        self.0[i].0 = name.to_owned();
        self
    }

    fn remove(&mut self, sel: &str) -> &mut Self {
        let i = self.index(sel);
        self.0.remove(i);
        self
    }

    /// 0-based index of the first record matching `pred`.
    fn find(&self, sel: &str, pred: impl Fn(&Record) -> bool) -> usize {
        self.records(sel)
            .iter()
            .position(pred)
            .expect("a matching record")
    }

    fn check(&self, sel: &str, mode: Mode) -> Vec<Seen> {
        let name = &self.0[self.index(sel)].0;
        let inputs = self
            .0
            .iter()
            .map(|(n, b)| Input::bytes(n.clone(), b.clone()));
        let report = validate(inputs, mode)
            .into_iter()
            .find(|r| &r.name == name)
            .unwrap();
        report
            .findings
            .iter()
            .map(|f| (f.code, f.severity, f.location.line, f.location.column))
            .collect()
    }

    /// The findings of the selected file, checked as sender, are exactly `expected`.
    fn expect(&self, sel: &str, expected: &[Seen]) {
        self.expect_in(sel, Mode::Send, expected);
    }

    fn expect_in(&self, sel: &str, mode: Mode, expected: &[Seen]) {
        let mut got = self.check(sel, mode);
        let mut want = expected.to_vec();
        got.sort();
        want.sort();
        assert_eq!(got, want, "findings of {sel}");
    }
}

fn at(line: u64) -> Option<u64> {
    Some(line)
}
fn no(n: u16) -> Option<u16> {
    Some(n)
}
/// The same finding on lines 1 and 2.
fn on_first_two(code: &'static str, severity: Severity, column: Option<u16>) -> [Seen; 2] {
    [
        (code, severity, at(1), column),
        (code, severity, at(2), column),
    ]
}

const PLAN: &str = "UPPLAN_";
const SIKYU: &str = "UPSIKYU_";
const HOSOKU_M: &str = "UPHOSOKU_202506_";
const HOSOKU_P: &str = "UPHOSOKU_000000_";
const KYO1: &str = "UP1KYO_";
const KYO2: &str = "UP2KYO_";
const KYO3: &str = "UP3KYO_";
const JSK: &str = "UPJSK_";

#[test]
fn the_unmodified_samples_have_no_findings() {
    let f = Files::exchange();
    for sel in [PLAN, SIKYU, HOSOKU_M, HOSOKU_P, KYO1, KYO2, KYO3, JSK] {
        f.expect(sel, &[]);
    }
    let f = Files::every_kind();
    for (name, _) in &f.0 {
        f.expect(name, &[]);
    }
}

// --- A. encoding and CSV syntax ---

#[test]
fn r1_undecodable_bytes_are_an_error_with_the_line() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| {
        // In the second record, replace the first byte of the care manager's name by an
        // unassigned lead byte (0x85 0x40 is no MS932 character).
        let second = b.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        let name = second + b[second..].iter().position(|c| *c == b'"').unwrap() + 1;
        b[name] = 0x85;
        b[name + 1] = 0x40;
    });
    f.expect(PLAN, &[("R1", E, at(2), None)]);
}

#[test]
fn r1_undecodable_byte_reports_its_offset() {
    let report = careplan_csv::validate_one(
        Input::bytes(
            "DLT1KYO_1310000001_43_1320000001_15_20250525100000.CSV",
            b"202407,131210,0001000100,20250520\r\n202407,131210,00010\xFD0107,20250520\r\n"
                .to_vec(),
        ),
        Mode::Receive,
    );
    let f = report.findings.iter().find(|f| f.code == "R1").unwrap();
    assert_eq!(f.location.line, Some(2));
    assert!(
        matches!(
            f.problem,
            careplan_csv::Problem::Undecodable { offset: 54, .. }
        ),
        "{:?}",
        f.problem
    );
    assert!(f.message(careplan_csv::Lang::Ja).contains("54バイト目"));
}

#[test]
fn r2_gaiji_is_an_error() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| {
        let name = b.iter().position(|c| *c == b'"').unwrap() + 1;
        b[name] = 0xF0;
        b[name + 1] = 0x9F;
    });
    f.expect(PLAN, &[("R2", E, at(1), None)]);
}

#[test]
fn r1_a_utf8_file_is_an_error_telling_to_save_as_shift_jis() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| {
        let mut text = String::new();
        assert!(careplan_csv::encoding::decode_into(b, &mut text));
        *b = text.into_bytes();
    });
    f.expect(PLAN, &[("R1", E, None, None)]);
    let report = careplan_csv::validate_one(
        Input::bytes(f.0[f.index(PLAN)].0.clone(), f.0[f.index(PLAN)].1.clone()),
        Mode::Send,
    );
    let msg = report
        .findings
        .iter()
        .find(|x| x.code == "R1")
        .unwrap()
        .message(careplan_csv::Lang::Ja);
    assert!(msg.contains("Shift-JIS") && msg.contains("UTF-8"), "{msg}");
}

#[test]
fn r9_a_utf8_bom_is_stripped_with_a_warning() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| b.splice(0..0, *b"\xEF\xBB\xBF").for_each(drop));
    f.expect(PLAN, &[("R9", W, None, None)]);
}

#[test]
fn r1_the_same_undecodable_name_on_two_records_is_an_error_on_each() {
    let mut f = Files::exchange();
    // The care manager's name is the first quoted item of every record.
    f.edit_first_two(PLAN, |r| {
        let name = r.iter().position(|c| *c == b'"').unwrap() + 1;
        r[name] = 0x85;
        r[name + 1] = 0x40;
    });
    f.expect(PLAN, &on_first_two("R1", E, None));
}

#[test]
fn r5_an_unterminated_quote_is_an_error() {
    let mut f = Files::exchange();
    let rs = f.records(SIKYU);
    let n = rs.len() as u64;
    let user_start = rs
        .iter()
        .position(|r| r.get(3) == rs[rs.len() - 1].get(3))
        .unwrap() as u64
        + 1;
    f.bytes(SIKYU, |b| {
        // Drop the closing quote of the last record's office name: the rest of the file becomes
        // that item, so the record also has too few items.
        let last = b[..b.len() - 2]
            .windows(2)
            .rposition(|w| w == b"\r\n")
            .unwrap()
            + 2;
        let open = last + b[last..].iter().position(|c| *c == b'"').unwrap();
        let close = open + 1 + b[open + 1..].iter().position(|c| *c == b'"').unwrap();
        b.remove(close);
    });
    // The broken record is the user's grand total, so the user also lacks one (R66).
    f.expect(
        SIKYU,
        &[
            ("R5", E, at(n), None),
            ("R11", E, at(n), None),
            ("R66", E, at(user_start), None),
        ],
    );
}

#[test]
fn r5_a_quote_inside_an_unquoted_item_is_an_error() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| {
        let comma = b.iter().position(|c| *c == b',').unwrap();
        b.insert(comma + 3, b'"');
    });
    f.expect(
        PLAN,
        &[("R5", E, at(1), no(2)), ("COL-FORMAT", E, at(1), no(2))],
    );
}

#[test]
fn r5_a_stray_quote_repeated_on_the_next_record_is_an_error_on_each() {
    let mut f = Files::exchange();
    // In 保険者番号 (No.2).
    f.edit_first_two(PLAN, |r| {
        let item = r.iter().position(|c| *c == b',').unwrap() + 3;
        r[item] = b'"';
    });
    let expected = [
        on_first_two("R5", E, no(2)),
        on_first_two("COL-FORMAT", E, no(2)),
    ];
    f.expect(PLAN, expected.as_flattened());
}

#[test]
fn r5_free_text_without_quotes_is_an_error_when_sending_and_a_warning_on_receipt() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| {
        let q = b.iter().position(|c| *c == b'"').unwrap();
        b.remove(q);
        let q2 = q + b[q..].iter().position(|c| *c == b'"').unwrap();
        b.remove(q2);
    });
    f.expect(PLAN, &[("R5", E, at(1), no(7))]);
    f.expect_in(PLAN, Mode::Receive, &[("R5", W, at(1), no(7))]);
}

#[test]
fn r8_a_header_row_is_skipped_with_a_warning() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| {
        let mut header = Vec::new();
        careplan_csv::encoding::encode("CSVバージョン,保険者番号,被保険者番号\r\n", &mut header);
        b.splice(0..0, header).for_each(drop);
    });
    f.expect(PLAN, &[("R8", W, at(1), None)]);
}

#[test]
fn r10_an_empty_line_between_records_is_a_warning_and_trailing_ones_are_not() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| {
        let first_end = b.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        b.splice(first_end..first_end, *b"\r\n").for_each(drop);
        b.extend_from_slice(b"\r\n\r\n");
    });
    f.expect(PLAN, &[("R10", W, at(2), None)]);
}

#[test]
fn r7_lf_line_ends_and_a_missing_final_break_are_accepted() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| {
        let text: Vec<u8> = b.iter().copied().filter(|c| *c != b'\r').collect();
        *b = text[..text.len() - 1].to_vec();
    });
    f.expect(PLAN, &[]);
}

#[test]
fn r11_a_record_with_the_wrong_number_of_items_is_an_error() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| {
        let first_end = b.windows(2).position(|w| w == b"\r\n").unwrap();
        b.splice(first_end..first_end, *b",x").for_each(drop);
    });
    f.expect(PLAN, &[("R11", E, at(1), None)]);
}

#[test]
fn r12_a_file_without_records_is_an_error_when_sending_and_a_warning_on_receipt() {
    let mut f = Files::every_kind();
    f.bytes("DLT1KYO_", Vec::clear);
    f.expect("DLT1KYO_", &[("R12", E, None, None)]);
    f.expect_in("DLT1KYO_", Mode::Receive, &[("R12", W, None, None)]);
}

#[test]
fn a_file_of_one_line_of_english_is_an_error_not_a_valid_file() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| *b = b"This is not a care plan\r\n".to_vec());
    f.expect(PLAN, &[("R8", W, at(1), None), ("R12", E, None, None)]);
}

#[test]
fn a_nul_byte_is_an_error_and_ends_reading() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| {
        let second = b.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        b[second + 3] = 0;
    });
    // Line 1 is read and passes; line 2 has the NUL; nothing after it is read.
    f.expect(PLAN, &[("NOT-CSV", E, at(2), None)]);
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| *b = vec![0; 3000]);
    f.expect(PLAN, &[("NOT-CSV", E, at(1), None)]);
}

#[test]
fn a_record_longer_than_1_mib_is_an_error_and_ends_reading_with_bounded_memory() {
    let mut f = Files::exchange();
    f.bytes(PLAN, |b| b.extend(std::iter::repeat_n(b'7', 3 << 20)));
    f.expect(PLAN, &[("NOT-CSV", E, None, None)]);
}

// --- B. file names ---

#[test]
fn r13_a_v3_style_name_is_an_error_and_the_content_is_still_checked() {
    let mut f = Files::every_kind();
    f.set("DLT1KYO_", 0, 4, "20250532");
    f.rename(
        "DLT1KYO_",
        "DLT1KYO_1370000101_1370000202_20250528100000.CSV",
    );
    f.expect(
        "DLT1KYO_",
        &[("R13", E, None, None), ("COL-FORMAT", E, at(1), no(4))],
    );
}

#[test]
fn r18_a_wrong_extension_is_an_error() {
    let mut f = Files::every_kind();
    f.rename(
        "DLT1KYO_",
        "DLT1KYO_1370000101_43_1370000202_17_20250528100000.txt",
    );
    f.expect("DLT1KYO_", &[("R18", E, None, None)]);
}

#[test]
fn r16_a_serial_that_is_no_real_time_is_a_warning() {
    let mut f = Files::every_kind();
    f.rename(
        "DLT1KYO_",
        "DLT1KYO_1370000101_43_1370000202_17_20250528996000.CSV",
    );
    f.expect("DLT1KYO_", &[("R16", W, None, None)]);
}

#[test]
fn r22_same_office_number_with_different_types_is_a_warning() {
    let mut f = Files::every_kind();
    f.rename(
        "DLT1KYO_",
        "DLT1KYO_1370000101_43_1370000101_17_20250528100000.CSV",
    );
    f.expect("DLT1KYO_", &[("R22", W, None, None)]);
}

#[test]
fn r21_an_unknown_service_type_in_a_name_is_a_warning() {
    let mut f = Files::every_kind();
    f.rename(
        "DLT1KYO_",
        "DLT1KYO_1370000101_43_1370000202_ZZ_20250528100000.CSV",
    );
    f.expect("DLT1KYO_", &[("R21", W, None, None)]);
}

#[test]
fn r81_a_plan_file_sent_by_a_service_office_is_a_warning() {
    let mut f = Files::every_kind();
    f.rename(
        "DLT1KYO_",
        "DLT1KYO_1370000202_17_1370000101_43_20250528100000.CSV",
    );
    f.expect("DLT1KYO_", &[("R81", W, None, None)]);
}

// --- C. CSV version ---

#[test]
fn r25_one_file_has_one_csv_version() {
    let mut f = Files::exchange();
    f.set(PLAN, 3, 1, "202504");
    f.expect(PLAN, &[("R25", E, at(4), no(1))]);
}

#[test]
fn r26_v3_versions_are_refused() {
    let mut f = Files::exchange();
    f.edit(PLAN, |rs| {
        rs.iter_mut().for_each(|r| {
            r.set(1, "202208");
        })
    });
    f.expect(PLAN, &[("R26", E, at(1), no(1))]);
}

#[test]
fn r26_an_unknown_version_is_refused() {
    let mut f = Files::exchange();
    f.edit(PLAN, |rs| {
        rs.iter_mut().for_each(|r| {
            r.set(1, "202501");
        })
    });
    f.expect(PLAN, &[("R26", E, at(1), no(1))]);
}

#[test]
fn r26_version_202504_is_accepted_with_a_warning() {
    let mut f = Files::exchange();
    f.edit(PLAN, |rs| {
        rs.iter_mut().for_each(|r| {
            r.set(1, "202504");
        })
    });
    f.expect(PLAN, &[("R26", W, at(1), no(1))]);
}

#[test]
fn r27_version_202407_before_april_2025_is_a_warning() {
    let mut f = Files::every_kind();
    f.rename(
        "DLTPLAN_",
        "DLTPLAN_202503_1370000101_43_1370000202_17_20250228100100.CSV",
    );
    f.set("DLTPLAN_", 0, 4, "202503");
    f.expect("DLTPLAN_", &[("R27", W, at(1), no(1))]);
}

// --- D. one month per file ---

#[test]
fn r28_one_file_holds_one_service_month() {
    let mut f = Files::exchange();
    f.edit(JSK, |rs| {
        rs[2].set(5, "202507").set(10, "20250714");
    });
    f.expect(JSK, &[("R28", E, at(3), no(5)), ("R29", E, at(3), no(5))]);
}

#[test]
fn r29_the_records_month_is_the_month_in_the_name() {
    let mut f = Files::every_kind();
    f.set("DLTPLAN_", 0, 4, "202507");
    f.expect("DLTPLAN_", &[("R29", E, at(1), no(4))]);
}

#[test]
fn r30_hosoku_of_a_plan_unit_has_month_000000() {
    let mut f = Files::exchange();
    f.set(HOSOKU_P, 1, 63, "202506");
    f.expect(HOSOKU_P, &[("R30", E, at(2), no(63))]);
}

#[test]
fn r30_hosoku_of_a_schedule_unit_has_date_00000000() {
    let mut f = Files::exchange();
    f.set(HOSOKU_M, 0, 4, "20250520");
    f.expect(HOSOKU_M, &[("R30", E, at(1), no(4))]);
}

#[test]
fn r35_a_user_without_services_of_the_receiver_is_a_warning() {
    let mut f = Files::exchange();
    let office_b = "1320000002";
    f.edit(PLAN, |rs| {
        rs.iter_mut()
            .filter(|r| r.get(3) == "0001000100")
            .for_each(|r| {
                r.set(20, office_b);
            })
    });
    f.expect(PLAN, &[("R35", W, at(1), None)]);
}

#[test]
fn r36_a_jisseki_record_of_another_office_is_a_warning() {
    let mut f = Files::exchange();
    f.set(JSK, 4, 20, "1320000002");
    f.expect(JSK, &[("R36", W, at(5), no(20))]);
}

#[test]
fn r33_an_out_of_scope_service_code_is_a_warning() {
    let mut f = Files::exchange();
    f.set(JSK, 0, 15, "331111");
    f.expect(JSK, &[("R33", W, at(1), no(15)), ("R36", W, at(1), no(15))]);
}

#[test]
fn r33_an_out_of_scope_service_code_is_a_warning_on_every_record_that_has_it() {
    let mut f = Files::exchange();
    f.set_in_first_two(JSK, 15, "331111");
    let [first, second] = on_first_two("R33", W, no(15));
    f.expect(JSK, &[first, second, ("R36", W, at(1), no(15))]);
}

// --- E. send units ---

#[test]
fn r40_files_of_different_units_under_one_serial_are_an_error_when_sending() {
    let mut f = Files::every_kind();
    f.rename(
        "DLT1KYO_",
        "DLT1KYO_1370000101_43_1370000202_17_20250525093000.CSV",
    );
    f.expect("DLT1KYO_", &[("R40", E, None, None)]);
    f.expect_in("DLT1KYO_", Mode::Receive, &[("R40", W, None, None)]);
}

#[test]
fn r41_a_schedule_unit_without_its_upplan_is_an_error() {
    let mut f = Files::exchange();
    f.remove(PLAN);
    f.expect(SIKYU, &[("R41", E, None, None)]);
}

#[test]
fn r42_a_missing_companion_is_an_error_when_sending_and_a_warning_when_receiving() {
    let mut f = Files::exchange();
    f.remove(SIKYU);
    f.expect(PLAN, &[("R42", E, None, None)]);
    f.expect_in(PLAN, Mode::Receive, &[("R42", W, None, None)]);
}

#[test]
fn r42_a_plan_unit_needs_the_third_table() {
    let mut f = Files::exchange();
    f.remove(KYO3);
    f.expect(KYO1, &[("R42", E, None, None)]);
}

#[test]
fn r43_upkihon_without_its_sub2_is_a_warning() {
    let mut f = Files::every_kind();
    f.remove("UPKIHON_SUB2_");
    f.expect("UPKIHON_1", &[("R43", W, None, None)]);
}

#[test]
fn r23_a_sub_file_without_its_parent_is_an_error() {
    let mut f = Files::every_kind();
    f.remove("UPYOBO_1");
    f.expect("UPYOBO_SUB_", &[("R23", E, None, None)]);
}

// --- F. keys across files ---

#[test]
fn r46_a_second_table_user_must_be_in_the_first_table() {
    let mut f = Files::exchange();
    f.set(KYO2, 2, 3, "0009999999");
    f.expect(KYO2, &[("R46", E, at(3), None)]);
}

#[test]
fn r46_names_the_missing_key_item_by_item() {
    let mut f = Files::exchange();
    f.set(KYO2, 2, 3, "0009999999");
    let (name, _) = &f.0[f.index(KYO2)];
    let inputs = f.0.iter().map(|(n, b)| Input::bytes(n.clone(), b.clone()));
    let report = validate(inputs, Mode::Send)
        .into_iter()
        .find(|r| &r.name == name)
        .unwrap();
    let keys: Vec<&str> = report
        .findings
        .iter()
        .filter_map(|f| match &f.problem {
            Problem::NoParentRecord { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    let record = &f.records(KYO2)[2];
    let expected = format!("{} / 0009999999 / {}", record.get(2), record.get(5));
    assert_eq!(keys, [expected.as_str()]);
}

#[test]
fn r46_hosoku_of_a_plan_unit_must_match_the_plan_date() {
    let mut f = Files::exchange();
    f.set(HOSOKU_P, 0, 4, "20250519");
    f.expect(HOSOKU_P, &[("R46", E, at(1), None)]);
}

#[test]
fn r47_a_seventh_table_user_must_be_in_the_sixth_table() {
    let mut f = Files::exchange();
    let rs = f.records(SIKYU);
    let last = rs.len() - 1;
    let user_start = rs.iter().position(|r| r.get(3) == rs[last].get(3)).unwrap() as u64 + 1;
    f.set(SIKYU, last, 3, "0009999999");
    // The moved grand-total row leaves its user without one (R66) and forms a user of its own
    // with no service of the receiver (R35).
    let moved = last as u64 + 1;
    f.expect(
        SIKYU,
        &[
            ("R47", E, at(moved), None),
            ("R35", W, at(moved), None),
            ("R66", E, at(user_start), None),
        ],
    );
}

#[test]
fn r48_a_support_plan_sheet_must_match_its_plan() {
    let mut f = Files::every_kind();
    f.set("UPYOBO_SUB_", 0, 4, "20250517");
    f.expect("UPYOBO_SUB_", &[("R48", E, at(1), None)]);
}

#[test]
fn r49_an_image_named_in_upkihon_must_be_in_the_unit() {
    let mut f = Files::every_kind();
    f.remove("UPKIHON_IMAGE_");
    f.expect("UPKIHON_1", &[("R49", E, at(1), no(62))]);
}

#[test]
fn r49_an_image_must_be_jpeg() {
    let mut f = Files::every_kind();
    f.bytes("UPKIHON_IMAGE_", |b| *b = b"\x89PNG\r\n\x1a\n".to_vec());
    f.expect("UPKIHON_IMAGE_", &[("R49", E, None, None)]);
}

#[test]
fn r49_an_image_named_by_no_record_is_a_warning() {
    let mut f = Files::every_kind();
    f.set("UPKIHON_1", 0, 62, "");
    f.expect("UPKIHON_IMAGE_", &[("R49", W, None, None)]);
}

// --- G. record rules ---

#[test]
fn r60_welfare_equipment_needs_a_tais_or_notified_code() {
    let mut f = Files::exchange();
    let i = f.find(PLAN, |r| r.get(15).starts_with("17"));
    f.set(PLAN, i, 16, "");
    f.expect(PLAN, &[("R60", E, at(i as u64 + 1), no(16))]);
}

#[test]
fn r60_applies_to_seventh_table_detail_rows_too() {
    let mut f = Files::exchange();
    let i = f.find(SIKYU, |r| r.get(9).starts_with("17"));
    f.set(SIKYU, i, 10, "");
    f.expect(SIKYU, &[("R60", E, at(i as u64 + 1), no(10))]);
}

#[test]
fn r61_a_line_discriminator_outside_equipment_is_a_warning() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 19, "1");
    f.expect(PLAN, &[("R61", W, at(1), no(19))]);
}

#[test]
fn r62_pro_rata_days_are_31_zeros_and_ones() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 11, "11111");
    f.expect(PLAN, &[("R62", E, at(1), no(11))]);
}

#[test]
fn r62_pro_rata_days_after_the_month_end_are_a_warning() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 11, &format!("{}1", "0".repeat(30))); // June has 30 days
    f.expect(PLAN, &[("R62", W, at(1), no(11))]);
}

#[test]
fn r63_times_are_hhmm_or_9999() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 12, "2560");
    f.expect(PLAN, &[("R63", E, at(1), no(12))]);
}

#[test]
fn r63_a_wrong_time_is_an_error_on_every_record_that_has_it() {
    let mut f = Files::exchange();
    f.set_in_first_two(PLAN, 12, "2560");
    f.expect(PLAN, &on_first_two("R63", E, no(12)));
}

#[test]
fn r63_only_one_time_being_9999_is_a_warning() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 13, "9999");
    f.expect(PLAN, &[("R63", W, at(1), no(13))]);
}

#[test]
fn r64_a_service_date_outside_the_month_is_an_error() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 10, "20250701");
    f.expect(PLAN, &[("R64", E, at(1), no(10))]);
}

#[test]
fn r66_each_user_has_exactly_one_grand_total_row() {
    let mut f = Files::exchange();
    let i = f.find(SIKYU, |r| r.get(9) == "999999");
    f.edit(SIKYU, |rs| drop(rs.remove(i)));
    f.expect(SIKYU, &[("R66", E, at(1), None)]);
}

#[test]
fn r67_several_rows_of_one_type_need_an_aaaa_subtotal() {
    let mut f = Files::exchange();
    let i = f.find(SIKYU, |r| r.get(9).ends_with("AAAA"));
    f.edit(SIKYU, |rs| drop(rs.remove(i)));
    f.expect(SIKYU, &[("R67", W, at(1), None)]);
}

#[test]
fn r68_subtotal_rows_carry_no_units() {
    let mut f = Files::exchange();
    let i = f.find(SIKYU, |r| r.get(9).ends_with("AAAA"));
    f.set(SIKYU, i, 13, "753");
    f.expect(SIKYU, &[("R68", W, at(i as u64 + 1), None)]);
}

#[test]
fn r70_seventh_table_no34_is_9999999999() {
    let mut f = Files::exchange();
    f.set(SIKYU, 0, 34, "1310000001");
    f.expect(SIKYU, &[("R70", W, at(1), no(34))]);
}

#[test]
fn r72_per_type_limit_slots_are_filled_without_gaps() {
    let mut f = Files::exchange();
    f.edit(HOSOKU_M, |rs| {
        rs[0].set(24, "15").set(25, "10000");
    });
    f.expect(HOSOKU_M, &[("R72", W, at(1), no(24))]);
}

#[test]
fn r72_short_stay_slots_use_type_22() {
    let mut f = Files::exchange();
    f.edit(HOSOKU_M, |rs| {
        rs[0].set(20, "2A").set(21, "10000");
    });
    f.expect(HOSOKU_M, &[("R72", W, at(1), no(20))]);
}

#[test]
fn r73_second_table_rows_in_printed_order() {
    let mut f = Files::exchange();
    f.set(KYO2, 0, 6, "3");
    f.expect(KYO2, &[("R73", W, at(2), None)]);
}

#[test]
fn r75_a_third_table_row_holds_one_kind_of_entry() {
    let mut f = Files::exchange();
    f.set(KYO3, 0, 10, "散歩");
    f.expect(KYO3, &[("R75", W, at(1), None)]);
}

#[test]
fn r76_reason_3_needs_the_other_reason_text() {
    let mut f = Files::exchange();
    f.set(KYO1, 0, 25, "3");
    f.expect(KYO1, &[("R76", W, at(1), no(26))]);
}

#[test]
fn r77_the_identifier_is_unused() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 25, "1");
    f.expect(PLAN, &[("R77", W, at(1), no(25))]);
}

#[test]
fn r78_the_updating_office_is_the_sender() {
    let mut f = Files::exchange();
    f.set(PLAN, 1, 24, "1320000002");
    f.expect(PLAN, &[("R78", W, at(2), no(24))]);
}

#[test]
fn r80_insured_numbers_are_10_digits_or_h_and_9_digits() {
    let mut f = Files::every_kind();
    f.set("DLT1KYO_", 0, 3, "X000012345");
    f.expect("DLT1KYO_", &[("R80", E, at(1), no(3))]);
}

// --- column rules of the JSON ---

#[test]
fn a_wrong_leading_item_is_reported_on_every_record_that_repeats_it() {
    // 作成年月日 is among the items a record shares with the one before, which are taken over
    // from it unchecked only when they passed there.
    let mut f = Files::exchange();
    f.set_in_first_two(PLAN, 4, "20250631");
    f.expect(PLAN, &on_first_two("COL-FORMAT", E, no(4)));
}

#[test]
fn a_wrong_item_is_reported_on_every_record_that_repeats_it() {
    let mut f = Files::exchange();
    f.set_in_first_two(PLAN, 10, "20250631");
    f.expect(PLAN, &on_first_two("COL-FORMAT", E, no(10)));
}

#[test]
fn col_required_item_empty_is_an_error() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 14, "");
    f.expect(PLAN, &[("COL-REQUIRED", E, at(1), no(14))]);
}

#[test]
fn col_required_item_of_uncertain_reading_is_a_warning_pointing_at_the_entry() {
    let mut f = Files::exchange();
    f.set(HOSOKU_M, 0, 5, "");
    f.expect(HOSOKU_M, &[("COL-REQUIRED", W, at(1), no(5))]);
    let inputs = f.0.iter().map(|(n, b)| Input::bytes(n.clone(), b.clone()));
    let r = validate(inputs, Mode::Send)
        .into_iter()
        .find(|r| r.name.starts_with(HOSOKU_M))
        .unwrap();
    assert!(
        r.findings[0]
            .message(careplan_csv::Lang::Ja)
            .contains("careplan-v41.json UPHOSOKU No.5")
    );
}

#[test]
fn col_length_too_many_digits_is_an_error() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 14, "123");
    f.expect(PLAN, &[("COL-LENGTH", E, at(1), no(14))]);
}

// --- The readings settled in 2026-12 (shared/spec/README.md §10): checked as certain items ---

const KIHON: &str = "UPKIHON_1";

#[test]
fn settled_up1kyo_author_office_name_and_office_code_are_required() {
    for no_ in [8, 9, 13] {
        let mut f = Files::exchange();
        f.set(KYO1, 0, no_, "");
        f.expect(KYO1, &[("COL-REQUIRED", E, at(1), no(no_))]);
    }
}

#[test]
fn settled_sheet6_short_stay_days_so_far_are_optional_and_at_most_5_digits() {
    for sel in [PLAN, JSK] {
        let mut f = Files::exchange();
        f.set(sel, 0, 9, "");
        f.expect(sel, &[]);
        f.set(sel, 0, 9, "12345");
        f.expect(sel, &[]);
        f.set(sel, 0, 9, "123456");
        f.expect(sel, &[("COL-LENGTH", E, at(1), no(9))]);
    }
}

#[test]
fn settled_sheet7_discount_and_unit_amounts_have_lengths_5_6_5_6() {
    for (no_, max) in [(14, 5), (15, 6), (17, 5), (18, 6)] {
        let mut f = Files::exchange();
        f.set(SIKYU, 0, no_, &"1".repeat(max));
        f.expect(SIKYU, &[]);
        f.set(SIKYU, 0, no_, &"1".repeat(max + 1));
        f.expect(SIKYU, &[("COL-LENGTH", E, at(1), no(no_))]);
    }
}

#[test]
fn settled_sheet7_claim_amount_is_optional() {
    let mut f = Files::exchange();
    let i = f.find(SIKYU, |r| !r.get(26).is_empty());
    f.set(SIKYU, i, 26, "");
    f.expect(SIKYU, &[]);
}

#[test]
fn settled_sheet7_days_up_to_last_month_are_at_most_5_digits() {
    let mut f = Files::exchange();
    f.set(SIKYU, 0, 30, "12345");
    f.expect(SIKYU, &[]);
    f.set(SIKYU, 0, 30, "123456");
    f.expect(SIKYU, &[("COL-LENGTH", E, at(1), no(30))]);
}

#[test]
fn settled_sheet7_over_30_days_flag_is_required() {
    let mut f = Files::exchange();
    f.set(SIKYU, 0, 33, "");
    f.expect(SIKYU, &[("COL-REQUIRED", E, at(1), no(33))]);
}

#[test]
fn settled_sheet7_office_input_and_updater_codes_are_checked_as_certain() {
    let mut f = Files::exchange();
    f.set(SIKYU, 0, 34, "99999");
    f.expect(
        SIKYU,
        &[("COL-FORMAT", E, at(1), no(34)), ("R70", W, at(1), no(34))],
    );
    let mut f = Files::exchange();
    f.set(SIKYU, 0, 35, "12345678901");
    f.expect(SIKYU, &[("COL-LENGTH", E, at(1), no(35))]);
    let mut f = Files::exchange();
    f.set(SIKYU, 0, 36, "13100000011");
    f.expect(
        SIKYU,
        &[("COL-FORMAT", E, at(1), no(36)), ("R78", W, at(1), no(36))],
    );
}

#[test]
fn settled_upkihon_consent_date_is_a_real_date_of_8_digits() {
    let mut f = Files::every_kind();
    f.set(KIHON, 0, 70, "20250631");
    f.expect(KIHON, &[("COL-FORMAT", E, at(1), no(70))]);
    f.set(KIHON, 0, 70, "");
    f.expect(KIHON, &[]);
}

#[test]
fn col_length_over_in_ms932_bytes_only_is_a_warning() {
    let mut f = Files::exchange();
    let i = f.find(PLAN, |r| r.get(15).starts_with("17"));
    f.set(PLAN, i, 16, "00170－000123");
    f.expect(PLAN, &[("COL-LENGTH", W, at(i as u64 + 1), no(16))]);
}

#[test]
fn col_length_over_in_characters_is_an_error() {
    let mut f = Files::exchange();
    let i = f.find(PLAN, |r| r.get(15).starts_with("17"));
    f.set(PLAN, i, 16, "0017000012345678901234");
    f.expect(PLAN, &[("COL-LENGTH", E, at(i as u64 + 1), no(16))]);
}

#[test]
fn col_format_date_must_be_real() {
    let mut f = Files::exchange();
    f.set(HOSOKU_M, 0, 8, "19380231");
    f.expect(HOSOKU_M, &[("COL-FORMAT", W, at(1), no(8))]);
    f.set(HOSOKU_M, 0, 8, "19380228")
        .set(HOSOKU_M, 0, 13, "20241315");
    f.expect(HOSOKU_M, &[("COL-FORMAT", E, at(1), no(13))]);
}

#[test]
fn col_format_postal_code_is_xxx_hyphen_xxxx() {
    let mut f = Files::exchange();
    f.set(HOSOKU_M, 0, 9, "1760010");
    f.expect(HOSOKU_M, &[("COL-FORMAT", E, at(1), no(9))]);
}

#[test]
fn col_format_unit_price_is_99_99() {
    // 第7表 No.23 is settled (README §10): a wrong price is an error like any certain item.
    let mut f = Files::exchange();
    let i = f.find(SIKYU, |r| !r.get(23).is_empty());
    f.set(SIKYU, i, 23, "114.0");
    f.expect(SIKYU, &[("COL-FORMAT", E, at(i as u64 + 1), no(23))]);
}

#[test]
fn col_format_negative_integer_is_a_warning() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 8, "-40");
    f.expect(PLAN, &[("COL-FORMAT", W, at(1), no(8))]);
}

#[test]
fn col_code_outside_the_list_is_an_error() {
    let mut f = Files::exchange();
    f.set(KYO1, 0, 21, "06X");
    f.expect(KYO1, &[("COL-CODE", E, at(1), no(21))]);
}

#[test]
fn col_code_of_the_yobo_care_level_list_has_01_and_no_06() {
    let mut f = Files::every_kind();
    f.set("UPKIHON_1", 0, 23, "06");
    f.expect("UPKIHON_1", &[("COL-CODE", E, at(1), no(23))]);
}

#[test]
fn col_office_number_is_10_digits() {
    let mut f = Files::exchange();
    f.set(PLAN, 0, 20, "132000001");
    f.expect(PLAN, &[("COL-FORMAT", E, at(1), no(20))]);
}

#[test]
fn findings_are_capped_per_file_and_the_rest_counted() {
    let mut f = Files::exchange();
    let n = 2000;
    f.edit(PLAN, |rs| {
        let r = rs[0].clone();
        rs.extend(std::iter::repeat_n(r, n));
        rs.iter_mut().for_each(|r| {
            r.set(14, "");
        });
    });
    let inputs =
        f.0.iter()
            .map(|(name, b)| Input::bytes(name.clone(), b.clone()));
    let r = validate(inputs, Mode::Send)
        .into_iter()
        .find(|r| r.name.starts_with(PLAN))
        .unwrap();
    assert_eq!(
        r.findings.len(),
        careplan_csv::validate::MAX_FINDINGS_PER_FILE
    );
    assert!(r.error_count() > n);
    assert!(!r.is_valid());
}
