#!/usr/bin/env bash
# start-samba-ad.sh -- a throwaway Samba Active Directory DC on 127.0.0.1 for resetgap's live-AD
# test (tests/samba.rs). Provisioned into a temp dir; only the ldap and kdc services run, in one
# process (`samba -M single`), bound to 127.0.0.1 only (ports 88, 389, 464, 636, 3268, 3269).
# LDAP simple binds need TLS (Samba's default, like a Windows DC that requires signing): use
# ldaps:// or StartTLS, verified with the throwaway CA written here.
#
#   tests/ldap/start-samba-ad.sh              start + seed; prints the env file path (last line)
#   tests/ldap/start-samba-ad.sh stop WORKDIR stop the samba started in WORKDIR, delete WORKDIR
#
# Exit codes: 0 started; 77 cannot run here (not root, a port is taken, packages missing and not
# installable) -- the reason is on stderr as "SKIP: ..."; anything else is a real failure.
#
# Environment:
#   SAMBA_INSTALL=auto|never  install samba, ldb-tools, ldap-utils, openssl, faketime with apt-get
#                             when missing (policy-rc.d keeps apt from starting the packaged
#                             daemons, which would listen on 0.0.0.0)
#
# The env file (WORKDIR/env.sh) exports AD_LDAP_URI AD_LDAPS_URI AD_BASE AD_REALM AD_BINDDN
# AD_BINDPW AD_CA SAMBA_PID SAMBA_WORKDIR. The admin password is a test value.
# Step timings go to stderr and WORKDIR/timings.tsv.
#
# Seeded accounts ("created N days ago": whenCreated, pwdLastSet and password metadata back-dated):
#   kim      created 400 days ago, msDS-KeyCredentialLink with KeyCreationTime 300 days ago,
#            then reset by an admin today                                                 (RG103)
#   grace    created 30 days ago, pwdLastSet refreshed by 0 then -1 today                 (RG104)
#   svc-sql  created 400 days ago, DONT_EXPIRE_PASSWORD, SPN                          (RG204, RG206)
#   dave     PASSWD_NOTREQD                                                               (RG205)
#   nina     created 30 days ago with "must change at next logon" (pwdLastSet 0)          (RG207)
#   alice    created 400 days ago, member of Domain Admins                                (RG302)
#   erin     adminCount 1, in no privileged group                                         (RG303)
#   rita     ENCRYPTED_TEXT_PWD_ALLOWED                                                   (RG502)
#   henry    a userPassword attribute value                                               (RG503)
#   bob      created 400 days ago, reset by an admin today (nothing should fire), member of
#            Helpdesk, which may reset alice's password (User-Force-Change-Password ACE)  (RG606)
#   svc-sql  also holds DS-Replication-Get-Changes(-All) on the domain (DCSync)           (RG606)
#   ws01$    enabled, legacy LAPS expired 60 days ago; ws02$ Windows LAPS current;
#   ws03$    enabled, no LAPS                                                             (RG304)
set -euo pipefail

IP=127.0.0.1
REALM=RESETGAP.TEST
DOMAIN=RESETGAP
HOST=dc1
DNSDOMAIN=resetgap.test
BASE=DC=resetgap,DC=test
SCHEMA="CN=Schema,CN=Configuration,$BASE"
ADMIN_PW='Adm1n-Test-Only!7'
ADMIN_DN="CN=Administrator,CN=Users,$BASE"
PORTS="88 389 464 636 3268 3269"

log()  { printf '[start-samba-ad] %s\n' "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }
now()  { date +%s.%N; }
TIMINGS=""
STEP=""
# timed LABEL CMD...: runs CMD with set -e in force (so never as `timed ... || ...`, which would
# switch it off inside CMD): a failing command ends the script through the EXIT trap, which
# names the step.
timed() {
  local label=$1 t0 dt; shift
  STEP=$label
  t0=$(now)
  "$@"
  dt=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  log "TIMING $label: ${dt}s"
  TIMINGS="$TIMINGS$label	$dt
"
  STEP=""
}

# Pids of samba processes (by executable) that hold files of DIR open or run in it. Samba
# rewrites its argv ("samba: root process"), so the command line cannot identify it.
samba_pids_of() {
  local dir=$1 exe p
  exe=$(command -v samba 2>/dev/null || echo /usr/sbin/samba)
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/exe" 2>/dev/null)" = "$exe" ] || continue
    if ls -l "$p/fd" 2>/dev/null | grep -qF -- "$dir/" || [ "$(readlink "$p/cwd" 2>/dev/null)" = "$dir" ]; then
      echo "${p#/proc/}"
    fi
  done
}

