#!/usr/bin/env bash
# Build the repository's Dockerfile and run the image for real (docs/container.md).
#
#   scripts/container-smoke.sh               # stand-in base image (no Docker Hub needed)
#   scripts/container-smoke.sh --real-base   # pull the Dockerfile's base from Docker Hub
#
# Where Docker Hub is unreachable, the Dockerfile's base (python:3.11-slim) is replaced by a
# local STAND-IN built from the Debian mirror and tagged with the same name: a Debian bookworm
# minbase root file system (documentation and locales excluded, as in Debian's slim images) with
# Debian's python3 (3.11) and a virtual environment at /usr/local, so `python` and `pip` are
# /usr/local/bin/* and `python -m pip install` works as in the official image (not blocked by
# PEP 668). It is labelled org.caflow.stand-in=true; the official image differs (its Python is
# built from source, the file list and size differ). The Dockerfile itself is built unmodified.
#
# Then: `caflow --help` (the default CMD), `id` (uid 10001), `caflow demo` with no network and a
# read-only root file system, `caflow examples` + `caflow check` writing into /work, the same
# commands in a bind-mounted host folder with --user, the default user refused by a folder it
# does not own (exit 2), `caflow replay` storing into the mounted folder, the build context
# (.dockerignore allow-list) and the image size. Exits non-zero at the first surprise.
#
# Needs podman (rootful; buildah underneath) or docker; the stand-in needs root and mmdebstrap
# (apt-get install podman mmdebstrap). Environment:
#   CONTAINER_CLI   podman or docker (default: podman if installed, else docker)
#   SMOKE_CA        a CA bundle to trust for PyPI during the build (a TLS-intercepting proxy);
#                   default $PIP_CERT. Bind-mounted read-only over pip's own bundle in the build
#                   containers only (podman; docker build has no mounts), checked absent after.
#   SMOKE_UID/GID   owner of the bind-mounted folder (default: yours; 1000 when you are root)
#   SMOKE_IMAGE     tag of the built image (default localhost/caflow:smoke)
# Not run by .ci/run (CI has no container engine); tests/ci/test_dockerfile.py runs it when
# CAFLOW_CONTAINER_TESTS=1.
set -euo pipefail
cd "$(dirname "$0")/.."

REAL_BASE=0
for arg in "$@"; do
  case "$arg" in
    --real-base) REAL_BASE=1 ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "container-smoke: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

CLI=${CONTAINER_CLI:-}
if [ -z "$CLI" ]; then
  if command -v podman >/dev/null; then CLI=podman; elif command -v docker >/dev/null; then CLI=docker; fi
fi
case "$CLI" in
  podman | docker) command -v "$CLI" >/dev/null || { echo "container-smoke: $CLI not found" >&2; exit 2; } ;;
  *) echo "container-smoke: no podman or docker (CONTAINER_CLI=podman|docker)" >&2; exit 2 ;;
esac
IMAGE=${SMOKE_IMAGE:-localhost/caflow:smoke}
CA=${SMOKE_CA:-${PIP_CERT:-}}
if [ -n "$CA" ] && [ "$CLI" = docker ]; then
  echo "container-smoke: SMOKE_CA/PIP_CERT needs podman (docker build cannot mount files); unset it" >&2
  exit 2
fi

