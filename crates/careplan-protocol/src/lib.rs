//! The Kizuna relay API (`docs/api.md`) as types: what the relay answers and what its clients
//! read are the same declarations, so neither side can drift from the other.
//!
//! Serde only: no transport, no storage. The relay serves these types, the client parses them,
//! and the desktop app gets them as TypeScript (feature `ts`).

mod activity;
mod error;
mod event;
mod invite;
mod manifest;
mod message;
mod office;
mod pairing;
mod staff;

pub use activity::{
    Activity, ActivityReport, ExportKind, MAX_PLACE, MAX_SAVES_PER_MESSAGE, Save, SavesPage,
};
pub use error::{ErrorBody, ErrorCode};
pub use event::{
    CertificateEvent, EventKind, ExpiredEvent, MessageEvent, ReceiptEvent, SavedEvent,
};
pub use invite::{
    INVITE_EXTENSION, INVITE_LINK_PREFIX, Invite, InviteError, MAX_INVITE_BYTES, is_relay_address,
};
pub use manifest::{MANIFEST_TYPE, MAX_MANIFEST, Manifest};
pub use message::{
    AckRequest, FILE_NAME_HEADER, IDEMPOTENCY_KEY_HEADER, MANIFEST_HEADER, Message, MessageState,
    Page, UploadResponse,
};
pub use office::{
    DemoOffice, DeviceKey, DirectoryEntry, DirectoryHit, EnrollRequest, EnrollResponse, Me,
    OfficeDevice, OfficeInfo, OfficeKind, RenewRequest, SearchResult,
};
pub use pairing::{
    DeviceRequest, DeviceRequestCreated, DeviceRequestStatus, PendingDevice, REQUEST_SECRET_HEADER,
    RequestState, valid_code,
};
pub use staff::{
    NewStaff, Role, SESSION_HEADER, SecondFactor, SignInRequest, SignInResponse, StaffAdded,
    StaffMember, valid_login,
};
