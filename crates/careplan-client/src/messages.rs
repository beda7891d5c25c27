//! The one place where client errors become sentences for office staff: what happened and what
//! to do about it.

use careplan_csv::{FileReport, Lang};

use careplan_protocol::InviteError;

use crate::error::{CertRefusal, ClientError, Unsendable};
use crate::file_state::{Direction, FileState};
use crate::send::SendOutcome;

/// A Japanese sentence for `e` that says what to do next.
pub fn error_ja(e: &ClientError) -> String {
    match e {
        ClientError::Unreachable(_) => "連携基盤に接続できません。ネットワークと接続先アドレスを確認してください。送信待ちのファイルは接続が戻ったときに自動で送られます。".into(),
        ClientError::BadFingerprint => "CA フィンガープリントの形式が正しくありません。管理者から受け取った 64 桁の英数字をそのまま貼り付けてください。".into(),
        ClientError::FingerprintMismatch => "接続先の CA フィンガープリントが一致しません。接続先アドレスとフィンガープリントを管理者に確認してください（なりすましの可能性があるため接続を中止しました）。".into(),
        ClientError::WrongCredentials => "事業所番号またはパスワードが正しくありません。入力を確認してください。5 回続けて間違えると一定時間ロックされます。".into(),
        ClientError::TotpRequired => "確認コードが必要です。認証アプリに表示される 6 桁のコードを入力してください。".into(),
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
        ClientError::Invalid(reports) => format!("ファイルに {} 件の誤りがあるため送信しませんでした。内容を修正してからもう一度送信してください。", reports.iter().map(FileReport::error_count).sum::<usize>()),
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
        ClientError::NoFont => "このパソコンに日本語のフォントが見つからないため、PDF を作れません。日本語フォント（Linux では fonts-noto-cjk）を入れてから、もう一度お試しください。".into(),
        ClientError::Print(why) => format!("帳票を PDF にできませんでした（{why}）。もう一度お試しください。続く場合は管理者に連絡してください。"),
        ClientError::NoJisseki { month, office } => format!("{month} の {office} の実績は送受信履歴にありません。実績を受信（または送信）してから比べてください。"),
        ClientError::NotKept => "このファイルは控えが残っていないため、保存し直せません。送信元の事業所に再送を依頼してください。".into(),
        ClientError::Crypto(_) => "暗号処理に失敗しました。もう一度お試しください。続く場合は管理者に連絡してください。".into(),
        ClientError::Io { path, source } => format!("{path} を読み書きできませんでした（{source}）。場所と権限を確認してください。"),
        ClientError::Invite { what, reason } => format!("{what} は登録用の案内として使えません（{}）。管理者から受け取ったファイルかリンクをそのまま開くか、接続先とフィンガープリントを入力してください。", match reason {
            InviteError::TooLarge => "大きすぎます",
            InviteError::NotAnInvite => "登録用ファイルの形式ではありません",
            InviteError::BadRelayUrl => "接続先が https:// で始まるアドレスではありません",
            InviteError::BadFingerprint => "CA フィンガープリントが 64 桁の英数字ではありません",
            InviteError::BadOffice => "事業所番号が 10 桁の数字ではありません",
        }),
        ClientError::SignInRequired => "この操作には職員のサインインが必要です。サインインしてからもう一度お試しください。".into(),
        ClientError::Forbidden => "この操作は事業所の管理者だけができます。管理者に依頼してください。".into(),
        ClientError::TooManyDeviceRequests => "この事業所には承認待ちのパソコンがすでに 3 台あります。管理者が承認か拒否をしてから、もう一度お試しください（10 分で自動的に取り消されます）。".into(),
        ClientError::RateLimited => "短い時間に同じ操作が続いたため、中継サーバーが受け付けを一時止めています。1 時間ほど待ってから、もう一度お試しください。続く場合は中継サーバーの管理者に連絡してください。".into(),
        ClientError::RequestClosed => "この追加の依頼はすでに承認・拒否されたか、期限が切れています。一覧を更新してください。".into(),
        ClientError::DeviceRefused => "事業所の管理者がこのパソコンの追加を拒否しました。管理者に確認してください。".into(),
        ClientError::DeviceRequestExpired => "10 分以内に承認されなかったため、追加の依頼は取り消されました。管理者がそばにいるときに、もう一度始めてください。".into(),
        ClientError::SecondFactorMissing => "管理者のサインインには確認コード（認証アプリ）が必要ですが、まだ設定されていません。中継サーバーの管理者に確認コードの発行を依頼してください。".into(),
        ClientError::StaffLocked => "サインインの失敗が続いたため、この職員は一時的にロックされています。15 分ほど待つか、事業所の管理者に連絡してください。".into(),
        ClientError::StaffExists(login) => format!("ログイン名「{login}」は既にこの事業所で使われています。別の名前にしてください。"),
        ClientError::NoSuchStaff(who) => format!("「{who}」はこの事業所に見つかりません。一覧で確かめてください。"),
        ClientError::BadRelayAddress(a) if a.is_empty() => "中継サーバーのアドレスを 1 つ以上入力してください（https:// で始まるアドレス。複数あるときはカンマで区切ります）。".into(),
        ClientError::BadRelayAddress(a) => format!("「{a}」は中継サーバーのアドレスになりません。https:// で始まる、管理者から受け取ったアドレスを入力してください（複数あるときはカンマで区切ります）。"),
        ClientError::NewerHistory(path) => format!("履歴データベース（{path}）は、これより新しいバージョンの Kizuna で作られています。履歴を守るため開きませんでした。Kizuna を最新版に更新してください。"),
        ClientError::Db(_) => "履歴データベースを読み書きできませんでした。ディスクの空きと権限を確認してください。".into(),
        ClientError::Format(what) => format!("データの形式が正しくありません（{what}）。"),
    }
}

