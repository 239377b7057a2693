#!/bin/sh
# collect-linux.sh: copy the host files resetgap reads, with a manifest, into OUT/HOST/ and
# OUT/HOST.tar. POSIX sh (dash, busybox ash); needs only coreutils, sed, find and tar.
# Run as root: files root alone can read are otherwise listed as failed in the manifest.
#
#   sh collect-linux.sh [-o OUTDIR] [-r ROOT] [-n HOSTNAME] [-x PATH]...
#
#   -o OUTDIR   where to write HOST/ and HOST.tar (default: ./resetgap-evidence)
#   -r ROOT     the root to collect from (default: /; a mounted image or chroot works too)
#   -n HOSTNAME the name of the host directory (default: ROOT/etc/hostname, else `uname -n`)
#   -x PATH     also collect PATH (a file or directory under ROOT, absolute), e.g. an
#               application's config directory for the secret scan; repeatable
#
# /etc/shadow and /etc/gshadow are copied with every hash cut to its state (`!` locks, `*`,
# `!!`, empty, or the `$id$` scheme; a traditional DES hash becomes `$des$`): resetgap never
# needs a hash, and no hash leaves the host. SSH host private keys are never copied.
#
# OUT/HOST/manifest.json (format in the README, "Collecting evidence"): collection time,
# host, collector version, whether file times were kept, and per path whether it was
# collected (with its mtime), absent on the host, or failed (with the error).

set -u
umask 077

VERSION="resetgap-collect-linux 1"
OUT=./resetgap-evidence
ROOT=/
HOST=
EXTRA=

while getopts "o:r:n:x:h" opt; do
    case $opt in
        o) OUT=$OPTARG ;;
        r) ROOT=$OPTARG ;;
        n) HOST=$OPTARG ;;
        x) EXTRA="$EXTRA
$OPTARG" ;;
        h) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "usage: $0 [-o OUTDIR] [-r ROOT] [-n HOSTNAME] [-x PATH]..." >&2; exit 2 ;;
    esac
done

ROOT=${ROOT%/}
if [ "$(id -u)" != 0 ]; then
    echo "collect-linux.sh: not running as root: unreadable files are recorded as failed" >&2
fi
if [ -z "$HOST" ]; then
    if [ -r "$ROOT/etc/hostname" ]; then
        HOST=$(sed -n '/^[[:space:]]*[^#[:space:]]/{s/[[:space:]]//g;p;q;}' "$ROOT/etc/hostname")
    fi
    [ -n "$HOST" ] || HOST=$(uname -n)
fi
case $HOST in
    */* | . | .. | "") echo "collect-linux.sh: unusable host name '$HOST'" >&2; exit 2 ;;
esac

DEST="$OUT/$HOST"
if [ -e "$DEST" ]; then
    echo "collect-linux.sh: $DEST exists; remove it or choose another -o" >&2
    exit 2
fi
mkdir -p "$DEST" || exit 1
ENTRIES="$OUT/.$HOST.entries"
: > "$ENTRIES" && : > "$ENTRIES.paths" || exit 1
COLLECTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# JSON string body: backslash, double quote and control characters escaped.
json() {
    printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' | tr -d '\000-\010\013-\037' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g'
}

mtime() {
    date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null
}

entry() { # path status [mtime|error]
    case $2 in
        collected) printf '{"path":"%s","status":"collected","mtime":"%s"}\n' "$(json "$1")" "$3" ;;
        absent) printf '{"path":"%s","status":"absent"}\n' "$(json "$1")" ;;
        failed) printf '{"path":"%s","status":"failed","error":"%s"}\n' "$(json "$1")" "$(json "$3")" ;;
    esac >> "$ENTRIES"
}

# Copies one host file (absolute path under ROOT) keeping its mode and times.
copy_file() {
    src="$ROOT$1"
    case $1 in
        *"
"*) return ;;
    esac
    grep -qxF "$1" "$ENTRIES.paths" 2>/dev/null && return
    echo "$1" >> "$ENTRIES.paths"
    if [ ! -e "$src" ] && [ ! -L "$src" ]; then
        entry "$1" absent
        return
    fi
    mkdir -p "$DEST$(dirname "$1")" 2>/dev/null
    if err=$(cp -p "$src" "$DEST$1" 2>&1); then
        entry "$1" collected "$(mtime "$src")"
    else
        rm -f "$DEST$1"
        entry "$1" failed "${err:-copy failed}"
    fi
}

# Copies a file with its password hashes cut to their state (shadow, gshadow: field 2).
copy_redacted() {
    src="$ROOT$1"
    echo "$1" >> "$ENTRIES.paths"
    if [ ! -e "$src" ]; then
        entry "$1" absent
        return
    fi
    mkdir -p "$DEST$(dirname "$1")"
    # shellcheck disable=SC2016 # `$des$` and `\$` are literal sed text.
    if err=$(sed -E -e 's/^([^:]*:[!*]*)(\$[^$:]*\$)[^:]*/\1\2/' \
        -e 's/^([^:]*:!*)([./0-9A-Za-z]{13}|_[./0-9A-Za-z]{19}):/\1$des$:/' \
        "$src" 2>&1 > "$DEST$1"); then
        touch -r "$src" "$DEST$1" 2>/dev/null
        chmod 600 "$DEST$1"
        entry "$1" collected "$(mtime "$src")"
    else
        rm -f "$DEST$1"
        entry "$1" failed "${err:-read failed}"
    fi
}

