# Shared by .ci/setup and .ci/test: install Debian packages if missing (debian-packages-cli.txt
# and debian-packages.txt), configure, build.
# Idempotent: a second call installs nothing and rebuilds only what changed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${MESHSIM_BUILD_DIR:-$ROOT/build}
JOBS=${MESHSIM_JOBS:-$(nproc)}

# ccache when installed (a second CI run on the same machine then compiles almost nothing);
# harmless when absent.  Paths below the repository are hashed relative to it, so two clones
# share the cache.
LAUNCHER=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
  LAUNCHER=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

install_deps() {
  local pkgs missing=()
  mapfile -t pkgs < <(cat "$ROOT/.ci/debian-packages-cli.txt" "$ROOT/.ci/debian-packages.txt" \
    | grep -v '^\s*#' | grep -v '^\s*$')
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages: all ${#pkgs[@]} present"
    return
  fi
  log "Installing ${#missing[@]} Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Warnings are errors in CI.
werror() { [ "${CI:-}" = "true" ] && echo ON || echo OFF; }

build() {
  log "Configuring ($BUILD, warnings as errors: $(werror))"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMESHSIM_WERROR="$(werror)" \
    "${LAUNCHER[@]}" >/dev/null
  log "Building with $JOBS jobs"
  cmake --build "$BUILD" -j "$JOBS"
}
