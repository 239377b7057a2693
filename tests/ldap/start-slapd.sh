#!/usr/bin/env bash
# start-slapd.sh -- a throwaway OpenLDAP slapd on 127.0.0.1 for resetgap's live-LDAP tests and
# benchmark. Listens on ldap:// (StartTLS offered), ldaps:// and a private ldapi:// socket only.
#
#   tests/ldap/start-slapd.sh [WORKDIR]     start; prints the env file path on stdout (last line)
#   tests/ldap/start-slapd.sh stop WORKDIR  stop the slapd started in WORKDIR (by its pid) and delete WORKDIR
#
# Environment:
#   SLAPD_PORT / SLAPD_TLS_PORT  ports on 127.0.0.1 (default: free ports chosen here)
#   SLAPD_BULK_USERS=N           also load N generated users offline with slapadd (benchmark)
#   SLAPD_GARBAGE=1              also add uid=eve whose jpegPhoto and sshPublicKey are random bytes
#   SLAPD_INSTALL=auto|never     install slapd + ldap-utils with apt-get when missing (root only)
#
# The env file (WORKDIR/env.sh) exports LDAP_URI LDAPS_URI LDAPI_URI LDAP_BASE LDAP_BINDDN
# LDAP_BINDPW LDAP_CA SLAPD_PID SLAPD_WORKDIR. The admin password is a throwaway test value.
set -euo pipefail

SUFFIX=dc=example,dc=test
ADMIN_DN="cn=admin,$SUFFIX"
ADMIN_PW=admin-test-only
SLAPD=/usr/sbin/slapd
SLAPADD=/usr/sbin/slapadd
log() { printf '[start-slapd] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [ "${1:-}" = stop ]; then
  dir=${2:?usage: $0 stop WORKDIR}
  if [ -f "$dir/slapd.pid" ]; then
    pid=$(cat "$dir/slapd.pid")
    # only our own slapd: its command line names this work dir
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$dir/slapd.d"; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  case "$dir" in */resetgap-slapd.*) rm -rf "$dir" ;; esac
  exit 0
fi

# ---- packages: slapd + ldap-utils, with no system database and no service on port 389
if [ ! -x "$SLAPD" ] || ! command -v ldapsearch >/dev/null || ! command -v ldappasswd >/dev/null; then
  [ "${SLAPD_INSTALL:-auto}" = never ] && die "slapd/ldap-utils are not installed (SLAPD_INSTALL=never)"
  [ "$(id -u)" -eq 0 ] || die "slapd/ldap-utils are not installed and this is not root: apt-get install slapd ldap-utils"
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends slapd ldap-utils >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends slapd ldap-utils >/dev/null; } \
    || die "apt-get install slapd ldap-utils failed"
fi
command -v openssl >/dev/null || die "openssl is needed for the test certificates"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}
PORT=${SLAPD_PORT:-$(free_port)}
TLS_PORT=${SLAPD_TLS_PORT:-$(free_port)}
[ "$PORT" != "$TLS_PORT" ] || TLS_PORT=$((PORT + 1))

W=${1:-$(mktemp -d --tmpdir resetgap-slapd.XXXXXX)}
mkdir -p "$W"
[ -e "$W/slapd.d" ] && die "$W already holds a slapd config"
mkdir -p "$W/slapd.d" "$W/data" "$W/tls"
W=$(cd "$W" && pwd)

# ---- throwaway CA and server certificate (IP SAN 127.0.0.1, DNS localhost)
(
  cd "$W/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=resetgap test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out server.pem -extfile ext.cnf 2>/dev/null
  chmod 600 server.key ca.key
)

LDAP_URI="ldap://127.0.0.1:$PORT"
LDAPS_URI="ldaps://127.0.0.1:$TLS_PORT"
LDAPI_URI="ldapi://$(printf '%s' "$W/ldapi" | sed 's,/,%2F,g')"
ADMIN_HASH=$(slappasswd -h '{SSHA}' -s "$ADMIN_PW")
PEERCRED_DN="gidNumber=$(id -g)+uidNumber=$(id -u),cn=peercred,cn=external,cn=auth"

cat > "$W/config.ldif" <<LDIF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $W/slapd.pid
olcArgsFile: $W/slapd.args
olcLogLevel: none
olcTLSCACertificateFile: $W/tls/ca.pem
olcTLSCertificateFile: $W/tls/server.pem
olcTLSCertificateKeyFile: $W/tls/server.key

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: {0}back_mdb
olcModuleLoad: {1}ppolicy
olcModuleLoad: {2}memberof

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

