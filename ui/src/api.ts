// The desktop shell's commands and events. The types come from Rust (bindings.ts, generated and
// checked by a test in src-tauri); this file only names the commands.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

import { ACTIVITY_EVENT, INVITE_EVENT, NAVIGATE_EVENT, UPDATE_EVENT } from "./bindings";
import type {
  ActivityEvent,
  EnrollArgs,
  FileView,
  FindingView,
  ForeignFile,
  HistoryArgs,
  HistoryEntry,
  Invite,
  OfficeSave,
  InviteOpened,
  Partner,
  SendPlan,
  SentFile,
  Settings,
  StatusView,
  UiError,
  UnitCard,
  UpdateView,
  StaffMember,
  NewStaffArgs,
  Device,
  StaffAddedView,
  JoiningView,
  PendingDevice,
  OpenedView,
  UserKey,
  UserForms,
  MonthComparison,
  WaitingUnit,
  CostReport,
  UnitCosts,
} from "./bindings";

export type { Check, Comparison, Difference, MonthComparison, OpenedView, UserComparison, UserEntry, UserForms, UserKey } from "./bindings";
export type { Device, EnrollArgs, JoiningView, NewStaffArgs, PendingDevice, StaffAddedView, StaffMember } from "./bindings";
export type { FileView, Invite, InviteOpened, UpdateView, ForeignFile, HistoryEntry, OfficeSave, Partner, SendPlan, SentFile, Settings, StatusView, UiError, UnitCard };
export type { WaitingUnit, CostReport, UnitCosts };
export type { CostItem, MonthCost, PartnerMonth, Counts } from "./bindings";
export type Status = StatusView;
export type Finding = FindingView;
/** History filters: every field may be left out. */
export type HistoryFilter = Partial<HistoryArgs>;

export type Activity = ActivityEvent;

export const api = {
  status: () => invoke<Status>("status"),
  enroll: (args: EnrollArgs) => invoke<Status>("enroll", { args }),
  unlock: (passphrase: string) => invoke<Status>("unlock", { passphrase }),
  readInvite: (path: string) => invoke<Invite>("read_invite", { path }),
  planSend: (files: string[]) => invoke<SendPlan>("plan_send", { files }),
  send: (files: string[], again = false) => invoke<SentFile[]>("send", { files, again }),
  history: (filter: HistoryFilter) => invoke<HistoryEntry[]>("history", { filter }),
  markRead: (ids: number[]) => invoke<number>("mark_read", { ids }),
  exportHistory: (filter: HistoryFilter, path: string) =>
    invoke<number>("export_history", { filter, path }),
  partnersSearch: (text: string) => invoke<Partner[]>("partners_search", { text }),
  favourites: () => invoke<Partner[]>("favourites"),
  setFavourite: (number: string, favourite: boolean) =>
    invoke<void>("set_favourite", { number, favourite }),
  saveSettings: (settings: Settings) => invoke<Settings>("save_settings", { settings }),
  setRelayAddresses: (addresses: string) => invoke<Status>("set_relay_addresses", { addresses }),
  openFolder: (path: string) => invoke<void>("open_folder", { path }),
  renewCertificate: () => invoke<Status>("renew_certificate"),
  saveAgain: (id: number, folder: string | null) => invoke<string>("save_again", { id, folder }),
  firstScreen: () => invoke<void>("first_screen"),
  openLogFolder: () => invoke<void>("open_log_folder"),
  checkUpdate: () => invoke<UpdateView>("check_update"),
  downloadUpdate: () => invoke<string | null>("download_update"),
  installUpdate: () => invoke<boolean>("install_update"),
  signIn: (login: string, password: string, totp: string | null = null) =>
    invoke<StaffMember>("sign_in", { login, password, totp }),
  signOut: () => invoke<void>("sign_out"),
  staffList: () => invoke<StaffMember[]>("staff_list"),
  addStaff: (args: NewStaffArgs) => invoke<StaffAddedView>("add_staff", { args }),
  removeStaff: (login: string) => invoke<void>("remove_staff", { login }),
  devices: () => invoke<Device[]>("devices"),
  revokeDevice: (device: string) => invoke<void>("revoke_device", { device }),
  askToJoin: (args: EnrollArgs) => invoke<JoiningView>("ask_to_join", { args }),
  awaitApproval: () => invoke<Status>("await_approval"),
  cancelJoining: () => invoke<void>("cancel_joining"),
  pendingDevices: () => invoke<PendingDevice[]>("pending_devices"),
  decideDevice: (request: string, approve: boolean) => invoke<void>("decide_device", { request, approve }),
  openForms: (files: string[]) => invoke<OpenedView>("open_forms", { files }),
  openHistoryForms: (direction: "sent" | "received", id: number) =>
    invoke<OpenedView>("open_history_forms", { direction, id }),
  userForms: (view: number, key: UserKey) => invoke<UserForms>("user_forms", { view, key }),
  jissekiMonths: () => invoke<string[]>("jisseki_months"),
  compareMonth: (month: string) => invoke<MonthComparison>("compare_month", { month }),
  exportComparison: (month: string, office: string, serviceType: string, path: string) =>
    invoke<number>("export_comparison", { month, office, serviceType, path }),
  saveFormsPdf: (view: number, users: UserKey[], path: string) => invoke<number>("save_forms_pdf", { view, users, path }),
  saveUnitPdf: (files: string[], dir: string) => invoke<number>("save_unit_pdf", { files, dir }),
  waitingUnits: () => invoke<WaitingUnit[]>("waiting_units"),
  costReport: () => invoke<CostReport>("cost_report"),
  setCosts: (costs: UnitCosts) => invoke<CostReport>("set_costs", { costs }),
  saveCostReport: (path: string) => invoke<void>("save_cost_report", { path }),
};

export function onActivity(handler: (a: Activity) => void): Promise<UnlistenFn> {
  return listen<Activity>(ACTIVITY_EVENT, (e) => handler(e.payload));
}

export function onNavigate(handler: (screen: string) => void): Promise<UnlistenFn> {
  return listen<string>(NAVIGATE_EVENT, (e) => handler(e.payload));
}

export function onInvite(handler: (i: InviteOpened) => void): Promise<UnlistenFn> {
  return listen<InviteOpened>(INVITE_EVENT, (e) => handler(e.payload));
}

export function onUpdate(handler: (u: UpdateView) => void): Promise<UnlistenFn> {
  return listen<UpdateView>(UPDATE_EVENT, (e) => handler(e.payload));
}

/** The stable code of an error thrown by a command (`key_store_unavailable`, …), if it has one. */
export function errorCode(e: unknown): string | null {
  if (e && typeof e === "object" && "code" in e) return String((e as UiError).code);
  return null;
}

/** The message of an error thrown by a command. */
export function errorMessage(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as UiError).message);
  return String(e);
}
