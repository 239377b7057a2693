//! The inventory records: plain serde data that every source adapter produces and every rule
//! reads. Accounts, credentials, hosts, group memberships, sudo grants and configuration settings,
//! each with the `Evidence` (file and line) that proves it.
//!
//! Records never hold a secret value: a credential carries a stable, non-secret id (an AWS access
//! key id, an SSH key's SHA256 fingerprint, or a truncated hash of a found secret).
//!
//! Nothing here parses input or decides findings; sources fill these, rules read them.

use super::ledger::{Event, ResetRight, Ticket};
use super::when::When;
use serde::{Deserialize, Serialize};

/// Where a fact comes from: a file relative to the scan root (forward slashes) and a 1-based line
/// (a CSV row's line, a JSON item's first line). `line` is `None` when the whole file is the proof.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

impl Evidence {
    pub fn new(path: impl Into<String>, line: Option<u32>) -> Self {
        Evidence {
            path: path.into(),
            line,
        }
    }

    pub fn at(path: &str, line: u32) -> Self {
        Evidence::new(path, Some(line))
    }
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}", self.path, l),
            None => f.write_str(&self.path),
        }
    }
}

/// The family of system an account or credential lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    LinuxHost,
    AwsIam,
    ConfigFile,
    /// Active Directory (LDIF export or live LDAP).
    ActiveDirectory,
    /// OpenLDAP or another RFC 4512 directory (LDIF export or live LDAP).
    OpenLdap,
    /// Microsoft Entra ID (Graph exports).
    EntraId,
    /// Google Workspace (Admin SDK and Reports API exports).
    GoogleWorkspace,
    /// GitHub organisation exports.
    GitHub,
    /// Okta (users, API tokens, factors).
    Okta,
    /// HashiCorp Vault (token lookups, accessors, AppRole, KV metadata).
    Vault,
    /// Kubernetes (Secrets, ServiceAccounts, kubeconfig).
    Kubernetes,
    /// Local credential files (`~/.aws/credentials`, docker `config.json`, `.git-credentials`,
    /// `.netrc`, `.pgpass`, `.npmrc`).
    CredentialFile,
    /// A network device's configuration (Cisco IOS/IOS-XE running-config, Junos `set` format).
    NetworkDevice,
    /// A Windows host's own exports (local users and groups, registry, audit policy).
    WindowsHost,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::LinuxHost => "linux",
            SourceKind::AwsIam => "aws",
            SourceKind::ConfigFile => "config",
            SourceKind::ActiveDirectory => "ad",
            SourceKind::OpenLdap => "ldap",
            SourceKind::EntraId => "entra",
            SourceKind::GoogleWorkspace => "google",
            SourceKind::GitHub => "github",
            SourceKind::Okta => "okta",
            SourceKind::Vault => "vault",
            SourceKind::Kubernetes => "kubernetes",
            SourceKind::CredentialFile => "credential-file",
            SourceKind::NetworkDevice => "netdev",
            SourceKind::WindowsHost => "windows",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountKind {
    Human,
    Service,
    Root,
    Unknown,
}

/// What state the account's password is in, as far as the export shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordState {
    /// A usable password is set.
    Set,
    /// Locked (`!` prefix in shadow): password logins refused, other tokens still work.
    Locked,
    /// No valid password (`*`, `!!`, `!*`, AWS `password_enabled=false`).
    NoPassword,
    /// An empty password field: logs in with no password at all.
    Empty,
    /// A reset was forced and the change is still pending (shadow lastchg `0`).
    PendingChange,
    Unknown,
}

/// Where an account is valid: the facts correlation needs instead of the source family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountScope {
    /// Exists on one machine only (a Linux host's `/etc/passwd`, a Windows SAM): the same login
    /// on two machines is two accounts, and a local service account is never linked to another.
    Local,
    /// An account of a directory or a service that many machines and services accept (AD,
    /// LDAP, a cloud or SaaS tenant). The default of `Account::new`.
    Domain,
}

