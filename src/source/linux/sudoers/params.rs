//! The Defaults parameters sudoers 1.9.13 knows, with the kind of value each takes: enough to
//! tell an entry sudo ignores with a warning (unknown name, a value a flag does not take, a value
//! of the wrong kind) from one it applies. Generated from the parameter list of sudoers(5)
//! 1.9.13p3 and checked entry by entry with `visudo -c` (forms `x`, `!x`, `x=abc`, `x=5`,
//! `x=/x`, `x=0644`, and each enumerated value).

/// The value a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A boolean flag: `x` or `!x`, never `x=value`.
    Flag,
    /// Any string.
    Str,
    /// A number (integer, float or octal mode).
    Num,
    /// An absolute path.
    Path,
    /// One of a fixed set of words.
    Enum(&'static [&'static str]),
}

/// Whether `!x` (and a bare `x`, for the non-flag kinds) is accepted: "can be used in a boolean
/// context".
pub(super) struct Param {
    pub kind: Kind,
    pub boolean: bool,
    /// A flag that also takes one of these values (`syslog=authpriv`, `lecture=once`).
    pub flag_values: &'static [&'static str],
}

const FACILITIES: &[&str] = &[
    "authpriv", "auth", "daemon", "user", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];
const PRIORITIES: &[&str] = &[
    "alert", "crit", "debug", "emerg", "err", "info", "notice", "warning", "none",
];

/// The parameter named `name`, if sudo knows it.
pub(super) fn lookup(name: &str) -> Option<Param> {
    let p = |kind, boolean| Param {
        kind,
        boolean,
        flag_values: &[],
    };
    let flag_with = |values| Param {
        kind: Kind::Flag,
        boolean: true,
        flag_values: values,
    };
    Some(match name {
        "syslog" => flag_with(FACILITIES),
        "lecture" => flag_with(&["never", "once", "always"]),
        "listpw" | "verifypw" => flag_with(&["never", "any", "all", "always"]),
        "fdexec" => flag_with(&["never", "digest_only", "always"]),
        "syslog_goodpri" | "syslog_badpri" => p(Kind::Enum(PRIORITIES), true),
        "intercept_type" => p(Kind::Enum(&["dso", "trace"]), true),
        "timestamp_type" => p(Kind::Enum(&["global", "ppid", "tty", "kernel"]), true),
        "log_format" => p(Kind::Enum(&["sudo", "json"]), true),
        "always_query_group_plugin"
        | "always_set_home"
        | "authenticate"
        | "case_insensitive_group"
        | "case_insensitive_user"
        | "closefrom_override"
        | "compress_io"
        | "env_editor"
        | "env_reset"
        | "exec_background"
        | "fast_glob"
        | "fqdn"
        | "ignore_audit_errors"
        | "ignore_dot"
        | "ignore_iolog_errors"
        | "ignore_local_sudoers"
        | "ignore_logfile_errors"
        | "ignore_unknown_defaults"
        | "insults"
        | "intercept"
        | "intercept_allow_setid"
        | "intercept_authenticate"
        | "intercept_verify"
        | "iolog_flush"
        | "log_allowed"
        | "log_denied"
        | "log_exit_status"
        | "log_host"
        | "log_input"
        | "log_output"
        | "log_passwords"
        | "log_server_keepalive"
        | "log_server_verify"
        | "log_stderr"
        | "log_stdin"
        | "log_stdout"
        | "log_subcmds"
        | "log_ttyin"
        | "log_ttyout"
        | "log_year"
        | "long_otp_prompt"
        | "mail_all_cmnds"
        | "mail_always"
        | "mail_badpass"
        | "mail_no_host"
        | "mail_no_perms"
        | "mail_no_user"
        | "match_group_by_gid"
        | "netgroup_tuple"
        | "noexec"
        | "noninteractive_auth"
        | "pam_acct_mgmt"
        | "pam_rhost"
        | "pam_ruser"
        | "pam_session"
        | "pam_setcred"
        | "passprompt_override"
        | "path_info"
        | "preserve_groups"
        | "pwfeedback"
        | "requiretty"
        | "root_sudo"
        | "rootpw"
        | "runas_allow_unknown_id"
        | "runas_check_shell"
        | "runaspw"
        | "selinux"
        | "set_home"
        | "set_logname"
        | "set_utmp"
        | "setenv"
        | "shell_noargs"
        | "stay_setuid"
        | "sudoedit_checkdir"
        | "sudoedit_follow"
        | "syslog_pid"
        | "targetpw"
        | "tty_tickets"
        | "umask_override"
        | "use_loginclass"
        | "use_netgroups"
        | "use_pty"
        | "user_command_timeouts"
        | "utmp_runas"
        | "visiblepw" => p(Kind::Flag, true),
        "env_check" | "env_delete" | "env_keep" | "exempt_group" | "iolog_group" | "iolog_user"
        | "log_servers" | "mailerflags" | "mailfrom" | "mailto" | "passprompt_regex"
        | "secure_path" => p(Kind::Str, true),
        "apparmor_profile"
        | "authfail_message"
        | "badpass_message"
        | "group_plugin"
        | "iolog_file"
        | "limitprivs"
        | "mailsub"
        | "maxseq"
        | "pam_askpass_service"
        | "pam_login_service"
        | "pam_service"
        | "passprompt"
        | "privs"
        | "role"
        | "runas_default"
        | "timestampowner"
        | "type" => p(Kind::Str, false),
        "noexec_file" | "sudoers_locale" => p(Kind::Str, false),
        "command_timeout" | "log_server_timeout" | "loglinelen" | "passwd_timeout"
        | "timestamp_timeout" | "umask" => p(Kind::Num, true),
        "closefrom" | "iolog_mode" | "passwd_tries" | "syslog_maxlen" => p(Kind::Num, false),
        "admin_flag"
        | "env_file"
        | "lecture_file"
        | "log_server_cabundle"
        | "log_server_peer_cert"
        | "log_server_peer_key"
        | "logfile"
        | "mailerpath"
        | "restricted_env_file"
        | "runchroot"
        | "runcwd" => p(Kind::Path, true),
        "editor" | "iolog_dir" | "lecture_status_dir" | "timestampdir" => p(Kind::Path, false),
        // Resource limits also take `infinity`, `user` and `soft,hard` pairs.
        n if n.starts_with("rlimit_") => p(Kind::Str, true),
        _ => return None,
    })
}
