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
idle_lock_minutes: number, 
/**
 * The care software's export folder, watched for units to send; `None`: not watched.
 */
watch_dir: string | null, 
/**
 * What happens to a unit that appears there, complete and without errors.
 */
watch_mode: WatchMode, 
/**
 * Sent files are moved into the folder's 送信済み (else left where they are).
 */
move_sent: boolean, 
/**
 * The cost-effect simulator's unit costs, as this office set them.
 */
costs: UnitCosts, };

export type WatchMode = "confirm" | "auto";

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
 * Whether the recipient receives through the exchange now (`false`: not enrolled yet, the
 * unit waits and a PDF is how it gets the forms meanwhile); `None` when unknown.
 */
recipient_connected: boolean | null, 
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
favourite: boolean, 
/**
 * It receives through the exchange now (enrolled, active); `false`: not yet, so files for
 * it wait, and paper (PDF) is how it gets them meanwhile; `None`: the relay did not say.
 */
connected: boolean | null, };

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
message: string, } | { "kind": "connected" } | { "kind": "office_saved" } | { "kind": "folder", 
/**
 * The notification's title.
 */
title: string, 
/**
 * What happened and what to do.
 */
message: string, 
/**
 * A unit waits on the send screen.
 */
waiting: boolean, };

export type WaitingUnit = { 
/**
 * Its files (full paths), for checking and sending as if dropped.
 */
files: Array<string>, 
/**
 * Checked without errors: it can be sent.
 */
ready: boolean, 
/**
 * What the notification said.
 */
message: string, };

export type UnitCosts = { 
/**
 * One A4 sheet printed: paper, toner and the copier's counter charge (yen).
 */
print_yen_per_sheet: number, 
/**
 * One delivery to a partner: postage and envelope, a fax call, or the fuel of taking it
 * there, on average (yen).
 */
delivery_yen: number, 
/**
 * One hour of the staff member who does it, with employer costs (yen).
 */
staff_yen_per_hour: number, 
/**
 * Minutes to print, check, sort and file one user's forms for one partner.
 */
minutes_per_sent_document: number, 
/**
 * Minutes for one delivery: envelope and address, fax, or the trip.
 */
minutes_per_delivery: number, 
/**
 * Minutes to re-type and check one user's received forms in the care software.
 */
minutes_per_received_document: number, };

export type CostItem = { 
/**
 * The field of [`UnitCosts`] it is.
 */
key: string, 
/**
 * What it is, for people.
 */
label: string, 
/**
 * Its value now.
 */
value: number, 
/**
 * Its default.
 */
default: number, 
/**
 * 円/枚, 分/件 …
 */
unit: string, 
/**
 * Where the default comes from.
 */
source: string, };

export type CostReport = { 
/**
 * The unit costs used, with their sources.
 */
costs: Array<CostItem>, 
/**
 * Months from the first recorded to the last, gaps included.
 */
months: Array<MonthCost>, 
/**
 * The months after them that make a year, each the average of the recorded ones.
 */
projected: Array<MonthCost>, 
/**
 * Per partner and month.
 */
partners: Array<PartnerMonth>, 
/**
 * Saved over a year — the last twelve months recorded, completed by the projection while
 * there are fewer — with staff time (yen).
 */
year_total_yen: number, 
/**
 * The same year without staff time (yen).
 */
year_without_staff_yen: number, };

export type MonthCost = { 
/**
 * YYYYMM.
 */
month: string, 
/**
 * Projected from the months recorded, not counted.
 */
projected: boolean, 
/**
 * What was sent.
 */
sent: Counts, 
/**
 * What was received.
 */
received: Counts, 
/**
 * A4 sheets the sent documents take.
 */
sheets: number, 
/**
 * Deliveries: a partner on a day something went to it.
 */
deliveries: number, 
/**
 * Printing (yen).
 */
paper_yen: number, 
/**
 * Postage, fax and travel (yen).
 */
delivery_yen: number, 
/**
 * Staff minutes.
 */
staff_minutes: number, 
/**
 * Staff time (yen).
 */
staff_yen: number, 
/**
 * Saved without staff time (yen).
 */
without_staff_yen: number, 
/**
 * Saved with staff time (yen).
 */
total_yen: number, };

