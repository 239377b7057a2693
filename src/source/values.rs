//! Value filters shared by every source that reads secrets (the extractors, credential files):
//! what a captured value must look like to be a credential (not a reference, template, placeholder or masked value), what a captured user
//! must look like, and the unquoting of captured values.
//!
//! These are heuristics for precision: a config line `password: ${DB_PASSWORD}` holds no secret.
//! They never see anything but the captured value.

/// Words that stand for "no real value here" when they are the whole value (case-insensitive).
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "password",
    "passwd",
    "passw0rd",
    "pass",
    "passwort",
    "kennwort",
    "wachtwoord",
    "senha",
    "contraseña",
    "motdepasse",
    "secret",
    "mysecret",
    "mypassword",
    "yourpassword",
    "yoursecret",
    "yourtoken",
    "placeholder",
    "redacted",
    "removed",
    "hidden",
    "masked",
    "example",
    "sample",
    "dummy",
    "notset",
    "not_set",
    "unset",
    "todo",
    "fixme",
    "replaceme",
    "replace_me",
    "replace-me",
    "required",
    "optional",
    "string",
    "value",
];

/// Credentials published in vendors' documentation as examples (exact values). They are in
/// tutorials, READMEs and test suites everywhere and authenticate nowhere.
const DOCUMENTED_EXAMPLES: &[&str] = &[
    // AWS: the IAM user guide's access key pair, and the second pair and STS examples.
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "ASIAIOSFODNN7EXAMPLE",
    // Azure: the storage emulator's (Azurite) well-known key for `devstoreaccount1`.
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    // JWT: the example token of RFC 7519's introduction at jwt.io (`"name": "John Doe"`).
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    // Slack: the incoming-webhook example of Slack's API documentation.
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
];

/// True when `value` is a credential published as an example in a vendor's documentation
/// (`AKIAIOSFODNN7EXAMPLE` and the like): exact matches only, so look-alike test values
/// (`AKIAZZEXAMPLE…`) are still reported.
pub fn is_documented_example(value: &str) -> bool {
    DOCUMENTED_EXAMPLES.contains(&value.trim())
}

/// Values that mean "nothing" in YAML, JSON, INI or code.
const NULLISH: &[&str] = &[
    "null",
    "none",
    "nil",
    "~",
    "true",
    "false",
    "yes",
    "no",
    "undefined",
    "empty",
    "n/a",
];

/// Prefixes of references to secret stores and encrypted values (lower-case).
const REFERENCE_PREFIXES: &[&str] = &[
    "${",
    "$(",
    "$[",
    "{{",
    "{%",
    "%(",
    "%{",
    "#{",
    "@{",
    "<%",
    "[[",
    "enc(",
    "enc[",
    "encrypted:",
    "vault:",
    "vault(",
    "!vault",
    "arn:aws:",
    "ssm:",
    "secretsmanager:",
    "secret:",
    "secrets:",
    "keyvault:",
    "azurekeyvault:",
    "op://",
    "env:",
    "file:",
    "gcp:",
    "gsm:",
    "sops:",
    "./",
    "../",
    "~/",
];

/// True when `value` is a reference to a secret rather than a secret: an environment or template
/// variable (`${VAR}`, `$VAR`, `$var`, `$(cmd)`, `{{ var }}`, `%(var)s`, `%VAR%`, `@VAR@`,
/// `__VAR__`, `<your-token>`, `&lt;your-token&gt;`), an encrypted or
/// vaulted value (`ENC(...)`, `vault:...`, `!vault`), a nullish word, or a file path
/// (`/run/secrets/db`, used with `*_FILE` keys).
pub fn is_reference(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if NULLISH.contains(&lower.as_str()) {
        return true;
    }
    if REFERENCE_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    if v.contains("${") || v.contains("{{") || v.contains("}}") {
        return true;
    }
    let bytes = v.as_bytes();
    let tail = v.get(1..).unwrap_or("");
    let first = bytes.first().copied().unwrap_or(b' ');
    let second = bytes.get(1).copied().unwrap_or(b' ');
    // `$VAR`, `$env:VAR` (but not `$2b$...` hashes or `$ecret` style passwords with digits).
    if first == b'$'
        && (second.is_ascii_uppercase() || second == b'_' || second == b'{' || second == b'(')
        && !tail.is_empty()
        && tail
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':' || b == b'.')
    {
        return true;
    }
    // `$var`, `$db_password` (shell, PHP, Perl variables): a lower-case identifier without
    // digits; `$ecret9`-style values with digits stay secrets.
    if first == b'$'
        && second.is_ascii_lowercase()
        && tail
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
    {
        return true;
    }
    // HTML-escaped `<placeholder>` (`&lt;password&gt;`), autoconf `@VAR@`, `__TOKEN__`.
    if (lower.starts_with("&lt;") && lower.ends_with("&gt;"))
        || (first == b'@' && v.ends_with('@') && v.len() > 2)
        || (v.starts_with("__") && v.ends_with("__") && v.len() > 4)
    {
        return true;
    }
    // `%VAR%` (Windows environment), `<your-token>`, YAML tags `!vault`, aliases `*name`.
    if (first == b'%' && v.ends_with('%') && v.len() > 2)
        || (first == b'<' && v.ends_with('>'))
        || (first == b'{' && v.ends_with('}')) // `{0}`, Maven `{encrypted=}`
        || (first == b'!' && second.is_ascii_alphabetic())
        || (first == b'*'
            && second.is_ascii_alphabetic()
            && tail
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    {
        return true;
    }
    // An absolute path with at least two components: `/run/secrets/db_password`.
    if first == b'/'
        && tail.contains('/')
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'.'))
    {
        return true;
    }
    false
}