stop_dir() {
  local dir=$1 pid pids
  pid=$(cat "$dir/run/samba.pid" 2>/dev/null || true)
  pids=$( { [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(command -v samba)" ] && echo "$pid"; samba_pids_of "$dir"; } | sort -u)
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    pids=$(for p in $pids; do if kill -0 "$p" 2>/dev/null; then echo "$p"; fi; done)
    [ -n "$pids" ] || break
    sleep 0.1
  done
  if [ -n "$pids" ]; then
    log "samba $pids still alive after 5 s, sending KILL"
    # shellcheck disable=SC2086
    kill -9 $pids 2>/dev/null || true
    sleep 0.2
  fi
}

# ------------------------------------------------------------------------------------ stop --
if [ "${1:-}" = stop ]; then
  dir=${2:?usage: $0 stop WORKDIR}
  dir=$(cd "$dir" 2>/dev/null && pwd) || exit 0
  stop_dir "$dir"
  left=$(samba_pids_of "$dir")
  [ -z "$left" ] || die "samba $left of $dir is still running; not deleting $dir"
  case "$dir" in */resetgap-samba.*) rm -rf "$dir" ;; esac
  exit 0
fi

# ------------------------------------------------------------------------ preconditions --
[ "$(id -u)" -eq 0 ] || skip "not root: a Samba AD DC runs as root and binds ports 88/389/636"
for port in $PORTS; do
  if ss -Hltnu "sport = :$port" 2>/dev/null | awk '{print $5}' \
      | grep -qE "^($IP|0\.0\.0\.0|\*|\[::\]|\[::ffff:$IP\]):$port$"; then
    skip "port $port on $IP is already taken (another DC or LDAP server is running)"
  fi
done

# -------------------------------------------------------------------------------- packages --
PKGS="samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind ldb-tools ldap-utils openssl faketime"
missing() {
  ! command -v samba-tool >/dev/null || ! command -v samba >/dev/null \
    || ! command -v ldbmodify >/dev/null || ! command -v ldapmodify >/dev/null \
    || ! command -v openssl >/dev/null || ! command -v faketime >/dev/null \
    || [ ! -d /usr/share/samba/setup ]
}
install_packages() {
  local made_policy=0 rc=0
  # invoke-rc.d and deb-systemd-invoke honour policy-rc.d exit 101: no packaged daemon starts
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PKGS >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PKGS >/dev/null 2>&1; } \
    || rc=$?
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  return $rc
}
if missing; then
  if [ "${SAMBA_INSTALL:-auto}" = never ]; then
    missing && skip "Samba AD DC packages are not installed (SAMBA_INSTALL=never)"
  elif ! command -v apt-get >/dev/null; then
    missing && skip "Samba AD DC packages are not installed and there is no apt-get"
  else
    t0=$(now)
    install_packages || log "apt-get install failed"
    dt=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
    log "TIMING apt-install: ${dt}s"
    TIMINGS="apt-install	$dt
"
    missing && skip "apt-get could not install: $PKGS"
  fi
fi
SAMBA=$(command -v samba)
# the interpreter samba-tool runs under has Samba's Python bindings
SAMBA_PYTHON=$(sed -n '1s/^#! *//p' "$(command -v samba-tool)" | awk '{print $1}')
"$SAMBA_PYTHON" -c 'import samba.samdb' 2>/dev/null || skip "no Python with Samba's bindings ($SAMBA_PYTHON)"

# ------------------------------------------------------------------------------- provision --
W=$(mktemp -d --tmpdir resetgap-samba.XXXXXX)
mkdir -p "$W/run" "$W/log" "$W/tls"
CONF="$W/etc/smb.conf"
LDAP_URI="ldap://$IP"
LDAPS_URI="ldaps://$IP"
on_exit() {
  local rc=$?
  [ "$rc" -eq 0 ] && return
  [ -n "$STEP" ] && log "ERROR: step '$STEP' failed (rc=$rc)"
  case "$STEP" in
    provision) tail -20 "$W/log/provision.log" >&2 ;;
    start|seed) tail -30 "$W/log/samba.log" >&2 2>/dev/null ;;
  esac
  log "stopping what was started in $W"
  stop_dir "$W"
  [ -n "${KEEP_WORKDIR:-}" ] || rm -rf "$W"
}
trap on_exit EXIT
: > "$W/seed.conf"   # empty: neither read nor write /etc/samba/smb.conf

