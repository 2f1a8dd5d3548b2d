#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Decode round trip: trace encoded here must come back out of the decoders.

Encodes ETMv4 trace of a known path through the `trace` fake kernel's
csd_trace_path (tests/tools/etm4_encoder.py), puts it in a synthetic dump's
ETF node with csdump-mkcore, extracts it with csdump-extract, then runs
  trc_pkt_lister -ss_dir OUT/opencsd -decode -logstdout
  perf script -i OUT/perf.data --vmlinux VMLINUX -F ip,sym,addr
and asserts the decoded instruction ranges (OpenCSD) and taken-branch samples
(perf) reproduce the encoded path for every CPU. Variants:
  plain     two CPUs with metadata, IDs 0x10 and 0x12
  barrier   the buffer wrapped: it starts with the 16-byte barrier packet
  guessed   CPU 0 has no metadata: its trace ID comes from the legacy rule
  two-sinks CPU 0's trace in an ETF, CPU 1's in an ETR: opencsd/ decodes the
            first sink, opencsd-<etr>/ the second, perf.data both
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import etm4_encoder as etm4  # noqa: E402

KASLR = 0x1E50000
ETM_REGS = {"trcconfigr": "0x0", "trcidr0": "0x28000ea1", "trcidr1": "0x4100f403",
            "trcidr2": "0x00000488", "trcidr8": "0x0", "trcauthstatus": "0xcc"}