/// How precise a recorded time is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimePrecision {
    /// A calendar day (shadow `lastchg`): the time is the start of that UTC day, and anything
    /// during that day may have happened after it.
    Day,
    /// To the second or better. The default of `Account::new`.
    Second,
}

/// An account on one system (a Linux host, an AWS account, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub source: SourceKind,
    /// The system the login is unique in: a host name, `aws`, ...
    pub system: String,
    /// The login as the primary evidence spells it.
    pub login: String,
    /// Local to one machine or valid across a domain; set by the adapter.
    pub scope: AccountScope,
    /// Other names of the same account in the same system (e.g. an ARN).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The account's mail addresses as its system records them (AD and LDAP `mail`, AD
    /// `proxyAddresses` SMTP entries without their prefix, Entra `mail` and `proxyAddresses`, Okta
    /// `profile.email`): what tells a mail address from a user principal name among the names
    /// correlation and RG608 compare.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mail: Vec<String>,
    pub kind: AccountKind,
    /// `Some(false)` when the export shows the account cannot log in at all (expired, disabled).
    pub enabled: Option<bool>,
    pub password: PasswordState,
    /// When the password was last set (the account's "last reset").
    pub password_last_set: When,
    /// The precision of `password_last_set` as the source records it; set by the adapter.
    pub password_precision: TimePrecision,
    /// The line that proves `password_last_set` (shadow line, credential report row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_evidence: Option<Evidence>,
    /// When the account expires (`Never` when it does not).
    pub expires: When,
    /// Numeric user id on Unix hosts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// Primary group id on Unix hosts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// Home directory as the host's passwd gives it (absolute within the host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    pub created: When,
    /// The line that declares the account.
    pub evidence: Evidence,
    /// Sessions and refresh tokens issued before this time are invalid (Entra
    /// `signInSessionsValidFromDateTime`/`refreshTokensValidFromDateTime`, Okta/Google where the
    /// export shows it). `Unknown` when the export does not tell.
    #[serde(default, skip_serializing_if = "is_unknown")]
    pub sessions_valid_from: When,
    /// The evidence of `sessions_valid_from`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions_evidence: Option<Evidence>,
    /// The account's password is synchronised from a directory (Entra `onPremisesSyncEnabled`,
    /// Google/Okta fed from AD): the on-premises login it comes from, when known, else "".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synced_from: Option<String>,
    /// Directory facts, for accounts read from AD or LDAP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory: Option<Box<DirectoryAccount>>,
    /// The account's security identifier in `S-1-5-21-…-RID` form (AD `objectSid`, decoded from
    /// its binary value), so an event that names the account by SID (Windows `TargetSid`) finds
    /// it after a rename.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Entra legacy per-user MFA state (`perUserMfaState`), when an export shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_user_mfa: Option<PerUserMfa>,
    /// Joins accounts whose password hash is the same (a root password copied across hosts):
    /// a salted in-memory matcher of the hash (`source::linux::shadow`), never the hash.
    #[serde(skip)]
    pub password_match: Option<SecretMatch>,
}

/// What a directory entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DirectoryObject {
    User,
    Computer,
    DomainController,
    /// `krbtgt` (RID 502) and RODC `krbtgt_NNNNN` accounts.
    Krbtgt,
    /// Trust accounts (UAC INTERDOMAIN_TRUST).
    Trust,
    Other,
}

/// LAPS state of a computer account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "expires")]
pub enum Laps {
    /// Not a computer, or a domain controller (LAPS does not apply).
    NotApplicable,
    /// Neither `ms-Mcs-AdmPwdExpirationTime` nor `msLAPS-PasswordExpirationTime`.
    Missing,
    /// The managed password's expiration time.
    Expires(When),
}

