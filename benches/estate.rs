//! A deterministic synthetic estate built in memory as inventory records (no files), for the
//! reduce-step benchmark (`benches/reduce.rs`): people with an AD account, its Entra and Okta
//! twins and a local account on a Linux host; hosts with a root account; credentials of every
//! common kind spread over them; and the reset ledger (resets, session revocations, sign-ins).
//!
//! Every person's accounts link into one identity by name (the AD UPN, the Entra and Okta logins),
//! so correlation does real work. The estate is mostly clean, as a managed one is: each person's
//! latest password change is the AD reset, which Entra and Okta follow within minutes, and the
//! local password is older; credentials are issued after it. A few percent of people or
//! credentials carry each kind of gap (`GAP`: a credential issued before the reset, sessions not
//! revoked, a store left behind by the sync, a locked local password with keys, a disabled
//! account with credentials, a reset with no revocation after it, a legacy sign-in after it), so
//! the rules find on the order of one finding per twenty to thirty credentials.

use resetgap::inventory::{
    Account, AccountKind, AccountScope, Credential, CredentialKind, CredentialStatus,
    DirectoryAccount, DirectoryFlags, DirectoryObject, Event, EventKind, Evidence, Host,
    IssuedBasis, Laps, Outcome, OwnerRef, PasswordState, Record, SourceKind, When,
};

const AD: &str = "corp.example.test";
const ENTRA: &str = "entra:example.org";
const OKTA: &str = "okta:example.okta.com";
/// Accounts on each Linux host (one of them root).
const PER_HOST: usize = 40;
/// 2026-08-21T00:00:00Z, the benchmark's as-of.
pub const AS_OF: i64 = 1_787_270_400;
const DAY: i64 = 86_400;
/// One in `GAP` people (or credentials) has each kind of gap: about 3 %.
const GAP: usize = 33;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A known time up to `days` days before the as-of.
    fn ago(&mut self, days: u64) -> When {
        let secs = AS_OF - self.below(days * DAY as u64) as i64;
        When::from_epoch_seconds(secs).unwrap_or(When::Unknown)
    }
}

fn at(secs: i64) -> When {
    When::from_epoch_seconds(secs).unwrap_or(When::Unknown)
}

/// What was generated.
pub struct Estate {
    pub records: Vec<Record>,
    pub accounts: usize,
    pub credentials: usize,
    pub events: usize,
    pub hosts: usize,
}

