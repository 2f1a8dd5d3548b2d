#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fetches one Debian kernel of the real-kernel matrix and the guest userland
for the real-kernel tests, into a cache outside the source tree.

A kernel is named by a kernel id, SUITE-SERIES-FLAVOUR (kernels.py's KERNELS:
bookworm-6.1-arm64, trixie-6.12-arm64, trixie-backports-7-arm64, the armhf
bookworm-6.1-armmp-lpae, bookworm-6.1-armmp, trixie-6.12-armmp-lpae; arches.py
has what differs by architecture, debian_apt.py how packages are had). Everything lands in
${CSD_REALKERNEL_CACHE:-~/.cache/csdump-realkernel}:

  <kernel-id>/kernel.json     the selected kernel (written last: its presence
                              means the fetch completed); later runs reuse it
                              and touch neither apt nor the network
  <kernel-id>/timings.json    seconds per stage (make_dumps.py adds its own)
  kernel/<release>_<version>/
    debs/                     the downloaded .debs (the ~1 GB -dbg is deleted
                              once its vmlinux is out)
    image/                    linux-image-*[-unsigned], unpacked (Image,
                              modules, config)
    headers/                  arch + common headers and the amd64 kbuild,
                              unpacked together (the module build tree)
    vmlinux                   the DWARF vmlinux from the -dbg package
    userland/                 busybox-static, kexec-tools, makedumpfile and
                              the libraries they need, unpacked (the
                              kernel's architecture)
  apt/<suite>/                a private apt configuration (apt.conf, lists)
                              for a suite the host's apt does not know; the
                              host's sources are never touched
  roots/<suite>-amd64/        a minimal build root of that suite (mmdebstrap):
                              its kbuild binaries need its C library, its
                              modules its compiler

Selection: the newest ABI of the kernel id's series whose image, headers,
common headers and -dbg packages (its arch) and amd64 kbuild exist at one and the
same package version on the suite's mirror. CSD_REALKERNEL_ABI=ABI forces an
ABI (e.g. 6.1.0-57, 6.12.117+deb13) for every kernel id it matches.

A kernel that cannot be had here (no root for apt, no network, no build root)
is skipped by name: exit 77 and a line "SKIPPED <kernel-id>: <why>".

Usage: fetch.py [--kernel KERNEL_ID]
"""

import argparse
import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import arches  # noqa: E402
from debian_apt import (CACHE, MIRROR, Apt, Unavailable, deb_for, download,  # noqa: E402
                        extract, log, out, run, versions)
from guest_userland import lib_depends, needed_closure, usrmerge_links  # noqa: E402
from kernels import DEFAULT_KERNEL, KERNELS  # noqa: E402

# Packages of a build root: the suite's cross compiler (the kernel's own gcc
# major), pahole (the 6.12 headers ship a vmlinux, so kbuild adds the module's
# BTF), what its kbuild binaries link against, and the suite's drgn (for the
# cross-checks of kernels Debian 12's drgn cannot read).
BUILD_ROOT_PACKAGES = ["make", "gcc-aarch64-linux-gnu", "gcc-arm-linux-gnueabihf", "dwarves",
                       "libelf1t64", "libssl3t64", "zlib1g", "python3-drgn"]
# Userland programs for the initramfs: package, and the programs we run from it.
GUEST_PROGRAMS = {
    "busybox-static": ["bin/busybox"],
    "kexec-tools": ["sbin/kexec"],
    "makedumpfile": ["usr/bin/makedumpfile"],
}
# Version of kernel.json's contents; a cached kernel.json of another layout is
# redone (layout 1 = the single-kernel cache's $CACHE/kernel.json, adopted).
LAYOUT = 2


def kernel_spec(kid):
    if kid not in KERNELS:
        sys.exit(f"unknown kernel id {kid}; known: {', '.join(KERNELS)}")
    return KERNELS[kid]


def kernel_dir(kid):
    """$CACHE/<kernel-id>: kernel.json, timings.json, build/, dumps/."""
    return CACHE / kid


def skip(kid, why):
    """Reports a kernel that cannot be had here, by name, and exits 77."""
    print(f"SKIPPED {kid}: {why}", flush=True)
    sys.exit(77)


@contextlib.contextmanager
def cache_lock():
    """Serialises fetch.py and make_dumps.py runs on one cache (two build trees
    may run ctest at once); the second waits, then finds everything cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another run holding {CACHE / '.lock'}")
            fcntl.flock(f, fcntl.LOCK_EX)
        yield


# How a kernel's binary packages are split. "unsigned": one
# linux-image-<release>-unsigned holds the Image (/boot/vmlinuz-<release>),
# the modules and the config (bookworm, trixie). "split": Debian's packaging
# since 7.x ships the signed Image in linux-binary-<release>, the modules in
# linux-modules-<release> and the config in linux-base-<release>, all under
# /usr/lib/modules/<release>/ (trixie-backports has no -unsigned any more).
# The signed arm64 Image is a plain Image with a PE header: QEMU's -kernel and
# kexec take it as it is.
IMAGE_PACKAGES = {
    "unsigned": ["linux-image-{abi}-{f}-unsigned"],
    # armhf kernels are not signed: linux-image-<release> is the image itself.
    "plain": ["linux-image-{abi}-{f}"],
    "split": ["linux-binary-{abi}-{f}", "linux-modules-{abi}-{f}", "linux-base-{abi}-{f}"],
}


def packaging(spec):
    """The kernel's package split: its own "packaging", else its architecture's."""
    return spec.get("packaging") or arches.ARCHES[spec["arch"]]["packaging"]


def image_packages(spec, abi):
    """The packages (name:arch) that together hold the kernel's Image,
    modules and config."""
    return [n.format(abi=abi, f=spec["flavour"]) + f":{spec['arch']}"
            for n in IMAGE_PACKAGES[packaging(spec)]]


def image_path(image_dir, release):
    """Where the unpacked image packages keep the Image."""
    for p in (image_dir / "boot" / f"vmlinuz-{release}",
              image_dir / "usr/lib/modules" / release / "vmlinuz"):
        if p.exists():
            return p
    return image_dir / "boot" / f"vmlinuz-{release}"


def kernel_packages(spec, abi):
    f = spec["flavour"]
    pkgs = {f"image{i}": p for i, p in enumerate(image_packages(spec, abi))}
    pkgs.update({
        "headers": f"linux-headers-{abi}-{f}:{spec['arch']}",
        "common": f"linux-headers-{abi}-common",
        "kbuild": spec["kbuild"].format(abi=abi) + ":amd64",
        "dbg": f"linux-image-{abi}-{f}-dbg:{spec['arch']}",
    })
    return pkgs


def choose_kernel(kid, spec, apt):
    forced = os.environ.get("CSD_REALKERNEL_ABI")
    if forced and re.fullmatch(spec["abi_re"], forced):
        abis = [forced]
    else:
        # The first image package names the ABIs: "linux-image-{abi}-{f}-unsigned".
        first = IMAGE_PACKAGES[packaging(spec)][0]
        head, tail = first.split("{abi}")
        prefix = head + spec["abi_re"].split("\\")[0]
        names = apt.out(["apt-cache", "pkgnames", prefix]).split()
        pat = (re.escape(head) + f"({spec['abi_re']})"
               + re.escape(tail.format(f=spec["flavour"])))
        abis = sorted({m.group(1) for n in names if (m := re.fullmatch(pat, n))},
                      key=lambda a: [int(x) for x in re.findall(r"\d+", a)], reverse=True)
    for abi in abis:
        pkgs = kernel_packages(spec, abi)
        common = None
        for pkg in pkgs.values():
            vs = versions(apt, pkg)
            common = vs if common is None else common & vs
        if common:
            version = sorted(common)[-1]  # one ABI has one version in practice
            log(f"{kid}: selected {abi} at package version {version}")
            return abi, version
        log(f"{abi}: no version shared by all of {', '.join(pkgs.values())}")
    raise Unavailable(f"no {spec['series']} {spec['flavour']} kernel with image, headers, "
                      "kbuild and -dbg at one version on this mirror")


def fetch_userland(apt, kdir, arch="arm64"):
    """busybox-static, kexec-tools and makedumpfile (arch) plus the library
    packages their NEEDED entries resolve to, unpacked into kdir/userland.
    apt is the host's (bookworm) unless the kernel names a userland_suite."""
    libdirs = arches.ARCHES[arch]["libdirs"]
    debs = kdir / "debs"
    root = kdir / "userland"
    if root.exists():
        shutil.rmtree(root)
    wanted = set(GUEST_PROGRAMS)
    have = set()
    programs = [p for ps in GUEST_PROGRAMS.values() for p in ps]
    # Breadth-first over the library Depends of what was fetched so far, until
    # every NEEDED soname resolves (a few unneeded libraries come along; only
    # the NEEDED closure goes into the initramfs).
    for _ in range(8):
        new = sorted(wanted - have)
        if not new:
            break
        usrmerge_links(root, False)
        for deb in download(apt, [f"{p}:{arch}" for p in new], debs):
            extract(deb, root)
        usrmerge_links(root, True)
        have |= set(new)
        files, missing = needed_closure(root, programs, libdirs)
        if not missing:
            break
        wanted |= lib_depends(apt, new, arch)
    files, missing = needed_closure(root, programs, libdirs)
    if missing:
        sys.exit(f"fetch: unresolved shared libraries for the guest: {', '.join(missing)}")
    return files, sorted(have)


def vmlinux_symbols(vmlinux, names):
    """Link-time addresses of the named symbols in the vmlinux."""
    syms = {}
    for line in out(["readelf", "-sW", str(vmlinux)]).splitlines():
        parts = line.split()
        if len(parts) == 8 and parts[7] in names:
            syms[parts[7]] = int(parts[1], 16)
    missing = set(names) - set(syms)
    if missing:
        sys.exit(f"fetch: {vmlinux} lacks {', '.join(sorted(missing))}")
    return syms


def stext_minus_text(vmlinux):
    syms = vmlinux_symbols(vmlinux, ("_text", "_stext"))
    return syms["_stext"] - syms["_text"]


def build_root(suite):
    """$CACHE/roots/<suite>-amd64: a minimal root of suite with its cross gcc
    and the libraries its kbuild binaries need, made once with mmdebstrap
    (about 30 s, 315 MB). Modules are built in it with chroot (in a private
    mount namespace that bind-mounts the cache at the same path). Returns
    (path, seconds or None if cached)."""
    root = build_root_path(suite)
    stamp = root / ".csdump-root.json"
    want = {"suite": suite, "packages": BUILD_ROOT_PACKAGES}
    if stamp.exists() and json.loads(stamp.read_text()) == want:
        return root, None
    if os.geteuid() != 0:
        raise Unavailable(f"making and entering the {suite} build root needs root")
    if shutil.which("mmdebstrap") is None:
        raise Unavailable("mmdebstrap is not installed (apt-get install mmdebstrap)")
    t0 = time.monotonic()
    tmp = root.with_name(root.name + ".tmp")
    for d in (tmp, root):
        if d.exists():
            shutil.rmtree(d)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        run(["mmdebstrap", "--variant=minbase", "--include=" + ",".join(BUILD_ROOT_PACKAGES),
             suite, str(tmp), MIRROR], stdout=subprocess.DEVNULL)
    except subprocess.CalledProcessError as e:
        raise Unavailable(f"mmdebstrap could not make the {suite} build root ({e})") from e
    (tmp / stamp.name).write_text(json.dumps(want) + "\n")
    tmp.rename(root)
    return root, round(time.monotonic() - t0, 1)


def build_root_path(suite):
    return CACHE / "roots" / f"{suite}-amd64"


def root_command(root, cmd, binds=()):
    """cmd run inside the build root, with $CACHE and the directories binds
    visible at the same paths."""
    dirs = [CACHE.resolve()] + [Path(b).resolve() for b in binds]
    mounts = []
    for d in dirs:
        (root / str(d).lstrip("/")).mkdir(parents=True, exist_ok=True)
        mounts.append(f'mount --bind "{d}" "{root}{d}"')
    script = " && ".join(mounts) + ' && exec chroot "$0" "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
            str(root)] + cmd


