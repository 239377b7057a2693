use super::*;
use crate::inventory::{CredentialKind, IssuedBasis, Record};
use crate::source::registry::Sniff;

/// Encrypts `password` as Group Policy Preferences does (UTF-16LE, AES-256-CBC with the
/// published key and a zero IV, PKCS#7, base64 without padding): how the fixtures' cpasswords
/// were made. Fake passwords only.
pub(super) fn gpp_encrypt(password: &str) -> String {
    use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    use base64::Engine;
    let plain: Vec<u8> = password.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut buf = vec![0u8; plain.len() + 16];
    buf[..plain.len()].copy_from_slice(&plain);
    let enc = cbc::Encryptor::<aes::Aes256>::new(&gpp::KEY.into(), &[0u8; 16].into());
    let ct = enc
        .encrypt_padded_mut::<Pkcs7>(&mut buf, plain.len())
        .expect("buffer has room for the padding");
    STANDARD_NO_PAD.encode(ct)
}

#[test]
#[ignore = "prints the fixture cpasswords (fake values) to regenerate them"]
fn print_fixture_cpasswords() {
    for p in FIXTURE_GPP_PASSWORDS {
        println!("{p} -> {}", gpp_encrypt(p));
    }
}

/// The fake passwords the GPP fixtures hold, in the order they appear across the fixtures.
const FIXTURE_GPP_PASSWORDS: &[&str] = &[
    "ZZfake-LocalAdmin-2019!",
    "ZZfake-SqlSvc-Passw0rd",
    "ZZfake-Backup-Task#7",
    "ZZfake-Report-DSN-11",
    "ZZfake-Drive-Map-42",
    "ZZfake-Printer-Conn-5",
];