provision() {
  samba-tool domain provision -s "$W/seed.conf" --targetdir="$W" \
    --realm="$REALM" --domain="$DOMAIN" --server-role=dc --dns-backend=NONE \
    --host-name="$HOST" --host-ip="$IP" --adminpass="$ADMIN_PW" --backend-store=mdb \
    --option="interfaces=$IP" --option="bind interfaces only=yes" \
    --option="pid directory=$W/run" --option="log file=$W/log/samba.log" \
    --option="server services=ldap kdc" > "$W/log/provision.log" 2>&1
}
timed provision provision

# Throwaway CA + server certificate: Samba's own certificate names only dc1.<realm>, so a client
# that connects to 127.0.0.1 and verifies it would fail.
make_tls() (
  cd "$W/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=resetgap samba test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout key.pem -out server.csr -subj "/CN=$HOST.$DNSDOMAIN" 2>/dev/null
  printf 'subjectAltName=IP:%s,DNS:%s.%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    "$IP" "$HOST" "$DNSDOMAIN" > ext.cnf
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -out cert.pem -extfile ext.cnf 2>/dev/null
  chmod 600 key.pem ca.key   # samba refuses a key that others can read
)
timed tls make_tls

# provision does not keep these; add them to [global]
EXTRA="	tls enabled = yes
	tls keyfile = $W/tls/key.pem
	tls certfile = $W/tls/cert.pem
	tls cafile = $W/tls/ca.pem"
awk -v add="$EXTRA" '{ print } /^\[global\]$/ { print add }' "$CONF" > "$CONF.new" && mv "$CONF.new" "$CONF"

# Samba 4.17 ships the 2012 R2 schema: add msDS-KeyCredentialLink (2016 schema, with its
# backlink) and the two LAPS expiration attributes, with Microsoft's OIDs, linkIDs and syntaxes.
cat > "$W/schema.ldif" <<EOF
dn: CN=ms-DS-Key-Credential-Link,$SCHEMA
objectClass: attributeSchema
cn: ms-DS-Key-Credential-Link
attributeID: 1.2.840.113556.1.4.2328
attributeSyntax: 2.5.5.7
oMSyntax: 127
oMObjectClass:: KoZIhvcUAQEBCw==
isSingleValued: FALSE
linkID: 2220
lDAPDisplayName: msDS-KeyCredentialLink
schemaIDGUID:: D9ZHW5BgskCfNypN6I8wYw==
searchFlags: 0
showInAdvancedViewOnly: TRUE

dn: CN=ms-DS-Key-Credential-Link-BL,$SCHEMA
objectClass: attributeSchema
cn: ms-DS-Key-Credential-Link-BL
attributeID: 1.2.840.113556.1.4.2329
attributeSyntax: 2.5.5.1
oMSyntax: 127
oMObjectClass:: KwwCh3McAIVK
isSingleValued: FALSE
linkID: 2221
lDAPDisplayName: msDS-KeyCredentialLink-BL
schemaIDGUID:: iNeKk18i7k6Tua0koVnh2w==
searchFlags: 0
showInAdvancedViewOnly: TRUE

