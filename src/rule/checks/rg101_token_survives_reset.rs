//! RG101 token-survives-reset: a bearer credential issued before its identity's last reset and
//! still active; an error when it was used after the reset.

use super::{credential_name, describe_reset, survivors};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{when::format_day, CredentialKind, CredentialStatus};
use crate::rule::revocation::verdict;
use crate::rule::Context;

/// Credentials that authenticate on their own, without the password.
const BEARER: &[CredentialKind] = &[
    CredentialKind::AccessKey,
    CredentialKind::SigningCertificate,
    CredentialKind::PersonalAccessToken,
    CredentialKind::ApiToken,
    CredentialKind::OAuthGrant,
    CredentialKind::ClientSecret,
    CredentialKind::ClientCertificate,
    CredentialKind::VaultToken,
    CredentialKind::ServiceAccountToken,
    CredentialKind::DeployKey,
];

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    // The owner's identity, and for application secrets the people responsible for them.
    for s in survivors(ctx, BEARER) {
        let c = s.cred;
        let Some(issued) = s.issued else { continue };
        if c.status != CredentialStatus::Active {
            continue;
        }
        let login = s.login;
        let (reset_evidence, reset_text) = describe_reset(ctx, &s.reset);
        let held = match &c.owner {
            Some(o) if o.login == login => format!("of {login}"),
            _ => format!("that {login} is responsible for"),
        };
        let mut message = format!(
            "{} {held} was issued {} and is still active after the password reset of {}. ",
            credential_name(c),
            format_day(issued),
            format_day(s.reset.at),
        );
        let revocation = verdict(ctx, &s.reset, c).sentence;
        let level = match s.used_after {
            Some(u) => {
                message.push_str(&format!(
                    "It was used {}, after the reset: someone still holds it. {revocation}",
                    format_day(u)
                ));
                Level::Error
            }
            None => {
                message.push_str(&format!("{revocation} Rotate or delete it."));
                Level::Warning
            }
        };
        let mut f = out
            .finding(
                level,
                Subject::Credential {
                    id: &c.id,
                    account: Some(s.answerable),
                },
                c.evidence.clone(),
                message,
            )
            .account(login)
            .credential(c)
            .used_after_reset(s.used_after)
            .related(reset_evidence, format!("the reset: {reset_text}"));
        for r in &c.related {
            f = f.related(r.clone(), "further record of the same credential");
        }
        out.push(f);
    }
}
