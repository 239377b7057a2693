//! kubeconfig files (`kind: Config`, `~/.kube/config`, `kubectl config view --raw`): the static
//! credentials of `users[].user`.
//!
//! - `token`: a bearer token. A legacy service-account JWT (claims
//!   `kubernetes.io/serviceaccount/namespace` and `…/secret.name`, read from the payload without
//!   verifying) becomes `ServiceAccountToken` `k8s:<ns>/<secret>`, the id of its Secret, owned by
//!   the service account; a bound service-account JWT is owned by its service account with its
//!   `iat`/`exp`; any other token is a `ServiceAccountToken` named by `source::secret_id` (the
//!   kubeconfig user; never the token) and owned by the kubeconfig user name.
//! - `client-certificate-data`: `DeployKey` `sha256:<12 hex of the DER certificate>` (the
//!   certificate fingerprint's prefix), owned by the subject CN (the name Kubernetes
//!   authenticates), valid from notBefore to notAfter; the subject O (groups, `system:masters`)
//!   is in `detail`. The key (`client-key-data`) is never read.
//! - `username`/`password`: `PlaintextSecret` named by `source::secret_id`, owned by the user name.
//! - `exec`, `auth-provider`, `tokenFile`, `client-certificate` (a path): no static secret in the
//!   file; nothing.
//!
//! The owner system is the cluster of the contexts that use the user; the only cluster of the
//! file when no context does; else the file's cluster hint or `kubernetes`.

use super::{valid_name, Output, Parser};
use crate::diag::Diagnostic;
use crate::inventory::{
    Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef, Record, When,
};
use crate::source::ids::short_digest;
use crate::source::secret_id::FileSecrets;
use base64::Engine;
use serde_json::{Map, Value};

/// Tokens longer than this are not decoded as JWTs.
const MAX_JWT: usize = 64 * 1024;

pub(super) fn parse(p: &mut Parser<'_>, obj: &Map<String, Value>, doc_line: u32, out: &mut Output) {
    let clusters = names(obj, "clusters");
    // user -> clusters of the contexts that use it (sorted, unique).
    let mut user_clusters: Vec<(String, String)> = Vec::new();
    if let Some(Value::Array(contexts)) = obj.get("contexts") {
        for ctx in contexts {
            let inner = ctx.get("context");
            let user = inner.and_then(|c| c.get("user")).and_then(Value::as_str);
            let cluster = inner.and_then(|c| c.get("cluster")).and_then(Value::as_str);
            if let (Some(u), Some(c)) = (user, cluster) {
                user_clusters.push((u.to_string(), c.to_string()));
            }
        }
    }
    user_clusters.sort();
    user_clusters.dedup();
    let users = match obj.get("users") {
        Some(Value::Array(users)) => users,
        Some(Value::Null) | None => return,
        Some(_) => {
            out.diag(Diagnostic::malformed(
                p.path,
                p.lines
                    .find_key(doc_line, p.doc_end, "users", None)
                    .unwrap_or(doc_line),
                "kubeconfig `users` is not a list; skipped",
            ));
            return;
        }
    };
    let users_line = p
        .lines
        .find_key(doc_line, p.doc_end, "users", None)
        .unwrap_or(doc_line);
    let mut cursor = users_line;
    for entry in users {
        let Some(name) = entry.get("name").and_then(Value::as_str) else {
            out.diag(Diagnostic::malformed(
                p.path,
                users_line,
                "kubeconfig user entry has no `name`; skipped",
            ));
            continue;
        };
        let name_line = p
            .lines
            .find_key(cursor, p.doc_end, "name", Some(name))
            .unwrap_or(users_line);
        cursor = name_line.saturating_add(1);
        let Some(user) = entry.get("user").and_then(Value::as_object) else {
            continue;
        };
        let mine: Vec<&str> = user_clusters
            .iter()
            .filter(|(u, _)| u == name)
            .map(|(_, c)| c.as_str())
            .collect();
        let system = match (mine.first(), clusters.as_slice()) {
            (Some(c), _) => c.to_string(),
            (None, [only]) => only.clone(),
            _ => p.cluster.clone(),
        };
        let also = mine
            .get(1..)
            .filter(|m| !m.is_empty())
            .map(|m| m.join(", "));
        let field_line = |key: &str| {
            let kv = p.lines.kv(name_line);
            let indent = kv.map_or(0, |k| k.indent);
            // The entry's lines: after the name, until the next entry or a shallower line.
            let mut l = name_line.saturating_add(1);
            while l <= p.doc_end {
                if let Some(kv) = p.lines.kv(l) {
                    if kv.indent < indent || (kv.indent == indent && kv.key == "name") {
                        break;
                    }
                    if kv.key == key {
                        return l;
                    }
                }
                l = l.saturating_add(1);
            }
            name_line
        };
        let ctx = Ctx {
            path: p.path,
            system: &system,
            user_name: name,
            also: also.as_deref(),
        };
        if let Some(token) = user.get("token") {
            match token.as_str() {
                Some(t) if !t.trim().is_empty() => out.record(Record::Credential(ctx.token(
                    &mut p.names,
                    t.trim(),
                    field_line("token"),
                ))),
                _ => out.diag(Diagnostic::malformed(
                    p.path,
                    field_line("token"),
                    "kubeconfig `token` is empty or not a string; skipped",
                )),
            }
        }
        if let Some(data) = user.get("client-certificate-data") {
            let line = field_line("client-certificate-data");
            match data.as_str().and_then(|d| ctx.certificate(d, line)) {
                Some(cred) => out.record(Record::Credential(cred)),
                None => out.diag(Diagnostic::malformed(
                    p.path,
                    line,
                    "kubeconfig `client-certificate-data` is not a base64 PEM or DER certificate; skipped",
                )),
            }
        }
        if let Some(password) = user.get("password").and_then(Value::as_str) {
            if !password.is_empty() {
                let login = user
                    .get("username")
                    .and_then(Value::as_str)
                    .filter(|u| !u.is_empty())
                    .unwrap_or(name);
                let named = p
                    .names
                    .name(&format!("kubeconfig\0user {name}\0password"), password);
                let mut cred = Credential::new(
                    CredentialKind::PlaintextSecret,
                    &named.id,
                    "kubeconfig basic-auth password",
                    Evidence::at(p.path, field_line("password")),
                );
                cred.same_secret = Some(named.matcher);
                cred.owner = Some(OwnerRef {
                    system: Some(system.clone()),
                    login: login.to_string(),
                });
                cred.detail = Some(ctx.detail(Vec::new()));
                out.record(Record::Credential(cred));
            }
        }
    }
}