/// Facts of a directory account that only directory rules read. Times are decoded (FILETIME,
/// GeneralizedTime, DSTIME of `replPropertyMetaData`); sentinels are `When::Never`/`Unknown`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DirectoryAccount {
    pub dn: String,
    pub object: DirectoryObject,
    /// `userAccountControl` (AD), as stored; rules read `flags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uac: Option<u32>,
    /// The account-control flags rules read, decoded by the adapter (AD `userAccountControl`).
    /// All false when the directory does not record them.
    #[serde(default, skip_serializing_if = "DirectoryFlags::is_empty")]
    pub flags: DirectoryFlags,
    /// `pwdLastSet` as stored (AD), or `pwdChangedTime` (OpenLDAP).
    pub pwd_last_set: When,
    /// A reset is pending: `pwdLastSet = 0` (AD) or `pwdReset: TRUE` (OpenLDAP).
    pub must_change: bool,
    /// When the password itself last changed: `replPropertyMetaData` of `unicodePwd` (AD).
    pub password_changed: When,
    /// When `pwdLastSet` was last written: `replPropertyMetaData` of `pwdLastSet` (AD).
    pub pwd_last_set_written: When,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spns: Vec<String>,
    pub admin_count: bool,
    /// Privileged groups the account is in, transitively or by `primaryGroupID`, named as the
    /// directory names them; privilege is decided by RID, never by localised name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub privileged_groups: Vec<String>,
    pub last_logon: When,
    pub laps: Laps,
    /// Attributes that hold a readable password copy (`userPassword`, `unixUserPassword`,
    /// `msSFU30Password`, `os400Password`, `unicodePwd` when returned).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readable_password_attributes: Vec<String>,
    /// Locked (`pwdAccountLockedTime`, AD `lockoutTime`): password binds refused, other
    /// credentials still work.
    pub locked: bool,
}

/// Account-control flags of a directory account, decoded from the directory's own encoding
/// (AD `userAccountControl` bits, in `source::directory::ad`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DirectoryFlags {
    /// The account is disabled (AD ACCOUNTDISABLE).
    pub disabled: bool,
    /// The account may have an empty password whatever the policy says (AD PASSWD_NOTREQD).
    pub password_not_required: bool,
    /// The password never expires (AD DONT_EXPIRE_PASSWORD).
    pub password_never_expires: bool,
    /// The password is stored with reversible encryption (AD ENCRYPTED_TEXT_PWD_ALLOWED).
    pub reversible_encryption: bool,
    /// Kerberos pre-authentication is not required: AS-REP roastable (AD DONT_REQ_PREAUTH).
    pub preauth_not_required: bool,
}

impl DirectoryFlags {
    pub fn is_empty(&self) -> bool {
        *self == DirectoryFlags::default()
    }
}

/// A password set this close to the account's creation is its initial password, not a reset
/// (AWS fills `password_last_changed` at creation; directories write `pwdLastSet` then too).
pub const INITIAL_PASSWORD_WINDOW_SECS: i64 = 60;

impl Account {
    /// Whether `password_last_set` is the password set at creation rather than a reset.
    pub fn password_is_initial(&self) -> bool {
        match (self.password_last_set.known(), self.created.known()) {
            (Some(set), Some(created)) => {
                set.as_second() - created.as_second() <= INITIAL_PASSWORD_WINDOW_SECS
            }
            _ => false,
        }
    }

    pub fn new(source: SourceKind, system: &str, login: &str, evidence: Evidence) -> Self {
        Account {
            source,
            system: system.to_string(),
            login: login.to_string(),
            scope: AccountScope::Domain,
            aliases: Vec::new(),
            mail: Vec::new(),
            kind: AccountKind::Unknown,
            enabled: None,
            password: PasswordState::Unknown,
            password_last_set: When::Unknown,
            password_precision: TimePrecision::Second,
            password_evidence: None,
            expires: When::Unknown,
            uid: None,
            gid: None,
            home: None,
            created: When::Unknown,
            evidence,
            sessions_valid_from: When::Unknown,
            sessions_evidence: None,
            synced_from: None,
            directory: None,
            sid: None,
            per_user_mfa: None,
            password_match: None,
        }
    }
}

