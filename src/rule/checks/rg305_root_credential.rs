//! RG305 root-credential: AWS root keys and certificates, Vault root tokens.

use super::credential_name;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{AccountKind, CredentialKind, CredentialStatus};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    for c in &inv.credentials {
        if c.status != CredentialStatus::Active {
            continue;
        }
        let owner = c.owner.as_ref();
        let is_root_account = owner
            .and_then(|o| inv.account(o.system.as_deref()?, &o.login))
            .is_some_and(|i| inv.accounts[i].kind == AccountKind::Root);
        let aws_root = is_root_account
            && matches!(
                c.kind,
                CredentialKind::AccessKey | CredentialKind::SigningCertificate
            );
        let vault_root = c.kind == CredentialKind::VaultToken
            && c.detail
                .as_deref()
                .is_some_and(|d| d.split([',', ' ', ';', '=']).any(|p| p == "root"));
        if !aws_root && !vault_root {
            continue;
        }
        let login = owner.map(|o| o.login.as_str()).unwrap_or("root");
        let message = format!(
            "{} of {login} is a root credential: it bypasses every policy and no user's password reset touches it.",
            credential_name(c)
        );
        out.push(
            out.finding(Level::Error,
                Subject::Credential {
                    id: &c.id,
                    account: owner,
                },
                c.evidence.clone(),
                message,
            )
            .account(login)
            .credential(c),
        );
    }
}