def drgn_root(spec, timings):
    """The build root whose python3-drgn cross-checks this kernel's dumps,
    made if it is not the kernel's own (bookworm's armhf kernels use trixie's
    drgn). Needs root, as any build root does; without it the drgn checks
    report SKIPPED."""
    suite = spec.get("drgn", "host")
    if suite in ("host", spec["build_root"]) or os.geteuid() != 0:
        return
    try:
        _, timings["drgn_root"] = build_root(suite)
    except Unavailable as e:
        log(f"no {suite} build root for the drgn cross-checks ({e}): they will be skipped")


def adopt_legacy(kid, kernel_json):
    """The single-kernel cache kept bookworm's selection in $CACHE/kernel.json
    (layout 1): copy it (the old harness may still use it) rather than fetch
    1 GB again. The kernel/ tree it points into is shared and unchanged."""
    legacy = CACHE / "kernel.json"
    if kid != "bookworm-6.1-arm64" or kernel_json.exists() or not legacy.exists():
        return
    try:
        info = json.loads(legacy.read_text())
    except ValueError:
        return
    if info.get("layout") != 1 or not re.fullmatch(KERNELS[kid]["abi_re"], info.get("abi", "")):
        return
    info.update(layout=LAYOUT, kernel_id=kid, suite="bookworm", build_root=None)
    kernel_json.parent.mkdir(parents=True, exist_ok=True)
    kernel_json.write_text(json.dumps(info, indent=2) + "\n")
    log(f"{kid}: adopted the single-kernel cache's {legacy}")


