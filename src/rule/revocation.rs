//! The revocation model (issue 8): which credentials a password change (or an admin reset) in
//! one system revokes, as each vendor documents it. One table, [`ROWS`], keyed by the family of
//! the system whose password changed (`SourceKind`) and what the person holds there
//! ([`Held`]: a `CredentialKind`, or sessions), each row with its answer and its citation. The
//! README's "What a reset revokes" is this table; a test keeps the two in step.
//!
//! A password change only ever reaches credentials of the same account in the same system: a
//! password change in Entra ID does not revoke an AWS access key, whatever the two share. So
//! [`verdict`] answers `DoesNotRevoke` for a credential of another system, and consults the
//! table only when the reset is the credential owner's own.
//!
//! RG101, RG105, RG107 and RG201 consult it: a credential that its own account's password
//! change revokes (a Google app password after a Google password change) is not reported as
//! surviving that change ([`revoked_by_own_reset`]), and every message names the system whose
//! reset does or does not revoke the credential ([`Verdict::sentence`]). Not here: when a reset
//! happened (`correlate`), what a credential is (`source`).

use super::Context;
use crate::correlate::Reset;
use crate::inventory::{Account, Credential, CredentialKind, SourceKind};
use jiff::Timestamp;

/// What a password change revokes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revocation {
    Revokes,
    DoesNotRevoke,
    /// The vendor documents neither.
    Unknown,
}

/// What a person holds in the system whose password changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    Credential(CredentialKind),
    /// An OAuth grant with a mail scope (`Credential::mail_scope`).
    MailGrant,
    /// Sign-in sessions and refresh tokens (RG105).
    Sessions,
    /// Kerberos tickets already issued (documentation only: no export lists them).
    KerberosTickets,
    /// The previous password itself, for a while (documentation only).
    OldPassword,
}

/// One documented fact: a password change in `system` does (or does not) revoke `held`.
pub struct Row {
    pub system: SourceKind,
    pub held: Held,
    pub answer: Revocation,
    /// What is held, for the README ("app passwords").
    pub what: &'static str,
    /// The documented behaviour, in a few words, for the README.
    pub fact: &'static str,
    /// The vendor's documentation.
    pub source: &'static str,
}

use Held::{Credential as C, *};
use Revocation::*;

