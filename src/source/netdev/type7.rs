//! Cisco IOS type 7 "encryption" (`service password-encryption`, `password 7 …`): a fixed-key
//! XOR with a published 53-character key, starting at the offset the first two decimal digits
//! give. Owns only decoding, in memory, to prove a value is reversible; the result is never
//! printed or stored, only handed to the in-scan secret matcher.

/// The published type 7 key.
const KEY: &[u8] = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87";

/// Decodes a type 7 value; `None` when it is not well formed (odd length, bad offset, non-hex
/// digits) or decodes to control characters.
pub fn decode(encoded: &str) -> Option<String> {
    let e = encoded.trim();
    if e.len() < 4 || e.len() % 2 != 0 || !e.is_ascii() {
        return None;
    }
    let seed: usize = e.get(..2)?.parse().ok()?;
    if seed >= KEY.len() {
        return None;
    }
    let rest = e.get(2..)?;
    let mut plain = Vec::with_capacity(rest.len() / 2);
    for (i, pair) in rest.as_bytes().chunks(2).enumerate() {
        let byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        let k = KEY.get((seed + i) % KEY.len())?;
        plain.push(byte ^ k);
    }
    let s = String::from_utf8(plain).ok()?;
    (!s.chars().any(char::is_control)).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::decode;

    /// Encodes like IOS does (test only), so the round trip proves the decoder.
    fn encode(seed: usize, plain: &str) -> String {
        let mut s = format!("{seed:02}");
        for (i, b) in plain.bytes().enumerate() {
            s.push_str(&format!(
                "{:02X}",
                b ^ super::KEY[(seed + i) % super::KEY.len()]
            ));
        }
        s
    }

    #[test]
    fn decodes_published_examples_and_round_trips() {
        // Cisco's own documentation example pair is widely reproduced: "cisco" as 02050D480809.
        assert_eq!(decode("02050D480809").as_deref(), Some("cisco"));
        assert_eq!(decode("070C285F4D06").as_deref(), Some("cisco"));
        for seed in [0, 7, 15, 52] {
            assert_eq!(
                decode(&encode(seed, "Synthetic-Pass1")).as_deref(),
                Some("Synthetic-Pass1")
            );
        }
    }

    #[test]
    fn rejects_malformed_values() {
        for bad in ["", "0", "020", "99AABB", "02ZZ", "0205 0D", "ÿÿÿÿ"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
        // Decodes to a control character: not a password.
        assert_eq!(decode(&encode(3, "a\u{1}b")), None);
    }
}
