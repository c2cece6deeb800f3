#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `meson install` into a DESTDIR: the binary, the man page and the three
# completions land under the prefix, and the installed binary runs; `meson
# dist` makes a tarball of the committed tree that holds the sources (the
# tarball's own build and tests are left to CI, --no-tests).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
: "${BUILD_ROOT:?BUILD_ROOT must point at the meson build directory}"
command -v meson >/dev/null || skip "meson missing"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

DESTDIR=$TMP/root meson install -C "$BUILD_ROOT" --no-rebuild --quiet >"$TMP/install.log" 2>&1
check "meson install exit 0" test $? = 0
prefix=$(meson introspect "$BUILD_ROOT" --buildoptions | python3 -c \
	'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
root=$TMP/root$prefix
check "binary installed" test -x "$root/bin/sockscope"
check "man page installed" test -f "$root/share/man/man8/sockscope.8"
check "bash completion installed" test -f "$root/share/bash-completion/completions/sockscope"
check "zsh completion installed" test -f "$root/share/zsh/site-functions/_sockscope"
check "fish completion installed" test -f "$root/share/fish/vendor_completions.d/sockscope.fish"
check "installed binary runs" "$root/bin/sockscope" --version
check "installed binary lists" "$root/bin/sockscope" -n -H --proc-root="$SOURCE_ROOT/tests/data/proc-basic"
nothing_else=$(cd "$TMP/root" && find . -type f | grep -vE \
	'/bin/sockscope$|/man8/sockscope\.8$|/completions/sockscope$|/_sockscope$|/sockscope\.fish$|/sockscope/|/systemd/|/prometheus/|/grafana/' || true)
check "nothing unexpected installed: ${nothing_else:-none}" test -z "$nothing_else"

# The README's two commands each do their own part: the first installs only
# what building and running need (the same list as .ci/run), the test tools
# come with the second.
first=$(awk '/^```sh$/ { getline; print; exit }' "$SOURCE_ROOT/README.md")
check "README's first command installs packages" grep -q 'apt-get install' <<<"$first"
for p in libcmocka-dev valgrind clang prometheus jq tmux cppcheck; do
	check "README's first command does not install $p" sh -c "! grep -qw -- '$p' <<'X'
$first
X"
	check "the test command installs $p itself" grep -qw -- "$p" "$SOURCE_ROOT/tests/run-all.sh"
done
ci=$(sed -n 's/^pkgs=(\(.*\))$/\1/p' "$SOURCE_ROOT/.ci/run")
for p in $ci; do
	check "README's first command installs $p as .ci/run does" grep -qw -- "$p" <<<"$first"
done
check "README's first command builds and lists" grep -q 'meson compile -C build && ./build/src/sockscope$' <<<"$first"

if [ -d "$SOURCE_ROOT/.git" ] && command -v git >/dev/null; then
	meson dist -C "$BUILD_ROOT" --no-tests --formats gztar --allow-dirty >"$TMP/dist.log" 2>&1
	rc=$?
	check "meson dist exit 0" test $rc = 0
	tarball=$(ls "$BUILD_ROOT"/meson-dist/sockscope-*.tar.gz 2>/dev/null | head -1)
	check "dist tarball made" test -n "$tarball"
	if [ -n "$tarball" ]; then
		check "dist tarball holds the sources" sh -c "tar tzf '$tarball' | grep -q 'src/main.c'"
		check "dist tarball holds the tests" sh -c "tar tzf '$tarball' | grep -q 'tests/run-all.sh'"
	fi
else
	echo "note: not a git checkout: meson dist not tried"
fi
finish