/// Every documented row, grouped by system.
pub const ROWS: &[Row] = &[
    // Google Workspace
    Row {
        system: SourceKind::GoogleWorkspace,
        held: C(CredentialKind::AppPassword),
        answer: Revokes,
        what: "app passwords",
        fact: "Google revokes a user's app passwords when the Google Account password changes",
        source: "https://support.google.com/accounts/answer/185833",
    },
    Row {
        system: SourceKind::GoogleWorkspace,
        held: MailGrant,
        answer: Revokes,
        what: "OAuth grants with a mail scope",
        fact: "OAuth 2.0 tokens with mail scopes are revoked on a password change (Apps Script and the Android device that made the change excepted)",
        source: "https://support.google.com/a/answer/2538798",
    },
    Row {
        system: SourceKind::GoogleWorkspace,
        held: C(CredentialKind::OAuthGrant),
        answer: DoesNotRevoke,
        what: "other OAuth grants (Drive, Calendar, Admin SDK, ...)",
        fact: "only tokens for certain products (mail scopes) are revoked",
        source: "https://support.google.com/a/answer/2538798",
    },
    Row {
        system: SourceKind::GoogleWorkspace,
        held: C(CredentialKind::RecoveryMethod),
        answer: DoesNotRevoke,
        what: "recovery email and phone, 2-Step Verification",
        fact: "they are managed by separate admin actions (remove security keys, turn off 2-Step Verification, reset sign-in cookies)",
        source: "https://support.google.com/a/answer/2537800",
    },
    Row {
        system: SourceKind::GoogleWorkspace,
        held: Sessions,
        answer: Unknown,
        what: "web sessions",
        fact: "signing a user out is a separate action (reset sign-in cookies)",
        source: "https://support.google.com/a/answer/2537800",
    },
    // Microsoft Entra ID
    Row {
        system: SourceKind::EntraId,
        held: Sessions,
        answer: DoesNotRevoke,
        what: "sessions and refresh tokens",
        fact: "only password-based cookies and tokens are revoked; non-password ones (Windows Hello, FIDO2, certificates) and confidential-client tokens stay valid (an admin-centre reset also revokes non-password and confidential-client tokens, not cookies)",
        source: "https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens#token-revocation",
    },
    Row {
        system: SourceKind::EntraId,
        held: C(CredentialKind::RecoveryMethod),
        answer: DoesNotRevoke,
        what: "authentication methods",
        fact: "methods stay registered until deleted or the user is required to re-register MFA",
        source: "https://learn.microsoft.com/en-us/entra/identity/authentication/howto-mfa-userdevicesettings",
    },
    Row {
        system: SourceKind::EntraId,
        held: C(CredentialKind::ClientSecret),
        answer: DoesNotRevoke,
        what: "application client secrets",
        fact: "an application's password credential lives until its end date or removePassword",
        source: "https://learn.microsoft.com/en-us/graph/api/resources/passwordcredential",
    },
    Row {
        system: SourceKind::EntraId,
        held: C(CredentialKind::ClientCertificate),
        answer: DoesNotRevoke,
        what: "application certificates",
        fact: "an application's key credential lives until its end date or removeKey",
        source: "https://learn.microsoft.com/en-us/graph/api/resources/keycredential",
    },
    Row {
        system: SourceKind::EntraId,
        held: C(CredentialKind::AppPassword),
        answer: Unknown,
        what: "app passwords (per-user MFA)",
        fact: "not documented, and no API lists them",
        source: "https://learn.microsoft.com/en-us/entra/identity/authentication/howto-mfa-app-passwords",
    },
    // Okta
    Row {
        system: SourceKind::Okta,
        held: C(CredentialKind::ApiToken),
        answer: DoesNotRevoke,
        what: "API tokens",
        fact: "a token is valid while its user is active and renews on use; it is revoked after 30 days unused, by deactivating the user, or explicitly",
        source: "https://help.okta.com/en-us/Content/Topics/security/api.htm",
    },
    Row {
        system: SourceKind::Okta,
        held: Sessions,
        answer: DoesNotRevoke,
        what: "sessions and OAuth tokens",
        fact: "reset, expire and change password revoke sessions only when `revokeSessions` is requested (default false)",
        source: "https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserCred/",
    },
    Row {
        system: SourceKind::Okta,
        held: C(CredentialKind::RecoveryMethod),
        answer: DoesNotRevoke,
        what: "factors",
        fact: "factors stay enrolled until unenrolled or reset",
        source: "https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/",
    },
    // AWS IAM
    Row {
        system: SourceKind::AwsIam,
        held: C(CredentialKind::AccessKey),
        answer: DoesNotRevoke,
        what: "access keys",
        fact: "an access key changes state only when it is deactivated or deleted",
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
    },
    Row {
        system: SourceKind::AwsIam,
        held: C(CredentialKind::SigningCertificate),
        answer: DoesNotRevoke,
        what: "signing certificates",
        fact: "each kind of IAM credential is managed on its own",
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds.html",
    },
    Row {
        system: SourceKind::AwsIam,
        held: C(CredentialKind::SshKey),
        answer: DoesNotRevoke,
        what: "SSH public keys (CodeCommit)",
        fact: "each kind of IAM credential is managed on its own",
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds.html",
    },
    Row {
        system: SourceKind::AwsIam,
        held: C(CredentialKind::AppPassword),
        answer: DoesNotRevoke,
        what: "service-specific credentials",
        fact: "each kind of IAM credential is managed on its own",
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds.html",
    },
    // Active Directory
    Row {
        system: SourceKind::ActiveDirectory,
        held: KerberosTickets,
        answer: DoesNotRevoke,
        what: "Kerberos tickets",
        fact: "issued tickets stay valid until they expire (10 h by default); the KDC checks the account only for TGTs older than 20 minutes",
        source: "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-kile/519392b1-625a-420d-be90-d588c852dda3",
    },
    Row {
        system: SourceKind::ActiveDirectory,
        held: OldPassword,
        answer: DoesNotRevoke,
        what: "the old password (NTLM)",
        fact: "the previous password keeps working for network logons for 60 minutes (OldPasswordAllowedPeriod)",
        source: "https://learn.microsoft.com/en-us/troubleshoot/windows-server/windows-security/new-setting-modifies-ntlm-network-authentication",
    },
    Row {
        system: SourceKind::ActiveDirectory,
        held: C(CredentialKind::KeyCredential),
        answer: DoesNotRevoke,
        what: "key credentials (msDS-KeyCredentialLink)",
        fact: "the key is an attribute of its own, not derived from the password (seen on Samba 4.17: it survives samba-tool user setpassword)",
        source: "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-adts/de61eb56-b75f-4743-b8af-e9be154b47af",
    },
    Row {
        system: SourceKind::ActiveDirectory,
        held: C(CredentialKind::IdentityMapping),
        answer: DoesNotRevoke,
        what: "certificate mappings (altSecurityIdentities)",
        fact: "a mapping stays until the attribute is cleared",
        source: "https://learn.microsoft.com/en-us/windows/win32/adschema/a-altsecurityidentities",
    },
    // OpenLDAP
    Row {
        system: SourceKind::OpenLdap,
        held: C(CredentialKind::SshKey),
        answer: DoesNotRevoke,
        what: "sshPublicKey values",
        fact: "the Password Modify operation changes the password only",
        source: "https://www.rfc-editor.org/rfc/rfc3062",
    },
    Row {
        system: SourceKind::OpenLdap,
        held: C(CredentialKind::SecondaryHash),
        answer: Unknown,
        what: "sambaNTPassword, krbPrincipalKey",
        fact: "rewritten with the password only where the smbk5pwd overlay is configured",
        source: "https://www.openldap.org/software/man.cgi?query=slapo-smbk5pwd",
    },
    // Linux hosts
    Row {
        system: SourceKind::LinuxHost,
        held: C(CredentialKind::SshKey),
        answer: DoesNotRevoke,
        what: "authorized SSH keys",
        fact: "passwd changes the shadow entry; sshd checks keys against authorized_keys alone",
        source: "https://man.openbsd.org/sshd#AUTHORIZED_KEYS_FILE_FORMAT",
    },
    // GitHub
    Row {
        system: SourceKind::GitHub,
        held: C(CredentialKind::PersonalAccessToken),
        answer: DoesNotRevoke,
        what: "personal access tokens",
        fact: "a password change is not among the causes GitHub lists for revoking a token (expiry, the user, the app, disuse, exposure, SSO)",
        source: "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/token-expiration-and-revocation",
    },
    Row {
        system: SourceKind::GitHub,
        held: C(CredentialKind::OAuthGrant),
        answer: DoesNotRevoke,
        what: "OAuth and GitHub App tokens",
        fact: "a password change is not among the causes GitHub lists for revoking a token",
        source: "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/token-expiration-and-revocation",
    },
    Row {
        system: SourceKind::GitHub,
        held: C(CredentialKind::SshKey),
        answer: DoesNotRevoke,
        what: "SSH keys",
        fact: "keys stay until deleted (GitHub asks you to review them yourself)",
        source: "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/reviewing-your-ssh-keys",
    },
    Row {
        system: SourceKind::GitHub,
        held: C(CredentialKind::DeployKey),
        answer: DoesNotRevoke,
        what: "deploy keys",
        fact: "a deploy key belongs to a repository, not to a person's password",
        source: "https://docs.github.com/en/authentication/connecting-to-github-with-ssh/managing-deploy-keys",
    },
    // HashiCorp Vault
    Row {
        system: SourceKind::Vault,
        held: C(CredentialKind::VaultToken),
        answer: DoesNotRevoke,
        what: "tokens",
        fact: "a token ends at its TTL, when revoked, or with its parent; a password change is not among these",
        source: "https://developer.hashicorp.com/vault/docs/concepts/tokens",
    },
    // Kubernetes
    Row {
        system: SourceKind::Kubernetes,
        held: C(CredentialKind::ServiceAccountToken),
        answer: DoesNotRevoke,
        what: "service-account tokens",
        fact: "a legacy token is valid until its Secret is deleted; no user password is involved",
        source: "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/",
    },
    Row {
        system: SourceKind::Kubernetes,
        held: C(CredentialKind::DeployKey),
        answer: DoesNotRevoke,
        what: "client certificates in a kubeconfig",
        fact: "a client certificate is valid until it expires",
        source: "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#x509-client-certificates",
    },
];

