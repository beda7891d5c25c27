//! The one place where findings become sentences, in Japanese (for office staff) and English.
//!
//! Each message says what is wrong and, where there is one, what to do about it.

use crate::filename::{FileNameError, NameWarning, Role};
use crate::finding::{Lang, Problem};
use crate::kind::FileKind;
use crate::spec::Format;

/// The sentence for a problem.
pub fn message(p: &Problem, lang: Lang) -> String {
    match lang {
        Lang::Ja => ja(p),
        Lang::En => en(p),
    }
}

/// The note added when the spec reading for an item is uncertain.
pub fn uncertain_note(kind: FileKind, no: u16, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!(
            "（仕様書の読み取りが不確実な項目のため警告としています: careplan-v41.json {kind} No.{no}）"
        ),
        Lang::En => format!(
            " (a warning because the spec reading of this item is uncertain: careplan-v41.json {kind} No.{no})"
        ),
    }
}

fn role_ja(r: Role) -> &'static str {
    match r {
        Role::Sender => "送信元",
        Role::Recipient => "送信先",
    }
}

fn role_en(r: Role) -> &'static str {
    match r {
        Role::Sender => "sender",
        Role::Recipient => "recipient",
    }
}

fn format_ja(f: Format) -> &'static str {
    match f {
        Format::Yyyymm => "年月（YYYYMM の6桁、例: 202504）",
        Format::Yyyymmdd => "年月日（YYYYMMDD の8桁で実在する日付、例: 20250401）",
        Format::Hhmm => "時刻（HHMM の4桁、例: 0930）",
        Format::HhmmOr9999 => "時刻（HHMM の4桁、時間指定のないサービスは 9999）",
        Format::Digits | Format::Integer => "半角数字",
        Format::InsuredNumber => "被保険者番号（半角数字10桁、生保単独は H＋数字9桁）",
        Format::OfficeNumber => "事業所番号（半角数字10桁）",
        Format::ServiceType => "サービス種類コード（半角英数字2文字、例: 11, 2A, A1）",
        Format::ServiceCode => "サービスコード（半角英数字6文字）",
        Format::Bitstring31 => "日割対象日（0 と 1 だけの31文字）",
        Format::Decimal9999 => "小数（99.99 の形、例: 10.72）",
        Format::PostalCode => "郵便番号（XXX-XXXX の形、例: 020-0023）",
        Format::FreeText | Format::Text => "文字列",
        Format::Code => "コード",
        Format::Unused => "空欄",
    }
}

