//! Any body posted to `/v1/enroll`, read as the relay reads it (JSON, then the field checks,
//! then the CSR and encryption key given to the CA, and the renewal's same-key check): nothing
//! may panic, and no certificate is issued for a request the checks refused.
#![no_main]

use std::sync::OnceLock;

use careplan_protocol::EnrollRequest;
use careplan_relay::ca::Ca;
use careplan_relay::server::check_enroll;
use libfuzzer_sys::fuzz_target;

fn ca() -> &'static (Ca, String) {
    static CA: OnceLock<(Ca, String)> = OnceLock::new();
    CA.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kizuna-fuzz-enroll-{}", std::process::id()));
        let ca = Ca::create(&dir, "fuzz").unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let cert = ca.cert_pem().to_owned();
        (ca, cert)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(req) = serde_json::from_slice::<EnrollRequest>(data) else {
        return;
    };
    if check_enroll(&req).is_err() {
        return;
    }
    let (ca, cert_pem) = ca();
    let issued = ca.issue_office(
        &req.office,
        &req.csr_pem,
        &req.encryption_key,
        time::Duration::days(1),
    );
    let _ = careplan_relay::ca::same_key(&req.csr_pem, cert_pem);
    if let Ok(issued) = issued {
        assert!(issued.pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }
});