/// The system's name in messages.
pub fn system_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::LinuxHost => "a Linux host",
        SourceKind::AwsIam => "AWS IAM",
        SourceKind::ConfigFile => "a configuration file",
        SourceKind::ActiveDirectory => "Active Directory",
        SourceKind::OpenLdap => "OpenLDAP",
        SourceKind::EntraId => "Entra ID",
        SourceKind::GoogleWorkspace => "Google Workspace",
        SourceKind::GitHub => "GitHub",
        SourceKind::Okta => "Okta",
        SourceKind::Vault => "Vault",
        SourceKind::Kubernetes => "Kubernetes",
        SourceKind::CredentialFile => "a credential file",
        SourceKind::NetworkDevice => "a network device",
        SourceKind::WindowsHost => "a Windows host",
    }
}

/// What a credential is, as the table keys it.
pub fn held(c: &Credential) -> Held {
    if c.kind == CredentialKind::OAuthGrant && c.mail_scope {
        MailGrant
    } else {
        C(c.kind)
    }
}

/// The documented row for a password change in `system` and what is held there.
pub fn row(system: SourceKind, held: Held) -> Option<&'static Row> {
    ROWS.iter().find(|r| r.system == system && r.held == held)
}

/// The answer for a password change of the holder's own account in `system`.
pub fn own(system: SourceKind, held: Held) -> Revocation {
    row(system, held).map_or(Unknown, |r| r.answer)
}