def fetch(kid=DEFAULT_KERNEL):
    spec = kernel_spec(kid)
    if spec["build_root"] and os.geteuid() != 0:
        # Every make_dumps.py run enters the root (the cross gcc's version is
        # part of the inputs hash), cached or not.
        raise Unavailable(f"its module is built in the {spec['build_root']} build root "
                          "(unshare --mount, chroot), which needs root")
    timings = {}
    kernel_json = kernel_dir(kid) / "kernel.json"
    adopt_legacy(kid, kernel_json)
    if kernel_json.exists():
        info = json.loads(kernel_json.read_text())
        paths = [info.get(k, "") for k in ("vmlinux", "image", "modules", "headers", "userland")]
        paths += [str(Path(info.get("userland", "")) / f) for f in info.get("userland_files", [])]
        forced = os.environ.get("CSD_REALKERNEL_ABI")
        if forced and not re.fullmatch(spec["abi_re"], forced):
            forced = None
        if (info.get("layout") == LAYOUT and forced in (None, info.get("abi"))
                and all(Path(p).exists() for p in paths)):
            log(f"{kid}: cached: {info['release']} ({info['package_version']}) in {info['dir']}")
            timings = {"download": None}
            if spec["build_root"]:  # remade when its package list changes
                root, timings["build_root"] = build_root(spec["build_root"])
                info["build_root"] = str(root)
            drgn_root(spec, timings)
            return info, timings
        log(f"{kid}: cached kernel.json is stale, another ABI or refers to missing files; "
            "fetching")
        kernel_json.unlink()

    t0 = time.monotonic()
    kernel_json.parent.mkdir(parents=True, exist_ok=True)
    apt = Apt(spec["suite"], spec["arch"])
    apt.prepare()
    abi, version = choose_kernel(kid, spec, apt)
    release = f"{abi}-{spec['flavour']}"
    kdir = CACHE / "kernel" / f"{release}_{version}"
    debs = kdir / "debs"
    pkgs = kernel_packages(spec, abi)

    # Image, headers and kbuild (small) first.
    download(apt, [f"{p}={version}" for k, p in pkgs.items() if k != "dbg"], debs)
    image_dir, headers_dir = kdir / "image", kdir / "headers"
    for d in (image_dir, headers_dir):
        if d.exists():
            shutil.rmtree(d)
    for p in image_packages(spec, abi):
        name, _, arch = p.partition(":")
        extract(deb_for(debs, name, arch), image_dir)
    for p in (pkgs["headers"], pkgs["common"], pkgs["kbuild"]):
        name, _, arch = p.partition(":")
        extract(deb_for(debs, name, arch or "all"), headers_dir)
    # The arm64 headers' Makefile includes the common headers by absolute path
    # (/usr/src/...), and since 7.x also names itself there (KBUILD_OUTPUT=):
    # point every such path at the unpacked copy.
    makefile = headers_dir / "usr/src" / f"linux-headers-{release}" / "Makefile"
    text = makefile.read_text()
    if f"include /usr/src/linux-headers-{abi}-common/" not in text:
        sys.exit(f"fetch: unexpected {makefile}: no include of the common headers")
    fixed = re.sub(r"(?<![\w/])/usr/src/linux-headers-", f"{headers_dir}/usr/src/linux-headers-",
                   text)
    makefile.write_text(fixed)
    timings["download_kernel"] = round(time.monotonic() - t0, 1)

    # The DWARF vmlinux: stream only that member out of the ~1 GB deb.
    t1 = time.monotonic()
    vmlinux = kdir / "vmlinux"
    if not vmlinux.exists():
        download(apt, [f"{pkgs['dbg']}={version}"], debs)
        dbg = deb_for(debs, pkgs["dbg"].partition(":")[0], spec["arch"])
        tmp = kdir / "dbg-extract"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        # /usr/lib/debug/boot/vmlinux-<release> is the file up to 6.x; since
        # 7.x it is a symlink to /usr/lib/debug/lib/modules/<release>/vmlinux:
        # take both, in one pass over the ~1 GB deb, and keep the real file.
        fsys = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(dbg)], stdout=subprocess.PIPE)
        # tar exits 2 for the patterns this deb does not have: checked below.
        tar = ["tar", "-x", "-C", str(tmp), "--wildcards", "--no-wildcards-match-slash",
               "./usr/lib/debug/boot/vmlinux-*", "./usr/lib/debug/lib/modules/*/vmlinux",
               "./usr/lib/debug/usr/lib/modules/*/vmlinux"]
        log("$ " + " ".join(tar))
        subprocess.run(tar, stdin=fsys.stdout, stderr=subprocess.DEVNULL)
        if fsys.wait() != 0:
            sys.exit("fetch: dpkg-deb --fsys-tarfile failed on the -dbg package")
        found = list((tmp / "usr/lib/debug/boot").glob("vmlinux-*"))
        if len(found) != 1 or not found[0].resolve().is_file():
            sys.exit(f"fetch: expected one vmlinux (file or symlink to one) in the -dbg "
                     f"package, found {found}")
        found[0].resolve().rename(vmlinux)
        shutil.rmtree(tmp)
        dbg.unlink()
    timings["download_vmlinux"] = round(time.monotonic() - t1, 1)

    t2 = time.monotonic()
    userland_suite = spec.get("userland_suite")
    host_apt = apt if spec["suite"] == userland_suite else Apt(userland_suite, spec["arch"])
    if spec["suite"] != userland_suite:
        host_apt.prepare()
    files, userland_pkgs = fetch_userland(host_apt, kdir, spec["arch"])
    timings["download_userland"] = round(time.monotonic() - t2, 1)

    root = None
    if spec["build_root"]:
        root, timings["build_root"] = build_root(spec["build_root"])
    drgn_root(spec, timings)

    image = image_path(image_dir, release)
    modules = next((p for p in (image_dir / "lib/modules" / release,
                                image_dir / "usr/lib/modules" / release) if p.exists()),
                   image_dir / "lib/modules" / release)
    build = headers_dir / "usr" / "src" / f"linux-headers-{release}"
    for p in (image, modules, build):
        if not p.exists():
            sys.exit(f"fetch: expected {p} after unpacking")
    info = {
        "layout": LAYOUT,
        "kernel_id": kid,
        "suite": spec["suite"] or "bookworm",
        "abi": abi,
        "release": release,
        "package_version": version,
        "dir": str(kdir),
        "image": str(image),
        "modules": str(modules),
        "headers": str(build),
        "headers_root": str(headers_dir),
        "vmlinux": str(vmlinux),
        "stext_minus_text": stext_minus_text(vmlinux),
        "userland": str(kdir / "userland"),
        "userland_files": files,
        "userland_packages": userland_pkgs,
        "build_root": str(root) if root else None,
    }
    tmp_json = kernel_json.with_suffix(".tmp")
    tmp_json.write_text(json.dumps(info, indent=2) + "\n")
    tmp_json.rename(kernel_json)
    timings["download"] = round(time.monotonic() - t0, 1)
    return info, timings


