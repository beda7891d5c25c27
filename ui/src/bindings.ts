// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.
// Regenerate: KIZUNA_BLESS=1 cargo test -p kizuna-desktop bindings

export type StatusView = { enrolled: boolean, unlocked: boolean, 
/**
 * The enrolled office, its relay and certificate.
 */
profile: Enrolled | null, unread: number, receive_dir: string, settings: Settings, 
/**
 * How the background exchange is doing.
 */
background: LoopHealth, 
/**
 * Prefilled set-up values (e.g. from the demo launcher).
 */
preset_relay: string | null, preset_fingerprint: string | null, 
/**
 * The desktop end-to-end test's hooks are on (`KIZUNA_TEST_HOOKS=1`).
 */
test_hooks: boolean, 
/**
 * An invitation the app was opened with (file or link), for the set-up screen.
 */
invite: InviteOpened | null, 
/**
 * The app's log file, to send to whoever helps the office.
 */
log_file: string, 
/**
 * Why there is no log file, for people (the app works without it).
 */
log_problem: string | null, 
/**
 * The version running.
 */
version: string, 
/**
 * Updates are configured for this app (the office may still turn them off).
 */
updates_configured: boolean, 
/**
 * The member of staff signed in on this PC.
 */
person: StaffMember | null, };

export type Enrolled = { 
/**
 * 事業所番号.
 */
office: string, 
/**
 * 事業所名.
 */
office_name: string, 
/**
 * Its kind.
 */
office_kind: OfficeKind, 
/**
 * The relay's address.
 */
relay_url: string, 
/**
 * Further addresses of the relay, tried in turn when one cannot be reached.
 */
other_relays: Array<string>, 
/**
 * The HTTPS proxy set for this profile; `None` for the system's.
 */
proxy: string | null, 
/**
 * Serial of the office certificate.
 */
certificate_serial: string, 
/**
 * End of the certificate's validity, unix seconds.
 */
certificate_not_after: number, 
/**
 * Days until the certificate ends (negative once it has).
 */
certificate_days_left: number, 
/**
 * The keys are sealed with a passphrase that must be given to open the profile.
 */
needs_passphrase: boolean, };

export type LoopHealth = { 
/**
 * The loop runs.
 */
running: boolean, 
/**
 * Times it stopped unexpectedly and was started again.
 */
restarts: number, 
/**
 * What stopped it last, for people.
 */
last_failure: string | null, };

export type Settings = { 
/**
 * Where received files are saved (the care software's import folder).
 */
receive_dir: string | null, 
/**
 * This PC saves arrivals into the receive folder (the office's other PCs still receive and
 * keep them, and can save them there later).
 */
save_arrivals: boolean, 
/**
 * Start the app when the user logs in.
 */
start_at_login: boolean, 
/**
 * Show an OS notification when files arrive.
 */
notifications: boolean, 
/**
 * `ja` or `en`.
 */
language: string, 
/**
 * HTTPS proxy, e.g. `http://proxy.example:8080`.
 */
proxy: string | null, 
/**
 * Look for newer versions of the app (where updates are configured).
 */
check_updates: boolean, 
/**
 * Minutes without a key or a click after which a signed-in person is signed out (1–480).
 */
idle_lock_minutes: number, };

export type UiError = { 
/**
 * Stable code, e.g. `wrong_credentials`.
 */
code: string, 
/**
 * What happened and what to do.
 */
message: string, };

export type EnrollArgs = { relay_url: string, ca_fingerprint: string, office: string, password: string, totp: string | null, passphrase: string | null, proxy: string | null, 
/**
 * What the office calls this PC; empty for the computer's name.
 */
device_name: string | null, };

export type JoiningView = { 
/**
 * The six digits the administrator compares.
 */
code: string, 
/**
 * When the request lapses, unix seconds.
 */
expires_at: number, };

export type PendingDevice = { 
/**
 * The request's id.
 */
request: string, 
/**
 * What the new device calls itself.
 */
device_name: string, 
/**
 * The code the new device shows.
 */
code: string, 
/**
 * When it asked, unix seconds.
 */
created_at: number, 
/**
 * When it lapses, unix seconds.
 */
expires_at: number, };