export type Counts = { 
/**
 * Plans (第1–3表 and the like).
 */
plans: number, 
/**
 * Schedules (第6・7表).
 */
schedules: number, 
/**
 * 実績.
 */
jisseki: number, 
/**
 * Users' forms in them.
 */
user_documents: number, };

export type PartnerMonth = { 
/**
 * YYYYMM.
 */
month: string, 
/**
 * The partner's office number.
 */
partner: string, 
/**
 * Its name, when known.
 */
name: string | null, 
/**
 * Sent to it.
 */
sent: Counts, 
/**
 * Received from it.
 */
received: Counts, };

export type OpenedView = { 
/**
 * This opening: the forms of a user are asked for with it, so a later opening is never
 * mixed with an earlier one.
 */
view: number, 
/**
 * The files and the users.
 */
opened: Opened, };

export type Opened = { 
/**
 * Every file, in the order opened.
 */
files: Array<OpenedFile>, 
/**
 * The users, in order of first appearance.
 */
users: Array<UserEntry>, };

export type OpenedFile = { 
/**
 * Its name.
 */
name: string, 
/**
 * File type prefix, when the name is the standard's.
 */
kind: string | null, 
/**
 * The form's name as staff know it.
 */
title: string | null, 
/**
 * Why it could not be read, and what to do (Japanese); `None` when it was read.
 */
problem: string | null, };

export type UserEntry = { 
/**
 * The user's key.
 */
key: UserKey, 
/**
 * 利用者氏名, from 利用者補足情報, 利用者基本情報 or the 介護予防 plan; `None` when no file
 * of the bundle names the user (第6表 and 第1表 carry no name).
 */
name: string | null, 
/**
 * フリガナ, when a file gives it.
 */
kana: string | null, 
/**
 * File types (prefixes) that hold records of this user, in file order.
 */
kinds: Array<string>, };

export type UserKey = { 
/**
 * 保険者番号.
 */
insurer: string, 
/**
 * 被保険者番号.
 */
insured: string, };

export type UserForms = { 
/**
 * The user.
 */
user: UserEntry, 
/**
 * Forms in the order staff read them: plan, schedule, 実績, 介護予防, deletes.
 */
forms: Array<Form>, };

export type Form = { "form": "sheet" } & Sheet | { "form": "table" } & Table | { "form": "week" } & WeekPlan | { "form": "schedule" } & Schedule | { "form": "sikyu" } & Sikyu | { "form": "image" } & Image;

export type Source = { 
/**
 * File type prefix, e.g. `UPPLAN`.
 */
kind: string, 
/**
 * The form's name as staff know it, e.g. サービス利用票（第6表）.
 */
title: string, 
/**
 * The file's name.
 */
file: string, 
/**
 * Sending office number, from the name.
 */
sender: string | null, 
/**
 * Receiving office number, from the name.
 */
recipient: string | null, 
/**
 * ファイル連番.
 */
serial: string | null, };

export type Sheet = { 
/**
 * Where it was read from.
 */
source: Source, 
/**
 * Items in layout order (key, version and unused items left out).
 */
items: Array<Item>, };

export type Item = { 
/**
 * Item No. of the layout.
 */
no: number, 
/**
 * Item name from the spec.
 */
label: string, 
/**
 * The value as the file holds it.
 */
value: string, 
/**
 * The value as shown: 和暦, times, code names.
 */
shown: string, 
/**
 * The spec's reading of this item is not certain (shown as it is, never corrected).
 */
uncertain: boolean, };

export type Table = { 
/**
 * Where it was read from.
 */
source: Source, 
/**
 * The columns shown.
 */
columns: Array<Column>, 
/**
 * Rows in printed order, values as shown.
 */
rows: Array<Array<string>>, };

export type Column = { 
/**
 * Item No. of the layout.
 */
no: number, 
/**
 * Item name from the spec.
 */
label: string, };

