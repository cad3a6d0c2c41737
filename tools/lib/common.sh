# shellcheck shell=bash
# Shared by tools/test, tools/run and tools/format: find the repository, install missing Debian
# packages, configure and build. Source it; it defines functions and sets no shell options.
#
# Environment:
#   COORD_WERROR=ON|OFF   warnings are errors (default ON, in CI and locally alike; see below)
#   COORD_JOBS=N          parallel build jobs (default: ninja's own choice)

# The repository root: the parent of the tools/ folder holding this file.
COORD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Every Debian package the build, the tests and the tools need.
COORD_PACKAGES=(
  cmake ninja-build g++ pkg-config clang clang-format
  libuv1-dev libflatbuffers-dev flatbuffers-compiler liblmdb-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev libabsl-dev libedit-dev libjemalloc-dev
  libzookeeper-mt-dev gnuplot-nox
  python3-kazoo zookeeper default-jdk-headless
)

coord_step() { printf '== %s\n' "$*"; }
coord_die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Installs the packages of COORD_PACKAGES that are not installed: one `apt-get update`, one
# non-interactive `apt-get install`, and nothing at all when everything is present.
coord_install_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    printf 'warning: not a Debian system (no dpkg-query); make sure these are installed: %s\n' \
      "${COORD_PACKAGES[*]}" >&2
    return 0
  fi
  local missing=() pkg
  for pkg in "${COORD_PACKAGES[@]}"; do
    # "ii " = wanted and installed; removed-but-configured ("rc") counts as missing.
    if [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null) != "ii " ]]; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0

  coord_step "installing ${missing[*]}"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 ||
      coord_die "missing packages and not root; run: apt-get install ${missing[*]}"
    sudo=(sudo -n)  # never prompt: CI has no stdin
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    coord_die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" || coord_die "apt-get install failed"
}

# Warnings are errors everywhere, not only in CI: tools/test is the gate a change must pass, so a
# local pass must mean a CI pass, and tools/run, tools/test and CI must configure build/ with the
# same flags, or switching between them would rebuild everything. The toolchain is Debian's, so a
# warning seen here is the warning CI sees. COORD_WERROR=OFF is the escape hatch for an
# experiment on another compiler.
coord_werror() { printf '%s' "${COORD_WERROR:-ON}"; }

# coord_configure BUILD_DIR [CMAKE_ARGS...]: configures BUILD_DIR with Ninja, RelWithDebInfo. The
# output is kept in BUILD_DIR/configure.log and shown only when configuring fails.
coord_configure() {
  local dir=$1
  shift
  local cache="$dir/CMakeCache.txt"
  if [[ -f $cache ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$cache"; then
    coord_die "$dir was configured with another generator than Ninja; remove it and retry"
  fi
  mkdir -p "$dir"
  if ! cmake -S "$COORD_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCOORD_WERROR="$(coord_werror)" "$@" >"$dir/configure.log" 2>&1; then
    cat "$dir/configure.log" >&2
    coord_die "configuring $dir failed (log above, also in $dir/configure.log)"
  fi
}

# coord_build BUILD_DIR: an incremental build of everything.
coord_build() {
  local dir=$1
  local jobs=()
  [[ -n ${COORD_JOBS:-} ]] && jobs=(-j "$COORD_JOBS")
  cmake --build "$dir" "${jobs[@]}" || coord_die "build failed"
}

# coord_cxx_files: NUL-separated paths (relative to COORD_ROOT) of the tracked *.h and *.cc files
# that exist in the work tree. Outside a git checkout (or where git refuses the directory), every
# such file outside build*/, var/ and .git/.
coord_cxx_files() {
  local list
  if list=$(git -C "$COORD_ROOT" -c core.quotePath=off ls-files -- '*.h' '*.cc' 2>/dev/null); then
    local f
    while IFS= read -r f; do
      [[ -n $f && -f $COORD_ROOT/$f ]] && printf '%s\0' "$f"
    done <<<"$list"
  else
    (cd "$COORD_ROOT" && find . \( -path ./.git -o -path './build*' -o -path ./var \) -prune \
      -o -type f \( -name '*.h' -o -name '*.cc' \) -printf '%P\0')
  fi
}
