//! The reset ledger's records (issue 12): what happened to accounts, read from audit logs
//! (`Event`: resets, changes, session revocations, sign-ins, key changes), the help-desk tickets
//! that should justify resets (`Ticket`), and who holds the right to reset or take over whom
//! (`ResetRight`). Plain serde data like the rest of `model`: sources fill these, rules read
//! them, nothing here decides a finding.
//!
//! Accounts are named as the log or export names them (`target`, `actor`, `holder`); the
//! `system` is the system of the account acted on, spelt as that system's account source spells
//! it (the AD domain's DNS name, `aws`, the Okta org, …), so `Inventory::account(system, login)`
//! finds it when the account was also exported.

use super::model::{Evidence, SourceKind};
use super::when::When;
use serde::{Deserialize, Serialize};

/// What an audit-log event records about an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// Someone else set the account's password (Windows 4724, Entra "Reset password (by
    /// admin)", Okta `user.account.reset_password`, CloudTrail `UpdateLoginProfile`, a Google
    /// admin's password change).
    PasswordReset,
    /// The user reset their own forgotten password through self-service (Entra SSPR "Reset
    /// user password").
    SelfServiceReset,
    /// The user changed their own password, knowing the old one (4723, Entra "Change user
    /// password", Okta `user.account.update_password`, CloudTrail `ChangePassword`, Google
    /// `password_change`).
    PasswordChange,
    /// Sessions and refresh tokens were revoked (Entra "Revoke sign-in sessions", Okta
    /// `user.session.clear`).
    SessionsRevoked,
    /// Every MFA factor was reset (Okta `user.mfa.factor.reset_all`).
    FactorsReset,
    /// An authentication or recovery method was added, changed or removed (Entra security-info
    /// registration, Google 2SV enrolment, recovery email or phone edits).
    MethodChanged,
    /// A sign-in (Entra `signIns`, Okta `user.session.start`).
    SignIn,
    /// A key, token or other credential was created (CloudTrail `CreateAccessKey`, a Vault
    /// token).
    CredentialCreated,
    /// A credential was deleted or revoked (CloudTrail `DeleteAccessKey`, Vault revoke).
    CredentialDeleted,
    /// A credential's state changed (CloudTrail `UpdateAccessKey` to Inactive or Active).
    CredentialUpdated,
    /// A credential (key, token) was used (CloudTrail calls signed with an access key, Vault
    /// requests with a token).
    CredentialUsed,
    /// The account was changed (Windows 4738).
    AccountChanged,
    /// The account was locked out (Windows 4740).
    AccountLocked,
    /// The account was unlocked (Windows 4767).
    AccountUnlocked,
}

impl EventKind {
    /// Whether the event sets a new password for the account: the resets and changes a reset
    /// ledger is made of.
    pub fn sets_password(self) -> bool {
        matches!(
            self,
            EventKind::PasswordReset | EventKind::SelfServiceReset | EventKind::PasswordChange
        )
    }

    pub fn describe(self) -> &'static str {
        match self {
            EventKind::PasswordReset => "password reset",
            EventKind::SelfServiceReset => "self-service password reset",
            EventKind::PasswordChange => "password change",
            EventKind::SessionsRevoked => "sessions revoked",
            EventKind::FactorsReset => "MFA factors reset",
            EventKind::MethodChanged => "authentication method changed",
            EventKind::SignIn => "sign-in",
            EventKind::CredentialCreated => "credential created",
            EventKind::CredentialDeleted => "credential deleted",
            EventKind::CredentialUpdated => "credential updated",
            EventKind::CredentialUsed => "credential used",
            EventKind::AccountChanged => "account changed",
            EventKind::AccountLocked => "account locked out",
            EventKind::AccountUnlocked => "account unlocked",
        }
    }
}

/// Whether the action the event records succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Success,
    Failure,
    Unknown,
}

/// One audit-log event about an account. Ordered by time (unknown times last), then system,
/// target, kind and evidence.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Event {
    /// When it happened (UTC).
    pub at: When,
    /// The system of the account acted on (see the module header).
    pub system: String,
    pub source: SourceKind,
    pub kind: EventKind,
    /// The account acted on, as the log names it (sAMAccountName, UPN, Okta login, IAM user).
    pub target: String,
    /// The account acted on by security identifier, when the log gives one (Windows
    /// `TargetSid`, `S-1-5-21-…-RID`): the ledger finds the account by it first
    /// (`rule::checks::ledger::AccountIndex::find_event`), so a renamed account is still found
    /// and an account of another domain with the same name is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_sid: Option<String>,
    /// Who performed it, as the log names it; `None` when the log does not say. Equal to
    /// `target` for the user's own change or sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    pub outcome: Outcome,
    /// The vendor's own name of the event: `4724`, `Reset password (by admin)`,
    /// `user.account.reset_password`, `UpdateLoginProfile`.
    pub action: String,
    /// The credential the event concerns, by the inventory's credential id (an AWS access key
    /// id, a Vault token accessor), when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// The client or protocol of a sign-in as the log names it (Entra `clientAppUsed`: `IMAP4`,
    /// `Exchange ActiveSync`, `Browser`), or other short detail (a new key state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Whether the log shows the actor authenticated strongly for this action (Entra
    /// `authenticationRequirement` multi-factor, CloudTrail `mfaAuthenticated`): `None` when the
    /// log does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strong_auth: Option<bool>,
    /// The log's own id of the event (Windows `EventRecordID`, Entra `id`, Okta `uuid`,
    /// CloudTrail `eventID`), so the same event exported twice is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    pub evidence: Evidence,
}