export type WeekPlan = { 
/**
 * Where it was read from.
 */
source: Source, 
/**
 * 週間サービス計画表作成年月日, shown.
 */
created: string, 
/**
 * Weekly services, in file order.
 */
services: Array<WeeklyService>, 
/**
 * Daily activities, in file order.
 */
activities: Array<DailyActivity>, 
/**
 * 週単位以外のサービス.
 */
other: Array<string>, };

export type WeeklyService = { 
/**
 * 曜日, 1 = Monday … 7 = Sunday; 0 when the file's value is not one.
 */
weekday: number, 
/**
 * Start, `H:MM`.
 */
start: string, 
/**
 * End, `H:MM`.
 */
end: string, 
/**
 * 介護サービス内容.
 */
content: string, };

export type DailyActivity = { 
/**
 * Start, `H:MM`.
 */
start: string, 
/**
 * End, `H:MM`.
 */
end: string, 
/**
 * 主な日常生活上の活動.
 */
content: string, };

export type Schedule = { 
/**
 * Where it was read from.
 */
source: Source, 
/**
 * Whether this is 実績 (UPJSK) rather than 予定.
 */
is_jisseki: boolean, 
/**
 * 対象年月 (YYYYMM).
 */
month: string, 
/**
 * 対象年月 shown, e.g. 令和8年12月.
 */
month_shown: string, 
/**
 * 曜日 of each day of the month (1 = Monday … 7 = Sunday).
 */
weekdays: Array<number>, 
/**
 * 作成年月日, shown.
 */
created: string, 
/**
 * プラン担当業者コード.
 */
manager_office: string, 
/**
 * プラン担当者名.
 */
manager: string, 
/**
 * Rows, by time then service.
 */
rows: Array<ScheduleRow>, 
/**
 * The 実績 file merged into `actual`, when there was one.
 */
actual_file: string | null, 
/**
 * Lines whose date is not a day of the month: they cannot be placed (R64), so they are
 * listed as written.
 */
unplaced: Array<string>, };

export type ScheduleRow = { 
/**
 * 提供時間帯 start, `H:MM` (empty for services without a time).
 */
start: string, 
/**
 * 提供時間帯 end.
 */
end: string, 
/**
 * サービスコード.
 */
code: string, 
/**
 * サービス種類 of the code, from the spec's table.
 */
service_type: string | null, 
/**
 * サービス事業者コード.
 */
office: string, 
/**
 * サービス事業所名.
 */
office_name: string, 
/**
 * 用具名称 or TAIS/届出コード, for 福祉用具.
 */
equipment: string, 
/**
 * 単位数 of one service, as the file gives it.
 */
units: number | null, 
/**
 * This file's count per day of the month (index 0 = day 1).
 */
counts: Array<number>, 
/**
 * Sum of `counts`.
 */
total: number, 
/**
 * 実績 per day, when the 実績 of the same month was opened with the 予定.
 */
actual: Array<number> | null, 
/**
 * Sum of `actual`.
 */
actual_total: number | null, };

export type Sikyu = { 
/**
 * Where it was read from.
 */
source: Source, 
/**
 * 対象年月 shown.
 */
month_shown: string, 
/**
 * 作成年月日 shown.
 */
created: string, 
/**
 * Rows in file order.
 */
rows: Array<SikyuRow>, 
/**
 * Where No.19–22 were found.
 */
limits_on: LimitPlacement, };

export type SikyuRow = { 
/**
 * Detail, subtotal or grand total.
 */
row: SikyuRowKind, 
/**
 * サービス事業所名 (No.6).
 */
office_name: string, 
/**
 * サービス事業所コード (No.7).
 */
office: string, 
/**
 * サービスコード (No.9).
 */
code: string, 
/**
 * サービス種類 of the code.
 */
service_type: string | null, 
/**
 * 用具名称 (No.12).
 */
equipment: string, 
/**
 * No.13 単位数, No.14 割引後率, No.15 割引後単位数, No.16 回数／日数, No.17 サービス単位
 * 金額, No.18 給付管理単位数, No.19–22 種類/区分支給限度基準 超/内, No.23 単位数単価,
 * No.24 費用総額, No.25 給付率, No.26 請求額, No.27 定額負担単価, No.28 利用者負担,
 * No.29 全額負担分, No.30–32 短期入所の日数, No.33 ３０日超区分: item No. → value.
 */
values: { [key in number]: string }, };

