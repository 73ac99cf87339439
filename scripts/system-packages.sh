#!/usr/bin/env bash
# The one list of system (Debian 12) packages the tests need, and the step of `npm test` that installs the missing
# ones. `.ci/run` is `npm ci && npm test`, so CI and a new machine take the same path.
#
#   scripts/system-packages.sh           install what is missing (as root, or with passwordless sudo); when it cannot,
#                                        stop at once and print the exact command to run
#   scripts/system-packages.sh --check   exit 1 and name what is missing, install nothing
#   scripts/system-packages.sh --list    print the list: "package<TAB>what shows it is installed"
#
# Each line: a Debian package, then the program (looked up on PATH and in /usr/sbin) or the absolute path of a file
# that shows it is installed. test/system-packages.test.ts fails when a test, benchmark or test tool runs an external
# program that no line here names: add the package here, not by hand.
set -euo pipefail

PACKAGES='
bash                        bash
sip-tester                  sipp
kamailio                    kamailio
kamailio-websocket-modules  /usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so
kamailio-tls-modules        /usr/lib/x86_64-linux-gnu/kamailio/modules/crypto.so
sipvicious                  svmap svwar svcrack
iproute2                    ip
iptables                    iptables ip6tables
openssl                     openssl
chromium                    chromium
firefox-esr                 firefox-esr
coturn                      turnserver turnutils_uclient
baresip-core                baresip
linphone-cli                linphonec
rtpengine-daemon            rtpengine
'

# "package<TAB>probe" for each probe of each package.
list() {
  while read -r pkg probes; do
    [ -n "$pkg" ] || continue
    for probe in $probes; do printf '%s\t%s\n' "$pkg" "$probe"; done
  done <<<"$PACKAGES"
}

present() {
  case "$1" in
    /*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] ;;
  esac
}

# Packages with at least one probe missing, each once, in list order.
missing_packages() {
  local seen=' ' pkg probe
  while IFS=$'\t' read -r pkg probe; do
    case "$seen" in *" $pkg "*) continue ;; esac
    if ! present "$probe"; then
      seen+="$pkg "
      printf '%s\n' "$pkg"
    fi
  done < <(list)
}

case "${1:-install}" in
  --list)
    list
    exit 0
    ;;
  --check | install) ;;
  *)
    echo "usage: $0 [--check | --list]" >&2
    exit 2
    ;;
esac

mapfile -t missing < <(missing_packages)
[ "${#missing[@]}" -eq 0 ] && exit 0

command_text="apt-get update && apt-get install -y ${missing[*]}"
if [ "${1:-install}" = --check ]; then
  echo "system packages missing: ${missing[*]}; as root run: $command_text" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "npm test needs system packages that are missing: ${missing[*]}" >&2
    echo "Install them as root, then run npm test again:" >&2
    echo "  sudo sh -c '$command_text'" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "npm test needs these Debian 12 packages (or their equivalents): ${missing[*]}; apt-get is not here" >&2
  exit 1
fi

echo "installing system packages the tests need: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get update -qq >/dev/null; then
  echo "failed: ${sudo[*]} apt-get update; run it by hand: $command_text" >&2
  exit 1
fi
if ! "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null; then
  echo "failed: ${sudo[*]} apt-get install ${missing[*]}; run it by hand: $command_text" >&2
  exit 1
fi
mapfile -t still < <(missing_packages)
if [ "${#still[@]}" -gt 0 ]; then
  echo "still missing after apt-get install: ${still[*]} (see: $0 --list)" >&2
  exit 1
fi
