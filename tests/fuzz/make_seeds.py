#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of each fuzz target from the synthetic dumps and fake
kernels of a build (run after `cmake --build build`), plus small hand-made
inputs for the in-memory parsers. Usage: make_seeds.py BUILD_DIR"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
build = os.path.abspath(sys.argv[1])
mkcore = os.path.join(build, "tools/csdump-mkcore/csdump-mkcore")
kernels = os.path.join(build, "testdata/kernels")


def put(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def core(spec, variant):
    out = tempfile.mkdtemp()
    subprocess.run([mkcore, os.path.join(root, "testdata/specs", spec + ".json"), "-o", out,
                    "--vmlinux", os.path.join(kernels, variant, "vmlinux")], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def notes_of(vmcore):
    data = open(vmcore, "rb").read(1 << 16)
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 4:
            return open(vmcore, "rb").read()[p_offset:p_offset + p_filesz]
    return b""


for spec, variant in (("demo", "seed-flipped"), ("qemu-format", "seed-flipped"),
                      ("legacy-414", "legacy-414"), ("excluded-tail", "seed-flipped")):
    out = core(spec, variant)
    vmcore = os.path.join(out, "vmcore")
    head = open(vmcore, "rb").read(4096)
    put("dump", spec + "-head", head)
    notes = notes_of(vmcore)
    put("elf_notes", spec, notes)
    text = notes[notes.find(b"OSRELEASE="):].split(b"\0")[0]
    put("vmcoreinfo", spec, text)
    if spec == "demo":
        blk = open(vmcore, "rb").read()
        magic = blk.find(struct.pack("<Q", 0x4040404040404040))
        put("etm_metadata", "etmv4", blk[magic:magic + 72])
    shutil.rmtree(out)

put("etm_metadata", "etmv3", struct.pack("<6Q", 0x3030303030303030, 0, 0, 0x10, 0, 0))
put("etm_metadata", "barrier", struct.pack("<4I", *[0x7fffffff] * 4) + bytes(48))
put("debuginfo", "seed-flipped", open(os.path.join(kernels, "seed-flipped/vmlinux"), "rb").read())

# A 4K/48-bit table chain at PA 0 that maps every VA: L0..L2 tables, L3 pages.
hdr = bytes([0, 12, 12, 2]) + bytes(4) + struct.pack("<QQQ", 0x40000000, 0xffff7fffc0000000, 0x1234)
mem = b"".join(struct.pack("<Q", ((lvl + 1) << 12) | 3) * 512 for lvl in range(3))
mem += struct.pack("<Q", 0x4000 | 0x403) * 512 + bytes(4096)
put("arm64_walker", "4k-va48-chain", hdr + mem)

# A three-entry ring at 0x1000 with next at 0 and prev at 8.
ring = struct.pack("<QQ", 0x1010, 0x1020) + struct.pack("<QQ", 0x1020, 0x1000) + struct.pack("<QQ", 0x1000, 0x1010)
put("list_walk", "ring3", b"\0" + ring)
put("list_walk", "cycle", b"\0" + struct.pack("<QQQQ", 0x1010, 0, 0x1010, 0x1000))

# Module attribute tables and kallsyms (module_tables_fuzzer.cc): memory at
# 0x1000 with the table or struct module first; offsets of the modules-host
# fake kernels.
def memory_at_0x1000(size, writes):
    m = bytearray(size)
    for addr, data in writes:
        m[addr - 0x1000:addr - 0x1000 + len(data)] = data
    return bytes(m)


def q(v):
    return struct.pack("<Q", v)


names = [(0x1300, b".text\0"), (0x1310, b".data\0"), (0x1320, b".note.gnu.build-id\0")]
put("module_tables", "sect-attrs-6.13", b"\0" + memory_at_0x1000(0x400, [
    (0x1000 + 32, q(0x1200)), (0x1000 + 40, struct.pack("<I", 2)),
    (0x1030, q(0x1300)), (0x1030 + 80, q(0xffff800001000000)),
    (0x1088, q(0x1310)), (0x1088 + 80, q(0xffff800001002000)),
    (0x1200, q(0x1030) + q(0x1088) + q(0))] + names))
put("module_tables", "sect-attrs-6.14", b"\1" + memory_at_0x1000(0x400, [
    (0x1000 + 40, q(0x1200)),
    (0x1030, q(0x1300)), (0x1030 + 24, q(0xffff800001000000)),
    (0x1078, q(0x1310)), (0x1078 + 24, q(0xffff800001002000)),
    (0x1200, q(0x1030) + q(0x1078) + q(0))] + names))
put("module_tables", "notes-attrs-6.13", b"\2" + memory_at_0x1000(0x400, [
    (0x1000 + 8, struct.pack("<I", 1)),
    (0x1010, q(0x1320)), (0x1010 + 32, q(36)), (0x1010 + 40, q(0x1380))] + names))
sym = lambda name, shndx, value, size: struct.pack("<IBBHQQ", name, 0x11, 0, shndx, value, size)
put("module_tables", "kallsyms", b"\3" + memory_at_0x1000(0x300, [
    (0x1000, q(0x1008)), (0x1008, q(0x1100)), (0x1010, struct.pack("<I", 3)), (0x1018, q(0x1200)),
    (0x1100, sym(0, 0, 0, 0) + sym(1, 2, 0xffff800001000000, 0x40)
     + sym(20, 3, 0xffff800001002028, 16)),
    (0x1200, b"\0coresight_dump_add\0coresight_dump_list\0")]))

# kdump-compressed and flattened dumps: whole files when small, else the
# headers and bitmaps (libFuzzer's inputs stay small).
for spec in ("kdump-zlib", "kdump-mixed-v6", "kdump-flattened", "kdump-v3-header", "kdump-zero-excluded"):
    out = core(spec, "seed-flipped")
    path = os.path.join(out, "vmcore") if os.path.exists(os.path.join(out, "vmcore")) else os.path.join(out, "vmcore.1")
    put("kdump", spec, open(path, "rb").read(64 * 1024))
    shutil.rmtree(out)

# 32-bit ARM: a short-descriptor L1 at PA 0 whose entries are 1 MiB sections.
arm_hdr = bytes([0, 0, 0, 0]) + struct.pack("<IIIQ", 0x80000000, 0, 0, 0xc0001234f0002345)
l1 = b"".join(struct.pack("<I", (i << 20) | 0x2 | 0xc00) for i in range(4096))
put("arm_walker", "short-sections", arm_hdr + l1)
# LPAE: L1 (4 entries) -> L2 at 0x1000 of 2 MiB blocks.
lpae_hdr = bytes([0, 1, 0, 0]) + struct.pack("<IIIQ", 0x80000000, 0, 0, 0xc0201234f0402345)
l1 = struct.pack("<Q", 0x1000 | 3) * 4 + bytes(4096 - 32)
l2 = b"".join(struct.pack("<Q", (i << 21) | 0x401) for i in range(512))
put("arm_walker", "lpae-blocks", lpae_hdr + l1 + l2)

text = open(os.path.join(here, "corpus", "vmcoreinfo", "demo"), "rb").read()
put("vmcoreinfo_scan", "embedded", bytes(3000) + text + b"\0" + bytes(100) + b"OSRELEASE=x\n")

# Raw RAM images: flags, base, VMCOREINFO file text, 0xff, image bytes.
image = bytes(3000) + text + b"\0" + bytes(8192)
put("raw_image", "scan", bytes([0x04]) + struct.pack("<Q", 0x40000000) + b"\xff" + image)
put("raw_image", "file-text", bytes([0x08]) + struct.pack("<Q", 0x40000000) + text[:500] + b"\xff" + image)
put("raw_image", "file-pa-size",
    bytes([0x0a]) + struct.pack("<Q", 0x40000000) + b"40000bb8 1000\n" + b"\xff" + image)
put("raw_image", "two-images-arm", bytes([0x16]) + struct.pack("<Q", 0x80000000) + b"\xff" + image)

print("seeds written to", os.path.join(here, "corpus"))
