//! Each form of the viewer's model laid out like its paper form: 第1表 and the item forms as
//! label and value, 第2表 in the official column order, 第3表 as the week by time of day, 第6表
//! as the month's calendar (予定 and 実績 rows), 第7表 with its money columns.

use careplan_forms::view::{
    Form, Schedule, Sheet, Sikyu, SikyuRowKind, Table as FormTable, WeekPlan,
};
use careplan_forms::{UserEntry, UserForms};

use crate::layout::{Align, Cell, Col, Heading, Pages, Row, Table};

const WEEKDAYS: [&str; 8] = ["", "月", "火", "水", "木", "金", "土", "日"];
const HEAD_GREY: u8 = 232;

fn heading(form: &Form, user: &UserEntry) -> Heading {
    let s = form.source();
    let mut source = s.file.clone();
    if let (Some(from), Some(to)) = (&s.sender, &s.recipient) {
        source.push_str(&format!("　送信元 {from} → 送信先 {to}"));
    }
    Heading {
        title: s.title.to_owned(),
        user: format!(
            "利用者　{}{}　被保険者番号 {}　保険者番号 {}",
            user.name.as_deref().unwrap_or("（氏名なし）"),
            user.kana
                .as_deref()
                .map(|k| format!("（{k}）"))
                .unwrap_or_default(),
            user.key.insured,
            user.key.insurer
        ),
        source,
    }
}

fn cols(widths: &[f32], total: f32) -> Vec<Col> {
    let sum: f32 = widths.iter().sum();
    widths
        .iter()
        .map(|w| Col::new(w / sum * total, Align::Left))
        .collect()
}

fn head_row(labels: &[&str]) -> Row {
    Row::of(
        labels
            .iter()
            .map(|l| Some(Cell::head(*l, HEAD_GREY)))
            .collect(),
    )
}

/// Lays out every form of a user, each from a new page.
pub(crate) fn user(pages: &mut Pages<'_>, forms: &UserForms) {
    for form in &forms.forms {
        let h = heading(form, &forms.user);
        match form {
            Form::Sheet(f) => sheet(pages, h, f),
            Form::Table(f) => table(pages, h, f),
            Form::Week(f) => week(pages, h, f),
            Form::Schedule(f) => schedule(pages, h, f),
            Form::Sikyu(f) => sikyu(pages, h, f),
            Form::Image(f) => {
                pages.form(h, false);
                // The picture comes from another office: one that does not decode is named, and
                // the rest of the forms still print.
                match data_encoding::BASE64
                    .decode(f.jpeg_base64.as_bytes())
                    .ok()
                    .filter(|d| krilla::image::Image::from_jpeg(d.clone().into(), true).is_ok())
                {
                    Some(data) => pages.jpeg(data),
                    None => pages.paragraph(
                        &format!(
                            "{} は JPEG として読めないため印刷できません。",
                            f.source.file
                        ),
                        9.0,
                    ),
                }
            }
        }
    }
}

fn sheet(pages: &mut Pages<'_>, h: Heading, f: &Sheet) {
    // 第1表 is a landscape form; the others of items read best upright.
    pages.form(h, f.source.kind == "UP1KYO");
    let w = pages.width();
    let rows = f
        .items
        .iter()
        .filter(|i| !i.shown.is_empty())
        .map(|i| {
            let label = if i.uncertain {
                format!("{}※", i.label)
            } else {
                i.label.to_owned()
            };
            Row::of(vec![
                Some(Cell::grey(label, HEAD_GREY)),
                Some(Cell::new(i.shown.clone())),
            ])
        })
        .collect();
    pages.table(&Table {
        cols: cols(&[3.0, 7.0], w),
        head: Vec::new(),
        rows,
        size: 8.5,
    });
    if f.items.iter().any(|i| i.uncertain && !i.shown.is_empty()) {
        pages.paragraph(
            "※ 標準仕様で読み方が確定していない項目です。ファイルの値をそのまま印刷しています。",
            7.0,
        );
    }
}

fn table(pages: &mut Pages<'_>, h: Heading, f: &FormTable) {
    pages.form(h, true);
    let w = pages.width();
    // 第2表 in the official order: 課題, 目標 (長期, 期間, 短期, 期間), 援助内容.
    let order: Vec<usize> = if f.source.kind == "UP2KYO" {
        [7, 9, 11, 10, 12, 14, 15, 16, 18, 19, 20]
            .iter()
            .filter_map(|no| f.columns.iter().position(|c| c.no == *no))
            .collect()
    } else {
        (0..f.columns.len()).collect()
    };
    let widths: Vec<f32> = order
        .iter()
        .map(|&i| {
            let longest = f
                .rows
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0);
            (longest.clamp(4, 40)) as f32
        })
        .collect();
    let head = head_row(
        &order
            .iter()
            .map(|&i| f.columns[i].label)
            .collect::<Vec<_>>(),
    );
    let rows = f
        .rows
        .iter()
        .map(|r| {
            Row::of(
                order
                    .iter()
                    .map(|&i| Some(Cell::new(r[i].clone())))
                    .collect(),
            )
        })
        .collect();
    pages.table(&Table {
        cols: cols(&widths, w),
        head: vec![head],
        rows,
        size: 7.5,
    });
}