/// Entra legacy per-user MFA states (Graph beta `strongAuthenticationRequirements`
/// `perUserMfaState`; MSOnline `StrongAuthenticationRequirements.State`, none = disabled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PerUserMfaState {
    /// Not enrolled in per-user MFA (Conditional Access may still require MFA).
    Disabled,
    /// Enrolled, but legacy authentication still works with the password alone.
    Enabled,
    /// Enrolled and required (legacy clients need an app password).
    Enforced,
}

impl PerUserMfaState {
    pub fn as_str(self) -> &'static str {
        match self {
            PerUserMfaState::Disabled => "disabled",
            PerUserMfaState::Enabled => "enabled",
            PerUserMfaState::Enforced => "enforced",
        }
    }
}

/// An account's per-user MFA state with the line of the export that shows it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PerUserMfa {
    pub state: PerUserMfaState,
    pub evidence: Evidence,
}

/// A reference from a credential or membership to its owner account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OwnerRef {
    /// The owner's system when the evidence tells it; `None` when only a login is known (a user
    /// name captured next to a password in a config file).
    pub system: Option<String>,
    pub login: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// AWS access key (long-term bearer credential).
    AccessKey,
    /// X.509 signing certificate of an IAM user.
    SigningCertificate,
    /// An SSH public key authorised for login (host `authorized_keys`, IAM SSH keys).
    SshKey,
    /// An app or service-specific password (AWS service-specific credentials).
    AppPassword,
    /// A secret found in clear text in a file.
    PlaintextSecret,
    /// An AD `msDS-KeyCredentialLink` key (Windows Hello, FIDO, shadow credentials).
    KeyCredential,
    /// An AD `altSecurityIdentities` mapping (certificate or Kerberos principal).
    IdentityMapping,
    /// A secondary password hash kept beside the main one (`sambaNTPassword`, `krbPrincipalKey`).
    SecondaryHash,
    /// A personal access token (GitHub classic or fine-grained PAT, SSO-authorised token).
    PersonalAccessToken,
    /// An API token of a SaaS admin or user (Okta API token, npm token).
    ApiToken,
    /// An OAuth grant or app token a user authorised (Google `tokens.list`).
    OAuthGrant,
    /// A client secret of an application or service principal (Entra `passwordCredentials`).
    ClientSecret,
    /// A certificate credential of an application or service principal (Entra `keyCredentials`).
    ClientCertificate,
    /// A HashiCorp Vault token or AppRole secret id.
    VaultToken,
    /// A Kubernetes service-account token (legacy Secret or a kubeconfig static token).
    ServiceAccountToken,
    /// A client certificate or static credential in a kubeconfig or deploy key.
    DeployKey,
    /// An authentication or recovery method (MFA factor, recovery email or phone).
    RecoveryMethod,
}

