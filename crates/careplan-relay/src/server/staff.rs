//! Staff: people sign in on one of their office's devices; administrators manage staff and
//! devices. A role is checked here, by the relay, whatever a client shows or hides.

use super::*;
use crate::store::{Session, Staff};
use careplan_protocol::{
    NewStaff, Role, SESSION_HEADER, SecondFactor, SignInRequest, SignInResponse, StaffAdded,
    StaffMember, valid_login,
};

/// How long a session lasts (a working day; the app locks sooner when idle).
const SESSION_SECS: i64 = 12 * 3600;

fn token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

fn member(s: Staff) -> StaffMember {
    StaffMember {
        login: s.login,
        name: s.name,
        role: s.role,
        active: s.active,
    }
}

/// A member of staff signed in on the calling device: its certificate, and a session of that
/// device for a person still allowed to sign in.
pub struct Person {
    /// The device and its office.
    pub authed: Authed,
    /// Who.
    pub staff: Staff,
    token_hash: String,
}

/// The member of staff signed in on `authed`'s device by the session token in `headers`, if
/// there is one and it is valid; with the token's hash.
pub(super) async fn signed_in(
    state: &Arc<AppState>,
    authed: &Authed,
    headers: &HeaderMap,
) -> Result<Option<(Staff, String)>, ApiError> {
    let Some(token) = headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| t.len() <= 128)
    else {
        return Ok(None);
    };
    let hash = token_hash(token);
    let (st, h) = (state.clone(), hash.clone());
    let found = blocking(move || {
        let Some(session) = st.store.session(&h)? else {
            return Ok(None);
        };
        let staff = st.store.staff(&session.office, &session.login)?;
        Ok::<_, crate::store::StoreError>(staff.map(|s| (session, s)))
    })
    .await?
    .map_err(internal)?;
    Ok(match found {
        // A session is good only on the device it was opened on, for a person still active.
        Some((session, staff))
            if session.office == authed.office.number
                && session.device == authed.cert.device
                && session.expires_at > now()
                && staff.active =>
        {
            Some((staff, hash))
        }
        _ => None,
    })
}

/// Who did something, as the audit log says it: the person when one is signed in on the
/// device, and always the device.
pub async fn who(state: &Arc<AppState>, authed: &Authed, headers: &HeaderMap) -> String {
    match signed_in(state, authed, headers).await {
        Ok(Some((staff, _))) => format!("by {} on device {}", staff.login, authed.cert.device),
        _ => format!("on device {}", authed.cert.device),
    }
}

impl FromRequestParts<Arc<AppState>> for Person {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let authed = Authed::from_request_parts(parts, state).await?;
        match signed_in(state, &authed, &parts.headers).await? {
            Some((staff, token_hash)) => Ok(Person {
                authed,
                staff,
                token_hash,
            }),
            None => Err(err(ErrorCode::SignInRequired)),
        }
    }
}

/// A signed-in administrator of the office.
pub struct Admin(pub Person);

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let person = Person::from_request_parts(parts, state).await?;
        if person.staff.role != Role::Admin {
            audit(
                state,
                "staff.refused",
                Some(&person.authed.office.number),
                person.authed.remote,
                format!("{} is not an administrator", person.staff.login),
            );
            return Err(err(ErrorCode::Forbidden));
        }
        Ok(Admin(person))
    }
}

/// The person and the device, as the audit log names them.
pub fn by(p: &Person) -> String {
    format!("by {} on device {}", p.staff.login, p.authed.cert.device)
}