fn week(pages: &mut Pages<'_>, h: Heading, f: &WeekPlan) {
    pages.form(h, true);
    let w = pages.width();
    // One row per time of day that anything starts at, as the paper form runs down the day.
    let mut times: Vec<(String, String)> = f
        .services
        .iter()
        .map(|s| (s.start.clone(), s.end.clone()))
        .chain(
            f.activities
                .iter()
                .map(|a| (a.start.clone(), a.end.clone())),
        )
        .collect();
    let minutes = |t: &str| {
        let (h, m) = t.split_once(':').unwrap_or(("99", "99"));
        h.parse::<u32>().unwrap_or(99) * 60 + m.parse::<u32>().unwrap_or(0)
    };
    times.sort_by_key(|(s, e)| (minutes(s), minutes(e)));
    times.dedup();
    let mut head = vec!["時間"];
    head.extend(&WEEKDAYS[1..]);
    head.push("主な日常生活上の活動");
    let rows = times
        .iter()
        .map(|(start, end)| {
            let mut cells = vec![Some(Cell::new(format!("{start}～{end}")))];
            for day in 1..=7u8 {
                let text: Vec<&str> = f
                    .services
                    .iter()
                    .filter(|s| s.weekday == day && (&s.start, &s.end) == (start, end))
                    .map(|s| s.content.as_str())
                    .collect();
                cells.push(Some(Cell::new(text.join("\n"))));
            }
            let activity: Vec<&str> = f
                .activities
                .iter()
                .filter(|a| (&a.start, &a.end) == (start, end))
                .map(|a| a.content.as_str())
                .collect();
            cells.push(Some(Cell::new(activity.join("\n"))));
            Row::of(cells)
        })
        .collect();
    let widths = [1.2, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6, 2.2];
    pages.table(&Table {
        cols: cols(&widths, w),
        head: vec![head_row(&head)],
        rows,
        size: 7.5,
    });
    let other = Row::of(vec![
        Some(Cell::grey("週単位以外のサービス", HEAD_GREY)),
        Some(Cell::new(f.other.join("\n"))),
    ]);
    pages.table(&Table {
        cols: cols(&[1.2, 8.8], w),
        head: Vec::new(),
        rows: vec![other],
        size: 7.5,
    });
    pages.paragraph(&format!("週間サービス計画表作成年月日　{}", f.created), 8.0);
}

fn schedule(pages: &mut Pages<'_>, h: Heading, f: &Schedule) {
    pages.form(h, true);
    pages.paragraph(
        &format!(
            "{}　作成年月日 {}　担当 {}（{}）",
            f.month_shown, f.created, f.manager, f.manager_office
        ),
        8.0,
    );
    let w = pages.width();
    let days = f.weekdays.len();
    let fixed = [48.0, 92.0, 84.0, 20.0];
    let total = 24.0;
    let day_w = (w - fixed.iter().sum::<f32>() - total) / days.max(1) as f32;
    let mut columns: Vec<Col> = fixed
        .iter()
        .map(|&width| Col::new(width, Align::Left))
        .collect();
    columns[3].align = Align::Center;
    columns.extend((0..days).map(|_| Col::new(day_w, Align::Center)));
    columns.push(Col::new(total, Align::Right));
    let weekend = |wd: u8| match wd {
        6 => Some(238),
        7 => Some(228),
        _ => None,
    };
    let mut numbers = vec![
        Some(Cell::head("提供時間帯", HEAD_GREY)),
        Some(Cell::head("サービス内容", HEAD_GREY)),
        Some(Cell::head("サービス事業者事業所名", HEAD_GREY)),
        Some(Cell::head("", HEAD_GREY)),
    ];
    numbers.extend((1..=days).map(|d| Some(Cell::head(d.to_string(), HEAD_GREY))));
    numbers.push(Some(Cell::head("合計回数", HEAD_GREY)));
    let mut weekdays = vec![None, None, None, None];
    weekdays.extend(f.weekdays.iter().map(|&wd| {
        Some(Cell::head(
            WEEKDAYS[usize::from(wd)],
            weekend(wd).unwrap_or(HEAD_GREY),
        ))
    }));
    weekdays.push(None);
    let mine = if f.is_jisseki { "実績" } else { "予定" };
    let mut rows = Vec::new();
    for r in &f.rows {
        let time = if r.start.is_empty() {
            "時間指定なし".to_owned()
        } else {
            format!("{}～{}", r.start, r.end)
        };
        let mut service = r.code.clone();
        if let Some(t) = &r.service_type {
            service.push_str(&format!(" {t}"));
        }
        if !r.equipment.is_empty() {
            service.push_str(&format!("\n{}", r.equipment));
        }
        let counts = |values: &[u32]| -> Vec<Option<Cell>> {
            values
                .iter()
                .zip(&f.weekdays)
                .map(|(n, &wd)| {
                    let text = if *n == 0 {
                        String::new()
                    } else {
                        n.to_string()
                    };
                    Some(match weekend(wd) {
                        Some(g) => Cell::grey(text, g),
                        None => Cell::new(text),
                    })
                })
                .collect()
        };
        let mut first = vec![
            Some(Cell::new(time)),
            Some(Cell::new(service)),
            Some(Cell::new(if r.office_name.is_empty() {
                r.office.clone()
            } else {
                r.office_name.clone()
            })),
            Some(Cell::new(mine)),
        ];
        first.extend(counts(&r.counts));
        first.push(Some(Cell::new(r.total.to_string())));
        match &r.actual {
            Some(actual) => {
                rows.push(Row {
                    cells: first,
                    keep_with_next: true,
                });
                let mut second = vec![None, None, None, Some(Cell::new("実績"))];
                second.extend(counts(actual));
                second.push(Some(Cell::new(r.actual_total.unwrap_or(0).to_string())));
                rows.push(Row::of(second));
            }
            None => rows.push(Row::of(first)),
        }
    }
    pages.table(&Table {
        cols: columns,
        head: vec![Row::of(numbers), Row::of(weekdays)],
        rows,
        size: 6.5,
    });
    if let Some(file) = &f.actual_file {
        pages.paragraph(&format!("実績: {file}"), 7.0);
    }
    if !f.unplaced.is_empty() {
        pages.paragraph(
            &format!(
                "月の日付でないため配置できない行: {}",
                f.unplaced.join("、")
            ),
            7.0,
        );
    }
}

