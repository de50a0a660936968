# Shared helpers for pressroom's scripts: install what a check needs when it
# is missing. Sourced, not run.

# apt-get update once per run, then install the named Debian packages.
apt_install() {
  if [ -z "${PRESSROOM_APT_UPDATED:-}" ]; then
    echo "==> apt-get update" >&2
    apt-get update -q >/dev/null
    export PRESSROOM_APT_UPDATED=1
  fi
  echo "==> apt-get install $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

# need_cmd COMMAND PACKAGE...: installs PACKAGE(s) unless COMMAND exists.
need_cmd() {
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 || apt_install "$@"
}

# The npm tools of scripts/node (vnu-jar, axe-core, playwright-core,
# doiuse-email, and oidc-provider with jose for the desk's sign-in tests).
need_node_tools() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/node"
  if [ ! -d "$dir/node_modules/axe-core" ] || [ ! -d "$dir/node_modules/playwright-core" ] || [ ! -d "$dir/node_modules/vnu-jar" ] || [ ! -d "$dir/node_modules/@jsx-email/doiuse-email" ] || [ ! -d "$dir/node_modules/oidc-provider" ] || [ ! -d "$dir/node_modules/jose" ] || [ ! -d "$dir/node_modules/lighthouse" ]; then
    echo "==> npm ci in scripts/node" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# need_py MODULE PACKAGE: pip-installs PACKAGE unless MODULE imports.
need_py() {
  python3 -c "import $1" 2>/dev/null || { echo "==> pip install $2" >&2; python3 -m pip install -q "$2"; }
}

# The pressroom binary: PRESSROOM_BIN when set (.ci/run builds one release
# binary for every script), else the release build (built if out of date).
pressroom_bin() {
  if [ -n "${PRESSROOM_BIN:-}" ]; then
    echo "$PRESSROOM_BIN"
    return
  fi
  # The release build, as README's test command and CI use (a debug build
  # would be a second build of every dependency, minutes on two cores).
  echo "pressroom: using the release build (set PRESSROOM_BIN to use another binary)" >&2
  cargo build -q --release --bin pressroom >&2
  echo "$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/pressroom"
}

# postfix_start PORT MAIL_BASE VMAILBOX_FILE [SETTING=VALUE...]: (installs
# and) starts Postfix on 127.0.0.1:PORT, loopback only, delivering the
# virtual mailboxes listed in VMAILBOX_FILE ("address domain/user/" lines)
# as Maildirs under MAIL_BASE; its domains are the ones the file names.
# Extra settings go to postconf last. Stop it with `postfix stop`.
postfix_start() {
  local port=$1 base=$2 map=$3; shift 3
  if ! command -v postfix >/dev/null 2>&1; then
    echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
    echo "postfix postfix/mailname string pressroom-e2e.localdomain" | debconf-set-selections
    apt_install postfix
  fi
  # Postfix installed with "No configuration" has no main.cf, and postmap
  # and postconf need one: Debian's own starting point.
  [ -f /etc/postfix/main.cf ] || cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
  id vmail >/dev/null 2>&1 || useradd --system --uid 5000 --user-group --no-create-home vmail 2>/dev/null || useradd --system --user-group --no-create-home vmail
  mkdir -p "$base" && chown -R vmail:vmail "$base"
  cp "$map" /etc/postfix/pressroom_vmailbox
  postmap hash:/etc/postfix/pressroom_vmailbox
  local domains
  domains=$(awk '{split($1, a, "@"); print a[2]}' "$map" | sort -u | tr '\n' ' ')
  postfix stop >/dev/null 2>&1 || true
  postconf -e \
    "inet_interfaces = loopback-only" \
    "inet_protocols = ipv4" \
    "myhostname = pressroom-e2e.localdomain" \
    "mydestination = localhost" \
    "mynetworks = 127.0.0.0/8" \
    "relayhost =" \
    "virtual_mailbox_domains = $domains" \
    "virtual_mailbox_base = $base" \
    "virtual_mailbox_maps = hash:/etc/postfix/pressroom_vmailbox" \
    "virtual_uid_maps = static:$(id -u vmail)" \
    "virtual_gid_maps = static:$(id -g vmail)" \
    "maillog_file = /var/log/postfix-pressroom-e2e.log" \
    "default_process_limit = 20" \
    "message_size_limit = 10240000" \
    "smtpd_reject_unlisted_recipient = yes" \
    "recipient_delimiter =" \
    "smtpd_tls_security_level = none" \
    "smtpd_tls_received_header = no"
  # What the caller asks for, over the defaults above (and over whatever an
  # earlier run left in main.cf).
  [ $# -eq 0 ] || postconf -e "$@"
  if [ "$port" != 25 ]; then
    postconf -M "$port/inet=$port inet n - n - - smtpd"
  fi
  newaliases 2>/dev/null || true
  postfix check
  postfix start >/dev/null
}

# postfix_wait_idle: waits (up to 2 minutes) until Postfix's queue is empty.
postfix_wait_idle() {
  for _ in $(seq 1 240); do
    if mailq 2>/dev/null | grep -q "Mail queue is empty"; then return 0; fi
    sleep 0.5
  done
  mailq | tail -3
  return 1
}
