# SPDX-License-Identifier: MIT
"""The guest userland's file closure, for fetch.py: which files of the
unpacked busybox-static, kexec-tools and makedumpfile packages (and their
libraries) the initramfs needs, found through the ELF interpreter and NEEDED
entries, and which library packages to fetch next."""

import re
import subprocess
import sys

# Library search path of the guest's dynamic loader, relative to its root
# (arm64's; fetch.py passes the kernel's architecture's, arches.ARCHES).
GUEST_LIBDIRS = ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu", "lib", "usr/lib"]


def readelf_needed(path):
    res = subprocess.run(["readelf", "-dW", str(path)], capture_output=True, text=True)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", res.stdout)


def readelf_interp(path):
    res = subprocess.run(["readelf", "-lW", str(path)], capture_output=True, text=True)
    m = re.search(r"Requesting program interpreter: ([^\]]+)\]", res.stdout)
    return m.group(1) if m else None


def find_lib(root, soname, libdirs=GUEST_LIBDIRS):
    for d in libdirs:
        p = root / d / soname
        if p.exists():
            return p
    return None


def needed_closure(root, programs, libdirs=GUEST_LIBDIRS):
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
            lib = find_lib(root, soname, libdirs)
            if lib is None:
                missing.add(soname)
            else:
                todo.append(str(lib.relative_to(root)))
    return files, sorted(missing)


def lib_depends(apt, pkgs, arch="arm64"):
    """Direct Depends/Pre-Depends of pkgs (arch) that are library packages
    (Debian names them lib*, and zlib1g). One apt-cache call: each costs seconds."""
    text = apt.out(["apt-cache", "depends", "--no-recommends", "--no-suggests", "--no-conflicts",
                    "--no-breaks", "--no-replaces", "--no-enhances"]
                   + [f"{p}:{arch}" for p in pkgs])
    deps = set()
    for line in text.splitlines():
        m = re.match(r"\s+\|?(?:Pre)?Depends: (\S+)", line)
        if m and not m.group(1).startswith("<"):
            name = m.group(1).split(":")[0]
            if name.startswith(("lib", "zlib")):
                deps.add(name)
    return deps


def usrmerge_links(root, on):
    """trixie's packages install only under /usr (merged /usr): with on, give
    the unpacked root the /bin, /sbin and /lib symlinks a merged system has,
    so that /bin/busybox, /sbin/kexec and the loader's /lib path resolve.
    Only where no package made the directory itself (bookworm's do, and stay
    as they are); off removes them again before the next dpkg-deb -x."""
    for d in ("bin", "sbin", "lib"):
        link = root / d
        if on and not link.exists() and not link.is_symlink() and (root / "usr" / d).is_dir():
            link.symlink_to(f"usr/{d}")
        elif not on and link.is_symlink():
            link.unlink()