fn format_en(f: Format) -> &'static str {
    match f {
        Format::Yyyymm => "a year-month YYYYMM (e.g. 202504)",
        Format::Yyyymmdd => "a real date YYYYMMDD (e.g. 20250401)",
        Format::Hhmm => "a time HHMM (e.g. 0930)",
        Format::HhmmOr9999 => "a time HHMM, or 9999 for services without a time",
        Format::Digits | Format::Integer => "ASCII digits",
        Format::InsuredNumber => "an insured number (10 digits, or H + 9 digits for 生保単独)",
        Format::OfficeNumber => "an office number (10 digits)",
        Format::ServiceType => "a service type (2 characters of 0-9/A-Z, e.g. 11, 2A, A1)",
        Format::ServiceCode => "a service code (6 characters of 0-9/A-Z)",
        Format::Bitstring31 => "31 characters of 0 and 1",
        Format::Decimal9999 => "a decimal in 99.99 form (e.g. 10.72)",
        Format::PostalCode => "a postal code XXX-XXXX",
        Format::FreeText | Format::Text => "text",
        Format::Code => "a code",
        Format::Unused => "empty",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn kinds(k: &[FileKind]) -> String {
    k.iter().map(|k| k.prefix()).collect::<Vec<_>>().join(", ")
}

fn name_error_ja(e: &FileNameError) -> String {
    match e {
        FileNameError::UnknownPrefix { .. } => "ファイル名が標準仕様のファイル種類（UPPLAN_、UP1KYO_ など）で始まっていません。介護ソフトが出力したファイル名のまま送ってください。".into(),
        FileNameError::WrongExtension { found, expected } => format!(
            "拡張子が「.{found}」です。このファイル種類の拡張子は「{expected}」です。"
        ),
        FileNameError::V3Style { kind } => format!(
            "旧形式（第3版まで）のファイル名です。第4.1版では事業所番号の後ろにサービス種類コード（2文字）が必要です（例: {}_…_0300000100_43_0300000005_11_20250401120000.CSV）。介護ソフトを第4.1版対応に更新して出力し直してください。",
            kind.prefix()
        ),
        FileNameError::MissingMonth { kind } => format!(
            "{} のファイル名には対象年月（YYYYMM）が必要です（例: {}_202504_…）。",
            kind.prefix(), kind.prefix()
        ),
        FileNameError::UnexpectedMonth { kind } => format!(
            "{} のファイル名には年月を入れません。「{}_」の直後の6桁を削除してください。",
            kind.prefix(), kind.prefix()
        ),
        FileNameError::BadMonth { value, .. } => format!(
            "ファイル名の年月「{value}」は正しい年月（YYYYMM）ではありません。"
        ),
        FileNameError::BadOfficeNumber { role, value } => format!(
            "ファイル名の{}事業所番号「{value}」が10桁の数字ではありません（{}桁）。",
            role_ja(*role), value.chars().count()
        ),
        FileNameError::BadServiceType { role, value } if value.len() == 3 && value.bytes().all(|b| b.is_ascii_digit()) => format!(
            "ファイル名の{}サービス種類「{value}」が3桁です。これは第4.0版のサービスコード形式です。第4.1版では2文字のサービス種類コード（例: 43, 11）にしてください。",
            role_ja(*role)
        ),
        FileNameError::BadServiceType { role, value } => format!(
            "ファイル名の{}サービス種類コード「{value}」は半角英数字（大文字）2文字ではありません。",
            role_ja(*role)
        ),
        FileNameError::BadSerial { value } => format!(
            "ファイル名の連番「{value}」が14桁（YYYYMMDDHHMMSS）ではありません（{}桁）。",
            value.chars().count()
        ),
        FileNameError::BadBranch { value } => format!(
            "画像ファイル名の枝番「{value}」が4桁の数字ではありません（例: _0001.jpg）。"
        ),
        FileNameError::WrongSegmentCount { kind, found, expected } => format!(
            "ファイル名の区切り（_）の数が合いません（{} の後に {expected} 個の項目が必要ですが {found} 個あります）。",
            kind.prefix()
        ),
        FileNameError::SameParty => "送信元と送信先が同じ事業所・同じサービス種類になっています。送信先を確認してください。".into(),
    }
}

fn name_error_en(e: &FileNameError) -> String {
    match e {
        FileNameError::UnknownPrefix { .. } => "The file name does not start with a prefix of the standard (UPPLAN_, UP1KYO_, …). Send the file under the name your care software gave it.".into(),
        FileNameError::WrongExtension { found, expected } => format!("The extension is \".{found}\"; this file type uses \"{expected}\"."),
        FileNameError::V3Style { kind } => format!(
            "This is a v3-style name. Edition 4.1 needs a 2-character service type after each office number (e.g. {}_…_0300000100_43_0300000005_11_20250401120000.CSV). Update the care software to 4.1 and export again.",
            kind.prefix()
        ),
        FileNameError::MissingMonth { kind } => format!("{} names need a month segment YYYYMM.", kind.prefix()),
        FileNameError::UnexpectedMonth { kind } => format!("{} names have no month segment; remove the 6 digits after \"{}_\".", kind.prefix(), kind.prefix()),
        FileNameError::BadMonth { value, .. } => format!("The month segment \"{value}\" is not a valid YYYYMM."),
        FileNameError::BadOfficeNumber { role, value } => format!("The {} office number \"{value}\" is not 10 digits.", role_en(*role)),
        FileNameError::BadServiceType { role, value } => format!("The {} service type \"{value}\" is not 2 characters of 0-9/A-Z (4.0 used 3-digit service codes; 4.1 uses 2-character types).", role_en(*role)),
        FileNameError::BadSerial { value } => format!("The serial \"{value}\" is not 14 digits YYYYMMDDHHMMSS."),
        FileNameError::BadBranch { value } => format!("The image number \"{value}\" is not 4 digits."),
        FileNameError::WrongSegmentCount { kind, found, expected } => format!("{} names have {expected} segments after the prefix; found {found}.", kind.prefix()),
        FileNameError::SameParty => "Sender and recipient are the same office and service type.".into(),
    }
}

fn ja(p: &Problem) -> String {
    match p {
        Problem::FileName(e) => name_error_ja(e),
        Problem::NameWarning(NameWarning::SerialNotDateTime) => "ファイル名の連番が実在する日時（YYYYMMDDHHMMSS）になっていません。".into(),
        Problem::NameWarning(NameWarning::SameOfficeDifferentType) => "送信元と送信先が同じ事業所番号です（サービス種類は異なります）。国の連携システムでは扱えないことがあります。".into(),
        Problem::NameWarning(NameWarning::UnknownServiceType(role, t)) => format!(
            "ファイル名の{}サービス種類コード「{t}」は標準仕様の対象サービス種類にありません。", role_ja(*role)
        ),
        Problem::Utf8 => "ファイルが UTF-8 で保存されています。標準仕様の文字コードは Shift-JIS（MS932）です。介護ソフトの出力設定を Shift-JIS にするか、Shift-JIS で保存し直してください。".into(),
        Problem::Bom => "ファイルの先頭に BOM（UTF-8 の目印）が付いています。無視して読みましたが、Shift-JIS（MS932）で保存し直してください。".into(),
        Problem::Undecodable { offset, bytes } => format!(
            "Shift-JIS（MS932）として読めない文字があります（{offset}バイト目: {}）。該当箇所の文字を確認し、別の文字に置き換えてください。", hex(bytes)
        ),
        Problem::Gaiji { offset, bytes } => format!(
            "外字（利用者定義文字）が使われています（{offset}バイト目: {}）。外字は使えません。通常の文字に置き換えてください。", hex(bytes)
        ),
        Problem::UnterminatedQuote => "「\"」で始まった項目が閉じられないままファイルが終わっています。".into(),
        Problem::StrayQuote => "「\"」で囲まれていない項目の中に「\"」があります。".into(),
        Problem::TextAfterQuote => "「\"」で閉じた後、カンマまでの間に文字があります。".into(),
        Problem::FreeTextNotQuoted => "フリーテキスト項目が「\"」で囲まれていません。".into(),
        Problem::ColumnCount { kind, actual, expected } => format!(
            "項目数が {actual} 個です。{}（{}）は {expected} 項目です。", kind.name_ja(), kind.prefix()
        ),
        Problem::HeaderSkipped => "1行目が見出し行のようなので読み飛ばしました。標準仕様のファイルに見出し行は入れません。".into(),
        Problem::EmptyLine => "空の行があります（読み飛ばしました）。".into(),
        Problem::NoRecords => "データが1件もありません。".into(),
        Problem::NotJpeg => "画像ファイルが JPEG 形式ではありません。".into(),
        Problem::WrongDirection { kind } => format!(
            "{}（{}）は居宅介護支援事業所（または地域包括支援センター）から送るファイルですが、送信元がサービス事業所になっています。ファイル名の送信元・送信先が逆になっていないか確認してください。",
            kind.name_ja(), kind.prefix()
        ),
        Problem::Unreadable(e) => format!("ファイルを読み込めませんでした（{e}）。"),
        Problem::NotAFile => "通常のファイルではありません（フォルダ・装置・名前付きパイプなど）。介護ソフトが書き出した CSV ファイルを選んでください。".into(),
        Problem::NulByte => "NUL バイトが含まれています。CSV（テキスト）ではなくバイナリのファイルです。介護ソフトから書き出し直してください。".into(),
        Problem::RecordTooLong => "1件のデータ（行）が 1 MiB を超えているため、ここで読むのをやめました。標準仕様の CSV ファイルではありません。".into(),
        Problem::Required { .. } => "必須項目が空欄です。".into(),
        Problem::TooLong { len, max } => format!("{len}文字あります。最大{max}文字です。"),
        Problem::TooManyBytes { bytes, max } => format!("Shift-JIS で {bytes} バイトあり、項目長 {max} を超えます（全角文字は2バイト）。受信側で切れる可能性があります。"),
        Problem::BadFormat { format, value } => format!("「{value}」は{}ではありません。", format_ja(*format)),
        Problem::Negative { value } => format!("「{value}」はマイナスの値です。仕様にマイナスの記載がないため、受信側で扱えない可能性があります。"),
        Problem::NotInCodeList { value, allowed } => format!("「{value}」はこの項目のコードにありません（使えるコード: {}）。", allowed.join(", ")),
        Problem::UnusedFilled => "「識別子」は使用しない項目です。空欄にしてください（受信側では無視されます）。".into(),
        Problem::BadInsuredNumber { value } => format!("被保険者番号「{value}」は数字10桁（生保単独の場合は H＋数字9桁）ではありません。"),
        Problem::UnknownServiceType { value } => format!("サービス種類コード「{value}」は標準仕様の対象サービス種類にありません。"),
        Problem::OutOfScope { service_type } => format!(
            "サービス種類「{service_type}」（{}）はケアプランデータ連携の対象外です。対象外のサービスは送りません。",
            crate::spec::spec().service_type_name(service_type).unwrap_or("")
        ),
        Problem::VersionMixed { first, found } => format!("CSVバージョン「{found}」が1行目の「{first}」と違います。1つのファイルでは同じバージョンにしてください。"),
        Problem::VersionUnknown { value } => format!("CSVバージョン「{value}」は標準仕様にありません。第4.1版は 202407 です。"),
        Problem::VersionOld { value } => format!("CSVバージョン「{value}」は第3版以前の形式で、第4.1版とは項目の並びが違います。介護ソフトを第4.1版（202407）に更新して出力し直してください。"),
        Problem::Version40 => "CSVバージョン 202504（第4.0版）です。項目の並びは第4.1版と同じなので受け付けますが、第4.1版では 202407 です。".into(),
        Problem::VersionNotInForce { value, month } => format!("CSVバージョン「{value}」は対象年月 {month} にはまだ適用されていません（2025年4月サービス分から）。"),
        Problem::MonthNotName { record, name } => format!("対象年月「{record}」がファイル名の年月「{name}」と違います。"),
        Problem::MonthMixed { first, found } => format!("対象年月「{found}」が他の行の「{first}」と違います。1つのファイルには1か月分だけを入れてください。"),
        Problem::DateOutsideMonth { date, month } => format!("サービス利用日「{date}」が対象年月「{month}」の中にありません。"),
        Problem::EquipmentCodeMissing { tais, notified } => format!("福祉用具貸与のサービスコードですが、TAISコード（No.{tais}）も福祉用具届出コード（No.{notified}）も空欄です。どちらかを入力してください。"),
        Problem::DiscriminatorNotEquipment => "明細判別コードは福祉用具貸与（17, 67）のときだけ使います。".into(),
        Problem::DaysBeyondMonthEnd { days } => format!("日割対象日で、この月にない日（{days}日より後）に 1 が立っています。"),
        Problem::TimesInconsistent => "開始時刻と終了時刻の一方だけが 9999（時間指定なし）になっています。両方とも同じ扱いにしてください。".into(),
        Problem::HosokuKey { plan_unit: true, no: 63 } => "ファイル名の年月が 000000（計画書1〜3表と一緒に送る補足情報）なので、対象年月は 000000 にしてください。".into(),
        Problem::HosokuKey { plan_unit: true, .. } => "計画書1〜3表と一緒に送る補足情報では、居宅サービス計画作成（変更）日に実在する日付が必要です（第1表と同じ日付）。".into(),
        Problem::HosokuKey { plan_unit: false, no: 63 } => "第6表・第7表と一緒に送る補足情報では、対象年月をファイル名の年月と同じにしてください。".into(),
        Problem::HosokuKey { plan_unit: false, .. } => "第6表・第7表と一緒に送る補足情報では、居宅サービス計画作成（変更）日を 00000000 にしてください。".into(),
        Problem::UnrelatedUser => "この利用者には送信先事業所のサービスが1件もありません。送信先に関係のない利用者は送りません。".into(),
        Problem::ForeignService { office: true } => "実績ファイルに送信元以外の事業所の実績が入っています。実績は事業所番号ごとにファイルを分けてください。".into(),
        Problem::ForeignService { office: false } => "実績ファイルに送信元と違うサービス種類の実績が入っています。実績はサービス種類ごとにファイルを分けてください。".into(),
        Problem::UpdaterNotSender { value, sender } => format!("更新業者コード「{value}」が送信元事業所番号「{sender}」と違います。"),
        Problem::GrandTotalCount { count: 0 } => "この利用者の第7表に合計行（サービスコード 999999、事業所コード 9999999999）がありません。".into(),
        Problem::GrandTotalCount { count } => format!("この利用者の第7表に合計行が {count} 行あります。合計行は利用者ごとに1行です。"),
        Problem::SubtotalMissing { service_type } => format!("サービス種類「{service_type}」の明細が複数行ありますが、小計行（{service_type}AAAA）がありません。"),
        Problem::SubtotalValues => "小計行・合計行では単位数は 0、割引後率と割引後単位数は空欄にします。".into(),
        Problem::FixedOfficeCode => "事業所コードは 9999999999 を固定で入れる項目です。".into(),
        Problem::SlotGap { slot } => format!("種類別支給限度の枠が詰めて入力されていません（{slot}番目の枠の前に空きがあります）。1番目の枠から順に入れてください。"),
        Problem::SlotShortStayType { service_type } => format!("種類別支給限度の枠にサービス種類「{service_type}」があります。短期入所療養介護は 22 で入れてください。"),
        Problem::FollowUpMissing { code_no, text_no } => format!("No.{code_no} の選択に対応する内容（No.{text_no}）が空欄です。"),
        Problem::Plan2Order => "第2表の行が 課題ＮＯ・援助目標ＮＯ・援助内容ＮＯ の順に並んでいません。受信側で印刷の順番が変わります。".into(),
        Problem::Plan3Mixed => "第3表の1行に、週間サービス・主な日常生活上の活動・週単位以外のサービスのうち2種類以上が入っています。1行には1種類だけを入れてください。".into(),
        Problem::UnitNotAllowed { kinds: k } => format!("同じ連番のファイルの組み合わせ（{}）は標準仕様で認められた送信単位ではありません。送信単位ごとに別の連番で出力し直してください。", kinds(k)),
        Problem::UnitMissingParent { parent } => format!("同じ連番に {}（{}）がありません。一緒に出力されたファイルをすべて選んでください。", parent.name_ja(), parent.prefix()),
        Problem::UnitMissingCompanion { missing } => format!("同じ連番に {}（{}）がありません。このファイルと一緒に送る必要があります。介護ソフトが一緒に出力したファイルをすべて選んでください。", missing.name_ja(), missing.prefix()),
        Problem::DerivedWithoutParent { parent } => format!("このファイルの元になる {}（{}）が同じ送信単位（同じ送信元・送信先・連番）にありません。", parent.name_ja(), parent.prefix()),
        Problem::SubMissing { sub } => format!("{}（{}）が一緒にありません。原則として一緒に送ります。", sub.name_ja(), sub.prefix()),
        Problem::NoParentRecord { parent, key } => format!("この行の利用者（{key}）が同じ送信単位の {}（{}）にありません。", parent.name_ja(), parent.prefix()),
        Problem::ImageMissing { name } => format!("家族構成の画像ファイル「{name}」が同じ送信単位にありません。画像ファイルも一緒に選んでください。"),
        Problem::ImageUnreferenced => "この画像ファイルはどの利用者基本情報からも参照されていません。".into(),
    }
}

fn en(p: &Problem) -> String {
    match p {
        Problem::FileName(e) => name_error_en(e),
        Problem::NameWarning(NameWarning::SerialNotDateTime) => "The serial in the file name is not a real date and time.".into(),
        Problem::NameWarning(NameWarning::SameOfficeDifferentType) => "Sender and recipient share an office number (with different service types); the national system may not handle this.".into(),
        Problem::NameWarning(NameWarning::UnknownServiceType(role, t)) => format!("The {} service type \"{t}\" is not a service type of the standard.", role_en(*role)),
        Problem::Utf8 => "The file is saved as UTF-8. The standard requires Shift-JIS (MS932): set the care software's export to Shift-JIS or save the file again as Shift-JIS.".into(),
        Problem::Bom => "The file starts with a UTF-8 byte order mark; it was ignored. Save the file as Shift-JIS (MS932).".into(),
        Problem::Undecodable { offset, bytes } => format!("Bytes that are not MS932 at byte {offset}: {}. Replace the character.", hex(bytes)),
        Problem::Gaiji { offset, bytes } => format!("A user-defined character (外字) at byte {offset}: {}. 外字 are not allowed; use a standard character.", hex(bytes)),
        Problem::UnterminatedQuote => "The file ends inside a quoted item.".into(),
        Problem::StrayQuote => "A double quote inside an unquoted item.".into(),
        Problem::TextAfterQuote => "Characters between a closing quote and the next comma.".into(),
        Problem::FreeTextNotQuoted => "A free-text item is not enclosed in double quotes.".into(),
        Problem::ColumnCount { kind, actual, expected } => format!("{actual} items; {kind} records have {expected}."),
        Problem::HeaderSkipped => "The first row looks like a header and was skipped; the standard has no header row.".into(),
        Problem::EmptyLine => "An empty line (skipped).".into(),
        Problem::NoRecords => "The file has no records.".into(),
        Problem::NotJpeg => "The image is not a JPEG file.".into(),
        Problem::WrongDirection { kind } => format!("{kind} goes from the care-management side, but the sender is a service office; check that sender and recipient are not swapped."),
        Problem::Unreadable(e) => format!("The file could not be read ({e})."),
        Problem::NotAFile => "Not a regular file (a folder, a device, a named pipe); choose the CSV file the care software exported.".into(),
        Problem::NulByte => "The file holds NUL bytes: it is binary, not CSV text. Export it again from the care software.".into(),
        Problem::RecordTooLong => "A record (line) is longer than 1 MiB; reading stopped there. This is not a CSV file of the standard.".into(),
        Problem::Required { .. } => "A required item is empty.".into(),
        Problem::TooLong { len, max } => format!("{len} characters; at most {max} are allowed."),
        Problem::TooManyBytes { bytes, max } => format!("{bytes} bytes in MS932, more than the item length {max}; the receiver may cut it."),
        Problem::BadFormat { format, value } => format!("\"{value}\" is not {}.", format_en(*format)),
        Problem::Negative { value } => format!("\"{value}\" is negative; the spec does not mention signs, so the receiver may reject it."),
        Problem::NotInCodeList { value, allowed } => format!("\"{value}\" is not one of the item's codes ({}).", allowed.join(", ")),
        Problem::UnusedFilled => "識別子 is not used; leave it empty (receivers ignore it).".into(),
        Problem::BadInsuredNumber { value } => format!("Insured number \"{value}\" is neither 10 digits nor H + 9 digits."),
        Problem::UnknownServiceType { value } => format!("\"{value}\" is not a service type of the standard."),
        Problem::OutOfScope { service_type } => format!("Service type {service_type} is out of scope of the standard; such services are not sent."),
        Problem::VersionMixed { first, found } => format!("CSV version {found} differs from the first record's {first}; one file has one version."),
        Problem::VersionUnknown { value } => format!("Unknown CSV version \"{value}\"; edition 4.1 is 202407."),
        Problem::VersionOld { value } => format!("CSV version {value} uses the v3 layouts, which differ from 4.1. Update the care software and export again as 202407."),
        Problem::Version40 => "CSV version 202504 (edition 4.0): same layout as 4.1, accepted; 4.1 writes 202407.".into(),
        Problem::VersionNotInForce { value, month } => format!("CSV version {value} does not apply yet to service month {month} (it applies from 2025-04)."),
        Problem::MonthNotName { record, name } => format!("Service month {record} differs from the month {name} in the file name."),
        Problem::MonthMixed { first, found } => format!("Service month {found} differs from {first}; one file holds one month."),
        Problem::DateOutsideMonth { date, month } => format!("Service date {date} is not in service month {month}."),
        Problem::EquipmentCodeMissing { tais, notified } => format!("Welfare-equipment service without a TAIS code (No.{tais}) or notified code (No.{notified}); fill one of them."),
        Problem::DiscriminatorNotEquipment => "明細判別コード is only used for welfare equipment (17, 67).".into(),
        Problem::DaysBeyondMonthEnd { days } => format!("日割対象日 marks days after day {days}, the last of the month."),
        Problem::TimesInconsistent => "Only one of start and end time is 9999.".into(),
        Problem::HosokuKey { plan_unit: true, no: 63 } => "The name month is 000000 (plan unit): 対象年月 must be 000000.".into(),
        Problem::HosokuKey { plan_unit: true, .. } => "In a plan unit, 居宅サービス計画作成（変更）日 must be a real date (that of the 第1表).".into(),
        Problem::HosokuKey { plan_unit: false, no: 63 } => "In a 第6表/第7表 unit, 対象年月 must equal the month in the file name.".into(),
        Problem::HosokuKey { plan_unit: false, .. } => "In a 第6表/第7表 unit, 居宅サービス計画作成（変更）日 must be 00000000.".into(),
        Problem::UnrelatedUser => "This user has no service of the receiving office; unrelated users are not sent.".into(),
        Problem::ForeignService { office: true } => "A 実績 record of an office other than the sender.".into(),
        Problem::ForeignService { office: false } => "A 実績 record of a service type other than the sender's.".into(),
        Problem::UpdaterNotSender { value, sender } => format!("更新業者コード {value} is not the sender office {sender}."),
        Problem::GrandTotalCount { count } => format!("{count} grand-total rows for this user in 第7表; there must be exactly one."),
        Problem::SubtotalMissing { service_type } => format!("Several detail rows of type {service_type} but no {service_type}AAAA subtotal row."),
        Problem::SubtotalValues => "Subtotal and total rows have 単位数 0 and empty 割引後率 / 割引後単位数.".into(),
        Problem::FixedOfficeCode => "事業所コード is fixed to 9999999999.".into(),
        Problem::SlotGap { slot } => format!("Per-type limit slots have a gap before slot {slot}; fill from slot 1."),
        Problem::SlotShortStayType { service_type } => format!("Per-type limit slot with type {service_type}; use 22 for 短期入所療養介護."),
        Problem::FollowUpMissing { code_no, text_no } => format!("The choice in No.{code_no} needs the text in No.{text_no}, which is empty."),
        Problem::Plan2Order => "第2表 records are not in 課題ＮＯ / 援助目標ＮＯ / 援助内容ＮＯ order.".into(),
        Problem::Plan3Mixed => "A 第3表 record mixes weekly service, daily activity and non-weekly service.".into(),
        Problem::UnitNotAllowed { kinds: k } => format!("Files sharing this serial ({}) are not an allowed send unit.", kinds(k)),
        Problem::UnitMissingParent { parent } => format!("No {parent} with the same serial."),
        Problem::UnitMissingCompanion { missing } => format!("No {missing} with the same serial; it must be sent with this file."),
        Problem::DerivedWithoutParent { parent } => format!("The parent {parent} is not in the same unit (same sender, recipient and serial)."),
        Problem::SubMissing { sub } => format!("{sub} is missing; it normally travels with this file."),
        Problem::NoParentRecord { parent, key } => format!("The user ({key}) is not in the unit's {parent}."),
        Problem::ImageMissing { name } => format!("Image \"{name}\" is not in the unit."),
        Problem::ImageUnreferenced => "No UPKIHON record names this image.".into(),
    }
}