def record_timings(kid, stages):
    """Merges this run's stage times (seconds; None = reused from the cache)
    into $CACHE/<kernel-id>/timings.json: last_run is this run, measured keeps
    the latest real measurement of every stage. Prints this run's."""
    path = kernel_dir(kid) / "timings.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    measured = data.get("measured", {})
    last = {}
    for stage, secs in stages.items():
        last[stage] = "cached" if secs is None else secs
        if secs is not None:
            measured[stage] = secs
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"kernel_id": kid, "last_run": last, "measured": measured},
                               indent=2) + "\n")
    print(f"timings of {kid} (seconds; 'cached' = reused), written to {path}:")
    for stage, secs in last.items():
        print(f"  {stage:26} {secs}")


def kernel_arg(ap):
    ap.add_argument("--kernel", default=DEFAULT_KERNEL, choices=list(KERNELS),
                    help=f"the kernel id (default {DEFAULT_KERNEL})")


def main():
    ap = argparse.ArgumentParser(description="Fetch one kernel of the real-kernel matrix")
    kernel_arg(ap)
    args = ap.parse_args()
    with cache_lock():
        try:
            info, timings = fetch(args.kernel)
        except Unavailable as e:
            skip(args.kernel, e)
        log(f"kernel {info['release']} ({info['package_version']}); vmlinux {info['vmlinux']}")
        if timings.get("download") is not None:  # keep make_dumps.py's last_run otherwise
            record_timings(args.kernel, timings)


if __name__ == "__main__":
    main()