/// About `accounts` accounts and exactly `credentials` credentials, from `seed`.
pub fn generate(accounts: usize, credentials: usize, seed: u64) -> Estate {
    let mut rng = Rng(seed);
    // Four accounts a person (AD, Entra, Okta, Linux); a host holds PER_HOST - 1 people's local
    // accounts and its root.
    let people = (accounts * (PER_HOST - 1) / (4 * (PER_HOST - 1) + 1)).max(1);
    let hosts = people.div_ceil(PER_HOST - 1);
    let events_wanted = people;
    let mut records = Vec::with_capacity(people * 4 + hosts * 2 + credentials + events_wanted * 3);
    let host_name = |h: usize| format!("web{h:06}");

    for h in 0..hosts {
        let name = host_name(h);
        records.push(Record::Host(Host {
            name: name.clone(),
            root: format!("hosts/{name}"),
            collected_at: at(AS_OF - DAY),
            evidence: Evidence::new(format!("hosts/{name}/resetgap-manifest.json"), None),
        }));
        let mut root = Account::new(
            SourceKind::LinuxHost,
            &name,
            "root",
            Evidence::at(&format!("hosts/{name}/etc/passwd"), 1),
        );
        root.kind = AccountKind::Root;
        root.scope = AccountScope::Local;
        root.uid = Some(0);
        root.gid = Some(0);
        root.password = PasswordState::Set;
        root.password_last_set = rng.ago(900);
        records.push(Record::Account(root));
    }

    let mut events = 0;
    // Each person's directory reset, so credentials can be dated around it.
    let mut resets: Vec<i64> = Vec::with_capacity(people);
    for p in 0..people {
        let login = format!("u{p:07}");
        let upn = format!("{login}@example.org");
        let reset = rng.ago(400);
        resets.push(reset.known().map_or(AS_OF, |t| t.as_second()));
        let created = at(AS_OF - 1500 * DAY);
        let line = (p % 100_000) as u32 + 2;

        let mut ad = Account::new(
            SourceKind::ActiveDirectory,
            AD,
            &login,
            Evidence::at("ad/users.ldif", line * 30),
        );
        ad.kind = AccountKind::Human;
        ad.enabled = Some(p % GAP != 4);
        ad.password = PasswordState::Set;
        ad.password_last_set = reset;
        ad.created = created;
        ad.aliases = vec![
            upn.clone(),
            format!("CN={login},OU=People,DC=corp,DC=example,DC=test"),
        ];
        ad.mail = vec![upn.clone()];
        let privileged = p % 500 == 0;
        ad.directory = Some(Box::new(DirectoryAccount {
            dn: format!("CN={login},OU=People,DC=corp,DC=example,DC=test"),
            object: DirectoryObject::User,
            uac: Some(if p % 97 == 0 { 0x10200 } else { 0x200 }),
            flags: DirectoryFlags::default(),
            pwd_last_set: reset,
            must_change: false,
            password_changed: reset,
            pwd_last_set_written: reset,
            spns: if p % 300 == 0 {
                vec![format!("HTTP/app{p}.corp.example.test")]
            } else {
                Vec::new()
            },
            admin_count: privileged,
            privileged_groups: if privileged {
                vec!["Domain Admins".into()]
            } else {
                Vec::new()
            },
            last_logon: rng.ago(30),
            laps: Laps::NotApplicable,
            readable_password_attributes: Vec::new(),
            locked: false,
        }));
        records.push(Record::Account(ad));

        let mut entra = Account::new(
            SourceKind::EntraId,
            ENTRA,
            &upn,
            Evidence::at("entra/users.json", line * 40),
        );
        entra.kind = AccountKind::Human;
        entra.enabled = Some(true);
        entra.password = PasswordState::Set;
        entra.synced_from = Some(login.clone());
        // Synchronised within the interval, or (one in GAP) left behind on an older password.
        let reset_s = resets[p];
        let lag = if p % GAP == 1 { -30 * DAY } else { 600 };
        entra.password_last_set = at(reset_s + lag);
        // Sessions revoked by that change, or (one in GAP) not since long before it.
        entra.sessions_valid_from = if p % GAP == 2 {
            at(reset_s - 200 * DAY - rng.below(200 * DAY as u64) as i64)
        } else {
            at(reset_s + lag)
        };
        entra.created = created;
        entra.aliases = vec![format!("{:08x}-0000-4000-8000-{:012x}", p, p)];
        records.push(Record::Account(entra));

        let mut okta = Account::new(
            SourceKind::Okta,
            OKTA,
            &upn,
            Evidence::at("okta/users.json", line * 25),
        );
        okta.kind = AccountKind::Human;
        okta.enabled = Some(true);
        okta.password = PasswordState::Set;
        // Okta is fed from AD too: the same change, minutes later.
        okta.password_last_set = at(reset_s + 300);
        okta.created = created;
        okta.aliases = vec![format!("00u{p:017}")];
        records.push(Record::Account(okta));

        let host = host_name(p / (PER_HOST - 1));
        let mut local = Account::new(
            SourceKind::LinuxHost,
            &host,
            &login,
            Evidence::at(
                &format!("hosts/{host}/etc/passwd"),
                (p % PER_HOST) as u32 + 2,
            ),
        );
        local.kind = AccountKind::Human;
        local.scope = AccountScope::Local;
        local.uid = Some(1000 + (p % PER_HOST) as u32);
        local.gid = local.uid;
        local.home = Some(format!("/home/{login}"));
        local.password = if p % GAP == 3 {
            PasswordState::Locked
        } else {
            PasswordState::Set
        };
        // The local password is older than the directory reset (day precision, as shadow).
        local.password_last_set =
            at((reset_s - 30 * DAY - rng.below(700 * DAY as u64) as i64).div_euclid(DAY) * DAY);
        local.password_precision = resetgap::inventory::TimePrecision::Day;
        records.push(Record::Account(local));

        // The reset ledger: the domain controllers' Security log holds each person's latest
        // password change (missing for one in GAP): three in four are the user's own change
        // (4723), one in four a help-desk reset (4724); then a session revocation (missing for
        // one in GAP) and a sign-in (a legacy IMAP sign-in for one in GAP). No ticket export is
        // generated, so RG601 notes each help-desk reset.
        if p % GAP != 10 {
            if let Some(t) = reset.known().map(|t| t.as_second()) {
                let event = |kind: EventKind, secs: i64, action: &str, id: String| Event {
                    at: at(secs),
                    system: AD.into(),
                    source: SourceKind::ActiveDirectory,
                    kind,
                    target: login.clone(),
                    target_sid: None,
                    actor: Some(format!("helpdesk{}", p % 17)),
                    outcome: Outcome::Success,
                    action: action.into(),
                    credential: None,
                    detail: None,
                    strong_auth: Some(p % 5 != 0),
                    event_id: Some(id),
                    evidence: Evidence::at("dc01/security.evtx.xml", (p as u32) * 3 + 1),
                };
                let mut change = if p % 4 == 0 {
                    event(EventKind::PasswordReset, t, "4724", format!("{}", p * 3))
                } else {
                    event(EventKind::PasswordChange, t, "4723", format!("{}", p * 3))
                };
                if p % 4 != 0 {
                    change.actor = Some(login.clone());
                }
                records.push(Record::Event(change));
                events += 1;
                if p % GAP != 6 {
                    let mut revoke = event(
                        EventKind::SessionsRevoked,
                        t + 1800,
                        "Revoke sign-in sessions",
                        format!("r{p}"),
                    );
                    revoke.system = ENTRA.into();
                    revoke.source = SourceKind::EntraId;
                    revoke.target = upn.clone();
                    records.push(Record::Event(revoke));
                    let mut sign_in =
                        event(EventKind::SignIn, t + 7200, "Sign-in", format!("s{p}"));
                    sign_in.system = ENTRA.into();
                    sign_in.source = SourceKind::EntraId;
                    sign_in.target = upn.clone();
                    sign_in.actor = Some(upn.clone());
                    sign_in.detail = Some(if p % GAP == 8 { "IMAP4" } else { "Browser" }.into());
                    records.push(Record::Event(sign_in));
                    events += 2;
                }
            }
        }
    }

    for i in 0..credentials {
        let p = (rng.below(people as u64)) as usize;
        let login = format!("u{p:07}");
        let upn = format!("{login}@example.org");
        let host = host_name(p / (PER_HOST - 1));
        let (kind, owner, id, label, evidence) = match i % 8 {
            0 | 1 => (
                CredentialKind::SshKey,
                OwnerRef {
                    system: Some(host.clone()),
                    login: login.clone(),
                },
                format!(
                    "SHA256:{:043x}",
                    rng.next() as u128 * 0x1_0000_0001 + i as u128
                ),
                "ssh-ed25519 key",
                Evidence::at(
                    &format!("hosts/{host}/home/{login}/.ssh/authorized_keys"),
                    1 + (i % 5) as u32,
                ),
            ),
            2 => (
                CredentialKind::ApiToken,
                OwnerRef {
                    system: Some(OKTA.into()),
                    login: upn.clone(),
                },
                format!("00T{i:017}"),
                "Okta API token",
                Evidence::at("okta/api-tokens.json", (i / 8) as u32 * 12 + 2),
            ),
            3 => (
                CredentialKind::ClientSecret,
                OwnerRef {
                    system: Some(ENTRA.into()),
                    login: upn.clone(),
                },
                format!("{:032x}", rng.next() as u128 * 31 + i as u128),
                "client secret",
                Evidence::at("entra/applications.json", (i / 8) as u32 * 20 + 5),
            ),
            4 => (
                CredentialKind::RecoveryMethod,
                OwnerRef {
                    system: Some(ENTRA.into()),
                    login: upn.clone(),
                },
                format!("phone:{i}"),
                "recovery phone",
                Evidence::at("entra/methods.json", (i / 8) as u32 * 9 + 3),
            ),
            5 => (
                CredentialKind::PersonalAccessToken,
                OwnerRef {
                    system: None,
                    login: login.clone(),
                },
                format!("ghp_id_{i:012}"),
                "GitHub token",
                Evidence::at(
                    "github/credential-authorizations.json",
                    (i / 8) as u32 * 14 + 2,
                ),
            ),
            6 => (
                CredentialKind::KeyCredential,
                OwnerRef {
                    system: Some(AD.into()),
                    login: login.clone(),
                },
                format!("kc:{i:012x}"),
                "msDS-KeyCredentialLink key",
                Evidence::at("ad/users.ldif", (p as u32 % 100_000) * 30 + 7),
            ),
            _ => (
                CredentialKind::VaultToken,
                OwnerRef {
                    system: Some("vault".into()),
                    login: login.clone(),
                },
                format!("accessor-{i:012}"),
                "Vault token",
                Evidence::at("vault/tokens.json", (i / 8) as u32 * 16 + 1),
            ),
        };
        let mut c = Credential::new(kind, &id, label, evidence);
        c.owner = Some(owner);
        // One in GAP was issued before the owner's last reset and survived it; the others at
        // least an hour after it (after the sync has carried the reset everywhere).
        let issued = if i % GAP == 0 {
            resets[p] - 1 - rng.below(300 * DAY as u64) as i64
        } else {
            (resets[p] + 3600 + rng.below((AS_OF - resets[p] - 3600).max(1) as u64) as i64)
                .min(AS_OF)
        };
        c.issued = at(issued);
        c.issued_basis = IssuedBasis::Recorded;
        // One in GAP never expires; the others expire within a year.
        c.expires = if i % GAP == 9 {
            When::Never
        } else {
            at(issued + 300 * DAY)
        };
        c.last_used = if i % 3 == 0 {
            When::Never
        } else {
            at((issued.max(AS_OF - 60 * DAY) + rng.below(30 * DAY as u64) as i64).min(AS_OF))
        };
        c.status = if i % 25 == 0 {
            CredentialStatus::Inactive
        } else {
            CredentialStatus::Active
        };
        records.push(Record::Credential(c));
    }

    Estate {
        records,
        accounts: hosts + people * 4,
        credentials,
        events,
        hosts,
    }
}
