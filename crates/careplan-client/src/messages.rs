//! The one place where client errors become sentences for office staff: what happened and what
//! to do about it.

use careplan_csv::Lang;

use crate::error::{CertRefusal, ClientError, Unsendable};

/// A Japanese sentence for `e` that says what to do next.
pub fn error_ja(e: &ClientError) -> String {
    match e {
        ClientError::Unreachable(_) => "連携基盤に接続できません。ネットワークと接続先アドレスを確認してください。送信待ちのファイルは接続が戻ったときに自動で送られます。".into(),
        ClientError::BadFingerprint => "CA フィンガープリントの形式が正しくありません。管理者から受け取った 64 桁の英数字をそのまま貼り付けてください。".into(),
        ClientError::FingerprintMismatch => "接続先の CA フィンガープリントが一致しません。接続先アドレスとフィンガープリントを管理者に確認してください（なりすましの可能性があるため接続を中止しました）。".into(),
        ClientError::WrongCredentials => "事業所番号またはパスワードが正しくありません。入力を確認してください。5 回続けて間違えると一定時間ロックされます。".into(),
        ClientError::TotpRequired => "この事業所には確認コードが必要です。認証アプリに表示される 6 桁のコードを入力してください。".into(),
        ClientError::OfficeLocked => "ログインの失敗が続いたため、この事業所は一時的にロックされています。15 分ほど待ってからやり直すか、連携基盤の管理者に連絡してください。".into(),
        ClientError::OfficeDisabled => "この事業所は連携基盤で利用停止になっています。連携基盤の管理者に連絡してください。".into(),
        ClientError::CertificateRefused(CertRefusal::Expired) => "この事業所の電子証明書の有効期限が切れています。証明書を更新（再登録）してください。".into(),
        ClientError::CertificateRefused(CertRefusal::Revoked) => "この事業所の電子証明書は失効しています。連携基盤の管理者に確認のうえ、再登録してください。".into(),
        ClientError::CertificateRefused(_) => "連携基盤がこの事業所の電子証明書を受け付けませんでした。期限切れ・失効の可能性があります。再登録するか管理者に連絡してください。".into(),
        ClientError::UnknownOffice(n) => format!("事業所番号 {n} は連携基盤に登録されていません。ファイル名の送信先事業所番号を確認してください。"),
        ClientError::RecipientNotEnrolled(n) => format!("相手先（事業所 {n}）がまだ登録していません。登録されたら自動で送ります。"),
        ClientError::RecipientDisabled(n) => format!("相手先（事業所 {n}）は連携基盤で利用停止中です。再開されたら自動で送ります。急ぐ場合は相手先に確認してください。"),
        ClientError::PartnerCertificate { office, .. } => format!("事業所 {office} の電子証明書を確認できませんでした。安全のため送受信を中止しました。連携基盤の管理者に連絡してください。"),
        ClientError::Relay { status, code } => format!("連携基盤がエラーを返しました（{status} {code}）。しばらくしてからもう一度お試しください。続く場合は管理者に連絡してください。"),
        ClientError::Invalid(found) => format!("ファイルに {} 件の誤りがあるため送信しませんでした。内容を修正してからもう一度送信してください。", found.len()),
        ClientError::NotSendable { path, reason } => match reason {
            Unsendable::OtherSender(other) => format!("{path}: 送信元が事業所 {other} のファイルです。この事業所から送れるのは自事業所のファイルだけです。"),
            Unsendable::NoFiles => format!("{path}: 送信できるファイル（.csv / .jpg）がありません。"),
            Unsendable::NotAFile => format!("{path}: 通常のファイルではないため送信できません。"),
            Unsendable::TooLarge => format!("{path}: 20 MB を超えるため送信できません。標準仕様のファイルか確認してください。"),
            Unsendable::BadName => format!("{path}: 標準仕様のファイル名ではないため送信できません。"),
        },
        ClientError::AlreadySent { path, recipient, at } => format!("{path} は {} に事業所 {recipient} へ送信済みです（同じ内容）。二重に送らないよう止めました。", crate::export::jst(*at)),
        ClientError::NotEnrolled(dir) => format!("{dir} には登録済みの事業所がありません。先に事業所の登録（kizuna enroll）を行ってください。"),
        ClientError::AlreadyEnrolled(dir) => format!("{dir} には既に事業所が登録されています。別の事業所は別のプロファイルに登録してください。"),
        ClientError::KeyStoreUnavailable(_) => "この PC には鍵の保管庫がありません。事業所の鍵を守るパスフレーズを決めて入力し、もう一度登録してください。".into(),
        ClientError::KeysLocked(_) => "事業所の鍵を開けませんでした。パスフレーズが正しいか確認してください。".into(),
        ClientError::BadProxy(p) => format!("プロキシの指定「{p}」が正しくありません。http://proxy.example.jp:8080 のように入力するか、空欄にしてください（空欄なら OS の設定を使います）。"),
        ClientError::NotKept => "このファイルは控えが残っていないため、保存し直せません。送信元の事業所に再送を依頼してください。".into(),
        ClientError::Crypto(_) => "暗号処理に失敗しました。もう一度お試しください。続く場合は管理者に連絡してください。".into(),
        ClientError::Io { path, source } => format!("{path} を読み書きできませんでした（{source}）。場所と権限を確認してください。"),
        ClientError::Db(_) => "履歴データベースを読み書きできませんでした。ディスクの空きと権限を確認してください。".into(),
        ClientError::Format(what) => format!("データの形式が正しくありません（{what}）。"),
    }
}

/// The sentence for `e` in `lang` (English keeps the technical description).
pub fn error_text(e: &ClientError, lang: Lang) -> String {
    match lang {
        Lang::Ja => error_ja(e),
        Lang::En => e.to_string(),
    }
}

/// Japanese name of a sent or received file's state; `direction` is `sent` or `received`, as in
/// the history (a received file's receipt is ours, a sent file's is the partner's).
pub fn state_ja(direction: &str, state: &str) -> &'static str {
    match state {
        "acknowledged" if direction == "received" => "受信確認を返送済み",
        "queued" => "送信待ち",
        "uploaded" => "送信済み（連携基盤で保管中）",
        "delivered" => "相手が受信中",
        "acknowledged" => "相手受信確認済み",
        "rejected" => "相手側で検証エラー",
        "expired" => "期限切れ（未受信のまま削除）",
        "failed" => "送信できませんでした",
        "saved" => "受信・保存済み",
        "quarantined" => "検証エラーのため隔離",
        "replayed" => "同じ送信の複製のため拒否",
        "saved_again" => "保存し直し",
        _ => "不明",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_a_japanese_name() {
        for s in [
            "queued",
            "uploaded",
            "delivered",
            "acknowledged",
            "rejected",
            "expired",
            "failed",
            "saved",
            "quarantined",
            "replayed",
            "saved_again",
        ] {
            assert_ne!(state_ja("sent", s), "不明", "{s}");
        }
    }

    #[test]
    fn a_receipt_is_the_partners_when_sent_and_ours_when_received() {
        assert_eq!(state_ja("sent", "acknowledged"), "相手受信確認済み");
        assert_eq!(state_ja("received", "acknowledged"), "受信確認を返送済み");
    }
}
