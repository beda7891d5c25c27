//! The directory: who can receive, and the key to encrypt to them.

use super::*;

/// A directory entry: what a sender needs to encrypt to an office.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct DirectoryEntry {
    /// The office.
    #[serde(flatten)]
    pub office: OfficeInfo,
    /// Whether it can receive.
    pub active: bool,
    /// Its current certificate (PEM), which binds its encryption key; none before enrolment.
    pub certificate_pem: Option<String>,
    /// The encryption key (age recipient) bound in that certificate.
    pub encryption_key: Option<String>,
    /// End of the certificate's validity, unix seconds.
    pub not_after: Option<i64>,
}

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
            .ok_or(err(StatusCode::NOT_FOUND, "unknown_office"))?;
        let cert = st
            .store
            .current_certificate(&office.number, now())
            .map_err(internal)?;
        Ok(Json(DirectoryEntry {
            active: office.active,
            office: OfficeInfo {
                number: office.number,
                name: office.name,
                kind: office.kind,
            },
            certificate_pem: cert.as_ref().map(|c| c.pem.clone()),
            encryption_key: cert.as_ref().map(|c| c.encryption_key.clone()),
            not_after: cert.map(|c| c.not_after),
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

/// Directory search results.
#[derive(Serialize, Deserialize, Debug)]
pub struct SearchResult {
    /// Matching offices (at most 50), by number.
    pub offices: Vec<OfficeInfo>,
}

pub(super) async fn directory_search(
    State(state): State<Arc<AppState>>,
    _a: Authed,
    Query(s): Query<Search>,
) -> Result<Json<SearchResult>, ApiError> {
    if s.q.trim().is_empty() || s.q.len() > 100 {
        return Err(err(StatusCode::BAD_REQUEST, "bad_query"));
    }
    let st = state.clone();
    let found = blocking(move || st.store.search_offices(s.q.trim(), 50))
        .await?
        .map_err(internal)?;
    Ok(Json(SearchResult {
        offices: found
            .into_iter()
            .map(|o| OfficeInfo {
                number: o.number,
                name: o.name,
                kind: o.kind,
            })
            .collect(),
    }))
}
