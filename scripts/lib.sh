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

# The npm tools of scripts/node (vnu-jar, axe-core, playwright-core).
need_node_tools() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/node"
  if [ ! -d "$dir/node_modules/axe-core" ] || [ ! -d "$dir/node_modules/playwright-core" ] || [ ! -d "$dir/node_modules/vnu-jar" ]; then
    echo "==> npm ci in scripts/node" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# need_py MODULE PACKAGE: pip-installs PACKAGE unless MODULE imports.
need_py() {
  python3 -c "import $1" 2>/dev/null || { echo "==> pip install $2" >&2; python3 -m pip install -q "$2"; }
}

# The pressroom binary, built once.
pressroom_bin() {
  cargo build -q --bin pressroom >&2
  echo "$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/pressroom"
}
