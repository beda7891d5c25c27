//! Helpers shared by the unit tests.

use careplan_csv::sample::{SampleFile, SampleOptions, exchange};
use careplan_csv::values::{OfficeNumber, ServiceType, YearMonth};

/// The sample exchange of 居宅 1310000001 with 1320000001 (訪問介護) and 1320000002 (通所介護)
/// for December 2026.
pub(crate) fn sample_exchange(users: usize) -> Vec<SampleFile> {
    let office = |n: &str| OfficeNumber::parse(n).unwrap();
    let opts = SampleOptions {
        kyotaku: office("1310000001"),
        services: vec![
            (office("1320000001"), ServiceType::parse("11").unwrap()),
            (office("1320000002"), ServiceType::parse("15").unwrap()),
        ],
        month: YearMonth::parse("202612").unwrap(),
        users,
    };
    exchange(&opts).unwrap()
}

/// A CA as the relay keeps one: its issuer and its certificate (DER).
pub(crate) struct Ca {
    pub issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pub der: Vec<u8>,
    pub pem: String,
}

/// A fresh CA.
pub(crate) fn ca() -> Ca {
    use rcgen::{CertificateParams, IsCa, KeyPair};
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    Ca {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        issuer: rcgen::Issuer::new(params, key),
    }
}

/// An office certificate as the relay issues it, for `keys`.
pub(crate) fn office_cert(ca: &Ca, office: &str, keys: &crate::keys::OfficeKeys) -> String {
    use crate::envelope::{AGE_URI, OFFICE_URI};
    use rcgen::{CertificateParams, ExtendedKeyUsagePurpose, SanType};
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.subject_alt_names = vec![
        SanType::URI(format!("{OFFICE_URI}{office}").try_into().unwrap()),
        SanType::URI(
            format!("{AGE_URI}{}", keys.encryption_recipient())
                .try_into()
                .unwrap(),
        ),
    ];
    let csr =
        rcgen::CertificateSigningRequestParams::from_pem(&keys.csr_pem(office).unwrap()).unwrap();
    params.signed_by(&csr.public_key, &ca.issuer).unwrap().pem()
}
