# SPDX-License-Identifier: MIT
"""The real-kernel guest's initramfs: busybox, kexec-tools, makedumpfile and
their libraries (fetch.py's userland closure), the kernel modules the 9p share
needs, the test module, /init (guest_init.sh) and /csd-arch.env, as a newc
cpio written in memory (no root needed for /dev/console), gzip'd with a fixed
mtime so the same inputs give the same bytes."""

import gzip
import lzma
import stat
import subprocess
import sys
import time
from pathlib import Path

import arches
import fetch

HERE = Path(__file__).resolve().parent
# After the architecture's virtio transport; + qemu_fw_cfg where the kernel has it.
GUEST_MODULES = ["9pnet_virtio", "9p"]
# The guest's /init (both kernels).
GUEST_INIT = (HERE / "guest_init.sh").read_text()


def log(msg):
    print(f"[make_dumps] {msg}", flush=True)


class Cpio:
    """A newc cpio archive written in memory: no root needed for /dev/console."""

    def __init__(self):
        self.parts, self.ino = [], 1

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0]
        self.ino += 1
        head = b"070701" + b"".join(b"%08x" % v for v in fields) + name.encode() + b"\0"
        head += b"\0" * (-len(head) % 4)
        self.parts += [head, data, b"\0" * (-len(data) % 4)]

    def dir(self, name):
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def chardev(self, name, major, minor):
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def bytes(self):
        self._entry("TRAILER!!!", 0)
        return b"".join(self.parts)


MODULE_SUFFIXES = (".ko", ".ko.xz", ".ko.zst", ".ko.gz")


def module_bytes(path):
    """A module's bytes, uncompressed (6.12 ships .ko.xz; busybox insmod passes
    the file to init_module, which wants ELF)."""
    name = path.name
    if name.endswith(".xz"):
        return lzma.decompress(path.read_bytes())
    if name.endswith(".gz"):
        return gzip.decompress(path.read_bytes())
    if name.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", str(path)], capture_output=True,
                              check=True).stdout
    return path.read_bytes()


def module_closure(modules_dir, names):
    """The .ko files for names and what they depend on, dependencies first.
    Names built into the kernel (modules.builtin) are left out."""
    paths = {}
    for ko in modules_dir.rglob("*.ko*"):
        for suffix in MODULE_SUFFIXES:
            if ko.name.endswith(suffix):
                paths[ko.name[:-len(suffix)].replace("-", "_")] = ko
    builtin = set()
    if (modules_dir / "modules.builtin").exists():
        for line in (modules_dir / "modules.builtin").read_text().split():
            builtin.add(Path(line).name.removesuffix(".ko").replace("-", "_"))
    order, seen = [], set()

    def visit(name):
        name = name.replace("-", "_")
        if name in seen:
            return
        seen.add(name)
        if name not in paths and name in builtin:
            return
        if name not in paths:
            sys.exit(f"make_dumps: kernel module {name} not in {modules_dir}")
        deps = subprocess.run(["modinfo", "-F", "depends", str(paths[name])],
                              capture_output=True, text=True, check=True).stdout.strip()
        for dep in filter(None, deps.split(",")):
            visit(dep)
        order.append(name)

    for n in names:
        visit(n)
    return [(n, paths[n]) for n in order]


def build_initramfs(kernel, ko, build_dir):
    """build_dir/initrd.cpio.gz for the kernel with the test module ko; returns
    (path, seconds or None if it was already there)."""
    initrd = build_dir / "initrd.cpio.gz"
    if initrd.exists():
        return initrd, None
    t0 = time.monotonic()
    cpio = Cpio()
    dirs = set()

    def parents(rel):
        parts = Path(rel).parts[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in dirs:
                dirs.add(d)
                cpio.dir(d)

    for d in ("dev", "proc", "sys", "tmp", "share", "modules"):
        parents(d + "/x")
    cpio.chardev("dev/console", 5, 1)
    cpio.chardev("dev/null", 1, 3)
    userland = Path(kernel["userland"])
    for rel in kernel["userland_files"]:
        parents(rel)
        src = userland / rel
        cpio.file(rel, src.read_bytes(), 0o755)  # symlinks (ld.so) dereferenced
    arch = arches.arch_of(kernel["kernel_id"], fetch.KERNELS)
    mods = module_closure(Path(kernel["modules"]), arch["transport"] + GUEST_MODULES
                          + (["qemu_fw_cfg"] if arch["fw_cfg"] else []))
    for name, path in mods:
        cpio.file(f"modules/{name}.ko", module_bytes(path))
    cpio.file("modules/order", ("\n".join(n for n, _ in mods) + "\n").encode())
    cpio.file(ko.name, ko.read_bytes())
    cpio.file("init", GUEST_INIT.encode(), 0o755)
    stext = fetch.vmlinux_symbols(kernel["vmlinux"], ("_stext",))["_stext"]
    cpio.file("csd-arch.env", arches.guest_env(fetch.KERNELS[kernel["kernel_id"]]["arch"],
                                               kernel, stext))
    tmp = initrd.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(gzip.compress(cpio.bytes(), compresslevel=6, mtime=0))
    tmp.rename(initrd)
    elapsed = time.monotonic() - t0
    log(f"built {initrd} ({initrd.stat().st_size} bytes) in {elapsed:.1f} s")
    return initrd, round(elapsed, 1)