/// An English sentence for `e` that says what to do next, as [`error_ja`] does in Japanese.
pub fn error_en(e: &ClientError) -> String {
    match e {
        ClientError::Unreachable(_) => "Kizuna cannot reach the relay. Check the network and the relay address. Files waiting to be sent go out by themselves when the connection is back.".into(),
        ClientError::BadFingerprint => "The CA fingerprint is not in the right form. Paste the 64 letters and digits your administrator gave you, unchanged.".into(),
        ClientError::FingerprintMismatch => "The relay's CA fingerprint does not match. Kizuna stopped because someone may be posing as the relay; check the address and the fingerprint with your administrator.".into(),
        ClientError::WrongCredentials => "The office number or the password is wrong. Check what you typed; after five failures in a row the office is locked for a while.".into(),
        ClientError::TotpRequired => "A one-time code is needed. Type the six-digit code your authenticator app shows.".into(),
        ClientError::OfficeLocked => "This office is locked for a while after too many failed sign-ins. Wait about 15 minutes and try again, or call the relay's administrator.".into(),
        ClientError::OfficeDisabled => "The relay has suspended this office. Call the relay's administrator.".into(),
        ClientError::CertificateRefused(CertRefusal::Expired) => "This office's certificate has expired. Renew it (enrol again) on the Certificate screen.".into(),
        ClientError::CertificateRefused(CertRefusal::Revoked) => "This office's certificate was revoked. Ask the relay's administrator, then enrol again.".into(),
        ClientError::CertificateRefused(_) => "The relay did not accept this office's certificate; it may have expired or been revoked. Enrol again or call your administrator.".into(),
        ClientError::UnknownOffice(n) => format!("Office {n} is not registered at the relay. Check the recipient office number in the file name."),
        ClientError::RecipientNotEnrolled(n) => format!("The partner (office {n}) has not enrolled yet. Kizuna sends the file by itself once it has."),
        ClientError::RecipientDisabled(n) => format!("The partner (office {n}) is suspended at the relay. Kizuna sends the file by itself once it is back; if it is urgent, call the partner."),
        ClientError::PartnerCertificate { office, .. } => format!("The certificate of office {office} could not be verified, so Kizuna stopped exchanging with it to be safe. Call the relay's administrator."),
        ClientError::Relay { status, code } => format!("The relay answered with an error ({status} {code}). Try again in a while; if it keeps happening, call your administrator."),
        ClientError::Invalid(reports) => format!("Nothing was sent because the files have {} errors. Correct them and send again.", reports.iter().map(FileReport::error_count).sum::<usize>()),
        ClientError::NotSendable { path, reason } => match reason {
            Unsendable::OtherSender(other) => format!("{path}: This file's sender is office {other}. An office can only send its own files."),
            Unsendable::NoFiles => format!("{path}: There is no file to send here (.csv or .jpg)."),
            Unsendable::NotAFile => format!("{path}: This is not an ordinary file, so it cannot be sent."),
            Unsendable::TooLarge => format!("{path}: This file is over 20 MB and cannot be sent. Check that it is a file of the standard."),
            Unsendable::BadName => format!("{path}: This is not a file name of the standard, so it cannot be sent."),
        },
        ClientError::AlreadySent { path, recipient, at } => format!("{path} was already sent to office {recipient} on {} with the same content. Kizuna stopped it so that it does not go twice.", crate::export::jst(*at)),
        ClientError::NotEnrolled(dir) => format!("No office is enrolled in {dir}. Enrol the office first (kizuna enroll, or the set-up screen)."),
        ClientError::AlreadyEnrolled(dir) => format!("An office is already enrolled in {dir}. Enrol another office in another profile."),
        ClientError::KeyStoreUnavailable(_) => "This computer has no key store. Choose a passphrase that protects the office keys, type it and enrol again.".into(),
        ClientError::KeysLocked(_) => "The office keys could not be opened. Check that the passphrase is right.".into(),
        ClientError::BadProxy(p) => format!("The proxy \"{p}\" is not an address. Type one like http://proxy.example.jp:8080, or leave it empty to use the system's setting."),
        ClientError::NoFont => "No Japanese font was found on this computer, so no PDF can be made. Install one (on Linux, fonts-noto-cjk) and try again.".into(),
        ClientError::Print(why) => format!("The forms could not be made into a PDF ({why}). Try again; if it keeps happening, call your administrator."),
        ClientError::NoJisseki { month, office } => format!("The history holds no jisseki of {office} for {month}. Receive (or send) it first, then compare."),
        ClientError::NotKept => "No copy of this file was kept, so it cannot be saved again. Ask the sending office to send it again.".into(),
        ClientError::Crypto(_) => "Encryption or decryption failed. Try again; if it keeps happening, call your administrator.".into(),
        ClientError::Io { path, source } => format!("{path} could not be read or written ({source}). Check the place and the permissions."),
        ClientError::Invite { what, reason } => format!("The invitation {what} cannot be used: {}. Open the file or link your administrator gave you unchanged, or type the relay address and the fingerprint.", match reason {
            InviteError::TooLarge => "it is too large",
            InviteError::NotAnInvite => "it is not an invitation file",
            InviteError::BadRelayUrl => "the relay address does not start with https://",
            InviteError::BadFingerprint => "the CA fingerprint is not 64 letters and digits",
            InviteError::BadOffice => "the office number is not 10 digits",
        }),
        ClientError::SignInRequired => "This needs a member of staff to sign in. Sign in and try again.".into(),
        ClientError::Forbidden => "Only the office's administrators can do this. Ask one of them.".into(),
        ClientError::TooManyDeviceRequests => "Three PCs of this office are already waiting for approval. Try again once an administrator has approved or refused them (they lapse after 10 minutes).".into(),
        ClientError::RateLimited => "The relay has paused this kind of request from this PC after too many in a short time. Wait about an hour and try again; if it goes on, tell the relay's administrator.".into(),
        ClientError::RequestClosed => "This request was already approved or refused, or it lapsed. Refresh the list.".into(),
        ClientError::DeviceRefused => "An administrator of the office refused to add this PC. Ask them why.".into(),
        ClientError::DeviceRequestExpired => "Nobody approved this PC within 10 minutes, so the request lapsed. Start again when an administrator is at hand.".into(),
        ClientError::SecondFactorMissing => "An administrator signs in with a one-time code from an authenticator app, and none is set up for you yet. Ask the relay's administrator to issue one.".into(),
        ClientError::StaffLocked => "This person is locked for a while after too many failed sign-ins. Wait about 15 minutes, or call the office's administrator.".into(),
        ClientError::StaffExists(login) => format!("The login \"{login}\" is already used in this office. Choose another one."),
        ClientError::NoSuchStaff(who) => format!("No member of staff or device \"{who}\" was found in this office. Check the list."),
        ClientError::BadRelayAddress(a) if a.is_empty() => "Enter at least one relay address (starting with https://; separate several with commas).".into(),
        ClientError::BadRelayAddress(a) => format!("The relay address “{a}” cannot be used. Enter the https:// address your administrator gave you (separate several with commas)."),
        ClientError::NewerHistory(path) => format!("The history database ({path}) was written by a newer version of Kizuna. To keep the history safe it was not opened; update Kizuna to the newest version."),
        ClientError::Db(_) => "The history database could not be read or written. Check the free disk space and the permissions.".into(),
        ClientError::Format(what) => format!("The data is not in the expected form ({what})."),
    }
}