/// A help-desk ticket, read through the column map of the config file. Ordered by system and
/// id, then evidence.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ticket {
    /// The ticket system as the config names it (`servicenow`, `jira`).
    pub system: String,
    /// The ticket's id (`INC0012345`, `HD-123`).
    pub id: String,
    /// The account the ticket is about, as the ticket spells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The ticket's approval state as the export writes it (ServiceNow `approval`: `approved`,
    /// `rejected`, `requested`, `not requested`), when the export has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<String>,
    pub opened: When,
    pub closed: When,
    pub evidence: Evidence,
}

/// What a `ResetRight` lets its holder do to the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RightKind {
    /// AD extended right User-Force-Change-Password (00299570-246d-11d0-a768-00aa006e0529).
    ForceChangePassword,
    /// Write `msDS-KeyCredentialLink` (shadow credentials: take over without knowing or
    /// changing the password).
    WriteKeyCredentialLink,
    GenericAll,
    GenericWrite,
    WriteDacl,
    WriteOwner,
    /// The holder owns the object (its descriptor's owner: may rewrite its DACL).
    Owner,
    /// DS-Replication-Get-Changes(-All) on the domain: reads every password hash.
    DcSync,
    /// Reads the LAPS password of a computer.
    ReadLapsPassword,
    /// Reads a gMSA's managed password.
    ReadGmsaPassword,
    /// A directory or SaaS admin role that may reset passwords (Entra Helpdesk, Password, User,
    /// Authentication and Privileged Authentication Administrators; Okta admin roles).
    ResetRole,
}

impl RightKind {
    pub fn describe(self) -> &'static str {
        match self {
            RightKind::ForceChangePassword => "may reset the password (User-Force-Change-Password)",
            RightKind::WriteKeyCredentialLink => {
                "may add a key credential (msDS-KeyCredentialLink)"
            }
            RightKind::GenericAll => "has full control (GenericAll)",
            RightKind::GenericWrite => "may write any attribute (GenericWrite)",
            RightKind::WriteDacl => "may change the permissions (WriteDacl)",
            RightKind::WriteOwner => "may take ownership (WriteOwner)",
            RightKind::Owner => "owns the object",
            RightKind::DcSync => "may replicate every password hash (DCSync)",
            RightKind::ReadLapsPassword => "may read the LAPS password",
            RightKind::ReadGmsaPassword => "may read the gMSA password",
            RightKind::ResetRole => "holds an admin role that may reset passwords",
        }
    }
}

/// What a right reaches.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "name")]
pub enum RightTarget {
    /// One account, by login in `ResetRight::system`.
    Account(String),
    /// Every account within a container or scope: an OU's DN, an Entra administrative unit, the
    /// whole tenant or domain (`*`).
    Scope(String),
}

/// A principal's right to reset, or take over, other accounts.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResetRight {
    pub system: String,
    pub source: SourceKind,
    /// The principal holding the right, as the export names it (a login, a group's name, or a
    /// SID the export does not resolve).
    pub holder: String,
    /// The holder's security identifier when the export gives one (an AD SID, an Entra or Okta
    /// object id), so a rule can tell a well-known or Tier-0 principal from its id, not its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder_sid: Option<String>,
    /// The holder is a group: its members hold the right.
    pub holder_is_group: bool,
    pub target: RightTarget,
    /// The target account's security identifier when the export gives one (BloodHound
    /// `ObjectIdentifier`): RG606 finds the account by it before its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_sid: Option<String>,
    pub right: RightKind,
    /// The role's or the ACE's own name, for messages (`Helpdesk Administrator`, an ACE's
    /// object type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Inherited from a parent container (AD ACE flag INHERITED_ACE).
    pub inherited: bool,
    pub evidence: Evidence,
}

impl Ord for Event {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Borrowed: the sort of every event in a scan calls this millions of times.
        type Key<'a> = (
            (u8, Option<jiff::Timestamp>),
            &'a str,
            &'a str,
            EventKind,
            &'a str,
            Option<&'a str>,
            &'a Evidence,
        );
        fn key(e: &Event) -> Key<'_> {
            (
                e.at.sort_key(),
                e.system.as_str(),
                e.target.as_str(),
                e.kind,
                e.action.as_str(),
                e.event_id.as_deref(),
                &e.evidence,
            )
        }
        key(self)
            .cmp(&key(other))
            .then_with(|| format!("{self:?}").cmp(&format!("{other:?}")))
    }
}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ticket {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.system, &self.id, &self.evidence)
            .cmp(&(&other.system, &other.id, &other.evidence))
            .then_with(|| format!("{self:?}").cmp(&format!("{other:?}")))
    }
}

impl PartialOrd for Ticket {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