struct Ctx<'a> {
    path: &'a str,
    system: &'a str,
    user_name: &'a str,
    also: Option<&'a str>,
}

impl Ctx<'_> {
    fn owner(&self, login: &str) -> Option<OwnerRef> {
        Some(OwnerRef {
            system: Some(self.system.to_string()),
            login: login.to_string(),
        })
    }

    fn detail(&self, mut parts: Vec<String>) -> String {
        parts.push(format!("kubeconfig user {}", self.user_name));
        if let Some(also) = self.also {
            parts.push(format!("also used with clusters {also}"));
        }
        parts.join("; ")
    }

    fn token(&self, names: &mut FileSecrets<'_>, token: &str, line: u32) -> Credential {
        let evidence = Evidence::at(self.path, line);
        let named = names.name(
            &format!("kubeconfig\0user {}\0token", self.user_name),
            token,
        );
        let claims = jwt_claims(token);
        let str_claim = |c: &Map<String, Value>, k: &str| {
            c.get(k)
                .and_then(Value::as_str)
                .filter(|v| valid_name(v))
                .map(str::to_string)
        };
        if let Some(c) = &claims {
            let ns = str_claim(c, "kubernetes.io/serviceaccount/namespace");
            let secret = str_claim(c, "kubernetes.io/serviceaccount/secret.name");
            let sa = str_claim(c, "kubernetes.io/serviceaccount/service-account.name");
            if let (Some(ns), Some(secret)) = (&ns, &secret) {
                let mut cred = Credential::new(
                    CredentialKind::ServiceAccountToken,
                    &format!("k8s:{ns}/{secret}"),
                    "Kubernetes legacy service-account token (kubeconfig)",
                    evidence,
                );
                cred.owner =
                    sa.and_then(|sa| self.owner(&format!("system:serviceaccount:{ns}:{sa}")));
                cred.expires = When::Never;
                cred.status = CredentialStatus::Active;
                cred.same_secret = Some(named.matcher);
                cred.detail = Some(self.detail(vec![format!(
                    "static token; the same token as Secret {ns}/{secret}; no expiry"
                )]));
                return cred;
            }
            // Bound (TokenRequest) token: `kubernetes.io: {namespace, serviceaccount: {name}}`.
            let bound = c.get("kubernetes.io").and_then(Value::as_object);
            let bound_ns = bound.and_then(|b| str_claim(b, "namespace"));
            let bound_sa = bound
                .and_then(|b| b.get("serviceaccount"))
                .and_then(Value::as_object)
                .and_then(|s| str_claim(s, "name"));
            let mut cred = Credential::new(
                CredentialKind::ServiceAccountToken,
                &named.id,
                if bound_sa.is_some() {
                    "Kubernetes bound service-account token (kubeconfig)"
                } else {
                    "kubeconfig bearer token (JWT)"
                },
                evidence,
            );
            cred.owner = match (bound_ns, bound_sa) {
                (Some(ns), Some(sa)) => self.owner(&format!("system:serviceaccount:{ns}:{sa}")),
                _ => self.owner(self.user_name),
            };
            cred.issued = epoch_claim(c, "iat");
            if cred.issued.is_known() {
                cred.issued_basis = IssuedBasis::Recorded;
            }
            cred.expires = match c.get("exp") {
                None | Some(Value::Null) => When::Never,
                Some(_) => epoch_claim(c, "exp"),
            };
            cred.detail = Some(self.detail(vec!["static token (JWT, not verified)".to_string()]));
            cred.same_secret = Some(named.matcher);
            return cred;
        }
        let mut cred = Credential::new(
            CredentialKind::ServiceAccountToken,
            &named.id,
            "kubeconfig static bearer token",
            evidence,
        );
        cred.same_secret = Some(named.matcher);
        cred.owner = self.owner(self.user_name);
        cred.detail = Some(self.detail(vec!["static token".to_string()]));
        cred
    }

    fn certificate(&self, data: &str, line: u32) -> Option<Credential> {
        let der = certificate_der(data)?;
        let info = super::x509::parse(&der)?;
        let mut cred = Credential::new(
            CredentialKind::DeployKey,
            &short_digest(&der),
            "kubeconfig client certificate",
            Evidence::at(self.path, line),
        );
        let login = info
            .common_name
            .clone()
            .filter(|cn| !cn.is_empty())
            .unwrap_or_else(|| self.user_name.to_string());
        cred.owner = self.owner(&login);
        cred.issued = info.not_before.unwrap_or(When::Unknown);
        if cred.issued.is_known() {
            cred.issued_basis = IssuedBasis::Recorded;
        }
        cred.expires = info.not_after.unwrap_or(When::Unknown);
        let mut parts = vec!["no revocation in Kubernetes: valid until notAfter".to_string()];
        if let Some(cn) = &info.common_name {
            parts.push(format!("CN={cn}"));
        }
        for o in &info.organizations {
            parts.push(format!("O={o}"));
        }
        if info.organizations.iter().any(|o| o == "system:masters") {
            parts.push("cluster-admin (system:masters)".to_string());
        }
        cred.detail = Some(self.detail(parts));
        Some(cred)
    }
}