pub(super) async fn sign_in(
    State(state): State<Arc<AppState>>,
    a: Authed,
    Json(req): Json<SignInRequest>,
) -> Result<Json<SignInResponse>, ApiError> {
    if !valid_login(&req.login)
        || req.password.is_empty()
        || req.password.len() > 1024
        || req.totp.as_ref().is_some_and(|t| t.len() > 16)
    {
        return Err(err(ErrorCode::BadStaff));
    }
    let office = a.office.number.clone();
    // One check per person at a time, as for offices: parallel guesses are all counted.
    let _turn = state.logins.turn(&format!("{office}/{}", req.login)).await;
    let (st, o, l) = (state.clone(), office.clone(), req.login.clone());
    // An unknown login is looked up, counted and locked like a known one, in the same store,
    // so that neither five tries nor their timing tell a device which logins exist.
    let (staff, lock) = blocking(move || {
        let lock = st.store.login_lock(&LoginSubject::Staff(&o, &l))?;
        Ok::<_, StoreError>((st.store.staff(&o, &l)?, lock))
    })
    .await?
    .map_err(internal)?;
    if lock.is_some_and(|t| t > now()) {
        audit(
            &state,
            "staff.sign_in.refused",
            Some(&office),
            a.remote,
            format!("{} locked", req.login),
        );
        return Err(err(ErrorCode::StaffLocked));
    }
    // An unknown login is checked against a hash too: same answer, same time.
    let hash = staff.as_ref().map(|s| s.password_hash.clone());
    let right = state.logins.verify(req.password.clone(), hash).await;
    let st = state.clone();
    blocking(move || {
        let fail = |why| failed_sign_in(&st, &office, &req.login, a.remote, why);
        let staff = match staff {
            Some(s) if right && s.active => s,
            Some(_) => return Err(fail("wrong password")?),
            None => return Err(fail("unknown login")?),
        };
        // An administrator signs in with a second factor; one left without (added before it
        // was required) is told to get one from the relay's administrator. Only after the right
        // password, so the answer tells a guesser nothing.
        if staff.role == Role::Admin && staff.totp_secret.is_none() {
            audit(
                &st,
                "staff.sign_in.refused",
                Some(&office),
                a.remote,
                format!(
                    "{} is an administrator without a second factor",
                    staff.login
                ),
            );
            return Err(err(ErrorCode::SecondFactorMissing));
        }
        if let Some(secret) = &staff.totp_secret {
            let Some(code) = &req.totp else {
                // The client asks for the code and tries again: not a failed attempt.
                return Err(err(ErrorCode::TotpRequired));
            };
            let fresh = match crate::totp::matching_step(secret, code, now()) {
                Some(step) => st
                    .store
                    .take_staff_totp_step(&staff.office, &staff.login, step)
                    .map_err(internal)?,
                None => false,
            };
            if !fresh {
                return Err(fail("wrong or used one-time code")?);
            }
        }
        let token = hex::encode(rand::random::<[u8; 32]>());
        let session = Session {
            office: office.clone(),
            login: staff.login.clone(),
            device: a.cert.device.clone(),
            expires_at: now() + SESSION_SECS,
        };
        st.store
            .open_session(&token_hash(&token), &session, now())
            .map_err(internal)?;
        audit(
            &st,
            "staff.sign_in",
            Some(&office),
            a.remote,
            format!("{} on device {}", staff.login, a.cert.device),
        );
        Ok(Json(SignInResponse {
            token,
            expires_at: session.expires_at,
            person: member(staff),
        }))
    })
    .await?
}

/// Counts a failed sign-in of `login` at `office`, whether such a person exists or not
/// (locking the login after too many), and audits it; the answer to give.
fn failed_sign_in(
    st: &AppState,
    office: &str,
    login: &str,
    remote: SocketAddr,
    why: &str,
) -> Result<ApiError, ApiError> {
    let c = &st.config;
    let failures = st
        .store
        .login_failed(
            &LoginSubject::Staff(office, login),
            now(),
            c.lockout_failures,
            c.lockout_minutes * 60,
        )
        .map_err(internal)?;
    audit(
        st,
        "staff.sign_in.failed",
        Some(office),
        remote,
        format!("{login} {why} ({failures})"),
    );
    Ok(err(if failures >= c.lockout_failures {
        ErrorCode::StaffLocked
    } else {
        ErrorCode::WrongCredentials
    }))
}

pub(super) async fn sign_out(
    State(state): State<Arc<AppState>>,
    p: Person,
) -> Result<StatusCode, ApiError> {
    let st = state.clone();
    blocking(move || {
        st.store.end_session(&p.token_hash).map_err(internal)?;
        audit(
            &st,
            "staff.sign_out",
            Some(&p.authed.office.number),
            p.authed.remote,
            by(&p),
        );
        Ok(StatusCode::NO_CONTENT)
    })
    .await?
}