# openssh-lpk (sshPublicKey), as published by the openssh-lpk project
dn: cn=openssh-lpk,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: openssh-lpk
olcAttributeTypes: ( 1.3.6.1.4.1.24552.500.1.1.1.13 NAME 'sshPublicKey' DESC 'MANDATORY: OpenSSH Public key' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 )
olcObjectClasses: ( 1.3.6.1.4.1.24552.500.1.1.2.0 NAME 'ldapPublicKey' SUP top AUXILIARY DESC 'MANDATORY: OpenSSH LPK objectclass' MUST uid MAY sshPublicKey )

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcAccess: {0}to dn.exact="" by * read
olcAccess: {1}to dn.base="cn=Subschema" by * read

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcRootDN: $PEERCRED_DN

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $SUFFIX
olcRootDN: $ADMIN_DN
olcRootPW: $ADMIN_HASH
olcDbDirectory: $W/data
olcDbMaxSize: 4294967296
olcDbNoSync: TRUE
olcDbIndex: objectClass eq
olcDbIndex: uid eq
olcLastBind: TRUE
olcLimits: {0}users size.soft=1000 size.hard=1000 size.pr=1000 size.prtotal=unlimited
olcAccess: {0}to attrs=userPassword by self =w by anonymous auth by * none
olcAccess: {1}to * by users read by * none

dn: olcOverlay={0}memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {0}memberof
olcMemberOfRefInt: TRUE
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf

dn: olcOverlay={1}ppolicy,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {1}ppolicy
olcPPolicyDefault: cn=default,ou=policies,$SUFFIX
olcPPolicyHashCleartext: TRUE
olcPPolicyUseLockout: TRUE
LDIF
"$SLAPADD" -n0 -F "$W/slapd.d" -l "$W/config.ldif" -q || die "slapadd of cn=config failed"

cat > "$W/base.ldif" <<LDIF
dn: $SUFFIX
objectClass: dcObject
objectClass: organization
dc: example
o: Example Test

dn: ou=people,$SUFFIX
objectClass: organizationalUnit
ou: people

dn: ou=groups,$SUFFIX
objectClass: organizationalUnit
ou: groups

dn: ou=policies,$SUFFIX
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,$SUFFIX
objectClass: organizationalRole
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdMaxAge: 7776000
pwdMustChange: TRUE
pwdAllowUserChange: TRUE
pwdLockout: TRUE
pwdMaxFailure: 3

LDIF

if [ "${SLAPD_BULK_USERS:-0}" -gt 0 ]; then
  # offline load (slapadd): fast, and may carry operational attributes such as pwdChangedTime
  HASH=$(slappasswd -h '{SSHA}' -s 'Bulk-Test-Pass-1')
  awk -v n="$SLAPD_BULK_USERS" -v suffix="$SUFFIX" -v hash="$HASH" -v now="$(date -u +%s)" 'BEGIN {
    srand(7)
    for (i = 1; i <= n; i++) {
      uid = sprintf("bulk%06d", i); age = int(rand() * 1500)
      printf "dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\n", uid, suffix
      printf "uid: %s\ncn: Bulk User %d\nsn: User%d\nmail: %s@example.test\n", uid, i, i, uid
      printf "uidNumber: %d\ngidNumber: 10000\nhomeDirectory: /home/%s\nuserPassword: %s\n", 20000 + i, uid, hash
      printf "pwdChangedTime: %s\n", strftime("%Y%m%d%H%M%SZ", now - age * 86400, 1)
      if (i % 50 == 0) print "pwdReset: TRUE"
      print ""
    }
  }' > "$W/bulk.ldif"
  cat "$W/base.ldif" "$W/bulk.ldif" > "$W/offline.ldif"
  "$SLAPADD" -q -F "$W/slapd.d" -b "$SUFFIX" -l "$W/offline.ldif" || die "slapadd of $SLAPD_BULK_USERS users failed"
  rm -f "$W/bulk.ldif" "$W/offline.ldif"
  BASE_LOADED=1
else
  BASE_LOADED=0
fi

# ---- start: loopback TCP (ldap + ldaps) and the private socket only
"$SLAPD" -h "$LDAP_URI/ $LDAPS_URI/ $LDAPI_URI" -F "$W/slapd.d" || die "slapd did not start"
for _ in $(seq 1 100); do
  ldapsearch -x -H "$LDAP_URI" -b "" -s base -LLL namingContexts >/dev/null 2>&1 && break
  sleep 0.1
