//! Calls a peer may make only so often, counted in the database so that every node counts the
//! same calls: a device's activity reports, an address's requests to join an office. (How many
//! connections a peer holds is each node's own business: see `limits`.)

use super::*;

/// The window calls are counted in.
const WINDOW_SECS: i64 = 3600;

/// A kind of call counted per caller.
#[derive(Clone, Copy)]
pub(super) enum Allowance {
    /// Activity reports (saves, exports) of one device: each writes the audit log.
    Activity,
    /// Requests to join an office from one client address: each may take one of the office's
    /// few places for PCs waiting for approval.
    JoinRequest,
}

impl Allowance {
    fn name(self) -> &'static str {
        match self {
            Allowance::Activity => "activity",
            Allowance::JoinRequest => "join",
        }
    }

    fn per_hour(self, config: &crate::config::Config) -> u32 {
        match self {
            Allowance::Activity => config.activity_per_hour,
            Allowance::JoinRequest => config.join_requests_per_hour,
        }
    }

    /// Counts a call by `who`, refused once the hour's allowance is used. Only the first
    /// refusal of an hour is audited, so refused calls cannot grow the log either. Blocks.
    pub(super) fn take(
        self,
        state: &AppState,
        who: &str,
        office: Option<&str>,
        remote: SocketAddr,
    ) -> Result<(), ApiError> {
        let max = i64::from(self.per_hour(&state.config));
        let used = state
            .store
            .count_call(&format!("{}:{who}", self.name()), now(), WINDOW_SECS)
            .map_err(internal)?;
        if used <= max {
            return Ok(());
        }
        if used == max + 1 {
            audit(
                state,
                "limit.reached",
                office,
                remote,
                format!("{} by {who}: more than {max} within the hour", self.name()),
            );
        }
        Err(err(ErrorCode::RateLimited))
    }
}