dn: CN=ms-Mcs-AdmPwdExpirationTime,$SCHEMA
objectClass: attributeSchema
cn: ms-Mcs-AdmPwdExpirationTime
attributeID: 1.2.840.113556.1.8000.2554.50051.45980.28112.18903.35903.6685103.1224907.2.2
attributeSyntax: 2.5.5.16
oMSyntax: 65
isSingleValued: TRUE
lDAPDisplayName: ms-Mcs-AdmPwdExpirationTime
searchFlags: 0

dn: CN=ms-LAPS-PasswordExpirationTime,$SCHEMA
objectClass: attributeSchema
cn: ms-LAPS-PasswordExpirationTime
attributeID: 1.2.840.113556.1.6.44.1.1
attributeSyntax: 2.5.5.16
oMSyntax: 65
isSingleValued: TRUE
lDAPDisplayName: msLAPS-PasswordExpirationTime
searchFlags: 0

EOF
cat > "$W/classes.ldif" <<EOF
dn: CN=User,$SCHEMA
changetype: modify
add: mayContain
mayContain: msDS-KeyCredentialLink

dn: CN=Top,$SCHEMA
changetype: modify
add: mayContain
mayContain: msDS-KeyCredentialLink-BL

dn: CN=Computer,$SCHEMA
changetype: modify
add: mayContain
mayContain: ms-Mcs-AdmPwdExpirationTime
mayContain: msLAPS-PasswordExpirationTime

EOF
schema() {
  ldbadd -H "$W/private/sam.ldb" --option="dsdb:schema update allowed=true" "$W/schema.ldif" >/dev/null
  ldbmodify -H "$W/private/sam.ldb" --option="dsdb:schema update allowed=true" "$W/classes.ldif" >/dev/null
}
timed schema schema

# -------------------------------------------------------------------------------- start --
start() {
  "$SAMBA" -D -M single -s "$CONF"
  for _ in $(seq 1 300); do
    LDAPTLS_CACERT="$W/tls/ca.pem" ldapsearch -x -H "$LDAPS_URI" -b "" -s base -LLL dnsHostName >/dev/null 2>&1 \
      && return 0
    sleep 0.1
  done
  log "samba did not answer on $LDAPS_URI within 30 s"
  return 1
}
timed start start
SAMBA_PID=$(cat "$W/run/samba.pid") || die "samba wrote no pid file"
if ss -Hltnup 2>/dev/null | grep -F "pid=$SAMBA_PID," | awk '{print $5}' | grep -qvE "^($IP|\[::ffff:$IP\]):"; then
  die "samba listens on an address other than $IP"
fi

# ---------------------------------------------------------------------------------- seed --
ST() { samba-tool "$@" -s "$CONF" >/dev/null; }
# "Old" accounts are made in two steps. samba-tool writes sam.ldb in its own process, so under
# faketime it stores a back-dated pwdLastSet (which no LDAP client can set). whenCreated and the
# replication metadata of the password attributes (what tells a password change from a
# pwdLastSet refresh) are then back-dated by backdate.py with Samba's own Python bindings: the
# relax control for whenCreated, the change-replmetadata control that dbcheck uses for the
# metadata.
ST_AGO() {   # ST_AGO DAYS samba-tool-args...
  local days=$1; shift
  FAKETIME_DONT_FAKE_MONOTONIC=1 faketime "$days days ago" samba-tool "$@" -s "$CONF" >/dev/null
}
cat > "$W/backdate.py" <<'PY'
"""backdate.py CONF DN:DAYS:ATTR,ATTR... -- whenCreated and the metadata times of ATTRs of DN
set to DAYS days ago, on the local sam.ldb (works while samba runs)."""
import sys, time
import ldb
from samba.auth import system_session
from samba.dcerpc import drsblobs
from samba.ndr import ndr_pack, ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB

lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=lp.samdb_url(), lp=lp, session_info=system_session())
for spec in sys.argv[2:]:
    dn, days, attrs = spec.split(":")
    unix = int(time.time() - float(days) * 86400)
    names = {a.lower() for a in attrs.split(",")}
    m = ldb.Message()
    m.dn = ldb.Dn(db, dn)
    m["whenCreated"] = ldb.MessageElement(ldb.timestring(unix), ldb.FLAG_MOD_REPLACE, "whenCreated")
    db.modify(m, ["relax:0"])
    res = db.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["replPropertyMetaData"])
    blob = ndr_unpack(drsblobs.replPropertyMetaDataBlob, res[0]["replPropertyMetaData"][0])
    done = set()
    for o in blob.ctr.array:
        name = db.get_lDAPDisplayName_by_attid(o.attid).lower()
        if name in names:
            usn = db.sequence_number(ldb.SEQ_NEXT)
            # NTTIME in 100 ns units; the blob keeps whole seconds
            o.originating_change_time = (unix + 11644473600) * 10**7
            o.originating_usn = usn
            o.local_usn = usn
            done.add(name)
    if done != names:
        sys.exit(f"{dn}: no metadata for {sorted(names - done)}")
    m = ldb.Message()
    m.dn = ldb.Dn(db, dn)
    m["replPropertyMetaData"] = ldb.MessageElement(ndr_pack(blob), ldb.FLAG_MOD_REPLACE, "replPropertyMetaData")
    db.modify(m, ["local_oid:1.3.6.1.4.1.7165.4.3.14:0"])
PY
backdate() {   # backdate DAYS [+pwdLastSet] CN...
  local days=$1 extra="" specs=() cn; shift
  [ "$1" = +pwdLastSet ] && { extra=",pwdLastSet"; shift; }
  for cn in "$@"; do
    specs+=("CN=$cn,CN=Users,$BASE:$days:unicodePwd,ntPwdHistory,dBCSPwd,lmPwdHistory,supplementalCredentials$extra")
  done
  "$SAMBA_PYTHON" "$W/backdate.py" "$CONF" "${specs[@]}"
}
export LDAPTLS_CACERT="$W/tls/ca.pem"
MOD=(ldapmodify -x -H "$LDAPS_URI" -D "$ADMIN_DN" -w "$ADMIN_PW")
filetime_days_ago() { awk -v d="$1" -v t="$(date +%s)" 'BEGIN { printf "%.0f\n", (t - d * 86400 + 11644473600) * 10000000 }'; }