/// What the model says of one reset and one credential, and the sentence messages use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub answer: Revocation,
    /// "A password change in Entra ID does not revoke an AWS access key."
    pub sentence: String,
}

/// Whether the account `a` is the credential's owner account (same system, same login).
fn owns(ctx: &Context<'_>, account: usize, c: &Credential) -> bool {
    let a = &ctx.inventory.accounts[account];
    c.owner.as_ref().is_some_and(|o| {
        o.system.as_deref() == Some(a.system.as_str())
            && (o.login == a.login || ctx.inventory.account(&a.system, &o.login) == Some(account))
    })
}

/// `label` with its indefinite article ("an AWS access key", "a Google app password").
fn with_article(label: &str) -> String {
    let vowel = label
        .chars()
        .next()
        .is_some_and(|ch| "AEIOUaeiou".contains(ch));
    // Initialisms read letter by letter: "an SSH key", "an HMAC", "a URL" are not all caught;
    // the labels resetgap writes start with a vendor name or a plain word.
    let article = if vowel || label.starts_with("SSH") {
        "an"
    } else {
        "a"
    };
    format!("{article} {label}")
}

/// The verdict for `reset` (the identity's last reset) and credential `c`.
pub fn verdict(ctx: &Context<'_>, reset: &Reset, c: &Credential) -> Verdict {
    let system = ctx.inventory.accounts[reset.account].source;
    let name = system_name(system);
    let what = with_article(&c.label);
    let answer = if owns(ctx, reset.account, c) {
        own(system, held(c))
    } else {
        // Another system's (or another account's) password: it never reaches this credential.
        DoesNotRevoke
    };
    let sentence = match answer {
        Revokes => format!("A password change in {name} revokes {what}."),
        DoesNotRevoke => format!("A password change in {name} does not revoke {what}."),
        Unknown => format!(
            "Whether a password change in {name} revokes {what} is not documented, so it may survive."
        ),
    };
    Verdict { answer, sentence }
}

/// The sentence for sessions of account `a` after its own password change (RG105).
pub fn sessions_sentence(a: &Account) -> String {
    let name = system_name(a.source);
    match row(a.source, Sessions) {
        Some(r) if r.answer == DoesNotRevoke => {
            format!(
                "A password change in {name} does not revoke them all: {}.",
                r.fact
            )
        }
        Some(r) if r.answer == Revokes => {
            format!("A password change in {name} revokes them, yet they are still valid.")
        }
        _ => format!("Whether a password change in {name} revokes them is not documented."),
    }
}