# cpu -> (trace id, atoms): see testdata/kernels/trace_path.c for the branches.
PATHS = {0: (0x10, "EENEEN"), 1: (0x12, "EEN")}


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run(cmd, env=None, cwd=None):
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    if proc.returncode != 0:
        fail(f"{' '.join(cmd)} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


ETR = "20070000.etr"


def make_spec(variant, sink_bytes, vmlinux, second_sink=None):
    nodes = []
    for cpu, (trace_id, _) in PATHS.items():
        if variant == "guessed" and cpu == 0:
            continue
        regs = dict(ETM_REGS, trctraceidr=hex(trace_id))
        nodes.append({"cpu": cpu, "type": 0, "device": f"2204{cpu}000.etm", "content": {"etmv4": regs}})
    nodes.append({"cpu": 0, "type": 1, "device": "f6402000.etf", "content": {"raw_hex": sink_bytes.hex()}})
    if second_sink:
        nodes.append({"cpu": 0, "type": 1, "device": ETR, "alloc": "vmalloc",
                      "content": {"raw_hex": second_sink.hex()}})
    return {"comment": f"decode round trip ({variant})", "vmlinux": vmlinux, "format": "kdump",
            "page_size": 4096, "va_bits": 48, "layout": "flipped", "kaslr_offset": hex(KASLR),
            "phys_offset": "0x40000000", "ram": [{"start": "0x40000000", "size": "0x400000"}],
            "kernel_phys": "0x40200000", "seed": 1, "nodes": nodes}


def opencsd_ranges(text):
    """{trace id: [(start, end exclusive, 'E'/'N')]} from trc_pkt_lister -decode."""
    out = {}
    pattern = re.compile(r"ID:([0-9a-fA-F]+);\s*OCSD_GEN_TRC_ELEM_INSTR_RANGE\(exec range="
                         r"(0x[0-9a-fA-F]+):\[(0x[0-9a-fA-F]+)\].*?\s([EN])\s")
    for m in pattern.finditer(text):
        out.setdefault(int(m.group(1), 16), []).append((int(m.group(2), 16), int(m.group(3), 16), m.group(4)))
    return out


def perf_branches(text):
    """[(ip, sym, addr)] from perf script -F ip,sym,addr ('IP SYM => ADDR SYM' lines)."""
    out = []
    pattern = re.compile(r"^\s*([0-9a-f]+)\s+(\S+)\s+=>\s+([0-9a-f]+)\s+(\S+)", re.M)
    for m in pattern.finditer(text):
        out.append((int(m.group(1), 16), m.group(2), int(m.group(3), 16)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mkcore", required=True)
    ap.add_argument("--extract", required=True)
    ap.add_argument("--kernels", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--variant", choices=["plain", "barrier", "guessed", "two-sinks"], default="plain")
    ap.add_argument("--decoder", choices=["opencsd", "perf", "both"], default="both")
    args = ap.parse_args()

    vmlinux = os.path.abspath(os.path.join(args.kernels, "trace", "vmlinux"))
    elf = etm4.Elf(vmlinux)
    link_start = elf.symbols["csd_trace_path"]
    expected = {tid: etm4.expected_path(elf, link_start, atoms, KASLR) for tid, atoms in PATHS.values()}
    streams = [(tid, etm4.stream(link_start + KASLR, atoms)) for tid, atoms in PATHS.values()]
    sink = etm4.frames(streams)
    second = None
    if args.variant == "two-sinks":
        sink, second = etm4.frames(streams[:1]), etm4.frames(streams[1:])
    if args.variant == "barrier":
        sink = etm4.BARRIER + sink

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    spec = os.path.join(args.work, "spec.json")
    with open(spec, "w") as f:
        json.dump(make_spec(args.variant, sink, vmlinux, second), f, indent=2)
    core = os.path.join(args.work, "core")
    out = os.path.join(args.work, "out")
    run([args.mkcore, spec, "-o", core])
    extract = run([args.extract, os.path.join(core, "vmcore"), vmlinux, "-o", out])
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    decoder = manifest["decoder_outputs"]
    images = decoder["memory_images"]
    if not images or images[0]["source"] != "dump" or int(images[0]["va"], 16) != elf.symbols["_text"] + KASLR:
        fail(f"kernel text image not taken from the dump at the runtime _text: {images}")
    # mkcore copies the vmlinux into the dump, so the text read back through
    # the translation must be exactly the vmlinux's _text.._etext.
    text_size = elf.symbols["_etext"] - elf.symbols["_text"]
    with open(os.path.join(out, "opencsd", "kernel_text.bin"), "rb") as f:
        if f.read() != elf.image(elf.symbols["_text"], text_size):
            fail("opencsd/kernel_text.bin differs from the vmlinux _text.._etext")
    if args.variant == "guessed":
        if not any("cpu 0" in g and "TRCTRACEIDR=0x10" in g for g in decoder["guesses"]):
            fail(f"manifest guesses do not name cpu 0's trace ID: {decoder['guesses']}")
        if "guessed" not in extract.stderr:
            fail(f"no warning about guessed values:\n{extract.stderr}")
    elif decoder["guesses"]:
        fail(f"unexpected guesses: {decoder['guesses']}")

    if args.variant == "plain":
        # --format picks the outputs; the manifest still lists what was written.
        only = os.path.join(args.work, "out-opencsd")
        run([args.extract, os.path.join(core, "vmcore"), vmlinux, "-o", only, "--format", "opencsd"])
        present = sorted(os.listdir(only))
        if present != ["manifest.json", "opencsd"]:
            fail(f"--format opencsd wrote {present}")
        with open(os.path.join(only, "manifest.json")) as f:
            m = json.load(f)
        if m["decoder_outputs"]["formats"] != ["opencsd"] or any(n["file"] for n in m["nodes"]):
            fail(f"--format opencsd manifest: {m['decoder_outputs']['formats']}")

    if args.decoder in ("opencsd", "both"):
        snapshots = ["opencsd"] + (["opencsd-" + ETR] if second else [])
        got, text = {}, ""
        for snap in snapshots:
            proc = run(["trc_pkt_lister", "-ss_dir", os.path.join(out, snap), "-decode", "-logstdout"],
                       cwd=args.work)  # it also writes trc_pkt_lister.ppl into the cwd
            got.update(opencsd_ranges(proc.stdout))
            text += proc.stdout
        for tid, path in expected.items():
            want = [(s, e, a) for s, e, a, _ in path]
            if got.get(tid) != want:
                fail(f"OpenCSD ranges for ID {tid:#x}:\n got  {[(hex(s), hex(e), a) for s, e, a in got.get(tid, [])]}"
                     f"\n want {[(hex(s), hex(e), a) for s, e, a in want]}\n--- output ---\n{text[-4000:]}")
        print(f"ok: OpenCSD reproduced {sum(len(p) for p in expected.values())} ranges")

    if args.decoder in ("perf", "both"):
        env = dict(os.environ, HOME=args.work, PERF_PAGER="cat")
        proc = run(["perf", "script", "-i", os.path.join(out, "perf.data"), "--vmlinux", vmlinux,
                    "-F", "ip,sym,addr"], env=env)
        got = perf_branches(proc.stdout)
        want = []
        for tid, path in expected.items():
            want += [(e - 4, t) for s, e, a, t in path if a == "E"]
        taken = [(ip, addr) for ip, sym, addr in got if addr != 0 and ip != 0]
        if sorted(taken) != sorted(want):
            fail(f"perf taken branches:\n got  {[(hex(i), hex(a)) for i, a in taken]}\n want "
                 f"{[(hex(i), hex(a)) for i, a in want]}\n--- output ---\n{proc.stdout}\n{proc.stderr}")
        # Every encoded branch lies in csd_trace_path: perf must name it from the vmlinux.
        syms = {sym for ip, sym, addr in got if addr != 0 and ip != 0}
        if syms != {"csd_trace_path"}:
            fail(f"perf did not symbolise the branches: {syms}")
        print(f"ok: perf reproduced {len(want)} taken branches")


if __name__ == "__main__":
    main()