/// 第7表 columns after office and service: item No. and heading.
const SIKYU_COLUMNS: [(u16, &str); 16] = [
    (13, "単位数"),
    (14, "割引後率(%)"),
    (15, "割引後単位数"),
    (16, "回数"),
    (17, "サービス単位/金額"),
    (18, "給付管理単位数"),
    (19, "種類支給限度基準を超える単位数"),
    (20, "種類支給限度基準内単位数"),
    (21, "区分支給限度基準を超える単位数"),
    (22, "区分支給限度基準内単位数"),
    (23, "単位数単価"),
    (24, "費用総額"),
    (25, "給付率(%)"),
    (26, "保険/事業費請求額"),
    (28, "利用者負担(保険/事業対象分)"),
    (29, "利用者負担(全額負担分)"),
];

fn sikyu(pages: &mut Pages<'_>, h: Heading, f: &Sikyu) {
    pages.form(h, true);
    pages.paragraph(&format!("{}　作成年月日 {}", f.month_shown, f.created), 8.0);
    let w = pages.width();
    let mut columns = vec![Col::new(96.0, Align::Left), Col::new(78.0, Align::Left)];
    let each = (w - 174.0) / SIKYU_COLUMNS.len() as f32;
    columns.extend(SIKYU_COLUMNS.iter().map(|_| Col::new(each, Align::Right)));
    let mut head = vec!["事業所名", "サービス内容/種類"];
    head.extend(SIKYU_COLUMNS.iter().map(|(_, l)| *l));
    let rows = f
        .rows
        .iter()
        .map(|r| {
            let grey = match r.row {
                SikyuRowKind::Detail => None,
                SikyuRowKind::Subtotal => Some(240),
                SikyuRowKind::GrandTotal => Some(225),
            };
            let cell = |text: String| match grey {
                Some(g) => Cell::grey(text, g),
                None => Cell::new(text),
            };
            let name = match r.row {
                SikyuRowKind::GrandTotal => "区分支給限度管理・合計".to_owned(),
                SikyuRowKind::Subtotal => {
                    format!("{} 小計", r.service_type.as_deref().unwrap_or(""))
                }
                SikyuRowKind::Detail => r.office_name.clone(),
            };
            let mut service = if r.row == SikyuRowKind::GrandTotal {
                String::new()
            } else {
                r.code.clone()
            };
            if let (Some(t), SikyuRowKind::Detail) = (&r.service_type, r.row) {
                service.push_str(&format!(" {t}"));
            }
            if !r.equipment.is_empty() {
                service.push_str(&format!("\n{}", r.equipment));
            }
            let mut cells = vec![Some(cell(name)), Some(cell(service))];
            cells.extend(
                SIKYU_COLUMNS
                    .iter()
                    .map(|(no, _)| Some(cell(r.values.get(no).cloned().unwrap_or_default()))),
            );
            Row::of(cells)
        })
        .collect();
    pages.table(&Table {
        cols: columns,
        head: vec![head_row(&head)],
        rows,
        size: 6.0,
    });
    let note = match f.limits_on {
        careplan_forms::view::LimitPlacement::ClosingRows => {
            "種類・区分支給限度の単位数は、事業所・サービス種類ごとの合計行と総合計の行に記載されています。"
        }
        careplan_forms::view::LimitPlacement::DetailRows => {
            "種類・区分支給限度の単位数は明細行に記載されています（送信元のソフトの読み方）。"
        }
        careplan_forms::view::LimitPlacement::Both => {
            "種類・区分支給限度の単位数が合計行と明細行の両方に記載されています。"
        }
        careplan_forms::view::LimitPlacement::Absent => {
            "種類・区分支給限度の単位数は記載されていません。"
        }
    };
    pages.paragraph(note, 7.0);
}