/// When a password change of the credential's own account, in a system whose change revokes
/// it, happened after the credential was issued (or the credential is undated): the credential
/// was revoked then, so it survives nothing. `None` when no such change is recorded.
pub fn revoked_by_own_reset(ctx: &Context<'_>, c: &Credential) -> Option<Timestamp> {
    let owner = c.owner.as_ref()?;
    let system = owner.system.as_deref()?;
    // Its account on that system, else the account on that system of the identity its login
    // links to (as `Correlation::owner_accounts` falls back).
    let slot = ctx.owner_slot(c, owner);
    let account = slot.account().or_else(|| {
        ctx.correlation.identities[slot.identity()?]
            .accounts
            .iter()
            .copied()
            .find(|&i| ctx.inventory.accounts[i].system == system)
    })?;
    let a = &ctx.inventory.accounts[account];
    if own(a.source, held(c)) != Revokes || a.password_is_initial() {
        return None;
    }
    let changed = a.password_last_set.known()?;
    let reset = Reset {
        at: changed,
        account,
        day_granular: a.password_precision == crate::inventory::TimePrecision::Day,
    };
    match c.issued.known() {
        Some(issued) if !super::checks::predates(ctx, issued, &reset) => None,
        _ => Some(changed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_cited_once_per_key() {
        for (i, r) in ROWS.iter().enumerate() {
            assert!(r.source.starts_with("https://"), "{}", r.what);
            assert!(
                !ROWS[..i]
                    .iter()
                    .any(|o| o.system == r.system && o.held == r.held),
                "{:?} {:?} twice",
                r.system,
                r.held
            );
        }
    }

    #[test]
    fn google_revokes_app_passwords_and_mail_grants_only() {
        assert_eq!(
            own(SourceKind::GoogleWorkspace, C(CredentialKind::AppPassword)),
            Revokes
        );
        assert_eq!(own(SourceKind::GoogleWorkspace, MailGrant), Revokes);
        assert_eq!(
            own(SourceKind::GoogleWorkspace, C(CredentialKind::OAuthGrant)),
            DoesNotRevoke
        );
        assert_eq!(
            own(SourceKind::AwsIam, C(CredentialKind::AccessKey)),
            DoesNotRevoke
        );
        // Nothing documented: unknown, never a silent "revokes".
        assert_eq!(
            own(SourceKind::Vault, C(CredentialKind::AccessKey)),
            Unknown
        );
    }

    #[test]
    fn articles() {
        assert_eq!(with_article("AWS access key"), "an AWS access key");
        assert_eq!(with_article("Google app password"), "a Google app password");
        assert_eq!(
            with_article("Entra client secret"),
            "an Entra client secret"
        );
    }

    /// The README's "What a reset revokes" lists every row with its citation.
    #[test]
    fn the_readme_table_is_this_table() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README.md");
        let start = readme
            .find("### What a reset revokes")
            .expect("README has the subsection");
        let section = &readme[start..];
        let section = &section[..section[4..].find("\n#").map_or(section.len(), |e| e + 4)];
        for r in ROWS {
            let line = readme_line(r);
            assert!(section.contains(&line), "README lacks:\n{line}");
        }
        assert_eq!(
            section
                .lines()
                .filter(|l| l.starts_with("| ") && l.contains("]("))
                .count(),
            ROWS.len(),
            "README rows that are not in ROWS"
        );
    }

    /// One README table line for a row.
    pub(super) fn readme_line(r: &Row) -> String {
        let answer = match r.answer {
            Revokes => "revokes",
            DoesNotRevoke => "does not revoke",
            Unknown => "unknown",
        };
        format!(
            "| {} | {} | {} | {} ([source]({})) |",
            system_name(r.system),
            r.what,
            answer,
            r.fact,
            r.source
        )
    }

    /// Prints the README table (`cargo test --lib readme_table -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn readme_table() {
        #[allow(clippy::print_stdout)]
        for r in ROWS {
            println!("{}", readme_line(r));
        }
    }
}