seed() {
  ST_AGO 400 user create kim 'Kim-Pass-1!x'
  ST_AGO 400 user create bob 'Bob-Pass-1!x'
  ST_AGO 30 user create grace 'Grace-Pass-1!x'
  ST_AGO 400 user create svc-sql 'Svc-Sql-Pass-1!x'
  ST user setexpiry svc-sql --noexpiry
  ST spn add "MSSQLSvc/db01.$DNSDOMAIN:1433" svc-sql
  ST user create dave 'Dave-Pass-1!x'
  ST_AGO 30 user create nina 'Nina-Pass-1!x' --must-change-at-next-login
  ST_AGO 400 user create alice 'Alice-Pass-1!x'
  ST group addmembers "Domain Admins" alice
  ST user create erin 'Erin-Pass-1!x'
  ST user create rita 'Rita-Pass-1!x'
  ST user create henry 'Henry-Pass-1!x'
  ST computer create ws01
  ST computer create ws02
  ST computer create ws03
  backdate 400 +pwdLastSet kim bob alice svc-sql
  backdate 30 +pwdLastSet nina
  backdate 30 grace   # its pwdLastSet metadata becomes "now" with the refresh below

  # kim's key credential: a KEYCREDENTIALLINK_BLOB (MS-ADTS 2.2.20), version 0x200 then
  # (length, id, value) entries; fake key material, KeyCreationTime (id 9) 300 days ago.
  local kcl
  kcl=$(python3 - "CN=kim,CN=Users,$BASE" <<'PY'
import hashlib, os, struct, sys, time
def entry(i, d): return struct.pack('<HB', len(d), i) + d
created = int((time.time() - 300 * 86400 + 11644473600) * 10**7)
material = os.urandom(270)
blob = (struct.pack('<I', 0x200) + entry(1, hashlib.sha256(material).digest()) + entry(3, material)
        + entry(4, b'\x01') + entry(5, b'\x00') + entry(9, struct.pack('<Q', created)))
h = blob.hex().upper()
print(f"B:{len(h)}:{h}:{sys.argv[1]}")
PY
)
  {
    printf 'dn: CN=kim,CN=Users,%s\nchangetype: modify\nadd: msDS-KeyCredentialLink\nmsDS-KeyCredentialLink: %s\n\n' "$BASE" "$kcl"
    printf 'dn: CN=svc-sql,CN=Users,%s\nchangetype: modify\nreplace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 4\n\n' "$BASE"
    printf 'dn: CN=dave,CN=Users,%s\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 544\n\n' "$BASE"
    printf 'dn: CN=erin,CN=Users,%s\nchangetype: modify\nreplace: adminCount\nadminCount: 1\n\n' "$BASE"
    printf 'dn: CN=rita,CN=Users,%s\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 640\n\n' "$BASE"
    printf 'dn: CN=henry,CN=Users,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: Henry-Legacy-Copy-1\n\n' "$BASE"
    # grace: the "refresh" (0 then -1) sets pwdLastSet to now and leaves the password alone
    printf 'dn: CN=grace,CN=Users,%s\nchangetype: modify\nreplace: pwdLastSet\npwdLastSet: 0\n\n' "$BASE"
    printf 'dn: CN=grace,CN=Users,%s\nchangetype: modify\nreplace: pwdLastSet\npwdLastSet: -1\n\n' "$BASE"
    # computers: enabled (samba-tool creates them disabled); LAPS stale / current / missing
    local c
    for c in ws01 ws02 ws03; do
      printf 'dn: CN=%s,CN=Computers,%s\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 4096\n\n' "$c" "$BASE"
    done
    printf 'dn: CN=ws01,CN=Computers,%s\nchangetype: modify\nreplace: ms-Mcs-AdmPwdExpirationTime\nms-Mcs-AdmPwdExpirationTime: %s\n\n' "$BASE" "$(filetime_days_ago 60)"
    printf 'dn: CN=ws02,CN=Computers,%s\nchangetype: modify\nreplace: msLAPS-PasswordExpirationTime\nmsLAPS-PasswordExpirationTime: %s\n\n' "$BASE" "$(filetime_days_ago -20)"
  } > "$W/seed.ldif"
  "${MOD[@]}" -f "$W/seed.ldif" >/dev/null
  # admin resets after the key was written (kim) and of a plain user (bob)
  ST user setpassword kim --newpassword='Kim-Reset-2!x'
  ST user setpassword bob --newpassword='Bob-Reset-2!x'
  # RG606: the help desk (bob) may reset alice, a Domain Admin; svc-sql may replicate every hash.
  ST group add Helpdesk
  ST group addmembers Helpdesk bob
  local hd
  hd=$(samba-tool group show Helpdesk --attributes=objectSid -s "$CONF" | awk '/^objectSid:/ {print $2}')
  ST dsacl set --objectdn="CN=alice,CN=Users,$BASE" --sddl="(OA;;CR;00299570-246d-11d0-a768-00aa006e0529;;$hd)"
  ST dsacl set --objectdn="$BASE" --car=get-changes --action=allow --trusteedn="CN=svc-sql,CN=Users,$BASE"
  ST dsacl set --objectdn="$BASE" --car=get-changes-all --action=allow --trusteedn="CN=svc-sql,CN=Users,$BASE"
}
timed seed seed

cat > "$W/env.sh" <<EOF
export AD_LDAP_URI='$LDAP_URI'
export AD_LDAPS_URI='$LDAPS_URI'
export AD_BASE='$BASE'
export AD_REALM='$REALM'
export AD_BINDDN='$ADMIN_DN'
export AD_BINDPW='$ADMIN_PW'
export AD_CA='$W/tls/ca.pem'
export SAMBA_PID='$SAMBA_PID'
export SAMBA_WORKDIR='$W'
EOF
printf '%s' "$TIMINGS" > "$W/timings.tsv"
log "samba pid $SAMBA_PID on $LDAP_URI (StartTLS) and $LDAPS_URI, base $BASE; stop: $0 stop $W"
echo "$W/env.sh"