/// True when a captured secret is not worth reporting: a reference (`is_reference`), a known
/// placeholder word (`changeme`, `password`, `secret`, ...), a documented example credential
/// (`is_documented_example`), a masked value (`xxxx`, `****`, or a run of 8 or more `x`/`*`), a
/// truncated example (`AIzaSy...`), `your-...`, prose (a value with spaces that mentions
/// passwords), or shorter than 4 characters.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if v.chars().count() < 4 || is_reference(v) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.contains(&lower.as_str()) || is_documented_example(v) {
        return true;
    }
    if v.chars()
        .all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '#' | '-' | '_' | '?' | '•' | '0'))
    {
        return true;
    }
    if longest_mask_run(v) >= 8 {
        return true;
    }
    // A truncated example: `AIzaSy...`, `GOCSPX-…`.
    if v.ends_with("...") || v.ends_with('…') {
        return true;
    }
    if [
        "your-", "your_", "your.", "insert-", "insert_", "replace-", "replace_", "<insert",
        "<your", "enter-", "enter_",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
    {
        return true;
    }
    if v.contains(char::is_whitespace)
        && ["password", "passwort", "secret", "your ", "enter "]
            .iter()
            .any(|w| lower.contains(w))
    {
        return true;
    }
    false
}

fn longest_mask_run(v: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in v.chars() {
        if matches!(c, 'x' | 'X' | '*') {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// An unquoted value that is code, not data: `self.password`, `config.db.pass`,
/// `process.env.DB_PASS` (dotted identifiers).
pub fn looks_like_code(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            let mut b = p.bytes();
            b.next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
                && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
        })
}

/// Whether a captured user name is a usable login: short, no spaces, not a reference.
pub fn valid_user(user: &str) -> bool {
    let u = user.trim();
    !u.is_empty()
        && u.len() <= 128
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
        && !is_reference(u)
        && ![
            "user",
            "username",
            "login",
            "changeme",
            "xxx",
            "xxxx",
            // Conventional pseudo-users in token URLs (GitHub, GitLab, Bitbucket).
            "x-access-token",
            "x-oauth-basic",
            "x-token-auth",
            "oauth2",
            "token",
        ]
        .contains(&u.to_ascii_lowercase().as_str())
}

/// Strips one pair of matching surrounding quotes. Returns the inner value and the quote used.
pub fn unquote(raw: &str) -> (&str, Option<char>) {
    let t = raw.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return (t.get(1..t.len() - 1).unwrap_or(""), Some(q));
        }
    }
    (t, None)
}

/// Resolves the simple escapes of a double-quoted JSON/YAML value (`\"`, `\\`, `\/`, `\n`, `\t`)
/// so that the same secret gets the same id whatever file it is quoted in.
pub fn unescape_double_quoted(v: &str) -> std::borrow::Cow<'_, str> {
    if !v.contains('\\') {
        return std::borrow::Cow::Borrowed(v);
    }
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(o @ ('"' | '\\' | '/')) => out.push(o),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    std::borrow::Cow::Owned(out)
}

// --- Code rejection (used by `reject_code` extractors and for captured users) ---------------

/// A value that is an expression, not data: a call or subscript (`getenv("X")`,
/// `os.environ["X"]`, `urllib.parse.quote(user)`), string concatenation or interpolation
/// (`a + b`, `{user}`), a PHP/Perl/PowerShell variable (`$pass`, `@pass`), or an OpenSSL
/// `$section::name` reference.
pub fn is_code_expression(value: &str) -> bool {
    let v = value.trim();
    let ident = |s: &str| {
        let mut b = s.bytes();
        b.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
            && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
    };
    // `name(...)`, `a.b(...)`, `x[...]`, `a.b["c"]`.
    if let Some(open) = v.find(['(', '[']) {
        let head = v.get(..open).unwrap_or("");
        if !head.is_empty()
            && head.split(['.', ':']).filter(|p| !p.is_empty()).all(ident)
            && v.ends_with([')', ']'])
        {
            return true;
        }
    }
    if let Some(rest) = v.strip_prefix('$').or_else(|| v.strip_prefix('@')) {
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let name = rest.split("::").next().unwrap_or(rest);
        let name = name.strip_suffix('}').unwrap_or(name);
        if ident(name)
            && (rest.len() == name.len()
                || rest
                    .get(name.len()..)
                    .is_some_and(|t| t.starts_with("::") || t == "}"))
        {
            return true;
        }
    }
    if v.starts_with('{') && v.ends_with('}') && ident(v.trim_matches(['{', '}']).trim()) {
        return true;
    }
    v.contains(" + ") || v.contains(" . ") || v.contains("->")
}

