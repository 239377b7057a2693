//! RG202 credential-without-expiry: tokens and application credentials that never expire, and
//! application secrets and certificates valid beyond the policy. A credential that had already
//! expired at the as-of time is not reported: nothing is left to expire.

use super::credential_name;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{CredentialKind, CredentialStatus, When};
use crate::rule::Context;

/// Tokens whose lack of an expiry is itself the finding.
const NEVER_EXPIRING_IS_A_FINDING: &[CredentialKind] = &[
    CredentialKind::PersonalAccessToken,
    CredentialKind::ApiToken,
    CredentialKind::VaultToken,
    CredentialKind::ServiceAccountToken,
];

/// Application credentials: a finding when they never expire (no end, or Entra's
/// `9999-12-31` "never", which the adapter reads as `When::Never`) or when their validity is
/// longer than `--max-secret-lifetime`.
const APPLICATION_CREDENTIALS: &[CredentialKind] = &[
    CredentialKind::ClientSecret,
    CredentialKind::ClientCertificate,
];

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let max = ctx.options.max_secret_lifetime_days;
    for c in &ctx.inventory.credentials {
        if c.status != CredentialStatus::Active {
            continue;
        }
        // Expired by the as-of time (the export may still list it as active).
        if c.expires.known().is_some_and(|end| end <= ctx.options.as_of) {
            continue;
        }
        let whose = c
            .owner
            .as_ref()
            .map(|o| format!(" of {}", o.login))
            .unwrap_or_default();
        let application = APPLICATION_CREDENTIALS.contains(&c.kind);
        let message = if c.expires == When::Never
            && (application || NEVER_EXPIRING_IS_A_FINDING.contains(&c.kind))
        {
            format!(
                "{}{whose} never expires: if it leaks, it works until someone revokes it.",
                credential_name(c)
            )
        } else if application {
            let (Some(start), Some(end)) = (c.issued.known(), c.expires.known()) else {
                continue;
            };
            let days = (end.as_second() - start.as_second()) / 86_400;
            if days <= max {
                continue;
            }
            format!(
                "{}{whose} is valid for {days} days, over the maximum of {max}.",
                credential_name(c)
            )
        } else {
            continue;
        };
        let mut f = out
            .finding(
                Level::Warning,
                Subject::Credential {
                    id: &c.id,
                    account: c.owner.as_ref(),
                },
                c.evidence.clone(),
                message,
            )
            .credential(c);
        if let Some(o) = &c.owner {
            f = f.account(&o.login);
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlate::{Correlation, IdentityMap};
    use crate::inventory::{Credential, Evidence, Inventory, Record};
    use crate::rule::RuleOptions;

    fn at(text: &str) -> When {
        When::parse_instant(text).unwrap()
    }

    fn cred(kind: CredentialKind, line: u32, issued: When, expires: When) -> Record {
        let mut c = Credential::new(kind, &format!("k{line}"), "credential", Evidence::at("f", line));
        c.status = CredentialStatus::Active;
        c.issued = issued;
        c.expires = expires;
        Record::Credential(c)
    }

    #[test]
    fn never_expiring_app_credentials_are_reported_and_expired_ones_are_not() {
        use CredentialKind::{ClientCertificate, ClientSecret, PersonalAccessToken};
        let start = at("2024-01-01T00:00:00Z");
        let inv = Inventory::from_records(vec![
            // A null end or the 9999-12-31 sentinel (both `Never`), dated or not.
            cred(ClientSecret, 1, When::Unknown, When::Never),
            cred(ClientCertificate, 2, start, When::Never),
            // Over the maximum lifetime and still valid.
            cred(ClientCertificate, 3, start, at("2027-01-01T00:00:00Z")),
            // Over the maximum lifetime but expired before the as-of time.
            cred(ClientCertificate, 4, start, at("2026-01-01T00:00:00Z")),
            cred(ClientSecret, 5, start, at("2026-08-21T11:59:59Z")),
            // Within the maximum.
            cred(ClientSecret, 6, at("2026-06-01T00:00:00Z"), at("2026-12-01T00:00:00Z")),
            cred(PersonalAccessToken, 7, start, When::Never),
            cred(PersonalAccessToken, 8, start, at("2026-01-01T00:00:00Z")),
        ]);
        let correlation = Correlation::build(&inv, &IdentityMap::default());
        let options = RuleOptions::new(at("2026-08-21T12:00:00Z").known().unwrap());
        let ctx = Context::new(&inv, &correlation, &options);
        let mut emit = Emit::new("RG202");
        check(&ctx, &mut emit);
        let lines: Vec<u32> = emit
            .into_findings()
            .iter()
            .filter_map(|f| f.location.line)
            .collect();
        assert_eq!(lines, [1, 2, 3, 7]);
    }
}
