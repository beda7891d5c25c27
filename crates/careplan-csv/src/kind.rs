//! The file types of the standard.

use std::fmt;

use serde::Serialize;

/// One file type of ケアプランデータ連携標準仕様 v4.1 (17 CSV types and the family-structure image).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "&'static str")]
pub enum FileKind {
    /// 利用者補足情報.
    UpHosoku,
    /// 居宅サービス計画1表.
    Up1Kyo,
    /// 居宅サービス計画1表_削除.
    Dlt1Kyo,
    /// 居宅サービス計画2表.
    Up2Kyo,
    /// 居宅サービス計画3表.
    Up3Kyo,
    /// 第6表（サービス利用票）予定.
    UpPlan,
    /// 第6表（サービス利用票）予定削除.
    DltPlan,
    /// 第6表実績情報.
    UpJsk,
    /// 第6表実績情報削除.
    DltJsk,
    /// 第7表（サービス利用票別表）.
    UpSikyu,
    /// 利用者基本情報.
    UpKihon,
    /// 利用者基本情報（別表1）.
    UpKihonSub1,
    /// 利用者基本情報（別表2）.
    UpKihonSub2,
    /// 家族構成 画像ファイル (JPEG).
    UpKihonImage,
    /// 利用者基本情報_削除.
    DltKihon,
    /// 介護予防サービス・支援計画書.
    UpYobo,
    /// 介護予防サービス・支援計画書（別表）.
    UpYoboSub,
    /// 介護予防サービス・支援計画書_削除.
    DltYobo,
}

impl FileKind {
    /// Every kind, in the order of the layout annex.
    pub const ALL: [FileKind; 18] = [
        FileKind::UpHosoku,
        FileKind::Up1Kyo,
        FileKind::Dlt1Kyo,
        FileKind::Up2Kyo,
        FileKind::Up3Kyo,
        FileKind::UpPlan,
        FileKind::DltPlan,
        FileKind::UpJsk,
        FileKind::DltJsk,
        FileKind::UpSikyu,
        FileKind::UpKihon,
        FileKind::UpKihonSub1,
        FileKind::UpKihonSub2,
        FileKind::UpKihonImage,
        FileKind::DltKihon,
        FileKind::UpYobo,
        FileKind::UpYoboSub,
        FileKind::DltYobo,
    ];

    /// The file-name prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            FileKind::UpHosoku => "UPHOSOKU",
            FileKind::Up1Kyo => "UP1KYO",
            FileKind::Dlt1Kyo => "DLT1KYO",
            FileKind::Up2Kyo => "UP2KYO",
            FileKind::Up3Kyo => "UP3KYO",
            FileKind::UpPlan => "UPPLAN",
            FileKind::DltPlan => "DLTPLAN",
            FileKind::UpJsk => "UPJSK",
            FileKind::DltJsk => "DLTJSK",
            FileKind::UpSikyu => "UPSIKYU",
            FileKind::UpKihon => "UPKIHON",
            FileKind::UpKihonSub1 => "UPKIHON_SUB1",
            FileKind::UpKihonSub2 => "UPKIHON_SUB2",
            FileKind::UpKihonImage => "UPKIHON_IMAGE",
            FileKind::DltKihon => "DLTKIHON",
            FileKind::UpYobo => "UPYOBO",
            FileKind::UpYoboSub => "UPYOBO_SUB",
            FileKind::DltYobo => "DLTYOBO",
        }
    }

    /// The kind whose prefix is exactly `prefix`.
    pub fn from_prefix(prefix: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.prefix() == prefix)
    }

    /// The kind whose prefix starts `name`, longest prefix first (R17), with the `_` after it.
    pub fn match_name_prefix(name: &str) -> Option<FileKind> {
        FileKind::ALL
            .into_iter()
            .filter(|k| {
                name.strip_prefix(k.prefix())
                    .is_some_and(|rest| rest.starts_with('_'))
            })
            .max_by_key(|k| k.prefix().len())
    }

    /// Japanese name of the file type.
    pub fn name_ja(self) -> &'static str {
        &crate::spec::spec().file(self).name_ja
    }

    /// Whether the file name carries a month segment (R14).
    pub fn has_month_in_name(self) -> bool {
        matches!(
            self,
            FileKind::UpHosoku
                | FileKind::UpPlan
                | FileKind::UpJsk
                | FileKind::DltPlan
                | FileKind::DltJsk
                | FileKind::UpSikyu
        )
    }

    /// Whether the file is the JPEG image rather than CSV.
    pub fn is_image(self) -> bool {
        self == FileKind::UpKihonImage
    }

    /// Number of items per record (R11); 0 for the image.
    pub fn column_count(self) -> usize {
        crate::spec::spec().file(self).column_count
    }

    /// Whether the file goes from the care-management side (居宅介護支援 / 包括等) (R81); only
    /// 実績 and its delete go the other way.
    pub fn is_care_management_side(self) -> bool {
        !matches!(self, FileKind::UpJsk | FileKind::DltJsk)
    }

    /// The parent whose name a derived file repeats (R23), if any.
    pub fn derived_from(self) -> Option<FileKind> {
        match self {
            FileKind::UpKihonSub1 | FileKind::UpKihonSub2 | FileKind::UpKihonImage => {
                Some(FileKind::UpKihon)
            }
            FileKind::UpYoboSub => Some(FileKind::UpYobo),
            _ => None,
        }
    }
}

impl From<FileKind> for &'static str {
    fn from(k: FileKind) -> Self {
        k.prefix()
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}
