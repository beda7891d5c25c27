//! The unit costs, their defaults and where each comes from.

use serde::{Deserialize, Serialize};

/// What one sheet, one delivery and one minute of staff time cost; every value editable.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UnitCosts {
    /// One A4 sheet printed: paper, toner and the copier's counter charge (yen).
    pub print_yen_per_sheet: f64,
    /// One delivery to a partner: postage and envelope, a fax call, or the fuel of taking it
    /// there, on average (yen).
    pub delivery_yen: f64,
    /// One hour of the staff member who does it, with employer costs (yen).
    pub staff_yen_per_hour: f64,
    /// Minutes to print, check, sort and file one user's forms for one partner.
    pub minutes_per_sent_document: f64,
    /// Minutes for one delivery: envelope and address, fax, or the trip.
    pub minutes_per_delivery: f64,
    /// Minutes to re-type and check one user's received forms in the care software.
    pub minutes_per_received_document: f64,
}

impl Default for UnitCosts {
    fn default() -> Self {
        UnitCosts {
            print_yen_per_sheet: 5.0,
            delivery_yen: 60.0,
            staff_yen_per_hour: 2_000.0,
            minutes_per_sent_document: 2.0,
            minutes_per_delivery: 5.0,
            minutes_per_received_document: 4.0,
        }
    }
}

/// One unit cost as the simulator screen shows it: its value, unit and source.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostItem {
    /// The field of [`UnitCosts`] it is.
    pub key: &'static str,
    /// What it is, for people.
    pub label: &'static str,
    /// Its value now.
    pub value: f64,
    /// Its default.
    pub default: f64,
    /// 円/枚, 分/件 …
    pub unit: &'static str,
    /// Where the default comes from.
    pub source: &'static str,
}

impl UnitCosts {
    /// The costs with every value a finite number of zero or more (a typing slip in the
    /// simulator never makes a saving negative).
    pub fn normalised(self) -> UnitCosts {
        let ok = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
        UnitCosts {
            print_yen_per_sheet: ok(self.print_yen_per_sheet),
            delivery_yen: ok(self.delivery_yen),
            staff_yen_per_hour: ok(self.staff_yen_per_hour),
            minutes_per_sent_document: ok(self.minutes_per_sent_document),
            minutes_per_delivery: ok(self.minutes_per_delivery),
            minutes_per_received_document: ok(self.minutes_per_received_document),
        }
    }

    /// Each unit cost with its label, unit and source, in the order the screen shows them.
    pub fn items(&self) -> Vec<CostItem> {
        let d = UnitCosts::default();
        vec![
            CostItem {
                key: "print_yen_per_sheet",
                label: "印刷 1 枚",
                value: self.print_yen_per_sheet,
                default: d.print_yen_per_sheet,
                unit: "円/枚",
                source: "A4 モノクロ 1 枚の用紙・トナー・複合機のカウンター料金の目安（事業所の契約に合わせて直してください）",
            },
            CostItem {
                key: "delivery_yen",
                label: "届ける 1 回",
                value: self.delivery_yen,
                default: d.delivery_yen,
                unit: "円/回",
                source: "郵送は定形郵便 50g まで 110 円（日本郵便、2024 年 10 月から）と封筒で約 120 円、FAX は通話料の数円、持参は燃料代。半分を郵送、残りを FAX・持参とした平均の目安",
            },
            CostItem {
                key: "staff_yen_per_hour",
                label: "職員の時給",
                value: self.staff_yen_per_hour,
                default: d.staff_yen_per_hour,
                unit: "円/時",
                source: "介護支援専門員の平均給与（月 37 万円前後、厚生労働省「介護従事者処遇状況等調査」）を月 160〜180 時間で割った目安",
            },
            CostItem {
                key: "minutes_per_sent_document",
                label: "送る帳票 1 人分の手間",
                value: self.minutes_per_sent_document,
                default: d.minutes_per_sent_document,
                unit: "分/人",
                source: "1 利用者・1 事業所分を印刷し、確かめ、仕分けて控えを綴じる時間の目安（実際に計って直してください）",
            },
            CostItem {
                key: "minutes_per_delivery",
                label: "届ける 1 回の手間",
                value: self.minutes_per_delivery,
                default: d.minutes_per_delivery,
                unit: "分/回",
                source: "封入・宛名書き・投函、または FAX の送信と着信の確認の目安（持参の移動はこれより長くかかります）",
            },
            CostItem {
                key: "minutes_per_received_document",
                label: "受け取った帳票 1 人分の転記",
                value: self.minutes_per_received_document,
                default: d.minutes_per_received_document,
                unit: "分/人",
                source: "紙や FAX で届いた予定・実績を介護ソフトへ入力し直し、照合する時間の目安",
            },
        ]
    }
}
