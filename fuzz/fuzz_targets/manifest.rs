//! Any manifest and any ciphertext, as another office or the relay could deliver them, through
//! the relay's routing read and the recipient's checks: nothing may panic, and only the genuine
//! envelope opens. Inputs either stand alone or patch a genuine envelope, so the fuzzer also
//! reaches what lies behind a valid signature (decryption and the hash check).
#![no_main]

use std::sync::OnceLock;

use careplan_client::envelope::{self, Manifest, OfficeCertificate};
use careplan_client::keys::OfficeKeys;
use libfuzzer_sys::fuzz_target;

const SENDER: &str = "1310000001";
const RECIPIENT: &str = "1320000001";
const FILE: &str = "UPPLAN_202612_1310000001_43_1320000001_11_20261125093000.CSV";

struct Genuine {
    keys: OfficeKeys,
    cert: OfficeCertificate,
    manifest: String,
    ciphertext: Vec<u8>,
}

fn genuine() -> &'static Genuine {
    static G: OnceLock<Genuine> = OnceLock::new();
    G.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kizuna-fuzz-manifest-{}", std::process::id()));
        let ca = careplan_relay::ca::Ca::create(&dir, "fuzz").unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        // One key pair plays both offices: the signature is the sender's, the decryption the
        // recipient's, and the fuzzer cannot tell the difference.
        let keys = OfficeKeys::generate().unwrap();
        let issued = ca
            .issue_office(
                SENDER,
                &keys.csr_pem(SENDER).unwrap(),
                &keys.encryption_recipient(),
                time::Duration::days(1),
            )
            .unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let cert = OfficeCertificate::verify(&issued.pem, ca.cert_der(), now).unwrap();
        let plain = b"1,2,3\r\n".to_vec();
        let manifest = envelope::sign(
            &keys,
            &Manifest {
                r#type: envelope::MANIFEST_TYPE.into(),
                file_name: FILE.into(),
                sha256: envelope::sha256_hex(&plain),
                size: plain.len() as u64,
                sender: SENDER.into(),
                recipient: RECIPIENT.into(),
                created_at: now,
                idempotency_key: "fuzz".into(),
                recipients: Vec::new(),
                sent_by: None,
            },
        )
        .unwrap();
        let ciphertext = envelope::encrypt(&[keys.encryption_recipient()], &plain).unwrap();
        Genuine {
            keys,
            cert,
            manifest,
            ciphertext,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let g = genuine();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (manifest, ciphertext) = match mode % 3 {
        // Both made up.
        0 => {
            let cut = rest.iter().position(|&b| b == 0xFF).unwrap_or(rest.len());
            let manifest = String::from_utf8_lossy(&rest[..cut]).into_owned();
            (manifest, rest.get(cut + 1..).unwrap_or_default().to_vec())
        }
        // The genuine manifest; the ciphertext patched at (position, byte) pairs.
        1 => {
            let mut c = g.ciphertext.clone();
            for p in rest.chunks_exact(3) {
                let at = usize::from(u16::from_le_bytes([p[0], p[1]])) % c.len();
                c[at] = p[2];
            }
            (g.manifest.clone(), c)
        }
        // The genuine manifest; the ciphertext cut short and followed by the input.
        _ => {
            let keep = rest
                .first()
                .map_or(0, |&n| usize::from(n) * g.ciphertext.len() / 256);
            let mut c = g.ciphertext[..keep].to_vec();
            c.extend_from_slice(rest.get(1..).unwrap_or_default());
            (g.manifest.clone(), c)
        }
    };
    if let Some(routed) = careplan_protocol::Manifest::read_unverified(&manifest) {
        let _ = routed.names(FILE, SENDER, RECIPIENT, "fuzz");
    }
    let _ = envelope::peek::<Manifest>(&manifest);
    let _ = envelope::decrypt(&g.keys, &ciphertext);
    let opened = envelope::open_envelope(
        &g.keys,
        &g.cert,
        &manifest,
        &ciphertext,
        (FILE, SENDER, RECIPIENT),
    );
    if opened.is_ok() {
        assert_eq!(manifest, g.manifest, "only the genuine manifest opens");
    }
});
