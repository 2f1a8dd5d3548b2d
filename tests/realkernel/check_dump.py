#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks one real-kernel dump: extracts it and compares every byte.

Runs `csdump-extract DUMP VMLINUX --debuginfo MODULE.ko -o OUT --force -q` on
the dump FORMAT of the scenario (make_dumps.py wrote the dump and
scenario.json) and checks the manifest and every extracted file against the
list the test module built: node count and order, cpu, kind, type, device name,
size, buffer address (as the guest printed it), sha256, the bytes themselves
(recomputed from the module's formulas in patterns.py), the list head address,
the KASLR offset and the ETM registers.

With --drgn, drgn_extract.py does the extraction instead (no manifest; its
drgn-nodes.json is checked the same way), to validate the dumps independently.

Exit status: 0 all checks passed, 1 a check failed, 77 skipped, with a line
"SKIPPED <kernel-id> ...: <why>": the scenario has no dumps (make_dumps.py was
not run or could not get the kernel here), or the kernel cannot have this
format (scenario.json's "skipped", e.g. makedumpfile on a 52-bit-VA kernel).

Usage: check_dump.py [--kernel KERNEL_ID] SCENARIO FORMAT
                     (--extract CSDUMP_EXTRACT | --drgn) [--work DIR]
"""

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import arches  # noqa: E402
import fetch  # noqa: E402
import patterns  # noqa: E402

SKIP = 77  # no dumps to check (make_dumps.py skipped or not run); ctest SKIP_RETURN_CODE


class Checker:
    def __init__(self, label):
        self.label, self.failures, self.passed = label, [], 0

    def eq(self, what, got, want):
        if got == want:
            self.passed += 1
        else:
            self.failures.append(f"{what}: got {got!r}, expected {want!r}")

    def fail(self, msg):
        self.failures.append(msg)

    def done(self):
        if self.failures:
            print(f"FAIL {self.label}: {len(self.failures)} problem(s), {self.passed} checks passed")
            for f in self.failures:
                print(f"  - {f}")
            sys.exit(1)
        print(f"PASS {self.label}: {self.passed} checks")


def first_difference(got, want):
    if len(got) != len(want):
        return f"size {len(got)}, expected {len(want)}"
    for off in range(0, len(want), 4096):
        if got[off:off + 4096] != want[off:off + 4096]:
            for i in range(off, min(off + 4096, len(want))):
                if got[i] != want[i]:
                    return (f"first difference at byte {i:#x}: got {got[i:i + 16].hex()} "
                            f"expected {want[i:i + 16].hex()}")
    return None


def check_files(c, out, expected, nr_etm):
    """Every expected file holds exactly the module's bytes; no other files
    in sinks/ and metadata/."""
    wanted = set()
    for node in expected:
        rel = node["file"]
        wanted.add(rel)
        path = out / rel
        if not path.is_file():
            c.fail(f"{rel}: missing (node {node['device']})")
            continue
        got = path.read_bytes()
        want = patterns.node_bytes(node, nr_etm)
        diff = first_difference(got, want)
        if diff:
            what = "ETM metadata" if node["kind"] != "sink" else (
                "PANIC pattern" if node["phase"] == patterns.PHASE_PANIC else "PRE-panic pattern")
            c.fail(f"{rel}: differs from {node['device']}'s {what}: {diff}")
        else:
            c.passed += 1
    for sub in ("sinks", "metadata"):
        for path in sorted((out / sub).glob("*")) if (out / sub).exists() else []:
            rel = f"{sub}/{path.name}"
            if rel not in wanted:
                c.fail(f"{rel}: unexpected file")


def check_manifest(c, manifest, scenario, expected, nr_etm, kaslr):
    c.eq("manifest schema", manifest.get("schema"), "csdump-manifest")
    c.eq("manifest schema_version", manifest.get("schema_version"), 2)
    c.eq("manifest complete", manifest.get("complete"), True)
    c.eq("manifest walk_error", manifest.get("walk_error"), None)
    dump = manifest.get("dump", {})
    c.eq("dump.osrelease", dump.get("osrelease"), scenario["kernel_release"])
    arch = arches.arch_of(scenario.get("kernel_id", fetch.DEFAULT_KERNEL), fetch.KERNELS)
    c.eq("dump.arch", dump.get("arch"), arch["dump_arch"])
    c.eq("dump.page_size", dump.get("page_size"), 4096)
    if kaslr is not None:
        c.eq("dump.kaslr_offset (from the guest's _stext)", dump.get("kaslr_offset"), kaslr)
    lst = manifest.get("list", {})
    reported = scenario["guest_reported"]
    c.eq("list.symbol", lst.get("symbol"), "coresight_dump_list")
    c.eq("list.address (the module printed it)", lst.get("address"), reported["list_head"])
    c.eq("list.node_struct", lst.get("node_struct"), "coresight_dump_node")
    c.eq("list.node_size", lst.get("node_size"), reported["node_size"])
    # The module prints offsetof(); dumps made before it did: the ABI's value.
    if reported.get("list_offset") is not None:
        c.eq("list.list_offset (the module printed it)", lst.get("list_offset"),
             reported["list_offset"])
    else:
        c.eq("list.list_offset (fallback: arches.py's value for the ABI)",
             lst.get("list_offset"), arch["list_offset"])
    nodes = manifest.get("nodes", [])
    c.eq("node count", len(nodes), len(expected))
    for i, (got, want) in enumerate(zip(nodes, expected)):
        what = f"node {i} ({want['device']})"
        data = patterns.node_bytes(want, nr_etm)
        c.eq(f"{what} index", got.get("index"), i)
        c.eq(f"{what} kind", got.get("kind"), want["kind"])
        c.eq(f"{what} cpu", got.get("cpu"), want["cpu"])
        c.eq(f"{what} type", got.get("type"), want["type"])
        c.eq(f"{what} device", got.get("device"), want["device"])
        c.eq(f"{what} name_source", got.get("name_source"), "dev.kobj.name")
        c.eq(f"{what} buf_size", got.get("buf_size"), want["size"])
        c.eq(f"{what} buf_address", got.get("buf_address"), want["buf_address"])
        c.eq(f"{what} file", got.get("file"), want["file"])
        c.eq(f"{what} sha256", got.get("sha256"), hashlib.sha256(data).hexdigest())
        c.eq(f"{what} error", got.get("error"), None)
        c.eq(f"{what} error_code (present, null)", ("error_code" in got, got.get("error_code")),
             (True, None))
        if want["kind"] == "sink":
            c.eq(f"{what} barrier", got.get("barrier"), data[:16] == patterns.BARRIER)
            c.eq(f"{what} etm", got.get("etm"), None)
        else:
            regs = patterns.etm_registers(want["cpu"])
            names = ["trcconfigr", "trctraceidr", "trcidr0", "trcidr1", "trcidr2", "trcidr8",
                     "trcauthstatus"]
            want_etm = {"trace_id": hex(regs[3] & 0x7F)}
            want_etm.update({n: hex(v) for n, v in zip(names, regs[2:])})
            got_etm = got.get("etm") or {}
            c.eq(f"{what} etm", {k: got_etm.get(k) for k in want_etm}, want_etm)


def check_drgn_nodes(c, result, scenario, expected, nr_etm):
    c.eq("list head address", result.get("list_head"), scenario["guest_reported"]["list_head"])
    nodes = result.get("nodes", [])
    c.eq("node count", len(nodes), len(expected))
    for i, (got, want) in enumerate(zip(nodes, expected)):
        what = f"node {i} ({want['device']})"
        for key, wkey in (("cpu", "cpu"), ("type", "type"), ("device", "device"),
                          ("buf_size", "size"), ("buf_address", "buf_address"), ("file", "file")):
            c.eq(f"{what} {key}", got.get(key), want[wkey])
        c.eq(f"{what} sha256", got.get("sha256"),
             hashlib.sha256(patterns.node_bytes(want, nr_etm)).hexdigest())


def check_translation(c, extract, dump, scenario):
    """What `csdump-extract info` derived from the dump (its "translation:"
    lines, "  key = value  [source]") against what the scenario's guest
    really ran with: e.g. 52-bit VAs, 5 levels and LPA2 on an LPA2 CPU."""
    res = subprocess.run([extract, "info", str(dump), scenario["vmlinux"]],
                         capture_output=True, text=True)
    if res.returncode != 0:
        c.fail(f"csdump-extract info exited with {res.returncode}: {res.stderr.strip()}")
        return
    derived = {}
    section = None
    for line in res.stdout.splitlines():
        if not line.startswith(" "):
            section = line.rstrip(":")
        elif section == "translation" and (m := re.match(r"\s+(\w+) = (\S+)", line)):
            derived[m.group(1)] = m.group(2)
    for key, want in scenario["expect_translation"].items():
        c.eq(f"info translation {key} (guest CPU {scenario.get('guest_cpu')})",
             derived.get(key), want)


def main():
    ap = argparse.ArgumentParser(description="Extract one real-kernel dump and check every byte")
    fetch.kernel_arg(ap)
    ap.add_argument("scenario", help="a scenario name (its dumps are in "
                    "$CACHE/<kernel-id>/dumps/<name>) or a scenario directory")
    ap.add_argument("format", help="a key of scenario.json's dumps (elf, zlib, lzo, flat)")
    how = ap.add_mutually_exclusive_group(required=True)
    how.add_argument("--extract", help="the csdump-extract binary")
    how.add_argument("--drgn", action="store_true", help="extract with drgn_extract.py instead")
    ap.add_argument("--work", type=Path, help="output directory (default: a temporary one, removed)")
    args = ap.parse_args()

    if "/" in args.scenario:
        scenario_dir = Path(args.scenario)
    else:
        scenario_dir = fetch.kernel_dir(args.kernel) / "dumps" / args.scenario
    meta = scenario_dir / "scenario.json"
    if not meta.exists():
        print(f"SKIPPED {args.kernel} {args.scenario}.{args.format}: {meta} does not exist: "
              f"run tests/realkernel/make_dumps.py --kernel {args.kernel}")
        sys.exit(SKIP)
    scenario = json.loads(meta.read_text())
    kid = scenario.get("kernel_id", args.kernel)
    if args.format in scenario.get("skipped", {}):
        # The reason as fetch.py states it now (scenario.json keeps the one of its making).
        spec = fetch.KERNELS[kid]
        why = (spec.get("unsupported_scenarios", {}).get(scenario["scenario"])
               or spec["unsupported_formats"].get(args.format, scenario["skipped"][args.format]))
        print(f"SKIPPED {kid} {args.scenario}.{args.format}: {why}")
        sys.exit(SKIP)
    spec = fetch.KERNELS[kid]
    if args.drgn and spec.get("drgn_unsupported"):
        print(f"SKIPPED {kid} {args.scenario}.{args.format} (drgn): {spec['drgn_unsupported']}")
        sys.exit(SKIP)
    drgn_root = None
    if args.drgn and spec.get("drgn", "host") != "host":
        drgn_root = fetch.build_root_path(spec["drgn"])
        if not (drgn_root / ".csdump-root.json").exists():
            print(f"SKIPPED {kid} {args.scenario}.{args.format} (drgn): the {spec['drgn']} "
                  f"build root with its python3-drgn is not made ({drgn_root})")
            sys.exit(SKIP)
    if args.format not in scenario["dumps"]:
        sys.exit(f"check_dump: scenario {scenario['scenario']} has no {args.format} dump "
                 f"(it has {', '.join(scenario['dumps'])})")
    dump = scenario_dir / scenario["dumps"][args.format]["file"]
    tool = "drgn" if args.drgn else "csdump-extract"
    c = Checker(f"{scenario.get('kernel_id', args.kernel)} {scenario['scenario']}.{args.format} "
                f"({dump.name}, {tool})")

    # The expected list, recomputed; scenario.json's copy must agree with it.
    phase = patterns.PHASE_PANIC if scenario["sink_phase"] == "panic" else patterns.PHASE_PRE_PANIC
    expected = patterns.expected_nodes(scenario["cpus"], phase)
    nr_etm = len(scenario["cpus"])
    for want, recorded in zip(expected, scenario["nodes"]):
        want["buf_address"] = recorded["buf_address"]
    c.eq("scenario.json node count", len(scenario["nodes"]), len(expected))
    for i, (recorded, want) in enumerate(zip(scenario["nodes"], expected)):
        c.eq(f"scenario.json node {i} (cpu, type, device, size, sha256) vs patterns.py",
             tuple(recorded[k] for k in ("cpu", "type", "device", "size", "sha256")),
             (want["cpu"], want["type"], want["device"], want["size"],
              hashlib.sha256(patterns.node_bytes(want, nr_etm)).hexdigest()))
    kaslr = scenario.get("kaslr_offset")

    work = args.work or Path(tempfile.mkdtemp(prefix="csdrk-check-"))
    if args.work and work.exists():
        shutil.rmtree(work)
    work.parent.mkdir(parents=True, exist_ok=True)
    try:
        if args.drgn:
            cmd = [sys.executable, str(HERE / "drgn_extract.py"), str(dump), scenario["vmlinux"],
                   "--debuginfo", scenario["module"], "-o", str(work), "-q"]
            if drgn_root:
                cmd = fetch.root_command(drgn_root, ["python3"] + cmd[1:],
                                         binds=[HERE, work.parent])
        else:
            cmd = [args.extract, str(dump), scenario["vmlinux"], "--debuginfo",
                   scenario["module"], "-o", str(work), "--force", "-q"]
        t0 = time.monotonic()
        res = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.monotonic() - t0
        print(f"$ {' '.join(cmd)}\n  exit {res.returncode} after {elapsed:.2f} s")
        if res.stdout.strip() or res.stderr.strip():
            print("  " + (res.stdout + res.stderr).strip().replace("\n", "\n  "))
        if res.returncode != 0:
            c.fail(f"{tool} exited with {res.returncode}, expected 0")
            c.done()
        if args.drgn:
            result = json.loads((work / "drgn-nodes.json").read_text())
            check_drgn_nodes(c, result, scenario, expected, nr_etm)
        else:
            manifest_path = work / "manifest.json"
            if not manifest_path.exists():
                c.fail("no manifest.json in the output")
                c.done()
            manifest = json.loads(manifest_path.read_text())
            check_manifest(c, manifest, scenario, expected, nr_etm, kaslr)
            for w in manifest.get("warnings", []):
                print(f"  manifest warning: {w}")
        check_files(c, work, expected, nr_etm)
        if scenario.get("expect_translation") and not args.drgn:
            check_translation(c, args.extract, dump, scenario)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    c.done()


if __name__ == "__main__":
    main()
