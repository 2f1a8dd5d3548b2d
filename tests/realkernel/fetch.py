#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fetches one Debian bookworm arm64 kernel and the guest userland for the
real-kernel tests, into a cache outside the source tree.

Everything lands in ${CSD_REALKERNEL_CACHE:-~/.cache/csdump-realkernel}:

  kernel.json                 the selected kernel (written last: its presence
                              means the fetch completed); later runs reuse it
                              and touch neither apt nor the network
  kernel/<release>_<version>/
    debs/                     the downloaded .debs (the 800 MB -dbg is deleted
                              once its vmlinux is out)
    image/                    linux-image-*-arm64-unsigned, unpacked (Image,
                              modules, config)
    headers/                  arm64 + common headers and the amd64 kbuild,
                              unpacked together (the module build tree)
    vmlinux                   the DWARF vmlinux from the -dbg package
    userland/                 busybox-static, kexec-tools, makedumpfile and
                              the libraries they need, unpacked (arm64)

Selection: the newest 6.1.0-N ABI whose image, headers, common headers and -dbg
packages (arm64) and amd64 linux-kbuild-6.1 exist at one and the same package
version on the configured mirror. CSD_REALKERNEL_ABI=6.1.0-N forces an ABI.
"""

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

CACHE = Path(os.environ.get("CSD_REALKERNEL_CACHE",
                            Path.home() / ".cache" / "csdump-realkernel"))
# Userland programs for the initramfs: package, and the programs we run from it.
GUEST_PROGRAMS = {
    "busybox-static": ["bin/busybox"],
    "kexec-tools": ["sbin/kexec"],
    "makedumpfile": ["usr/bin/makedumpfile"],
}
# Version of kernel.json's contents; a cached kernel.json of another layout is redone.
LAYOUT = 1
# Library search path of the guest's dynamic loader, relative to its root.
GUEST_LIBDIRS = ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu", "lib", "usr/lib"]


class Unavailable(Exception):
    """The packages cannot be fetched here (no apt access, no network) and
    nothing is cached: the tests that need them are skipped, not failed."""


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


def log(msg):
    print(f"[fetch] {msg}", flush=True)


def run(cmd, **kw):
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, check=True, **kw)


def out(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def sudo():
    return [] if os.geteuid() == 0 else ["sudo"]


def ensure_apt_arm64():
    if os.geteuid() != 0 and shutil.which("sudo") is None:
        raise Unavailable("apt-get update needs root or sudo")
    try:
        archs = out(["dpkg", "--print-foreign-architectures"]).split()
        if "arm64" not in archs:
            run(sudo() + ["dpkg", "--add-architecture", "arm64"])
        run(sudo() + ["apt-get", "update", "-qq"])
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        raise Unavailable(f"apt cannot update its lists ({e})") from e


def versions(pkg):
    """Every version apt knows for pkg (pkg may carry an :arch suffix)."""
    res = subprocess.run(["apt-cache", "madison", pkg], capture_output=True, text=True)
    return {line.split("|")[1].strip() for line in res.stdout.splitlines() if "|" in line}


def kernel_packages(abi):
    return {
        "image": f"linux-image-{abi}-arm64-unsigned:arm64",
        "headers": f"linux-headers-{abi}-arm64:arm64",
        "common": f"linux-headers-{abi}-common",
        "kbuild": "linux-kbuild-6.1:amd64",
        "dbg": f"linux-image-{abi}-arm64-dbg:arm64",
    }


def choose_kernel():
    forced = os.environ.get("CSD_REALKERNEL_ABI")
    if forced:
        abis = [forced]
    else:
        names = out(["apt-cache", "pkgnames", "linux-image-6.1.0-"]).split()
        abis = sorted({m.group(1) for n in names
                       if (m := re.fullmatch(r"linux-image-(6\.1\.0-\d+)-arm64-unsigned", n))},
                      key=lambda a: int(a.rsplit("-", 1)[1]), reverse=True)
    for abi in abis:
        pkgs = kernel_packages(abi)
        common = None
        for pkg in pkgs.values():
            vs = versions(pkg)
            common = vs if common is None else common & vs
        if common:
            version = sorted(common)[-1]  # one ABI has one version in practice
            log(f"selected {abi} at package version {version}")
            return abi, version
        log(f"{abi}: no version shared by all of {', '.join(pkgs.values())}")
    sys.exit("fetch: no Debian arm64 6.1 kernel with image, headers, kbuild and -dbg "
             "at one version on this mirror")


def cached_deb(dest, spec):
    """The .deb in dest for spec (name[:arch][=version]), if an earlier run got it."""
    name, _, version = spec.partition("=")
    name, _, arch = name.partition(":")
    version = version.replace(":", "%3a") if version else "*"
    hits = sorted(dest.glob(f"{name}_{version}_{arch or '*'}.deb"))
    return hits[-1] if hits else None


def download(pkgs, dest):
    """apt-get download pkgs (name:arch=version) into dest, skipping those a
    previous (interrupted) run left there; returns the .deb paths."""
    dest.mkdir(parents=True, exist_ok=True)
    have = {spec: cached_deb(dest, spec) for spec in pkgs}
    missing = [spec for spec, deb in have.items() if deb is None]
    if missing:
        try:
            run(["apt-get", "download", "-q"] + missing, cwd=dest, stdout=subprocess.DEVNULL)
        except subprocess.CalledProcessError as e:
            raise Unavailable(f"apt-get download failed ({e})") from e
    debs = []
    for spec in pkgs:
        deb = cached_deb(dest, spec)
        if deb is None:
            sys.exit(f"fetch: apt-get download did not produce {spec}")
        debs.append(deb)
    return debs


def deb_for(debs_dir, name, arch):
    hits = sorted(debs_dir.glob(f"{name}_*_{arch}.deb"))
    if not hits:
        sys.exit(f"fetch: {name} ({arch}) was not downloaded into {debs_dir}")
    return hits[-1]


def extract(deb, dest):
    dest.mkdir(parents=True, exist_ok=True)
    run(["dpkg-deb", "-x", str(deb), str(dest)])


def readelf_needed(path):
    res = subprocess.run(["readelf", "-dW", str(path)], capture_output=True, text=True)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", res.stdout)


def readelf_interp(path):
    res = subprocess.run(["readelf", "-lW", str(path)], capture_output=True, text=True)
    m = re.search(r"Requesting program interpreter: ([^\]]+)\]", res.stdout)
    return m.group(1) if m else None


def find_lib(root, soname):
    for d in GUEST_LIBDIRS:
        p = root / d / soname
        if p.exists():
            return p
    return None


def needed_closure(root, programs):
    """Files (relative to root) the programs need at run time: the programs,
    the interpreter and every NEEDED library, transitively. Returns (files,
    missing sonames)."""
    files, missing, todo, seen = [], set(), list(programs), set()
    for prog in programs:
        if not (root / prog).is_file():
            sys.exit(f"fetch: {prog} is not in the unpacked guest packages")
        interp = readelf_interp(root / prog)
        if interp and interp.lstrip("/") not in todo:
            todo.append(interp.lstrip("/"))
    while todo:
        rel = todo.pop(0)
        if rel in seen:
            continue
        seen.add(rel)
        files.append(rel)
        for soname in readelf_needed(root / rel):
            lib = find_lib(root, soname)
            if lib is None:
                missing.add(soname)
            else:
                todo.append(str(lib.relative_to(root)))
    return files, sorted(missing)


def lib_depends(pkgs):
    """Direct Depends/Pre-Depends of pkgs (arm64) that are library packages
    (Debian names them lib*, and zlib1g). One apt-cache call: each costs seconds."""
    text = out(["apt-cache", "depends", "--no-recommends", "--no-suggests", "--no-conflicts",
                "--no-breaks", "--no-replaces", "--no-enhances"] + [f"{p}:arm64" for p in pkgs])
    deps = set()
    for line in text.splitlines():
        m = re.match(r"\s+\|?(?:Pre)?Depends: (\S+)", line)
        if m and not m.group(1).startswith("<"):
            name = m.group(1).split(":")[0]
            if name.startswith(("lib", "zlib")):
                deps.add(name)
    return deps


def fetch_userland(kdir):
    """busybox-static, kexec-tools and makedumpfile (arm64) plus the library
    packages their NEEDED entries resolve to, unpacked into kdir/userland."""
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
        for deb in download([f"{p}:arm64" for p in new], debs):
            extract(deb, root)
        have |= set(new)
        files, missing = needed_closure(root, programs)
        if not missing:
            break
        wanted |= lib_depends(new)
    files, missing = needed_closure(root, programs)
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


def fetch():
    timings = {}
    kernel_json = CACHE / "kernel.json"
    if kernel_json.exists():
        info = json.loads(kernel_json.read_text())
        paths = [info.get(k, "") for k in ("vmlinux", "image", "modules", "headers", "userland")]
        paths += [str(Path(info.get("userland", "")) / f) for f in info.get("userland_files", [])]
        forced = os.environ.get("CSD_REALKERNEL_ABI")
        if (info.get("layout") == LAYOUT and forced in (None, info.get("abi"))
                and all(Path(p).exists() for p in paths)):
            log(f"cached: {info['release']} ({info['package_version']}) in {info['dir']}")
            return info, {"download": None}
        log("cached kernel.json is stale, another ABI or refers to missing files; fetching")
        kernel_json.unlink()

    t0 = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)
    ensure_apt_arm64()
    abi, version = choose_kernel()
    release = f"{abi}-arm64"
    kdir = CACHE / "kernel" / f"{release}_{version}"
    debs = kdir / "debs"
    pkgs = kernel_packages(abi)

    # Image, headers and kbuild (small) first.
    download([f"{pkgs[k]}={version}" for k in ("image", "headers", "common", "kbuild")], debs)
    image_dir, headers_dir = kdir / "image", kdir / "headers"
    for d in (image_dir, headers_dir):
        if d.exists():
            shutil.rmtree(d)
    extract(deb_for(debs, f"linux-image-{abi}-arm64-unsigned", "arm64"), image_dir)
    for name, arch in ((f"linux-headers-{abi}-arm64", "arm64"),
                       (f"linux-headers-{abi}-common", "all"), ("linux-kbuild-6.1", "amd64")):
        extract(deb_for(debs, name, arch), headers_dir)
    # The arm64 headers' Makefile includes the common headers by absolute path
    # (/usr/src/...): point it at the unpacked copy.
    makefile = headers_dir / "usr/src" / f"linux-headers-{release}" / "Makefile"
    text = makefile.read_text()
    fixed = text.replace(f"include /usr/src/linux-headers-{abi}-common/",
                         f"include {headers_dir}/usr/src/linux-headers-{abi}-common/")
    if fixed == text:
        sys.exit(f"fetch: unexpected {makefile}: no include of the common headers")
    makefile.write_text(fixed)
    timings["download_kernel"] = round(time.monotonic() - t0, 1)

    # The DWARF vmlinux: stream only that member out of the 800 MB deb.
    t1 = time.monotonic()
    vmlinux = kdir / "vmlinux"
    if not vmlinux.exists():
        download([f"{pkgs['dbg']}={version}"], debs)
        dbg = deb_for(debs, f"linux-image-{abi}-arm64-dbg", "arm64")
        tmp = kdir / "dbg-extract"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        fsys = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(dbg)], stdout=subprocess.PIPE)
        run(["tar", "-x", "-C", str(tmp), "--wildcards", "./usr/lib/debug/boot/vmlinux-*"],
            stdin=fsys.stdout)
        if fsys.wait() != 0:
            sys.exit("fetch: dpkg-deb --fsys-tarfile failed on the -dbg package")
        found = list((tmp / "usr/lib/debug/boot").glob("vmlinux-*"))
        if len(found) != 1:
            sys.exit(f"fetch: expected one vmlinux in the -dbg package, found {found}")
        found[0].rename(vmlinux)
        shutil.rmtree(tmp)
        dbg.unlink()
    timings["download_vmlinux"] = round(time.monotonic() - t1, 1)

    t2 = time.monotonic()
    files, userland_pkgs = fetch_userland(kdir)
    timings["download_userland"] = round(time.monotonic() - t2, 1)

    image = image_dir / "boot" / f"vmlinuz-{release}"
    modules = image_dir / "lib" / "modules" / release
    build = headers_dir / "usr" / "src" / f"linux-headers-{release}"
    for p in (image, modules, build):
        if not p.exists():
            sys.exit(f"fetch: expected {p} after unpacking")
    info = {
        "layout": LAYOUT,
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
    }
    tmp_json = kernel_json.with_suffix(".tmp")
    tmp_json.write_text(json.dumps(info, indent=2) + "\n")
    tmp_json.rename(kernel_json)
    timings["download"] = round(time.monotonic() - t0, 1)
    return info, timings


def record_timings(stages):
    """Merges this run's stage times (seconds; None = reused from the cache)
    into $CACHE/timings.json: last_run is this run, measured keeps the latest
    real measurement of every stage. Prints this run's."""
    path = CACHE / "timings.json"
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
    path.write_text(json.dumps({"last_run": last, "measured": measured}, indent=2) + "\n")
    print(f"timings (seconds; 'cached' = reused), written to {path}:")
    for stage, secs in last.items():
        print(f"  {stage:26} {secs}")


def main():
    with cache_lock():
        try:
            info, timings = fetch()
        except Unavailable as e:
            print(f"fetch: skipped: {e}")
            sys.exit(77)
        log(f"kernel {info['release']} ({info['package_version']}); vmlinux {info['vmlinux']}")
        if timings.get("download") is not None:  # keep make_dumps.py's last_run otherwise
            record_timings(timings)


if __name__ == "__main__":
    main()
