#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Extracts the CoreSight panic-dump list from a vmcore with drgn.

An independent reader of the same data csdump-extract reads, used to validate
the real-kernel dumps and as the baseline of a speed comparison. It opens DUMP
with the vmlinux and the module's debug info (the list head is file-static in
the module), walks coresight_dump_list and writes, like csdump-extract:

  OUT/sinks/<device>.bin      each PANIC node's buffer
  OUT/metadata/cpu<N>.bin     each PRE_PANIC node's buffer
  OUT/drgn-nodes.json         the nodes in list order (cpu, type, device, size,
                              addresses, file, sha256)

drgn reads ELF vmcores and, through libkdumpfile, kdump-compressed ones; it
cannot open QEMU's physical-address-only dumps.

Usage: drgn_extract.py DUMP VMLINUX --debuginfo MODULE.ko -o OUT
"""

import argparse
import hashlib
import json
import re
import sys
import time
from pathlib import Path

import drgn
from drgn.helpers.linux.list import list_for_each_entry

PRE_PANIC, PANIC = 0, 1


def safe_name(name):
    """The file-name rule of csdump-extract's manifest schema."""
    s = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    if s.startswith((".", "-")):
        s = "_" + s
    return s[:64] or "unnamed"


def main():
    ap = argparse.ArgumentParser(description="Extract coresight_dump_list with drgn")
    ap.add_argument("dump")
    ap.add_argument("vmlinux")
    ap.add_argument("--debuginfo", action="append", default=[],
                    help="further debug info (the module .ko); repeatable")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args()

    t0 = time.monotonic()
    prog = drgn.Program()
    prog.set_core_dump(args.dump)
    try:
        prog.load_debug_info([args.vmlinux] + args.debuginfo)
    except drgn.MissingDebugInfoError as e:
        # drgn names every loaded module it found no file for; ours must not be one.
        if any(Path(d).stem in str(e) for d in args.debuginfo):
            sys.exit(f"drgn_extract: {e}")
    t_open = time.monotonic()

    head = prog["coresight_dump_list"]
    out = Path(args.out)
    nodes, used = [], set()
    for index, node in enumerate(list_for_each_entry("struct coresight_dump_node",
                                                     head.address_of_(), "list")):
        cpu, ntype = int(node.cpu), int(node.type)
        csdev = node.csdev
        device = csdev.dev.kobj.name.string_().decode(errors="replace") if csdev else None
        buf, size = int(node.buf.value_()), int(node.buf_size)
        if ntype == PANIC:
            rel = f"sinks/{safe_name(device or '')}.bin"
        elif ntype == PRE_PANIC:
            rel = f"metadata/cpu{cpu}.bin" if cpu >= 0 else "metadata/cpu-unknown.bin"
        else:
            rel = f"nodes/node{index}.bin"
        base, n = rel[:-4], 1
        while rel in used:
            rel = f"{base}-{n}.bin"
            n += 1
        used.add(rel)
        data = prog.read(buf, size) if size else b""
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        nodes.append({"index": index, "cpu": cpu, "type": ntype, "device": device,
                      "node_address": hex(node.value_()), "csdev_address": hex(csdev.value_()),
                      "buf_address": hex(buf), "buf_size": size, "file": rel,
                      "sha256": hashlib.sha256(data).hexdigest()})
    t_done = time.monotonic()
    (out / "drgn-nodes.json").write_text(json.dumps(
        {"list_head": hex(head.address_), "nodes": nodes,
         "seconds": {"open_and_debuginfo": round(t_open - t0, 3),
                     "walk_and_write": round(t_done - t_open, 3)}}, indent=2) + "\n")
    if not args.quiet:
        for n in nodes:
            print(f"{n['index']}: cpu {n['cpu']} type {n['type']} {n['device']} "
                  f"{n['buf_size']} bytes -> {n['file']}")
        print(f"{len(nodes)} nodes; debug info {t_open - t0:.2f} s, walk {t_done - t_open:.2f} s")


if __name__ == "__main__":
    main()