export type Invite = { 
/**
 * `https://` address of the relay.
 */
relay_url: string, 
/**
 * SHA-256 fingerprint of the relay's CA certificate: 64 lowercase hex digits.
 */
ca_fingerprint: string, 
/**
 * The office's 事業所番号, when the invitation is for one office.
 */
office?: string | null, };

export type InviteOpened = { 
/**
 * What it says.
 */
invite: Invite | null, 
/**
 * Why it cannot be used.
 */
problem: UiError | null, };

export type UpdateView = { 
/**
 * Updates are configured and the office lets the app look for them.
 */
enabled: boolean, 
/**
 * The version running.
 */
current: string, 
/**
 * A newer version, if one is available.
 */
available: string | null, 
/**
 * What the newer version changes, as its publisher wrote it.
 */
notes: string | null, };

export type StaffMember = { 
/**
 * The login name.
 */
login: string, 
/**
 * The person's name, as the history and the audit show it.
 */
name: string, 
/**
 * What they may do.
 */
role: Role, 
/**
 * Whether they may sign in.
 */
active: boolean, };

export type Role = "admin" | "staff";

export type NewStaffArgs = { login: string, name: string, role: Role, password: string, };

export type StaffAddedView = { person: StaffMember, second_factor: SecondFactor | null, 
/**
 * An SVG document of the second factor's address.
 */
qr_svg: string | null, };

export type SecondFactor = { 
/**
 * The key, base32 (what is typed into an authenticator app by hand).
 */
secret: string, 
/**
 * The `otpauth://` address (what the QR code holds).
 */
uri: string, };

export type Device = { 
/**
 * Its id at the relay.
 */
device: string, 
/**
 * What the office calls it.
 */
name: string, 
/**
 * End of its certificate, unix seconds.
 */
not_after: number, 
/**
 * When it last called the relay, unix seconds (to within a few minutes).
 */
last_seen: number | null, 
/**
 * It is the device asking.
 */
this_device: boolean, };

export type SendPlan = { 
/**
 * This office's units, one card each.
 */
units: Array<UnitCard>, 
/**
 * Files of other offices among the picked ones.
 */
foreign: Array<ForeignFile>, };

export type UnitCard = { 
/**
 * Recipient office number (empty when the names could not be read).
 */
recipient: string, 
/**
 * Recipient's name from the directory, when it could be looked up.
 */
recipient_name: string | null, 
/**
 * Month (YYYYMM, or 000000 for a plan unit).
 */
month: string | null, 
/**
 * Serial shared by the unit's files.
 */
serial: string, 
/**
 * Largest number of users in a file of the unit.
 */
users: number, 
/**
 * The files.
 */
files: Array<FileView>, 
/**
 * Errors in all files.
 */
errors: number, 
/**
 * Warnings in all files.
 */
warnings: number, 
/**
 * Whether the unit may be sent: it has a recipient and no errors.
 */
sendable: boolean, };

export type ForeignFile = { 
/**
 * Where it was picked.
 */
path: string, 
/**
 * Its name.
 */
name: string, 
/**
 * The office that sends it.
 */
sender: string, 
/**
 * That office's name, when known.
 */
sender_name: string | null, };

export type FileView = { 
/**
 * Where it was picked.
 */
path: string, 
/**
 * Its name.
 */
name: string, 
/**
 * File type prefix, when the name is a standard one.
 */
kind: string | null, 
/**
 * File type in Japanese.
 */
kind_name: string | null, 
/**
 * Users in it.
 */
users: number, 
/**
 * Findings.
 */
findings: Array<FindingView>, 
/**
 * Errors among them.
 */
errors: number, };

export type FindingView = { 
/**
 * `error` or `warning`.
 */
severity: string, 
/**
 * Rule code.
 */
code: string, 
/**
 * Physical line where the record starts.
 */
line: number | null, 
/**
 * Item No. of the spec.
 */
column: number | null, 
/**
 * Item name.
 */
column_name: string | null, 
/**
 * What is wrong and what to do, in the chosen language.
 */
message: string, };

export type SendOutcome = "sent" | "waiting_for_partner" | "waiting_for_connection" | "failed";

