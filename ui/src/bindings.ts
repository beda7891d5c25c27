// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.
// Regenerate: KIZUNA_BLESS=1 cargo test -p kizuna-desktop bindings

export type StatusView = { enrolled: boolean, unlocked: boolean, office: string | null, office_name: string | null, office_kind: string | null, relay_url: string | null, cert_serial: string | null, cert_not_after: number | null, cert_days_left: number | null, needs_passphrase: boolean, unread: number, receive_dir: string, settings: Settings, 
/**
 * Prefilled set-up values (e.g. from the demo launcher).
 */
preset_relay: string | null, preset_fingerprint: string | null, 
/**
 * The desktop end-to-end test's hooks are on (`KIZUNA_TEST_HOOKS=1`).
 */
test_hooks: boolean, };

export type Settings = { 
/**
 * Where received files are saved (the care software's import folder).
 */
receive_dir: string | null, 
/**
 * Receive in the background as files arrive.
 */
auto_receive: boolean, 
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
proxy: string | null, };

export type UiError = { 
/**
 * Stable code, e.g. `wrong_credentials`.
 */
code: string, 
/**
 * What happened and what to do.
 */
message: string, };

export type EnrollArgs = { relay_url: string, ca_fingerprint: string, office: string, password: string, totp: string | null, passphrase: string | null, proxy: string | null, };

export type EnrolmentFile = { relay_url: string, ca_fingerprint: string, office: string | null, };

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

export type SentOutcome = "sent" | "waiting_for_partner" | "waiting_for_connection" | "failed";

export type SentView = { file_name: string, recipient: string, outcome: SentOutcome, message: string | null, };

export type HistoryEntry = { 
/**
 * `sent` or `received`.
 */
direction: string, 
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
state: string, 
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
timeline: Array<[string, number]>, };

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
 * kyotaku, service or both.
 */
kind: string, 
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
message: string, } | { "kind": "connected" };

export type OfficeKind = "kyotaku" | "service" | "both";

export type MessageState = "stored" | "delivered" | "acknowledged" | "expired";

export type EventKind = "message" | "receipt" | "expired" | "certificate";

export type ErrorCode = "wrong_credentials" | "totp_required" | "office_locked" | "office_disabled" | "bad_office_number" | "bad_password" | "bad_key" | "bad_totp" | "bad_csr" | "bad_encryption_key" | "other_key" | "client_certificate_required" | "certificate_revoked" | "certificate_expired" | "certificate_unknown" | "file_name_missing" | "idempotency_key_missing" | "manifest_missing" | "bad_header" | "bad_file_name" | "sender_mismatch" | "bad_manifest" | "manifest_mismatch" | "unknown_recipient" | "recipient_disabled" | "too_large" | "body_broken_off" | "no_such_message" | "message_gone" | "bad_receipt" | "unknown_office" | "bad_query" | "too_many_connections" | "unavailable" | "internal" | "bad_request" | "bad_request_body" | "not_found" | "method_not_allowed" | "request_timeout" | "unsupported_media_type" | "refused" | "unknown";

export const ACTIVITY_EVENT = "kizuna://activity";
export const NAVIGATE_EVENT = "kizuna://navigate";
