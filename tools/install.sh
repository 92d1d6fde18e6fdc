#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install miracastd where distributions expect it. Called by `make install` as
#   tools/install.sh DESTDIR PREFIX BUILD
# DESTDIR may be empty (install into /). With PREFIX=/usr:
#   /usr/sbin/miracastd, /usr/bin/miracastctl
#   /usr/libexec/miracastd/miracastd-stream          (the stream worker; docs/process-model.md)
#   /usr/libexec/miracastd/miracastd-kms             (the KMS helper; docs/process-model.md)
#   /usr/lib/sysusers.d/miracastd.conf               (its user, created by systemd-sysusers)
#   /usr/lib/systemd/system/miracastd.service        ($SYSTEMDUNITDIR overrides)
#   /usr/lib/systemd/system/miracastd-{stream,kms}.socket, miracastd-{stream,kms}@.service
#   /usr/share/dbus-1/system.d/org.miracastd.conf
#   /usr/share/dbus-1/system-services/org.miracastd.service
#   /usr/share/dbus-1/interfaces/org.miracastd.{Manager1,Sink1,Session1}.xml
#   /usr/libexec/miracastd/miracastd-user            (the user-session component, when built)
#   /usr/lib/systemd/user/miracastd-user.service      ($SYSTEMDUSERUNITDIR overrides)
#   /usr/share/dbus-1/services/org.miracastd.User.service
#   /usr/share/polkit-1/actions/org.miracastd.policy
#   /usr/share/man/man{1,5,8}/...
#   /etc/miracastd/miracastd.conf                     (example; an existing file is kept)
#   /usr/bin/miracast-cast, /usr/share/applications/org.miracastd.Cast.desktop,
#   /usr/share/icons/hicolor/scalable/apps/org.miracastd.Cast.svg  (the desktop app, when built)
#   /usr/share/gnome-shell/extensions/miracast@miracastd.org/       (the GNOME Shell extension)
# Every installed path is printed, one per line, after "install:".
set -eu

destdir=${1-}
prefix=${2:-/usr}
build=${3:-build}
srcdir=$(cd "$(dirname "$0")/.." && pwd)