# Copies every regular file under a host directory (or the file itself).
copy_tree() {
    if [ -d "$ROOT$1" ] && [ ! -L "$ROOT$1" ]; then
        find "$ROOT$1" -xdev \( -type f -o -type l \) -print 2>/dev/null | while IFS= read -r f; do
            rel=${f#"$ROOT"}
            case $rel in
                # SSH host private keys and the moduli file stay on the host.
                /etc/ssh/ssh_host_*_key | /etc/ssh/moduli) continue ;;
            esac
            copy_file "$rel"
        done
    else
        copy_file "$1"
    fi
}

for f in /etc/passwd /etc/group /etc/hostname /etc/hosts /etc/nsswitch.conf /etc/login.defs \
    /etc/sudoers /etc/sudo.conf /etc/hosts.equiv /etc/inetd.conf /etc/xinetd.conf \
    /etc/vsftpd.conf /etc/krb5.conf /etc/default/grub /etc/my.cnf /etc/slapd.conf \
    /etc/ssh/sshd_config; do
    copy_file "$f"
done
copy_redacted /etc/shadow
copy_redacted /etc/gshadow
for d in /etc/sudoers.d /etc/ssh /etc/sssd /etc/audit /etc/systemd/journald.conf \
    /etc/systemd/journald.conf.d /etc/rsyslog.conf /etc/rsyslog.d /etc/syslog-ng /etc/syslog.conf \
    /etc/pam.d /etc/security /etc/xinetd.d /etc/vsftpd /etc/snmp /etc/samba /etc/postgresql \
    /var/lib/pgsql/data/pg_hba.conf /etc/mysql /etc/my.cnf.d /etc/ldap /etc/openldap /etc/apache2 /etc/httpd \
    /etc/nginx /etc/systemd/system/multi-user.target.wants/auditd.service; do
    copy_tree "$d"
done

# Per account (homes from passwd): key, trust and credential files and shell histories.
if [ -r "$ROOT/etc/passwd" ]; then
    cut -d: -f6 "$ROOT/etc/passwd" | sort -u | while IFS= read -r home; do
        case $home in
            /*) ;;
            *) continue ;;
        esac
        [ -d "$ROOT$home" ] || continue
        home=${home%/}
        for f in .ssh/authorized_keys .ssh/authorized_keys2 .rhosts .shosts .k5login \
            .bash_history .zsh_history .sh_history .history .ash_history .mysql_history .psql_history \
            .aws/credentials .aws/config .docker/config.json .git-credentials .config/git/credentials \
            .netrc .pgpass .npmrc .my.cnf .config/containers/auth.json; do
            [ -e "$ROOT$home/$f" ] && copy_file "$home/$f"
        done
    done
fi
printf '%s\n' "$EXTRA" | while IFS= read -r x; do
    [ -n "$x" ] && copy_tree "$x"
done

# Directories whose presence changes a default (journald Storage=auto).
DIRS=
if [ -d "$ROOT/var/log/journal" ]; then
    DIRS='"/var/log/journal"'
fi

{
    printf '{"host":"%s","collected_at":"%s","collector":"%s",' \
        "$(json "$HOST")" "$COLLECTED_AT" "$VERSION"
    printf '"root":"%s","times_preserved":true,"dirs_present":[%s],"files":[\n' \
        "$(json "${ROOT:-/}")" "$DIRS"
    sed '$!s/$/,/' "$ENTRIES"
    printf ']}\n'
} > "$DEST/manifest.json"
rm -f "$ENTRIES" "$ENTRIES.paths"

if tar -cf "$OUT/$HOST.tar" -C "$OUT" "$HOST"; then
    echo "collect-linux.sh: wrote $DEST/ and $OUT/$HOST.tar ($(grep -c '"collected"' "$DEST/manifest.json") files collected, $(grep -c '"failed"' "$DEST/manifest.json") failed)" >&2
else
    echo "collect-linux.sh: tar failed; the evidence is in $DEST/" >&2
    exit 1
fi