# Every stage starts FROM the same base; its fully qualified name is what the builder looks up.
mapfile -t BASES < <(awk 'toupper($1) == "FROM" { print $2 }' Dockerfile | sort -u)
[ "${#BASES[@]}" -eq 1 ] || { echo "container-smoke: expected one base image, got ${BASES[*]}" >&2; exit 2; }
BASE=${BASES[0]}
case "$BASE" in
  */*) BASE_FQ=$BASE ;;
  *) BASE_FQ=docker.io/library/$BASE ;;
esac

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
say() { printf 'container-smoke: %s\n' "$*"; }
fail() { printf 'container-smoke: FAILED: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }  # since $1

# Options this host needs for `run` and `build`: some sandboxes refuse the engine's default
# rlimits (crun/runc: "setrlimit RLIMIT_NOFILE: Operation not permitted") or crun's cgroup mode
# (hybrid v1/v2); the first combination that runs `true` in the base image is used throughout.
ENGINE=("$CLI")
LIMITS=()
probe() {
  local runtimes=("") limits
  if [ "$CLI" = podman ] && command -v runc >/dev/null; then runtimes+=(runc); fi
  for rt in "${runtimes[@]}"; do
    for limits in "" "--ulimit nofile=4096:4096 --ulimit nproc=4096:4096"; do
      local engine=("$CLI")
      [ -n "$rt" ] && engine+=(--runtime "$rt")
      # shellcheck disable=SC2206  # limits is a list of words on purpose
      local lim=($limits)
      if "${engine[@]}" run --rm --pull=never "${lim[@]}" "$BASE_FQ" true >"$TMP/probe.log" 2>&1; then
        ENGINE=("${engine[@]}")
        LIMITS=("${lim[@]}")
        say "engine: ${ENGINE[*]}${LIMITS[*]:+ ${LIMITS[*]}}"
        return 0
      fi
    done
  done
  cat "$TMP/probe.log" >&2
  fail "no runtime option runs the base image here"
}

is_stand_in() {
  [ "$("$CLI" image inspect --format '{{ index .Config.Labels "org.caflow.stand-in" }}' "$BASE_FQ" 2>/dev/null)" = true ]
}

make_stand_in() {
  command -v mmdebstrap >/dev/null || fail "the stand-in base needs mmdebstrap (apt-get install mmdebstrap)"
  [ "$(id -u)" -eq 0 ] || fail "the stand-in base is built as root (mmdebstrap root mode)"
  say "building the STAND-IN for $BASE_FQ from Debian bookworm (not the official image)"
  local t0
  t0=$(now_ms)
  # shellcheck disable=SC2016  # "$1" is mmdebstrap's, expanded by its hooks
  mmdebstrap --variant=minbase --include=python3,python3-venv,ca-certificates,netbase,tzdata \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='chroot "$1" python3 -m venv /usr/local' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    bookworm "$TMP/base.tar" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" >"$TMP/mmdebstrap.log" 2>&1 \
    || { tail -20 "$TMP/mmdebstrap.log" >&2; fail "mmdebstrap"; }
  "$CLI" import \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'LABEL org.caflow.stand-in=true' \
    --change 'CMD ["python3"]' \
    "$TMP/base.tar" "$BASE_FQ" >"$TMP/import.log" 2>&1 || { cat "$TMP/import.log" >&2; fail "import"; }
  rm -f "$TMP/base.tar"
  say "stand-in built in $(secs "$t0") s"
}

if [ "$REAL_BASE" -eq 1 ]; then
  if is_stand_in; then fail "$BASE_FQ here is the stand-in: $CLI rmi $BASE_FQ first"; fi
  "$CLI" pull "$BASE_FQ" >/dev/null
else
  if ! "$CLI" image inspect "$BASE_FQ" >/dev/null 2>&1; then
    make_stand_in
  elif ! is_stand_in; then
    fail "$BASE_FQ here is not the stand-in (a real image?): run with --real-base"
  fi
fi
probe
say "base: $BASE_FQ$([ "$REAL_BASE" -eq 1 ] || echo ' = STAND-IN'), Python $("${ENGINE[@]}" run --rm --pull=never "${LIMITS[@]}" "$BASE_FQ" python -c 'import platform; print(platform.python_version())')"

BUILD_OPTS=(--no-cache "${LIMITS[@]}")
# podman: no pull, and no intermediate images left behind (the build stage, earlier smoke builds)
[ "$CLI" = podman ] && BUILD_OPTS+=(--pull=never --layers=false)
CERTIFI=""
if [ -n "$CA" ]; then
  CERTIFI=$("${ENGINE[@]}" run --rm --pull=never "${LIMITS[@]}" "$BASE_FQ" python -c 'from pip._vendor import certifi; print(certifi.where())')
  BUILD_OPTS+=(-v "$CA:$CERTIFI:ro")
  say "build trusts $CA for PyPI (mounted over $CERTIFI in the build containers only)"
fi

# The build context the builder really gets (.dockerignore is an allow-list).
printf 'FROM %s\nCOPY . /ctx\n' "$BASE_FQ" >"$TMP/Containerfile.context"
"${ENGINE[@]}" build "${BUILD_OPTS[@]}" -f "$TMP/Containerfile.context" -t localhost/caflow-smoke-context:probe . >"$TMP/context.log" 2>&1 \
  || { tail -20 "$TMP/context.log" >&2; fail "context probe build"; }
CONTEXT=$("${ENGINE[@]}" run --rm --pull=never "${LIMITS[@]}" localhost/caflow-smoke-context:probe sh -c 'cd /ctx && ls -A; find . -name __pycache__ -o -name "*.pyc" | wc -l; find . -type f | wc -l; du -sk . | cut -f1')
"$CLI" rmi localhost/caflow-smoke-context:probe >/dev/null
# shellcheck disable=SC2206  # one word per line: top-level names, bytecode, files, KiB
CTX=($CONTEXT)
say "build context: ${CTX[*]:0:${#CTX[@]}-3} (${CTX[-1]} KiB, ${CTX[-2]} files, ${CTX[-3]} bytecode)"
[ "${CTX[*]:0:${#CTX[@]}-3}" = "LICENSE README.md pyproject.toml src" ] || fail "build context is not the allow-list"
[ "${CTX[-3]}" -eq 0 ] || fail "bytecode in the build context"

"$CLI" rmi "$IMAGE" >/dev/null 2>&1 || true  # the previous smoke image, if any
t0=$(now_ms)
"${ENGINE[@]}" build "${BUILD_OPTS[@]}" -t "$IMAGE" . >"$TMP/build.log" 2>&1 || { tail -30 "$TMP/build.log" >&2; fail "build"; }
BUILD_S=$(secs "$t0")
SIZE=$("$CLI" image inspect --format '{{.Size}}' "$IMAGE")
say "built $IMAGE in ${BUILD_S} s (--no-cache, wheels from PyPI); image size $((SIZE / 1000000)) MB ($SIZE bytes)"
if [ -n "$CERTIFI" ]; then
  want=$("${ENGINE[@]}" run --rm --pull=never "${LIMITS[@]}" "$BASE_FQ" sha256sum "$CERTIFI")
  got=$("${ENGINE[@]}" run --rm --pull=never "${LIMITS[@]}" --entrypoint sha256sum "$IMAGE" "$CERTIFI")
  [ "$want" = "$got" ] || fail "the build's CA mount left a trace in the image ($CERTIFI)"
fi

RUN=("${ENGINE[@]}" run --rm --pull=never "${LIMITS[@]}")
expect() {  # expect RC DESCRIPTION -- command...: runs it, output in $TMP/out, fails unless rc == RC
  local want=$1 what=$2 rc=0
  shift 3
  "$@" >"$TMP/out" 2>&1 || rc=$?
  if [ "$rc" -ne "$want" ]; then tail -20 "$TMP/out" >&2; fail "$what: exit $rc, expected $want"; fi
  say "ok $what (exit $rc)"
}

expect 0 "caflow --help (default CMD)" -- "${RUN[@]}" "$IMAGE"
grep -q "Usage: caflow" "$TMP/out" || fail "--help printed no usage"
expect 0 "id" -- "${RUN[@]}" --entrypoint id "$IMAGE"
say "   $(cat "$TMP/out")"
grep -q '^uid=10001(caflow) gid=10001(caflow)' "$TMP/out" || fail "not uid 10001"
t0=$(now_ms)
expect 0 "caflow demo (--network none --read-only)" -- "${RUN[@]}" --network none --read-only "$IMAGE" demo
say "   demo: $(grep -m1 -o -E '^[0-9]+ failed, [0-9]+ undetermined, [0-9]+ passed' "$TMP/out") ($(secs "$t0") s wall incl. container start)"

CHECK=(check --baseline ex/contoso --proposed ex/proposals/CA014-enabled.json --start 2026-01-05T09:00:00Z --format markdown -o plan.md)
# shellcheck disable=SC2016  # "$@" is the container shell's
expect 1 "caflow examples + check in /work (no mount; the example proposal breaks a connection)" -- \
  "${RUN[@]}" --network none --entrypoint sh "$IMAGE" -c \
  'caflow examples ex >/dev/null 2>&1 || exit 3; caflow "$@" 2>/dev/null; rc=$?; cat plan.md; exit $rc' sh "${CHECK[@]}"
cp "$TMP/out" "$TMP/plan-in-image.md"
say "   $(grep -m1 -o 'Impact: [^*]*' "$TMP/plan-in-image.md")"

# A host folder bind-mounted at /work, written as a non-root host user.
HOST_DIR=$TMP/host
mkdir "$HOST_DIR"
uid=${SMOKE_UID:-$(id -u)}
gid=${SMOKE_GID:-$(id -g)}
if [ "$uid" -eq 0 ]; then uid=1000 gid=1000; fi
[ "$(id -u)" -eq 0 ] && chown "$uid:$gid" "$HOST_DIR"
MOUNT=(-v "$HOST_DIR:/work:z")  # z: relabelled where SELinux is enforcing
expect 0 "caflow examples into a bind mount (--user $uid:$gid)" -- \
  "${RUN[@]}" --network none --user "$uid:$gid" "${MOUNT[@]}" "$IMAGE" examples ex
expect 1 "caflow check -o plan.md into the bind mount" -- \
  "${RUN[@]}" --network none --user "$uid:$gid" "${MOUNT[@]}" "$IMAGE" "${CHECK[@]}"
[ "$(stat -c %u:%g "$HOST_DIR/plan.md")" = "$uid:$gid" ] || fail "plan.md not owned by $uid:$gid"
cmp -s "$HOST_DIR/plan.md" "$TMP/plan-in-image.md" || fail "the bind-mounted plan differs from the in-image one"
say "   plan.md owned by $uid:$gid, identical to the in-image plan (sha256 $(sha256sum "$HOST_DIR/plan.md" | cut -c1-16)...)"
expect 2 "the default user (10001) on a folder it does not own" -- \
  "${RUN[@]}" --network none "${MOUNT[@]}" "$IMAGE" "${CHECK[@]}"
say "   $(grep -m1 '^error:' "$TMP/out")"
grep -q "cannot write the output" "$TMP/out" || fail "no clear message for an unwritable folder"
expect 0 "caflow replay with its default store in the bind mount" -- \
  "${RUN[@]}" --network none --user "$uid:$gid" "${MOUNT[@]}" "$IMAGE" replay --logs ex/signins --bundle ex/contoso
[ -s "$HOST_DIR/.caflow/caflow.duckdb" ] || fail "no .caflow/caflow.duckdb in the mounted folder"
# Clean up as the folder's owner: files written in the container may be unreadable to this shell.
"${RUN[@]}" --user "$uid:$gid" "${MOUNT[@]}" --entrypoint sh "$IMAGE" -c 'rm -rf /work/* /work/.caflow' >/dev/null

say "PASSED: $IMAGE ($BASE_FQ$([ "$REAL_BASE" -eq 1 ] && echo ' pulled' || echo ' STAND-IN')): build ${BUILD_S} s, $((SIZE / 1000000)) MB"