impl CredentialKind {
    pub fn describe(self) -> &'static str {
        match self {
            CredentialKind::AccessKey => "access key",
            CredentialKind::SigningCertificate => "signing certificate",
            CredentialKind::SshKey => "SSH key",
            CredentialKind::AppPassword => "service-specific credential",
            CredentialKind::PlaintextSecret => "plaintext secret",
            CredentialKind::KeyCredential => "key credential",
            CredentialKind::IdentityMapping => "identity mapping",
            CredentialKind::SecondaryHash => "secondary password hash",
            CredentialKind::PersonalAccessToken => "personal access token",
            CredentialKind::ApiToken => "API token",
            CredentialKind::OAuthGrant => "OAuth grant",
            CredentialKind::ClientSecret => "client secret",
            CredentialKind::ClientCertificate => "client certificate",
            CredentialKind::VaultToken => "Vault token",
            CredentialKind::ServiceAccountToken => "service-account token",
            CredentialKind::DeployKey => "deploy key",
            CredentialKind::RecoveryMethod => "recovery method",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialStatus {
    Active,
    Inactive,
    Revoked,
    Expired,
    Unknown,
}

/// How `Credential::issued` was learnt, so a finding can say how much to trust it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssuedBasis {
    /// The export records the creation time (IAM `CreateDate`).
    Recorded,
    /// A collection manifest recorded the file's modification time.
    Manifest,
    /// The collected file's own modification time (an upper bound for each line).
    FileModified,
    /// The time a shell history recorded the command that holds it (zsh extended history,
    /// bash `HISTTIMEFORMAT`): when the secret was typed.
    Logged,
    Unknown,
}

/// Equal for two finds of the same clear-text secret within one scan, and meaningless outside
/// it (a salted digest whose salt is never written: `source::secret_id`), except under a
/// `--secret-id-key`, whose key derives the salt so shards scanned with the same key join.
/// Never in reports or the merged inventory; a shard file (`crate::shard`) carries it so
/// `correlate` joins as one scan would. `Debug` prints no part of it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretMatch([u8; 16]);

impl SecretMatch {
    pub(crate) fn new(digest: [u8; 16]) -> Self {
        SecretMatch(digest)
    }

    /// The digest as 32 hex digits, for shard files only (`crate::shard`): a keyed HMAC (with
    /// `--secret-id-key`) or one under a salt that was never written, so it verifies no guess.
    pub(crate) fn to_hex(self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads `to_hex`'s form back.
    pub(crate) fn from_hex(text: &str) -> Option<Self> {
        if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut d = [0u8; 16];
        for (i, byte) in d.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(SecretMatch(d))
    }
}

impl std::fmt::Debug for SecretMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretMatch(..)")
    }
}

/// A credential that authenticates without the account password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    pub kind: CredentialKind,
    /// Stable, non-secret id: `AKIA…`, `SHA256:…` fingerprint, `ACCA…`; for a secret found in
    /// clear text `loc:<16 hex>` or `hmac:<16 hex>` (`source::secret_id`). Joins the same
    /// credential across exports; reports show `shown_id()`.
    pub id: String,
    /// What reports show instead of `id`, when the id is a join key not fit to show (a GitHub
    /// token's last eight characters: reports show four). Set by the adapter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// The id is a placeholder for a credential the export does not identify (a slot
    /// `aws:<user>:access_key_1` of the AWS credential report): reports name it by its label.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub placeholder: bool,
    /// The id of the credential this one is the other half of, as its producer paired them (the
    /// access key id written beside an AWS secret access key): that one's owner owns this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paired_with: Option<String>,
    /// What it is, for messages: "ssh-ed25519 key", "AWS access key id", "GitHub token".
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerRef>,
    pub issued: When,
    pub issued_basis: IssuedBasis,
    pub expires: When,
    pub last_used: When,
    pub status: CredentialStatus,
    /// The line that holds or lists the credential.
    pub evidence: Evidence,
    /// Further evidence (e.g. the credential report row that shows last use).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Evidence>,
    /// People answerable for the credential when it is not theirs alone: the owners of the
    /// application or service principal a client secret belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responsible: Vec<OwnerRef>,
    /// Detector or source-specific detail (extractor id, service name, key options).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// An OAuth grant that includes a mail scope (Gmail): Google revokes those, and only those,
    /// when the user's Google password changes (`rule::revocation`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mail_scope: bool,
    /// What a secret found in clear text says about itself, read offline
    /// (`source::secrets::liveness`): an AWS key id's account, a JWT's subject and times, a
    /// GitHub token's type, the validity of the certificate beside a key. Never the secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
    /// For a secret held in clear text: joins the finds of the same secret within this scan.
    #[serde(skip)]
    pub same_secret: Option<SecretMatch>,
}

/// Prefixes of the ids of secrets found in clear text (`source::secret_id`): `loc:` (named by
/// place) and `hmac:` (named with the user's key). Such an id names the secret and nothing more.
pub const SECRET_ID_PREFIXES: [&str; 2] = ["loc:", "hmac:"];

