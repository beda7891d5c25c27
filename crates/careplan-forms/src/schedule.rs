//! 第6表 lines (サービス利用票 予定, and 実績 in the same layout) as typed values, shared by the
//! viewer's calendar and 予実突合.

use careplan_csv::FileKind;
use careplan_csv::record::Record;
use careplan_csv::values::{Date, YearMonth};

/// One 第6表 record: one user, service code and service date (spec §7, R-granularity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    /// 保険者番号 (No.2).
    pub insurer: &'a str,
    /// 被保険者番号 (No.3).
    pub insured: &'a str,
    /// 対象年月 (No.5), when it is a month.
    pub month: Option<YearMonth>,
    /// サービス利用日 (No.10), when it is a date.
    pub date: Option<Date>,
    /// 単位数 (No.8), when filled with a number.
    pub units: Option<i64>,
    /// サービス開始時刻 (No.12) as written: HHMM or 9999.
    pub start: &'a str,
    /// サービス終了時刻 (No.13) as written.
    pub end: &'a str,
    /// サービス回数 (No.14), when a number.
    pub count: Option<u32>,
    /// サービスコード (No.15).
    pub code: &'a str,
    /// TAISコード (No.16).
    pub tais: &'a str,
    /// 福祉用具届出コード (No.17).
    pub notified: &'a str,
    /// 用具名称 (No.18).
    pub equipment: &'a str,
    /// 明細判別コード (No.19).
    pub discriminator: &'a str,
    /// サービス事業者コード (No.20): the planned, or the delivering, office.
    pub office: &'a str,
    /// サービス事業所名 (No.21).
    pub office_name: &'a str,
    /// サテライト枝番 (No.22).
    pub satellite: &'a str,
}

impl<'a> Line<'a> {
    /// The line a 第6表 record (UPPLAN or UPJSK) holds; `None` for records of other types.
    pub fn of(r: &'a Record) -> Option<Line<'a>> {
        if !matches!(r.kind(), FileKind::UpPlan | FileKind::UpJsk) {
            return None;
        }
        Some(Line {
            insurer: r.get(2),
            insured: r.get(3),
            month: YearMonth::parse(r.get(5)),
            date: Date::parse(r.get(10)),
            units: r.get(8).parse().ok(),
            start: r.get(12),
            end: r.get(13),
            count: r.get(14).parse().ok(),
            code: r.get(15),
            tais: r.get(16),
            notified: r.get(17),
            equipment: r.get(18),
            discriminator: r.get(19),
            office: r.get(20),
            office_name: r.get(21),
            satellite: r.get(22),
        })
    }

    /// What a line is a line of, day aside: the same service from the same office (福祉用具 lines
    /// told apart by 明細判別コード). 予定 and 実績 of one service share it.
    pub fn service(&self) -> (&'a str, &'a str, &'a str) {
        (self.office, self.code, self.discriminator)
    }

    /// The units this line stands for: 単位数 × サービス回数 (a count that is not a number counts
    /// once). `None` when 単位数 is not filled.
    pub fn total_units(&self) -> Option<i64> {
        Some(self.units? * i64::from(self.count.unwrap_or(1)))
    }
}