pub(super) async fn list_staff(
    State(state): State<Arc<AppState>>,
    Admin(p): Admin,
) -> Result<Json<Vec<StaffMember>>, ApiError> {
    let st = state.clone();
    let list = blocking(move || st.store.staff_list(&p.authed.office.number))
        .await?
        .map_err(internal)?;
    Ok(Json(list.into_iter().map(member).collect()))
}

pub(super) async fn add_staff(
    State(state): State<Arc<AppState>>,
    Admin(p): Admin,
    Json(new): Json<NewStaff>,
) -> Result<(StatusCode, Json<StaffAdded>), ApiError> {
    let name_ok = (1..=64).contains(&new.name.trim().chars().count())
        && !new.name.chars().any(char::is_control);
    if !valid_login(&new.login) || !name_ok || new.password.len() < 8 || new.password.len() > 1024 {
        return Err(err(ErrorCode::BadStaff));
    }
    let secret = (new.role == Role::Admin).then(crate::totp::generate_secret);
    let staff = Staff {
        office: p.authed.office.number.clone(),
        login: new.login.clone(),
        name: new.name.trim().to_owned(),
        role: new.role,
        password_hash: crate::password::hash(&new.password),
        active: true,
        totp_secret: secret.clone(),
    };
    let st = state.clone();
    blocking(move || {
        match st.store.add_staff(&staff, now()) {
            Err(crate::store::StoreError::Duplicate(_)) => return Err(err(ErrorCode::StaffExists)),
            other => other.map_err(internal)?,
        }
        audit(
            &st,
            "staff.add",
            Some(&staff.office),
            p.authed.remote,
            format!("{} {} {}", staff.login, staff.role.as_str(), by(&p)),
        );
        let second_factor = secret.map(|secret| SecondFactor {
            uri: crate::totp::uri(&secret, &format!("{}:{}", staff.office, staff.login)),
            secret,
        });
        Ok((
            StatusCode::CREATED,
            Json(StaffAdded {
                person: member(staff),
                second_factor,
            }),
        ))
    })
    .await?
}

pub(super) async fn remove_staff(
    State(state): State<Arc<AppState>>,
    Admin(p): Admin,
    Path(login): Path<String>,
) -> Result<StatusCode, ApiError> {
    let st = state.clone();
    blocking(move || {
        if !st
            .store
            .set_staff_active(&p.authed.office.number, &login, false)
            .map_err(internal)?
        {
            return Err(err(ErrorCode::NoSuchStaff));
        }
        audit(
            &st,
            "staff.remove",
            Some(&p.authed.office.number),
            p.authed.remote,
            format!("{login} {}", by(&p)),
        );
        Ok(StatusCode::NO_CONTENT)
    })
    .await?
}

/// `GET /v1/office/devices`: the office's enrolled devices with their last call, for any of its
/// devices (which PCs the office has is no secret within it).
pub(super) async fn office_devices(
    State(state): State<Arc<AppState>>,
    a: Authed,
) -> Result<Json<Vec<careplan_protocol::OfficeDevice>>, ApiError> {
    blocking(move || {
        let office = &a.office.number;
        let seen = state.store.devices_seen(office)?;
        let devices = state.store.current_devices(office, now())?;
        Ok::<_, crate::store::StoreError>(
            devices
                .into_iter()
                .map(|c| careplan_protocol::OfficeDevice {
                    last_seen: seen.iter().find(|(d, _)| *d == c.device).map(|(_, t)| *t),
                    here: c.device == a.cert.device,
                    device: c.device,
                    name: c.device_name,
                    not_after: c.not_after,
                })
                .collect(),
        )
    })
    .await?
    .map(Json)
    .map_err(internal)
}

pub(super) async fn revoke_device(
    State(state): State<Arc<AppState>>,
    Admin(p): Admin,
    Path(device): Path<String>,
) -> Result<StatusCode, ApiError> {
    let st = state.clone();
    blocking(move || {
        let office = p.authed.office.number.clone();
        if st
            .store
            .revoke_device(&office, &device, now())
            .map_err(internal)?
            == 0
        {
            return Err(err(ErrorCode::NoSuchStaff));
        }
        audit(
            &st,
            "device.revoke",
            Some(&office),
            p.authed.remote,
            format!("{device} {}", by(&p)),
        );
        Ok(StatusCode::NO_CONTENT)
    })
    .await?
}