impl Credential {
    /// Whether the id is only a name for a secret found in clear text (see
    /// `SECRET_ID_PREFIXES`): messages need not repeat it.
    pub fn has_secret_id(&self) -> bool {
        SECRET_ID_PREFIXES.iter().any(|p| self.id.starts_with(p))
    }

    /// The id as reports show it: `display_id` when the adapter set one, else `id`.
    pub fn shown_id(&self) -> &str {
        self.display_id.as_deref().unwrap_or(&self.id)
    }

    pub fn new(kind: CredentialKind, id: &str, label: &str, evidence: Evidence) -> Self {
        Credential {
            kind,
            id: id.to_string(),
            display_id: None,
            placeholder: false,
            paired_with: None,
            label: label.to_string(),
            owner: None,
            issued: When::Unknown,
            issued_basis: IssuedBasis::Unknown,
            expires: When::Unknown,
            last_used: When::Unknown,
            status: CredentialStatus::Unknown,
            evidence,
            related: Vec::new(),
            responsible: Vec::new(),
            detail: None,
            mail_scope: false,
            facts: Vec::new(),
            same_secret: None,
        }
    }
}

/// A collected host (a directory that looks like a host root).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub name: String,
    /// The host root relative to the scan root ("" when the scan root is the host).
    pub root: String,
    /// When the collection was taken, if a manifest says so.
    pub collected_at: When,
    pub evidence: Evidence,
}

/// `member` belongs to `group` on `system`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Membership {
    pub system: String,
    pub group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    pub member: String,
    /// True when membership comes from the account's primary GID in passwd.
    pub primary: bool,
    /// The privilege the membership grants on `system`, decided by the adapter (Linux group
    /// names, AD group RIDs); `None` for an ordinary group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants: Option<Privilege>,
    pub evidence: Evidence,
}

/// What a group membership makes its member on the group's system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Privilege {
    /// An administrator (Linux `sudo`/`wheel`/`admin`, AD groups privileged by RID).
    Admin,
    /// Root without being an administrator by name (Linux `docker`, `lxd`, `disk`).
    RootEquivalent,
}

/// Who a sudoers rule applies to, after alias expansion.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "name")]
pub enum Principal {
    User(String),
    Uid(u32),
    Group(String),
    Gid(u32),
    Netgroup(String),
    /// `ALL` users.
    All,
}

/// sudo's resolved decision for one user (or pseudo-principal) on one host: whether the user may
/// get a root shell through sudo there, after sudo's own evaluation (last match wins, host lists
/// against the host's names and addresses, Runas, `runas_default`, command negation). Written
/// for every user whose verdict differs from the one `Principal::All` (any other user) gets, and
/// for `Principal::All` when it is root or conditional: a user without a record of their own
/// has `All`'s verdict.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SudoGrant {
    pub system: String,
    /// `User` for a resolved account (by login); `All` for any user no line names otherwise;
    /// `Netgroup` for the members of a user netgroup (not resolvable offline).
    pub principal: Principal,
    /// sudo lets the user run a root shell (ALL, a shell, `su`, `su -`, a whole directory, …) as
    /// root on this host, with every unresolvable condition taken as not holding.
    pub root_equivalent: bool,
    /// That root shell needs no password (`NOPASSWD:` or `Defaults !authenticate`).
    pub nopasswd: bool,
    /// The Host_List of the deciding specification, as written.
    pub hosts: String,
    /// The deciding user specification (for a conditional grant: the one that would grant).
    pub evidence: Evidence,
    /// What the collected files cannot tell and the verdict depends on (a host netgroup, an
    /// address when none was collected); empty when the verdict is definite.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

/// Where a setting applies.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "condition")]
pub enum Scope {
    Global,
    /// Only for connections or users matching this condition (`Match User backup`,
    /// `Defaults:OPS`).
    Conditional(String),
}