done
SLAPD_PID=$(cat "$W/slapd.pid" 2>/dev/null) || die "slapd wrote no pid file"
trap 'rc=$?; [ $rc -eq 0 ] || { log "failed (rc=$rc), stopping slapd $SLAPD_PID"; kill "$SLAPD_PID" 2>/dev/null || true; }' EXIT
ldapsearch -x -H "$LDAP_URI" -b "" -s base -LLL namingContexts >/dev/null || die "slapd is not answering on $LDAP_URI"

ADD=(ldapadd -x -H "$LDAP_URI" -D "$ADMIN_DN" -w "$ADMIN_PW" -f)
[ "$BASE_LOADED" = 1 ] || "${ADD[@]}" "$W/base.ldif" >/dev/null

cat > "$W/users.ldif" <<LDIF
dn: uid=alice,ou=people,$SUFFIX
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: ldapPublicKey
uid: alice
cn: Alice Admin
sn: Admin
uidNumber: 10001
gidNumber: 10000
homeDirectory: /home/alice
userPassword: Alice-Test-Pass-1
sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM1i5sCx82NH5qbgVfHe3qVmasfqvxRD+K20SIVbtPl7 alice@laptop

dn: uid=bob,ou=people,$SUFFIX
objectClass: inetOrgPerson
objectClass: posixAccount
uid: bob
cn: Bob User
sn: User
uidNumber: 10002
gidNumber: 10000
homeDirectory: /home/bob
userPassword: Bob-Test-Pass-1

dn: uid=carol,ou=people,$SUFFIX
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: ldapPublicKey
uid: carol
cn: Carol Contractor
sn: Contractor
uidNumber: 10003
gidNumber: 10000
homeDirectory: /home/carol
userPassword: Carol-Test-Pass-1

dn: uid=dave,ou=people,$SUFFIX
objectClass: inetOrgPerson
objectClass: posixAccount
uid: dave
cn: Dave NoPassword
sn: NoPassword
uidNumber: 10004
gidNumber: 10000
homeDirectory: /home/dave

dn: cn=ldap-admins,ou=groups,$SUFFIX
objectClass: groupOfNames
cn: ldap-admins
member: uid=alice,ou=people,$SUFFIX
member: uid=carol,ou=people,$SUFFIX
LDIF
"${ADD[@]}" "$W/users.ldif" >/dev/null

# carol's SSH key is added after the fact (a credential a directory reset does not touch)
ldapmodify -x -H "$LDAP_URI" -D "$ADMIN_DN" -w "$ADMIN_PW" >/dev/null <<LDIF
dn: uid=carol,ou=people,$SUFFIX
changetype: modify
add: sshPublicKey
sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL7bkV27Uf/0dzeMq2P8HnAt1Rh1EV8uqS3dPSrRzRg9 carol@contractor
LDIF

if [ "${SLAPD_GARBAGE:-0}" = 1 ]; then
  GARBAGE=$(head -c 96 /dev/urandom | base64 -w0)
  "${ADD[@]}" /dev/stdin >/dev/null <<LDIF
dn: uid=eve,ou=people,$SUFFIX
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: ldapPublicKey
uid: eve
cn: Eve Garbage
sn: Garbage
uidNumber: 10005
gidNumber: 10000
homeDirectory: /home/eve
userPassword: Eve-Test-Pass-1
jpegPhoto:: $GARBAGE
sshPublicKey:: $GARBAGE
LDIF
fi

# ---- admin resets (RFC 3062 Password Modify): ppolicy sets pwdChangedTime and, because
# pwdMustChange is TRUE, pwdReset: TRUE
sleep 1
for u in bob carol; do
  ldappasswd -x -H "$LDAP_URI" -D "$ADMIN_DN" -w "$ADMIN_PW" -s "Reset-${u}-Test-2" "uid=$u,ou=people,$SUFFIX" >/dev/null
done
# a successful bind for alice (pwdLastSuccess)
ldapwhoami -x -H "$LDAP_URI" -D "uid=alice,ou=people,$SUFFIX" -w Alice-Test-Pass-1 >/dev/null

cat > "$W/env.sh" <<ENV
export LDAP_URI='$LDAP_URI'
export LDAPS_URI='$LDAPS_URI'
export LDAPI_URI='$LDAPI_URI'
export LDAP_BASE='$SUFFIX'
export LDAP_BINDDN='$ADMIN_DN'
export LDAP_BINDPW='$ADMIN_PW'
export LDAP_CA='$W/tls/ca.pem'
export SLAPD_PID='$SLAPD_PID'
export SLAPD_WORKDIR='$W'
ENV
log "slapd pid $SLAPD_PID on $LDAP_URI (StartTLS) and $LDAPS_URI; stop: $0 stop $W"
echo "$W/env.sh"
