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
# and) starts a Postfix instance of the calling script's own on
# 127.0.0.1:PORT, loopback only, delivering the virtual mailboxes listed in
# VMAILBOX_FILE ("address domain/user/" lines) as Maildirs under MAIL_BASE;
# its domains are the ones the file names. Extra settings go to postconf
# last. The instance (configuration, queue, data, maps) lives beside
# MAIL_BASE, in "$(dirname MAIL_BASE)/postfix": scripts that run side by
# side (the mail lane and the browser lane of .ci/run) each have their own,
# and stopping one leaves the others running. Use postfix_conf, postfix_cmd,
# postfix_wait_idle and postfix_stop on it; /etc/postfix is never changed.
postfix_start() {
  local port=$1 base=$2 map=$3; shift 3
  if ! command -v postfix >/dev/null 2>&1; then
    echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
    echo "postfix postfix/mailname string pressroom-e2e.localdomain" | debconf-set-selections
    apt_install postfix
  fi
  id vmail >/dev/null 2>&1 || useradd --system --uid 5000 --user-group --no-create-home vmail 2>/dev/null || useradd --system --user-group --no-create-home vmail
  mkdir -p "$base" && chown -R vmail:vmail "$base"
  local inst
  inst="$(cd "$(dirname "$base")" && pwd)/postfix"
  rm -rf "$inst"
  mkdir -p "$inst/etc" "$inst/queue" "$inst/data"
  chmod 755 "$inst" "$inst/etc"
  chown postfix "$inst/data"
  POSTFIX_CONF="$inst/etc"
  POSTFIX_QUEUE="$inst/queue"
  # Debian's own starting points (its main.cf without the host's settings).
  cp /usr/share/postfix/main.cf.debian "$inst/etc/main.cf"
  cp /usr/share/postfix/master.cf.dist "$inst/etc/master.cf"
  cp "$map" "$inst/etc/vmailbox"
  postmap -c "$inst/etc" "hash:$inst/etc/vmailbox"
  printf 'postmaster: root\n' > "$inst/etc/aliases"
  postalias -c "$inst/etc" "hash:$inst/etc/aliases"
  local domains
  domains=$(awk '{split($1, a, "@"); print a[2]}' "$map" | sort -u | tr '\n' ' ')
  postfix_conf -e \
    "queue_directory = $inst/queue" \
    "data_directory = $inst/data" \
    "syslog_name = postfix-pressroom-$port" \
    "inet_interfaces = 127.0.0.1" \
    "inet_protocols = ipv4" \
    "myhostname = pressroom-e2e.localdomain" \
    "mydestination = localhost" \
    "mynetworks = 127.0.0.0/8" \
    "relayhost =" \
    "alias_maps = hash:$inst/etc/aliases" \
    "alias_database = hash:$inst/etc/aliases" \
    "virtual_mailbox_domains = $domains" \
    "virtual_mailbox_base = $base" \
    "virtual_mailbox_maps = hash:$inst/etc/vmailbox" \
    "virtual_uid_maps = static:$(id -u vmail)" \
    "virtual_gid_maps = static:$(id -g vmail)" \
    "maillog_file = $inst/maillog" \
    "maillog_file_prefixes = $inst/" \
    "default_process_limit = 20" \
    "message_size_limit = 10240000" \
    "smtpd_reject_unlisted_recipient = yes" \
    "recipient_delimiter =" \
    "smtpd_tls_security_level = none" \
    "smtpd_tls_received_header = no"
  # What the caller asks for, over the defaults above.
  [ $# -eq 0 ] || postfix_conf -e "$@"
  # No chroot (its queue directory holds none of what a chroot needs), and
  # SMTP on PORT alone: instances side by side do not share port 25.
  postfix_conf -F '*/*/chroot = n'
  if [ "$port" != 25 ]; then
    postfix_conf -MX smtp/inet
    postfix_conf -M "$port/inet=$port inet n - n - - smtpd"
  fi
  # The host's own Postfix (Debian may start it on installing) holds port 25.
  if [ "$port" = 25 ] && postfix status >/dev/null 2>&1; then
    echo "==> stopping the host's own Postfix: it holds port 25" >&2
    postfix stop >/dev/null 2>&1 || true
  fi
  # The port may still be held for a moment by the instance before this one.
  local free=0
  for _ in $(seq 1 40); do
    if python3 -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null; then
      free=1
      break
    fi
    sleep 0.25
  done
  [ "$free" = 1 ] || { echo "port $port on 127.0.0.1 is in use; Postfix cannot listen there" >&2; return 1; }
  postfix_loud check
  postfix_loud start >/dev/null
}

# postfix_loud ARGS...: postfix on the instance, its complaints shown: the
# postfix command writes them to stderr only on a terminal (else to syslog,
# which a CI machine may not run), so a failure is run again on one.
postfix_loud() {
  postfix_cmd "$@" 2>/dev/null && return 0
  echo "postfix -c $POSTFIX_CONF $* failed:" >&2
  script -qec "postfix -c '$POSTFIX_CONF' $*" /dev/null >&2 || true
  return 1
}

# postconf and postfix on the instance postfix_start made.
postfix_conf() { postconf -c "$POSTFIX_CONF" "$@"; }
postfix_cmd() { postfix -c "$POSTFIX_CONF" "$@"; }

# postfix_stop: stops the instance postfix_start made, if it made one.
postfix_stop() {
  [ -n "${POSTFIX_CONF:-}" ] || return 0
  postfix -c "$POSTFIX_CONF" stop >/dev/null 2>&1 || true
}

# postfix_queued: how many messages the instance still holds.
postfix_queued() {
  find "$POSTFIX_QUEUE/maildrop" "$POSTFIX_QUEUE/incoming" "$POSTFIX_QUEUE/active" \
    "$POSTFIX_QUEUE/deferred" "$POSTFIX_QUEUE/hold" -type f 2>/dev/null | wc -l
}

# postfix_wait_idle: waits (up to 2 minutes) until the instance's queue is
# empty.
postfix_wait_idle() {
  local n
  for _ in $(seq 1 240); do
    n=$(postfix_queued)
    if [ "$n" -eq 0 ]; then
      echo "Mail queue is empty"
      return 0
    fi
    sleep 0.5
  done
  echo "$n messages still in the queue $POSTFIX_QUEUE; the end of its log:"
  tail -20 "$(dirname "$POSTFIX_CONF")/maillog" 2>/dev/null || true
  return 1
}