case "$prefix" in
/*) ;;
*) echo "install.sh: PREFIX must be an absolute path, got \"$prefix\"" >&2; exit 2 ;;
esac
if [ "$prefix" = /usr ]; then
        sysconfdir=/etc
else
        sysconfdir=${SYSCONFDIR:-/etc}
fi
unitdir=${SYSTEMDUNITDIR:-$prefix/lib/systemd/system}
userunitdir=${SYSTEMDUSERUNITDIR:-$prefix/lib/systemd/user}
sbindir=$prefix/sbin
libexecdir=$prefix/libexec/miracastd
bindir=$prefix/bin
datadir=$prefix/share
mandir=$datadir/man

# The Makefile builds miracastd only once daemon/main.c exists; mirror that.
programs="$build/miracastctl"
[ -f "$srcdir/daemon/main.c" ] && programs="$build/miracastd $programs"
for f in $programs; do
        if [ ! -x "$f" ]; then
                echo "install.sh: $f is missing; run make first" >&2
                exit 1
        fi
done

# inst MODE SRC DEST: install one file, creating directories, and say so.
inst() {
        install -D -m "$1" "$2" "$destdir$3"
        echo "install: $3"
}

# Substitute the paths into a template.
subst() {
        sed -e "s|@sbindir@|$sbindir|g" -e "s|@bindir@|$bindir|g" -e "s|@sysconfdir@|$sysconfdir|g" \
                -e "s|@libexecdir@|$libexecdir|g" "$1"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/miracastd-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -f "$srcdir/daemon/main.c" ]; then
        inst 0755 "$build/miracastd" "$sbindir/miracastd"
fi
if [ -x "$build/miracastd-stream" ]; then
        inst 0755 "$build/miracastd-stream" "$libexecdir/miracastd-stream"
        inst 0755 "$build/miracastd-kms" "$libexecdir/miracastd-kms"
        inst 0644 "$srcdir/systemd/miracastd.sysusers" "$prefix/lib/sysusers.d/miracastd.conf"
fi
inst 0755 "$build/miracastctl" "$bindir/miracastctl"

subst "$srcdir/systemd/miracastd.service.in" >"$tmp/miracastd.service"
inst 0644 "$tmp/miracastd.service" "$unitdir/miracastd.service"
for u in miracastd-stream@.service miracastd-kms@.service; do
        subst "$srcdir/systemd/$u.in" >"$tmp/$u"
        inst 0644 "$tmp/$u" "$unitdir/$u"
done
inst 0644 "$srcdir/systemd/miracastd-stream.socket" "$unitdir/miracastd-stream.socket"
inst 0644 "$srcdir/systemd/miracastd-kms.socket" "$unitdir/miracastd-kms.socket"
inst 0644 "$srcdir/systemd/org.miracastd.conf" "$datadir/dbus-1/system.d/org.miracastd.conf"
inst 0644 "$srcdir/systemd/org.miracastd.dbus-service" "$datadir/dbus-1/system-services/org.miracastd.service"
inst 0644 "$srcdir/systemd/org.miracastd.policy" "$datadir/polkit-1/actions/org.miracastd.policy"
for xml in "$srcdir"/dbus/org.miracastd.*.xml; do
        [ -f "$xml" ] || continue
        inst 0644 "$xml" "$datadir/dbus-1/interfaces/$(basename "$xml")"
done

# The user-session component: started on the session bus by D-Bus activation through its user unit.
if [ -x "$build/miracastd-user" ]; then
        inst 0755 "$build/miracastd-user" "$libexecdir/miracastd-user"
        subst "$srcdir/systemd/miracastd-user.service.in" >"$tmp/miracastd-user.service"
        inst 0644 "$tmp/miracastd-user.service" "$userunitdir/miracastd-user.service"
        subst "$srcdir/systemd/org.miracastd.User.service.in" >"$tmp/org.miracastd.User.service"
        inst 0644 "$tmp/org.miracastd.User.service" "$datadir/dbus-1/services/org.miracastd.User.service"
fi

for page in "$srcdir"/man/*.[158]; do
        [ -f "$page" ] || continue
        section=${page##*.}
        subst "$page" >"$tmp/page"
        inst 0644 "$tmp/page" "$mandir/man$section/$(basename "$page")"
done

# The "Cast screen" button: the app (built when GTK 4 and libadwaita are there) and the extension.
if [ -x "$build/miracast-cast" ]; then
        inst 0755 "$build/miracast-cast" "$bindir/miracast-cast"
        inst 0644 "$srcdir/desktop/app/org.miracastd.Cast.desktop" "$datadir/applications/org.miracastd.Cast.desktop"
        inst 0644 "$srcdir/desktop/app/org.miracastd.Cast.svg" "$datadir/icons/hicolor/scalable/apps/org.miracastd.Cast.svg"
fi
ext=miracast@miracastd.org
for f in "$srcdir/desktop/gnome-shell-extension/$ext"/*; do
        [ -f "$f" ] || continue
        inst 0644 "$f" "$datadir/gnome-shell/extensions/$ext/$(basename "$f")"
done

conf="$sysconfdir/miracastd/miracastd.conf"
if [ -e "$destdir$conf" ]; then
        echo "install: $conf exists, kept (example: $datadir/doc/miracastd/miracastd.conf)"
else
        inst 0644 "$srcdir/systemd/miracastd.conf" "$conf"
fi
inst 0644 "$srcdir/systemd/miracastd.conf" "$datadir/doc/miracastd/miracastd.conf"

if [ -z "$destdir" ] && command -v systemd-sysusers >/dev/null 2>&1 && [ -e "$prefix/lib/sysusers.d/miracastd.conf" ]; then
        systemd-sysusers "$prefix/lib/sysusers.d/miracastd.conf" || true
fi
if [ -z "$destdir" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
        echo "install: done; start with: systemctl enable --now miracastd"
fi
