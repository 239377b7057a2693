//! Just enough DER to read an X.509 certificate's validity and subject (CN, O): kubeconfig
//! `client-certificate-data`. Kubernetes maps CN to the user name and O to groups
//! (`system:masters` = cluster-admin). Nothing is verified; any malformation gives `None`.

use crate::inventory::When;

/// What a client certificate tells about its holder.
#[derive(Debug, Default, PartialEq)]
pub(super) struct CertInfo {
    pub not_before: Option<When>,
    pub not_after: Option<When>,
    pub common_name: Option<String>,
    pub organizations: Vec<String>,
}

/// A DER TLV at `pos`: (tag, content start, content end).
fn tlv(der: &[u8], pos: usize) -> Option<(u8, usize, usize)> {
    let tag = *der.get(pos)?;
    let first = *der.get(pos + 1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*der.get(pos + 2 + i)?);
        }
        (len, 2 + n)
    };
    let start = pos.checked_add(header)?;
    let end = start.checked_add(len)?;
    (end <= der.len()).then_some((tag, start, end))
}

/// The TLVs directly inside `der[start..end]`.
fn children(der: &[u8], start: usize, end: usize) -> Vec<(u8, usize, usize)> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos < end {
        let Some(t) = tlv(der, pos) else { break };
        if t.2 > end {
            break;
        }
        pos = t.2;
        out.push(t);
    }
    out
}

pub(super) fn parse(der: &[u8]) -> Option<CertInfo> {
    let (tag, s, e) = tlv(der, 0)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, s, e) = *children(der, s, e).first()?;
    if tag != 0x30 {
        return None;
    }
    let tbs = children(der, s, e);
    // [0] version is optional; then serial, signature algorithm, issuer, validity, subject.
    let skip = usize::from(tbs.first()?.0 == 0xa0);
    let validity = tbs.get(skip + 3)?;
    let subject = tbs.get(skip + 4)?;
    let mut info = CertInfo::default();
    if validity.0 == 0x30 {
        let times = children(der, validity.1, validity.2);
        info.not_before = times.first().and_then(|t| time(der, t));
        info.not_after = times.get(1).and_then(|t| time(der, t));
    }
    if subject.0 == 0x30 {
        for set in children(der, subject.1, subject.2) {
            for attr in children(der, set.1, set.2) {
                let parts = children(der, attr.1, attr.2);
                let (Some(oid), Some(value)) = (parts.first(), parts.get(1)) else {
                    continue;
                };
                let oid = der.get(oid.1..oid.2)?;
                let Some(text) = der
                    .get(value.1..value.2)
                    .and_then(|b| std::str::from_utf8(b).ok())
                else {
                    continue;
                };
                match oid {
                    [0x55, 0x04, 0x03] => info.common_name = Some(text.to_string()),
                    [0x55, 0x04, 0x0a] => info.organizations.push(text.to_string()),
                    _ => {}
                }
            }
        }
    }
    Some(info)
}

/// UTCTime (`YYMMDDHHMMSSZ`, years 50-99 are 19xx) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(der: &[u8], &(tag, s, e): &(u8, usize, usize)) -> Option<When> {
    let text = std::str::from_utf8(der.get(s..e)?).ok()?;
    let digits = text.strip_suffix('Z')?;
    let full = match tag {
        0x17 if digits.len() == 12 => {
            let yy: u32 = digits.get(..2)?.parse().ok()?;
            format!("{}{}", if yy >= 50 { "19" } else { "20" }, digits)
        }
        0x18 if digits.len() == 14 => digits.to_string(),
        _ => return None,
    };
    if !full.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        full.get(..4)?,
        full.get(4..6)?,
        full.get(6..8)?,
        full.get(8..10)?,
        full.get(10..12)?,
        full.get(12..14)?
    );
    if iso.starts_with("9999-12-31") {
        return Some(When::Never);
    }
    When::parse_instant(&iso)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_none() {
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&[0x30, 0x82, 0xff]), None);
        assert_eq!(parse(&[0x30, 0x03, 0x30, 0x01, 0x02]), None);
        assert_eq!(parse(&[0x04, 0x00]), None);
    }
}