/// The sentence for `e` in `lang`.
pub fn error_text(e: &ClientError, lang: Lang) -> String {
    match lang {
        Lang::Ja => error_ja(e),
        Lang::En => error_en(e),
    }
}

/// Who files came from, as a notification names them: each office once by its name (or number),
/// with the people who sent from it (from the signed manifests), `ひまわり（佐藤 花子 (sato)）`.
pub fn senders(
    files: &[crate::Received],
    name_of: impl Fn(&str) -> Option<String>,
    lang: Lang,
) -> String {
    let mut offices: Vec<(String, Vec<&str>)> = Vec::new();
    for f in files {
        let i = match offices.iter().position(|(o, _)| *o == f.sender) {
            Some(i) => i,
            None => {
                offices.push((f.sender.clone(), Vec::new()));
                offices.len() - 1
            }
        };
        if let Some(by) = f.sent_by.as_deref().filter(|b| !offices[i].1.contains(b)) {
            offices[i].1.push(by);
        }
    }
    let (open, close, sep) = match lang {
        Lang::Ja => ("（", "）", "、"),
        Lang::En => (" (", ")", ", "),
    };
    offices
        .iter()
        .map(|(number, people)| {
            let name = name_of(number).unwrap_or_else(|| number.clone());
            if people.is_empty() {
                name
            } else {
                format!("{name}{open}{}{close}", people.join(sep))
            }
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// What the desktop app says outside its window: tray menu, tooltip and notifications.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// Notification title: files arrived.
    ArrivedTitle,
    /// Notification body: `count` files from `from` (partner names).
    Arrived {
        /// The senders' names (and who sent, where the manifest says), joined.
        from: &'a str,
        /// How many files.
        count: usize,
        /// This PC only kept them: another PC of the office saves arrivals.
        kept: bool,
    },
    /// Notification action that opens the inbox.
    OpenInbox,
    /// Notification title: the certificate needs renewing.
    CertificateTitle,
    /// Notification body: days left on the certificate.
    CertificateEnding {
        /// Days left.
        days_left: i64,
    },
    /// The background exchange stopped unexpectedly and is being started again.
    LoopStopped,
    /// Tray menu: unread files (0: none).
    Unread(usize),
    /// Tray menu: open the window.
    Open,
    /// Tray menu: quit.
    Quit,
    /// A newer version of the app is available.
    UpdateAvailable {
        /// The newer version.
        version: &'a str,
    },
    /// The downloaded update's signature did not verify: it was not installed.
    UpdateUnsigned,
    /// Looking for or installing an update failed.
    UpdateFailed {
        /// The technical reason.
        reason: &'a str,
    },
    /// Something the window asked for stopped unexpectedly (details in the log).
    Stopped,
    /// The log file cannot be written; the app works without it.
    LogUnavailable {
        /// The log file.
        file: &'a str,
        /// The system's reason.
        reason: &'a str,
    },
    /// The system could not open a file or folder.
    CannotOpen {
        /// What was to be opened.
        path: &'a str,
        /// The system's reason.
        reason: &'a str,
    },
    /// The settings were saved, but starting at login could not be turned on or off.
    AutostartFailed {
        /// The system's reason.
        reason: &'a str,
    },
}

/// The words for `n` in `lang`.
pub fn notice(n: Notice<'_>, lang: Lang) -> String {
    let en = lang == Lang::En;
    match n {
        Notice::ArrivedTitle if en => "New care plan files arrived".into(),
        Notice::ArrivedTitle => "新しいケアプランが届きました".into(),
        Notice::Arrived { from, count, kept: false } if en => format!("{count} from {from}"),
        Notice::Arrived { from, count, kept: false } => format!("{from} から {count} 件"),
        Notice::Arrived { from, count, kept: true } if en => format!("{count} from {from} (kept here; another PC saves them into the import folder)"),
        Notice::Arrived { from, count, kept: true } => format!("{from} から {count} 件（このPCでは控えを保管。取込フォルダへは別のPCが保存します）"),
        Notice::OpenInbox if en => "Open the inbox".into(),
        Notice::OpenInbox => "受信箱を開く".into(),
        Notice::CertificateTitle if en => "The certificate needs renewing".into(),
        Notice::CertificateTitle => "電子証明書の更新が必要です".into(),
        Notice::CertificateEnding { days_left } if en => format!("It ends in {days_left} days. Renew it on the Certificate screen."),
        Notice::CertificateEnding { days_left } => format!("有効期限まであと {days_left} 日です。「証明書」画面から更新してください。"),
        Notice::LoopStopped if en => "Receiving stopped unexpectedly and is being restarted. If this message keeps coming back, restart Kizuna and send the log file (Settings) to your administrator.".into(),
        Notice::LoopStopped => "受信の処理が予期せず止まったため、再開しています。繰り返し表示される場合は Kizuna を再起動し、ログファイル（設定画面）を管理者に送ってください。".into(),
        Notice::Unread(0) if en => "No unread files".into(),
        Notice::Unread(0) => "未読のファイルはありません".into(),
        Notice::Unread(n) if en => format!("{n} unread"),
        Notice::Unread(n) => format!("未読 {n} 件"),
        Notice::Open if en => "Open Kizuna".into(),
        Notice::Open => "Kizuna を開く".into(),
        Notice::Quit if en => "Quit".into(),
        Notice::Quit => "終了".into(),
        Notice::UpdateAvailable { version } if en => format!("Version {version} of Kizuna is available. Install it on the Settings screen."),
        Notice::UpdateAvailable { version } => format!("Kizuna の新しいバージョン {version} があります。「設定」画面から更新できます。"),
        Notice::UpdateUnsigned if en => "The update was not installed because its signature could not be verified: it may not come from the Kizuna publisher. Keep using this version and tell your administrator.".into(),
        Notice::UpdateUnsigned => "更新ファイルの署名を確認できなかったため、更新しませんでした（配布元が正しくない可能性があります）。このバージョンのまま使い、管理者に連絡してください。".into(),
        Notice::UpdateFailed { reason } if en => format!("Kizuna could not look for or install an update ({reason}). Check the network and try again later; Kizuna keeps working as it is."),
        Notice::UpdateFailed { reason } => format!("更新の確認またはインストールができませんでした（{reason}）。ネットワークを確認し、後でもう一度お試しください。このバージョンのまま使えます。"),
        Notice::LogUnavailable { file, reason } if en => format!("Kizuna cannot write its log file {file} ({reason}). Sending and receiving work as usual; ask your administrator to check that folder's permissions."),
        Notice::LogUnavailable { file, reason } => format!("ログファイル {file} に書き込めません（{reason}）。送受信はいつも通り使えます。フォルダの権限を管理者に確認してもらってください。"),
        Notice::Stopped if en => "Something stopped unexpectedly. Try again; if it happens again, send the log file (Settings) to your administrator.".into(),
        Notice::Stopped => "処理が予期せず止まりました。もう一度お試しください。繰り返す場合はログファイル（設定画面）を管理者に送ってください。".into(),
        Notice::CannotOpen { path, reason } if en => format!("{path} could not be opened ({reason}). Open it from the file manager instead."),
        Notice::CannotOpen { path, reason } => format!("{path} を開けませんでした（{reason}）。エクスプローラーや Finder から開いてください。"),
        Notice::AutostartFailed { reason } if en => format!("The settings were saved, but starting Kizuna at login could not be changed ({reason}). Check that your account may add login items."),
        Notice::AutostartFailed { reason } => format!("設定は保存しましたが、ログイン時の自動起動を変更できませんでした（{reason}）。この PC でログイン項目を追加できるか確認してください。"),
    }
}

/// A notification (title, body) for what the watched export folder did, in `lang`; `None`:
/// nothing worth interrupting anyone for. `name_of` gives a partner's name for its number.
pub fn folder_notice(
    event: &crate::watch::FolderEvent,
    name_of: &dyn Fn(&str) -> String,
    lang: Lang,
) -> Option<(String, String)> {
    use crate::watch::{FolderEvent, Handled};
    let en = lang == Lang::En;
    let recipients = |files: &[std::path::PathBuf]| {
        let mut to: Vec<String> = files
            .iter()
            .filter_map(|p| careplan_csv::FileName::parse(&p.file_name()?.to_string_lossy()).ok())
            .map(|n| name_of(n.recipient.office.as_str()))
            .collect();
        to.dedup();
        to.join("・")
    };
    Some(match event {
        FolderEvent::Handled { unit, outcome } => {
            let to = recipients(&unit.files);
            let n = unit.files.len();
            match outcome {
                Handled::AlreadySent => return None,
                Handled::Ready if en => (
                    "Files ready to send".into(),
                    format!(
                        "{n} files for {to} were checked and have no errors. Send them from the Send screen."
                    ),
                ),
                Handled::Ready => (
                    "送信の準備ができました".into(),
                    format!(
                        "{to} 宛の {n} ファイルを検査しました。誤りはありません。「送信」画面で確認して送ってください。"
                    ),
                ),
                Handled::Sent(uploads) => {
                    // Queued or refused files are what the person must hear about.
                    let not_sent = uploads
                        .iter()
                        .map(|u| u.view(lang))
                        .find(|v| v.outcome != SendOutcome::Sent);
                    match (not_sent, en) {
                        (None, true) => (
                            "Sent automatically".into(),
                            format!("{n} files were sent to {to}."),
                        ),
                        (None, false) => (
                            "自動送信しました".into(),
                            format!("{to} 宛に {n} ファイルを送りました。"),
                        ),
                        (Some(v), true) => (
                            format!(
                                "Exported files for {to}: {}",
                                outcome_label(v.outcome, lang)
                            ),
                            v.message.unwrap_or_default(),
                        ),
                        (Some(v), false) => (
                            format!("{to} 宛の書き出し: {}", outcome_label(v.outcome, lang)),
                            v.message.unwrap_or_default(),
                        ),
                    }
                }
                Handled::Invalid(reports) => {
                    let (file, finding) = reports.iter().find_map(|r| {
                        r.findings
                            .iter()
                            .find(|f| f.is_error())
                            .map(|f| (&r.name, f))
                    })?;
                    let errors: usize = reports.iter().map(|r| r.error_count()).sum();
                    let place = match (finding.location.line, finding.location.column, en) {
                        (Some(l), Some(c), false) => format!(" {l}行目 No.{c}"),
                        (Some(l), _, false) => format!(" {l}行目"),
                        (Some(l), Some(c), true) => format!(" line {l}, No.{c}"),
                        (Some(l), _, true) => format!(" line {l}"),
                        _ => String::new(),
                    };
                    let message = finding.message(lang);
                    let what = message.trim_end_matches(['。', '.']);
                    if en {
                        (
                            "Exported files have errors: not sent".into(),
                            format!(
                                "{file}{place}: {what} ({errors} errors in all). Correct them in the care software and export again."
                            ),
                        )
                    } else {
                        (
                            "書き出されたファイルに誤りがあります（送信していません）".into(),
                            format!(
                                "{file}{place}: {what}（誤り 計 {errors} 件）。介護ソフトで直して、もう一度書き出してください。"
                            ),
                        )
                    }
                }
                Handled::Incomplete(missing) if en => (
                    "Export incomplete: not sent".into(),
                    format!(
                        "The files for {to} lack {}. Export the whole unit again from the care software.",
                        missing.join(", ")
                    ),
                ),
                Handled::Incomplete(missing) => (
                    "書き出しがそろっていません（送信していません）".into(),
                    format!(
                        "{to} 宛のファイルに {} がありません。介護ソフトから単位全体をもう一度書き出してください。",
                        missing.join("・")
                    ),
                ),
            }
        }
        FolderEvent::Failed { error, .. } if en => {
            ("Exported files not handled".into(), error_text(error, lang))
        }
        FolderEvent::Failed { error, .. } => (
            "書き出されたファイルを処理できませんでした".into(),
            error_text(error, lang),
        ),
        FolderEvent::Unreadable { dir, error } if en => (
            "The export folder cannot be read".into(),
            format!(
                "{} cannot be read ({error}). Check the folder on the Settings screen.",
                dir.display()
            ),
        ),
        FolderEvent::Unreadable { dir, error } => (
            "書き出しフォルダを読めません".into(),
            format!(
                "{} を読めません（{error}）。「設定」画面でフォルダを確認してください。",
                dir.display()
            ),
        ),
    })
}

/// How sending a file ended, for people, in `lang`.
pub fn outcome_label(outcome: SendOutcome, lang: Lang) -> &'static str {
    match (outcome, lang == Lang::En) {
        (SendOutcome::Sent, false) => "送信しました",
        (SendOutcome::Sent, true) => "Sent",
        (SendOutcome::WaitingForPartner, false) => "送信待ち",
        (SendOutcome::WaitingForPartner, true) => "Waiting for the partner",
        (SendOutcome::WaitingForConnection, false) => "送信待ち（接続が戻ったら自動で送ります）",
        (SendOutcome::WaitingForConnection, true) => "Queued (goes when the connection is back)",
        (SendOutcome::Failed, false) => "送信できませんでした",
        (SendOutcome::Failed, true) => "Not sent",
    }
}

/// The name of a file's state for people, in `lang`. A received file's receipt is ours, a sent
/// file's is the partner's. The app shows these words too (generated into ui/src/bindings.ts).
pub fn state_label(direction: Direction, state: FileState, lang: Lang) -> &'static str {
    use FileState::*;
    let en = lang == Lang::En;
    match (state, en) {
        (Acknowledged, false) if direction == Direction::Received => "受信確認を返送済み",
        (Acknowledged, true) if direction == Direction::Received => "Receipt sent",
        (Queued, false) => "送信待ち",
        (Queued, true) => "Queued",
        (Uploaded, false) => "送信済み（連携基盤で保管中）",
        (Uploaded, true) => "Sent (held at the relay)",
        (Delivered, false) => "相手が受信中",
        (Delivered, true) => "Being received",
        (Acknowledged, false) => "相手受信確認済み",
        (Acknowledged, true) => "Receipt confirmed",
        (Rejected, false) => "相手側で検証エラー",
        (Rejected, true) => "Rejected by recipient",
        (Expired, false) => "期限切れ（未受信のまま削除）",
        (Expired, true) => "Expired unreceived",
        (Failed, false) => "送信できませんでした",
        (Failed, true) => "Not sent",
        (Saved, false) => "受信・保存済み",
        (Saved, true) => "Received and saved",
        (Quarantined, false) => "検証エラーのため隔離",
        (Quarantined, true) => "Quarantined",
        (Replayed, false) => "同じ送信の複製のため拒否",
        (Replayed, true) => "Refused: a copy of a file already received",
        (SavedAgain, false) => "保存し直し",
        (SavedAgain, true) => "Saved again",
        (Kept, false) => "受信済み（このPCでは取込フォルダに保存しない設定）",
        (Kept, true) => "Received (this PC does not save into the import folder)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrived(sender: &str, by: Option<&str>) -> crate::Received {
        crate::Received {
            relay_id: "m".into(),
            sender: sender.into(),
            file_name: "UPPLAN.CSV".into(),
            saved_path: None,
            quarantined: None,
            replayed: false,
            kept: false,
            sent_by: by.map(str::to_owned),
            errors: 0,
            warnings: 0,
        }
    }

    #[test]
    fn a_notification_names_each_sending_office_once_with_the_people_who_sent() {
        let files = [
            arrived("1310000001", Some("佐藤 花子 (sato)")),
            arrived("1310000001", Some("佐藤 花子 (sato)")),
            arrived("1310000001", Some("鈴木 一郎 (suzuki)")),
            arrived("1320000002", None),
        ];
        let name = |n: &str| (n == "1310000001").then(|| "居宅介護支援さくら".to_owned());
        assert_eq!(
            senders(&files, name, Lang::Ja),
            "居宅介護支援さくら（佐藤 花子 (sato)、鈴木 一郎 (suzuki)）、1320000002"
        );
    }

    /// One error of every kind, for the sentence tests.
    /// The sample's schedule unit from 1310000001 to 1320000001, written into `dir`; with
    /// `broken`, its 第6表's first record has one item too many.
    fn written_unit(dir: &std::path::Path, broken: bool) -> Vec<std::path::PathBuf> {
        crate::testing::sample_exchange(1)
            .into_iter()
            .filter(|f| {
                f.name.recipient.office.as_str() == "1320000001"
                    && matches!(f.name.month, Some(careplan_csv::NameMonth::Month(_)))
            })
            .map(|f| {
                let path = dir.join(f.name.to_string());
                let mut bytes = f.bytes.clone();
                if broken && f.name.kind == careplan_csv::FileKind::UpPlan {
                    let end = bytes.windows(2).position(|w| w == b"\r\n").unwrap();
                    bytes.splice(end..end, *b",X");
                }
                std::fs::write(&path, bytes).unwrap();
                path
            })
            .collect()
    }

    #[test]
    fn a_watched_unit_with_an_error_is_told_by_file_line_and_what_to_do() {
        use crate::watch::{FolderEvent, Handled, WatchedUnit};
        let dir = tempfile::tempdir().unwrap();
        let files = written_unit(dir.path(), true);
        let plan = files
            .iter()
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("UPPLAN")
            })
            .unwrap();
        let reports = careplan_csv::validate(
            files.iter().map(careplan_csv::Input::path),
            careplan_csv::Mode::Send,
        );
        let event = FolderEvent::Handled {
            unit: WatchedUnit {
                files: files.clone(),
                missing: vec![],
            },
            outcome: Handled::Invalid(reports),
        };
        let (title, body) = folder_notice(&event, &|_| "ひまわり".into(), Lang::Ja).unwrap();
        assert!(title.contains("送信していません"), "{title}");
        assert!(
            body.contains(&*plan.file_name().unwrap().to_string_lossy()),
            "{body}"
        );
        assert!(body.contains("1行目"), "{body}");
        assert!(body.contains("介護ソフトで直して"), "{body}");
    }

    #[test]
    fn a_watched_unit_sent_while_the_relay_is_away_is_told_as_waiting_not_as_sent() {
        use crate::watch::{FolderEvent, Handled, WatchedUnit};
        let dir = tempfile::tempdir().unwrap();
        let files = written_unit(dir.path(), false);
        let upload = |ok: bool| crate::send::Upload {
            id: 1,
            file_name: "UPPLAN.CSV".into(),
            recipient: "1320000001".into(),
            sent_by: None,
            result: if ok {
                Ok(())
            } else {
                Err(ClientError::Unreachable("connection refused".into()))
            },
        };
        let unit = WatchedUnit {
            files,
            missing: vec![],
        };
        let event = |ok| FolderEvent::Handled {
            unit: unit.clone(),
            outcome: Handled::Sent(vec![upload(true), upload(ok)]),
        };
        let (title, _) = folder_notice(&event(true), &|_| "ひまわり".into(), Lang::Ja).unwrap();
        assert_eq!(title, "自動送信しました");
        let (title, body) = folder_notice(&event(false), &|_| "ひまわり".into(), Lang::Ja).unwrap();
        assert!(title.contains("送信待ち"), "{title}");
        assert!(!body.is_empty());
    }

    #[test]
    fn a_watched_unit_ready_names_its_partner_and_a_unit_sent_before_is_not_told() {
        use crate::watch::{FolderEvent, Handled, WatchedUnit};
        let dir = tempfile::tempdir().unwrap();
        let files = written_unit(dir.path(), false);
        let unit = WatchedUnit {
            files,
            missing: vec![],
        };
        let ready = FolderEvent::Handled {
            unit: unit.clone(),
            outcome: Handled::Ready,
        };
        let (_, body) = folder_notice(&ready, &|n| format!("ひまわり({n})"), Lang::Ja).unwrap();
        assert!(
            body.starts_with("ひまわり(1320000001) 宛の 3 ファイル"),
            "{body}"
        );
        let again = FolderEvent::Handled {
            unit,
            outcome: Handled::AlreadySent,
        };
        assert_eq!(folder_notice(&again, &|n| n.into(), Lang::Ja), None);
    }

    fn one_of_each() -> Vec<ClientError> {
        let io = || std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let path = || "C:/export/a.csv".to_string();
        vec![
            ClientError::Unreachable("connection refused".into()),
            ClientError::BadFingerprint,
            ClientError::FingerprintMismatch,
            ClientError::WrongCredentials,
            ClientError::TotpRequired,
            ClientError::OfficeLocked,
            ClientError::OfficeDisabled,
            ClientError::CertificateRefused(CertRefusal::Expired),
            ClientError::CertificateRefused(CertRefusal::Revoked),
            ClientError::CertificateRefused(CertRefusal::Unknown),
            ClientError::CertificateRefused(CertRefusal::Handshake),
            ClientError::UnknownOffice("1312345678".into()),
            ClientError::RecipientNotEnrolled("1312345678".into()),
            ClientError::RecipientDisabled("1312345678".into()),
            ClientError::PartnerCertificate {
                office: "1312345678".into(),
                reason: "expired".into(),
            },
            ClientError::Relay {
                status: 500,
                code: careplan_protocol::ErrorCode::Internal,
            },
            ClientError::Invalid(Vec::new()),
            ClientError::NotSendable {
                path: path(),
                reason: Unsendable::NoFiles,
            },
            ClientError::NotSendable {
                path: path(),
                reason: Unsendable::NotAFile,
            },
            ClientError::NotSendable {
                path: path(),
                reason: Unsendable::TooLarge,
            },
            ClientError::NotSendable {
                path: path(),
                reason: Unsendable::BadName,
            },
            ClientError::NotSendable {
                path: path(),
                reason: Unsendable::OtherSender("1399999999".into()),
            },
            ClientError::AlreadySent {
                path: path(),
                recipient: "1312345678".into(),
                at: 1_700_000_000,
            },
            ClientError::NotEnrolled("/home/a/profile".into()),
            ClientError::AlreadyEnrolled("/home/a/profile".into()),
            ClientError::KeyStoreUnavailable("no secret service".into()),
            ClientError::KeysLocked("bad passphrase".into()),
            ClientError::BadProxy("proxy:".into()),
            ClientError::NotKept,
            ClientError::NoFont,
            ClientError::Print("a page could not be laid out".into()),
            ClientError::NoJisseki {
                month: "202612".into(),
                office: "1320000001".into(),
            },
            ClientError::Crypto("no matching key".into()),
            ClientError::Io {
                path: path(),
                source: io(),
            },
            ClientError::Invite {
                what: "a.kizuna".into(),
                reason: InviteError::BadRelayUrl,
            },
            ClientError::NewerHistory("/home/a/profile/history.db".into()),
            ClientError::BadRelayAddress("http://relay".into()),
            ClientError::BadRelayAddress(String::new()),
            ClientError::SignInRequired,
            ClientError::Forbidden,
            ClientError::StaffLocked,
            ClientError::SecondFactorMissing,
            ClientError::TooManyDeviceRequests,
            ClientError::RateLimited,
            ClientError::RequestClosed,
            ClientError::DeviceRefused,
            ClientError::DeviceRequestExpired,
            ClientError::StaffExists("sato".into()),
            ClientError::NoSuchStaff("sato".into()),
            ClientError::Db(rusqlite::Error::InvalidQuery),
            ClientError::Format("manifest".into()),
        ]
    }

    #[test]
    fn every_english_error_is_a_sentence_not_the_technical_text() {
        for e in one_of_each() {
            let text = error_en(&e);
            assert_ne!(text, e.to_string(), "{e:?}");
            assert!(text.ends_with('.'), "{e:?}: {text}");
            let first = text
                .trim_start_matches("C:/export/a.csv: ")
                .chars()
                .next()
                .unwrap();
            assert!(
                first.is_uppercase() || first.is_ascii_digit(),
                "{e:?}: {text}"
            );
        }
    }

    #[test]
    fn every_error_reads_differently_in_japanese_and_english() {
        for e in one_of_each() {
            assert_ne!(error_text(&e, Lang::Ja), error_text(&e, Lang::En), "{e:?}");
        }
    }

    #[test]
    fn every_state_has_its_own_name_in_each_language() {
        for lang in [Lang::Ja, Lang::En] {
            for direction in Direction::ALL {
                let names: std::collections::HashSet<_> = FileState::ALL
                    .iter()
                    .map(|s| state_label(direction, *s, lang))
                    .collect();
                assert_eq!(names.len(), FileState::ALL.len(), "{lang:?} {direction:?}");
            }
        }
    }

    #[test]
    fn a_receipt_is_the_partners_when_sent_and_ours_when_received() {
        let ack = FileState::Acknowledged;
        assert_eq!(
            state_label(Direction::Sent, ack, Lang::Ja),
            "相手受信確認済み"
        );
        assert_eq!(
            state_label(Direction::Received, ack, Lang::Ja),
            "受信確認を返送済み"
        );
    }
}