/// An effective configuration setting of interest, as its product's merge rules resolve it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Setting {
    pub system: String,
    /// The product: `sshd`, `sudoers`.
    pub component: String,
    /// Lower-case key: `loglevel`, `syslog`.
    pub key: String,
    /// Normalised value (upper-case for sshd enums; `false` for a negated sudoers flag).
    pub value: String,
    pub scope: Scope,
    /// `None` for a default that applies because nothing set it.
    pub evidence: Option<Evidence>,
}

/// What kind of trust file or setting lets someone in without the account's password.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustKind {
    /// `~/.rhosts` (rsh/rlogin, and sshd host-based login with `IgnoreRhosts no`).
    Rhosts,
    /// `~/.shosts` (sshd host-based login with `IgnoreRhosts no` or `shosts-only`).
    Shosts,
    /// `/etc/hosts.equiv` (rsh/rlogin and sshd host-based login, never for root).
    HostsEquiv,
    /// `/etc/ssh/shosts.equiv` (sshd host-based login, never for root).
    ShostsEquiv,
    /// `~/.k5login`: a Kerberos principal allowed to log in as the account.
    K5login,
    /// A principal in the account's sshd `AuthorizedPrincipalsFile`: certificates of the
    /// `TrustedUserCAKeys` CA naming it log in as the account.
    Principal,
    /// sshd `TrustedUserCAKeys` with no usable `RevokedKeys`: the entry is the CA keys file.
    UnrevokedCa,
}

impl TrustKind {
    /// The file or setting as messages name it.
    pub fn describe(self) -> &'static str {
        match self {
            TrustKind::Rhosts => ".rhosts",
            TrustKind::Shosts => ".shosts",
            TrustKind::HostsEquiv => "/etc/hosts.equiv",
            TrustKind::ShostsEquiv => "/etc/ssh/shosts.equiv",
            TrustKind::K5login => ".k5login",
            TrustKind::Principal => "AuthorizedPrincipalsFile",
            TrustKind::UnrevokedCa => "TrustedUserCAKeys",
        }
    }
}

/// Whether the program that would read a trust entry honours it on this host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Honoured {
    /// The collected configuration makes a program use it (sshd `HostbasedAuthentication yes`).
    Yes,
    /// Only a program the scan does not read could use it (rsh/rlogin from inetd), or it
    /// depends on a `Match` criterion the scan cannot decide.
    Unknown,
    /// Every program that reads it ignores this entry or file on this host.
    No,
}

/// One entry of a trust file (or a trust setting) that opens an account without its password:
/// a reset of the account's password does not touch it. Adapters record the entry as written
/// (host and user names, principals and paths are not secrets) and who honours it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TrustEntry {
    pub system: String,
    pub kind: TrustKind,
    /// The account it opens; `None` for a host-wide file (hosts.equiv: every non-root account
    /// of the same name, or any account when the line names a user) or setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The entry as written, whitespace folded (`+ +`, `bob@CORP.EXAMPLE`, a principal, the CA
    /// keys file).
    pub entry: String,
    /// The entry trusts any host or any user (`+`, `+ +`, a bare `+` user), or a whole netgroup.
    pub wildcard: bool,
    pub honoured: Honoured,
    /// Why it is (or may be) honoured, for messages: "sshd HostbasedAuthentication yes with
    /// IgnoreRhosts no", "rsh/rlogin, if enabled (inetd/xinetd are not assessed here)".
    pub why: String,
    /// The settings that make it honoured (sshd lines), for related locations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub honoured_by: Vec<Evidence>,
    pub evidence: Evidence,
}

/// Everything a source adapter can emit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "kebab-case")]
pub enum Record {
    Account(Account),
    Credential(Credential),
    Host(Host),
    Membership(Membership),
    SudoGrant(SudoGrant),
    Setting(Setting),
    Trust(TrustEntry),
    Event(Event),
    Ticket(Ticket),
    ResetRight(ResetRight),
}

fn is_unknown(w: &When) -> bool {
    *w == When::Unknown
}
