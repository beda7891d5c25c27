//! The directory: who can receive, and the key to encrypt to them.

use super::*;

pub(super) async fn directory_entry(
    State(state): State<Arc<AppState>>,
    _a: Authed,
    Path(number): Path<String>,
) -> Result<Json<DirectoryEntry>, ApiError> {
    let st = state.clone();
    blocking(move || {
        let office = st
            .store
            .office(&number)
            .map_err(internal)?
            .ok_or(err(ErrorCode::UnknownOffice))?;
        let devices = st
            .store
            .current_devices(&office.number, now())
            .map_err(internal)?;
        Ok(Json(DirectoryEntry {
            active: office.active,
            office: OfficeInfo {
                number: office.number,
                name: office.name,
                kind: office.kind,
            },
            devices: devices
                .into_iter()
                .map(|c| DeviceKey {
                    device: c.device,
                    name: c.device_name,
                    certificate_pem: c.pem,
                    encryption_key: c.encryption_key,
                    not_after: c.not_after,
                })
                .collect(),
        }))
    })
    .await?
}

/// Directory search parameters.
#[derive(Deserialize)]
pub struct Search {
    /// Number prefix or part of the name.
    pub q: String,
}

pub(super) async fn directory_search(
    State(state): State<Arc<AppState>>,
    _a: Authed,
    Query(s): Query<Search>,
) -> Result<Json<SearchResult>, ApiError> {
    if s.q.trim().is_empty() || s.q.len() > 100 {
        return Err(err(ErrorCode::BadQuery));
    }
    let st = state.clone();
    let offices = blocking(move || {
        let found = st.store.search_offices(s.q.trim(), 50)?;
        let at = now();
        found
            .into_iter()
            .map(|o| {
                // Partners not yet on the exchange are told apart, so a sender knows to print.
                let connected = o.active && !st.store.current_devices(&o.number, at)?.is_empty();
                Ok(DirectoryHit {
                    office: OfficeInfo {
                        number: o.number,
                        name: o.name,
                        kind: o.kind,
                    },
                    connected: Some(connected),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()
    })
    .await?
    .map_err(internal)?;
    Ok(Json(SearchResult { offices }))
}