export type SentFile = { 
/**
 * Standard file name.
 */
file_name: string, 
/**
 * Recipient office.
 */
recipient: string, 
/**
 * Who sent it ("name (login)"), when a person was signed in: the manifest names them.
 */
sent_by: string | null, 
/**
 * How it ended.
 */
outcome: SendOutcome, 
/**
 * The error's stable code, when it did not go.
 */
code: string | null, 
/**
 * What happened and what to do, when it did not go.
 */
message: string | null, };

export type HistoryEntry = { 
/**
 * Which way it went.
 */
direction: Direction, 
/**
 * Row id within its direction.
 */
id: number, 
/**
 * Standard file name.
 */
file_name: string, 
/**
 * The other office.
 */
partner: string, 
/**
 * Its name, when known.
 */
partner_name: string | null, 
/**
 * File type prefix.
 */
kind: string | null, 
/**
 * File type as office staff name it (第6表（サービス利用票）予定 …).
 */
kind_name: string | null, 
/**
 * Month segment.
 */
month: string | null, 
/**
 * Users in the file.
 */
users: number | null, 
/**
 * Current state.
 */
state: FileState, 
/**
 * Last error or quarantine reason.
 */
detail: string | null, 
/**
 * Where a received file was saved.
 */
saved_path: string | null, 
/**
 * The signed receipt, when there is one.
 */
receipt: string | null, 
/**
 * Unix seconds of the first event.
 */
created_at: number, 
/**
 * Every state with its time.
 */
timeline: Array<[FileState, number]>, 
/**
 * Who in this office handled it: sent it, or was signed in when it arrived.
 */
person: string | null, 
/**
 * Who sent it at the partner (received files, from the signed manifest).
 */
partner_person: string | null, 
/**
 * Where and by whom the office's devices saved it (received files).
 */
saves: Array<OfficeSave>, };

export type OfficeSave = { 
/**
 * What the office calls the device.
 */
device_name: string, 
/**
 * Whether it is this device.
 */
here: boolean, 
/**
 * Who was signed in on it, `name (login)`.
 */
person: string | null, 
/**
 * Where it was written.
 */
place: string, 
/**
 * Written again from the kept copy.
 */
again: boolean, 
/**
 * Unix seconds.
 */
at: number, };

export type Direction = "sent" | "received";

export type FileState = "queued" | "uploaded" | "delivered" | "acknowledged" | "rejected" | "expired" | "failed" | "saved" | "quarantined" | "replayed" | "saved_again" | "kept";

export type HistoryArgs = { direction: string | null, partner: string | null, month: string | null, kind: string | null, state: string | null, text: string | null, };

export type Partner = { 
/**
 * 事業所番号.
 */
number: string, 
/**
 * 事業所名.
 */
name: string, 
/**
 * 居宅, service office or both.
 */
kind: OfficeKind, 
/**
 * Marked as a favourite on this PC.
 */
favourite: boolean, };

export type ActivityEvent = { "kind": "received", 
/**
 * How many just now.
 */
count: number, 
/**
 * Unread in total.
 */
unread: number, } | { "kind": "sent_changed", 
/**
 * How many.
 */
count: number, } | { "kind": "uploaded", 
/**
 * How many.
 */
count: number, } | { "kind": "certificate", 
/**
 * Days left.
 */
days_left: number, } | { "kind": "trouble", 
/**
 * In the app's language.
 */
message: string, } | { "kind": "connected" } | { "kind": "office_saved" };

export type OfficeKind = "kyotaku" | "service" | "both";

export type MessageState = "stored" | "delivered" | "acknowledged" | "expired";

export type EventKind = "message" | "receipt" | "expired" | "certificate" | "saved";