/// The names of a kubeconfig list (`clusters`), sorted.
fn names(obj: &Map<String, Value>, key: &str) -> Vec<String> {
    let mut names: Vec<String> = obj
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| e.get("name").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.dedup();
    names
}

/// The payload claims of a JWT (`header.payload.signature`, base64url), not verified.
fn jwt_claims(token: &str) -> Option<Map<String, Value>> {
    if token.len() > MAX_JWT {
        return None;
    }
    let mut parts = token.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn epoch_claim(claims: &Map<String, Value>, key: &str) -> When {
    claims
        .get(key)
        .and_then(Value::as_i64)
        .and_then(When::from_epoch_seconds)
        .unwrap_or(When::Unknown)
}

/// The DER bytes of `client-certificate-data`: base64 of a PEM (what kubectl writes) or of DER.
fn certificate_der(data: &str) -> Option<Vec<u8>> {
    let engine = base64::engine::general_purpose::STANDARD;
    let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let raw = engine.decode(compact).ok()?;
    let Ok(text) = std::str::from_utf8(&raw) else {
        return (raw.first() == Some(&0x30)).then_some(raw);
    };
    let begin = "-----BEGIN CERTIFICATE-----";
    let start = text.find(begin)? + begin.len();
    let end = start + text.get(start..)?.find("-----END CERTIFICATE-----")?;
    let body: String = text
        .get(start..end)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    engine.decode(body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_payloads() {
        // {"iss":"kubernetes/serviceaccount"}
        let t = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJl";
        let c = jwt_claims(t).unwrap();
        assert_eq!(
            c.get("iss").and_then(Value::as_str),
            Some("kubernetes/serviceaccount")
        );
        assert_eq!(jwt_claims("not-a-jwt"), None);
        assert_eq!(jwt_claims("a.b.c.d"), None);
        assert_eq!(jwt_claims("a.!!!.c"), None);
        assert_eq!(jwt_claims("a.WzFd.c"), None); // `[1]` is not an object
    }

    #[test]
    fn fingerprints_are_short_hashes() {
        let f = short_digest(b"x");
        assert!(f.starts_with("sha256:") && f.len() == 19);
        assert_eq!(certificate_der("@@@"), None);
        assert_eq!(certificate_der("aGVsbG8="), None);
    }
}
