# SPDX-License-Identifier: Apache-2.0
# Shared pieces of the real-runtime tests (podman.bats, containerd.bats, docker.bats):
# installing the runtime from Debian packages, choosing the CNI plugin
# directory under test, a busybox root filesystem made from Debian's
# busybox-static, and cleanup of what a runtime leaves outside its own
# directories (mounts, cgroups). Load after helpers.bash.

RT_DIR=$LINEN_TOP/test/integration/runtimes

# The plugin directory under test: LINEN_PLUGIN_DIR (e.g. /usr/lib/cni for
# the reference plugins), else every plugin of our build.
rt_plugin_dir() {
	if [ -n "${LINEN_PLUGIN_DIR:-}" ]; then
		echo "$LINEN_PLUGIN_DIR"
	else
		linen_cni_bin
	fi
}

# Fail (never skip) when the plugin directory lacks a plugin: a missing
# plugin is a broken build, not a missing runtime.
rt_require_plugins() {
	local dir=$1 p missing=()
	shift
	for p in "$@"; do
		[ -x "$dir/$p" ] || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "plugin directory $dir lacks: ${missing[*]}" >&2
		return 1
	fi
}

# Install runtime packages through scripts/install-deps.sh, from setup_file.
# A package that cannot be installed is the one reason these tests skip:
# the reason is kept in the file's tmpdir and setup() turns it into a skip.
rt_install() {
	local out
	if ! out=$("$LINEN_TOP/scripts/install-deps.sh" "$@" 2>&1); then
		printf 'cannot install %s: %s\n' "$*" "$(tail -n 3 <<<"$out" | tr '\n' ' ')" \
			>"$BATS_FILE_TMPDIR/skip-reason"
	fi
}

rt_skip_if_uninstallable() {
	if [ -f "$BATS_FILE_TMPDIR/skip-reason" ]; then
		skip "$(cat "$BATS_FILE_TMPDIR/skip-reason")"
	fi
}

# A root filesystem tarball holding Debian's static busybox and a link for
# every applet: enough for sh, sleep, ip, ping and httpd in a container.
rt_busybox_tar() {
	local out=$1 root a
	root=$(mktemp -d "$BATS_FILE_TMPDIR/rootfs.XXXXXX")
	if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
		echo "busybox-static is not installed" >&2
		return 1
	fi
	mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" \
		"$root/www"
	cp /bin/busybox "$root/bin/busybox"
	for a in $("$root/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
	done
	echo "linen-runtime-test" >"$root/www/index.html"
	tar -C "$root" -cf "$out" . && rm -rf "$root"
}

# A cgroup path (relative to each hierarchy) unique to this test, so a
# runtime's cgroups can be found and removed afterwards.
rt_cgroup_parent() {
	echo "/linen-test-${BATS_ROOT_PID:-$$}-$1"
}

# Remove, depth first, the cgroup directories a runtime made under PARENT in
# every mounted hierarchy. Only empty cgroups can go; a cgroup that still
# holds processes is reported and left.
rt_cgroup_cleanup() {
	local parent=$1 h d rc=0
	[ -n "$parent" ] || return 0
	for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
		[ -d "$h$parent" ] || continue
		while read -r d; do
			rmdir "$d" 2>/dev/null || { echo "cgroup $d still busy" >&2; rc=1; }
		done < <(find "$h$parent" -depth -type d)
	done
	return $rc
}

# Unmount everything mounted below DIR (deepest first) so it can be removed.
rt_umount_below() {
	local dir=$1 m
	[ -n "$dir" ] || return 0
	while read -r m; do
		umount -l "$m" 2>/dev/null
	done < <(findmnt -rn -o TARGET | awk -v d="$dir/" 'index($0, d) == 1' | sort -r)
}

# Kill processes whose PIDs a runtime wrote into pid files below DIR: the
# runtime started them for us (conmon, containerd-shim, the container's
# first process), so they are ours to end when a test fails midway. A PID is
# killed only while it still is ours: its command line names DIR (conmon,
# the shim) or it sits in the test's cgroup CGPARENT (container processes).
rt_kill_pidfiles_below() {
	local dir=$1 cgparent=${2:-} f p
	[ -d "$dir" ] || return 0
	while read -r f; do
		p=$(tr -dc '0-9' <"$f" 2>/dev/null)
		[ -n "$p" ] && [ -d "/proc/$p" ] || continue
		if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$dir" ||
			{ [ -n "$cgparent" ] && grep -qF ":$cgparent/" "/proc/$p/cgroup" 2>/dev/null; }; then
			kill -9 "$p" 2>/dev/null
		fi
	done < <(find "$dir" \( -name '*.pid' -o -name pidfile \) -type f 2>/dev/null)
	return 0
}

# Runtimes run libcni with its default cache dir, /var/lib/cni/results, one
# file per network, container and interface; DEL removes it. After a failed
# test whose DEL never ran, remove the files of NETWORK and CONTAINER-ID.
rt_cni_cache_cleanup() {
	local net=$1 id=$2
	[ -n "$net" ] && [ -n "$id" ] || return 0
	rm -f "/var/lib/cni/results/$net-$id-"*
}

# Directories a runtime creates outside its configured paths, whatever its
# config says (runc's default root, libcni's cache, podman's blob cache).
# setup_file notes which of them do not exist yet; teardown_file removes
# those again: the empty ones, and /var/lib/containers (podman's alone).
RT_OUTSIDE_DIRS="/run/runc /var/lib/cni/results /var/lib/cni /var/lib/containers"

rt_note_outside_dirs() {
	local d
	for d in $RT_OUTSIDE_DIRS; do
		[ -e "$d" ] || echo "$d" >>"$BATS_FILE_TMPDIR/made-dirs"
	done
}

rt_remove_outside_dirs() {
	local d
	[ -f "$BATS_FILE_TMPDIR/made-dirs" ] || return 0
	while read -r d; do
		case $d in
		/var/lib/containers) rm -rf "$d" ;;
		*) rmdir "$d" 2>/dev/null ;;
		esac
	done <"$BATS_FILE_TMPDIR/made-dirs"
	return 0
}