export type SikyuRowKind = "detail" | "subtotal" | "grand_total";

export type LimitPlacement = "closing_rows" | "detail_rows" | "both" | "absent";

export type Image = { 
/**
 * Where it was read from.
 */
source: Source, 
/**
 * The JPEG, base64 (a `data:` URL's payload).
 */
jpeg_base64: string, };

export type MonthComparison = { 
/**
 * YYYYMM.
 */
month: string, 
/**
 * One per service office (and サービス種類) that sent or received a 実績 of the month.
 */
comparisons: Array<Comparison>, 
/**
 * Files of the month that could not be read (moved, deleted, damaged), with why.
 */
problems: Array<OpenedFile>, };

export type Comparison = { 
/**
 * The service office (実績 sender).
 */
office: string, 
/**
 * Its サービス種類.
 */
service_type: string, 
/**
 * Its name, from the files.
 */
office_name: string | null, 
/**
 * 対象年月 (YYYYMM).
 */
month: string, 
/**
 * 対象年月 shown.
 */
month_shown: string, 
/**
 * 曜日 of each day (1 = Monday).
 */
weekdays: Array<number>, 
/**
 * The 実績 file.
 */
jisseki_file: string, 
/**
 * The plan files the 予定 came from.
 */
plan_files: Array<string>, 
/**
 * Users, in the 実績's order, then users planned but absent from it.
 */
users: Array<UserComparison>, 
/**
 * Differences over all users.
 */
differences: number, };

export type UserComparison = { 
/**
 * The user.
 */
key: UserKey, 
/**
 * 利用者氏名, when a file of either side names the user.
 */
name: string | null, 
/**
 * Units this office was planned to deliver (単位数 × 回数).
 */
planned_units: number, 
/**
 * Units this office reports delivered.
 */
actual_units: number, 
/**
 * Units of the user's whole plan, all offices.
 */
plan_total: number, 
/**
 * The plan total with this office's 実績 in place of its plan.
 */
projected_total: number, 
/**
 * 区分支給限度基準額 (利用者補足情報 No.19), when the plan files give it.
 */
limit: number | null, 
/**
 * Differences, by day then service.
 */
differences: Array<Difference>, 
/**
 * The calendar grid.
 */
grid: Array<GridRow>, };

export type Difference = { 
/**
 * Which check found it.
 */
check: Check, 
/**
 * The day (YYYYMMDD); empty for a whole-month check.
 */
date: string, 
/**
 * サービスコード; empty for a whole-month check.
 */
code: string, 
/**
 * サービス種類 of the code.
 */
service_type: string | null, 
/**
 * As planned.
 */
planned: Visit | null, 
/**
 * As delivered.
 */
actual: Visit | null, 
/**
 * Units delivered minus units planned (単位数 × 回数).
 */
units: number, };

export type Visit = { 
/**
 * サービス開始時刻 as written (HHMM or 9999).
 */
start: string, 
/**
 * サービス終了時刻 as written.
 */
end: string, 
/**
 * サービス回数.
 */
count: number, 
/**
 * 単位数 of one service; `None` when not filled.
 */
units: number | null, };

export type GridRow = { 
/**
 * サービスコード.
 */
code: string, 
/**
 * サービス種類 of the code.
 */
service_type: string | null, 
/**
 * Start and end, `H:MM～H:MM`, or empty.
 */
times: string, 
/**
 * Planned count per day (index 0 = day 1).
 */
planned: Array<number>, 
/**
 * Delivered count per day.
 */
actual: Array<number>, 
/**
 * The check that marks a day, when the day differs.
 */
marks: Array<Check | null>, };

export type Check = "planned_not_delivered" | "delivered_not_planned" | "time_changed" | "count_changed" | "units_changed" | "no_plan" | "over_limit";

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