/// Type names that follow a key in annotations and declarations (`password: str`,
/// `api_key: SecretStr`, `token: Optional[str]`), case-sensitive as written in code.
pub fn is_type_name(value: &str) -> bool {
    let v = value.trim().trim_end_matches([',', ';', '?']);
    let base = v.split(['[', '<']).next().unwrap_or(v);
    [
        "str",
        "String",
        "string",
        "bytes",
        "SecretStr",
        "SecretBytes",
        "Optional",
        "Text",
        "char",
        "Any",
        "object",
        "Secret",
        "SecureString",
        "Option",
        "CharSequence",
        "char[]",
        "int",
        "bool",
        "Password",
        "Token",
    ]
    .contains(&base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_placeholders() {
        for v in [
            "${DB_PASSWORD}",
            "$DB_PASSWORD",
            "{{ db_password }}",
            "{{db_password}}",
            "%(password)s",
            "%DB_PASS%",
            "<your-token>",
            "<password>",
            "changeme",
            "CHANGE_ME",
            "xxxxxxxx",
            "XXXX",
            "****",
            "********",
            "password",
            "Secret",
            "null",
            "None",
            "true",
            "false",
            "",
            "ENC(AbCdEf0123)",
            "vault:secret/data/db#password",
            "!vault",
            "/run/secrets/db_password",
            "abc",
            "your-api-token-here",
            "AKIAXXXXXXXXXXXXXXXX",
            "Enter your password",
            "op://vault/item/password",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:db",
            "*db_password",
        ] {
            assert!(is_placeholder(v), "{v:?} should be a placeholder");
        }
        for v in [
            "Tr0ub4dor&3",
            "hunter22",
            "s3cr3t-Value_42",
            "$2b$10$abcdefghijklmnopqrstuv",
            "correct horse battery staple",
            "p@ss/word",
        ] {
            assert!(!is_placeholder(v), "{v:?} should be a secret");
        }
    }

    #[test]
    fn documented_examples_are_not_credentials() {
        for v in [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AKIAI44QH8DHBEXAMPLE",
            "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
            " ASIAIOSFODNN7EXAMPLE ",
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ] {
            assert!(is_documented_example(v), "{v:?}");
            assert!(is_placeholder(v), "{v:?}");
        }
        // Look-alikes are not: only the published values are allowed.
        for v in [
            "AKIAZZEXAMPLE7777777",
            "AKIAIOSFODNN7EXAMPLF",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ",
            "akiaiosfodnn7example",
        ] {
            assert!(!is_documented_example(v), "{v:?}");
            assert!(!is_placeholder(v), "{v:?}");
        }
    }

    #[test]
    fn variable_and_markup_placeholders() {
        for v in [
            "$var",
            "$db_password",
            "$(cat /run/secrets/db)",
            "$(DbPassword)",
            "${var}",
            "%DB_PASSWORD%",
            "<password>",
            "&lt;password&gt;",
            "&LT;your-token&GT;",
            "***",
            "******",
            "changeme",
            "ChangeMe",
            "@DB_PASSWORD@",
            "__API_TOKEN__",
            "AIzaSy...",
            "GOCSPX-…",
            "<insert-token-here",
        ] {
            assert!(is_placeholder(v), "{v:?} should be a placeholder");
        }
        for v in ["$ecret99", "&lt;b&gt;x", "@home", "__init", "pa...ss!word"] {
            assert!(!is_placeholder(v), "{v:?} should be a secret");
        }
    }

    #[test]
    fn users_and_code() {
        assert!(valid_user("sa"));
        assert!(valid_user("app_rw"));
        assert!(!valid_user("${DB_USER}"));
        assert!(!valid_user("two words"));
        assert!(!valid_user(""));
        assert!(looks_like_code("self.password"));
        assert!(looks_like_code("process.env.DB_PASS"));
        assert!(!looks_like_code("Pa55.word!"));
        assert!(!looks_like_code("hunter22"));
    }

    #[test]
    fn quoting() {
        assert_eq!(unquote("\"a b\""), ("a b", Some('"')));
        assert_eq!(unquote("'x'"), ("x", Some('\'')));
        assert_eq!(unquote("\"x"), ("\"x", None));
        assert_eq!(unquote("\""), ("\"", None));
        assert_eq!(unescape_double_quoted(r#"a\"b\\c\/"#), "a\"b\\c/");
        assert_eq!(unescape_double_quoted(r"trail\"), "trail\\");
    }
}