export type ErrorCode = "wrong_credentials" | "totp_required" | "office_locked" | "office_disabled" | "bad_office_number" | "bad_password" | "bad_key" | "bad_totp" | "bad_device_name" | "bad_csr" | "bad_encryption_key" | "other_key" | "client_certificate_required" | "certificate_revoked" | "certificate_expired" | "certificate_unknown" | "file_name_missing" | "idempotency_key_missing" | "manifest_missing" | "bad_header" | "bad_file_name" | "sender_mismatch" | "bad_manifest" | "manifest_mismatch" | "unknown_recipient" | "recipient_disabled" | "too_large" | "body_broken_off" | "sign_in_required" | "forbidden" | "bad_staff" | "second_factor_missing" | "staff_locked" | "staff_exists" | "no_such_staff" | "no_such_request" | "too_many_requests" | "request_closed" | "no_such_message" | "message_gone" | "bad_receipt" | "bad_activity" | "too_many_saves" | "unknown_office" | "bad_query" | "rate_limited" | "too_many_connections" | "unavailable" | "internal" | "bad_request" | "bad_request_body" | "not_found" | "method_not_allowed" | "request_timeout" | "unsupported_media_type" | "refused" | "unknown";

export const ACTIVITY_EVENT = "kizuna://activity";
export const NAVIGATE_EVENT = "kizuna://navigate";
export const INVITE_EVENT = "kizuna://invite";
export const UPDATE_EVENT = "kizuna://update";

/** How sending a file ended, in words, by language (careplan_client::messages::outcome_label). */
export const OUTCOME_LABELS: Record<"ja" | "en", Record<SendOutcome, string>> = {
  "en": {
    "failed": "Not sent",
    "sent": "Sent",
    "waiting_for_connection": "Queued (goes when the connection is back)",
    "waiting_for_partner": "Waiting for the partner"
  },
  "ja": {
    "failed": "送信できませんでした",
    "sent": "送信しました",
    "waiting_for_connection": "送信待ち（接続が戻ったら自動で送ります）",
    "waiting_for_partner": "送信待ち"
  }
};

/** Every state's words, by language and direction (careplan_client::messages::state_label). */
export const STATE_LABELS: Record<"ja" | "en", Record<Direction, Record<FileState, string>>> = {
  "en": {
    "received": {
      "acknowledged": "Receipt sent",
      "delivered": "Being received",
      "expired": "Expired unreceived",
      "failed": "Not sent",
      "kept": "Received (this PC does not save into the import folder)",
      "quarantined": "Quarantined",
      "queued": "Queued",
      "rejected": "Rejected by recipient",
      "replayed": "Refused: a copy of a file already received",
      "saved": "Received and saved",
      "saved_again": "Saved again",
      "uploaded": "Sent (held at the relay)"
    },
    "sent": {
      "acknowledged": "Receipt confirmed",
      "delivered": "Being received",
      "expired": "Expired unreceived",
      "failed": "Not sent",
      "kept": "Received (this PC does not save into the import folder)",
      "quarantined": "Quarantined",
      "queued": "Queued",
      "rejected": "Rejected by recipient",
      "replayed": "Refused: a copy of a file already received",
      "saved": "Received and saved",
      "saved_again": "Saved again",
      "uploaded": "Sent (held at the relay)"
    }
  },
  "ja": {
    "received": {
      "acknowledged": "受信確認を返送済み",
      "delivered": "相手が受信中",
      "expired": "期限切れ（未受信のまま削除）",
      "failed": "送信できませんでした",
      "kept": "受信済み（このPCでは取込フォルダに保存しない設定）",
      "quarantined": "検証エラーのため隔離",
      "queued": "送信待ち",
      "rejected": "相手側で検証エラー",
      "replayed": "同じ送信の複製のため拒否",
      "saved": "受信・保存済み",
      "saved_again": "保存し直し",
      "uploaded": "送信済み（連携基盤で保管中）"
    },
    "sent": {
      "acknowledged": "相手受信確認済み",
      "delivered": "相手が受信中",
      "expired": "期限切れ（未受信のまま削除）",
      "failed": "送信できませんでした",
      "kept": "受信済み（このPCでは取込フォルダに保存しない設定）",
      "quarantined": "検証エラーのため隔離",
      "queued": "送信待ち",
      "rejected": "相手側で検証エラー",
      "replayed": "同じ送信の複製のため拒否",
      "saved": "受信・保存済み",
      "saved_again": "保存し直し",
      "uploaded": "送信済み（連携基盤で保管中）"
    }
  }
};
