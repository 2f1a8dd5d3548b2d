# SPDX-License-Identifier: MIT
"""The bytes module/csdump_panic_test.c puts in its buffers, recomputed.

Keep in step with the C file: the formulas are documented at its top.
"""

import functools
import struct

ETM4_MAGIC = 0x4040404040404040
TRCIDR0, TRCIDR1, TRCIDR2, TRCIDR8, TRCAUTHSTATUS = 0x28000EA1, 0x4100F403, 0x488, 0x0, 0xCC
FRAME = 16
BARRIER = struct.pack("<4I", *([0x7FFFFFFF] * 4))
PHASE_PRE_PANIC, PHASE_PANIC = 0, 1
M32 = 0xFFFFFFFF

# The module's sinks, in list order after the ETM nodes: (index, name, node cpu,
# size, allocated with vmalloc).
SINKS = [
    (0, "tmc_etf0", 0, 64 * 1024, False),
    (1, "tmc_etr0", -1, 1024 * 1024, True),
]


def etm_registers(cpu):
    """The nine u64 words of CPU cpu's ETMv4 metadata block."""
    trcconfigr = 0x1 | (cpu & 1) << 3 | (cpu & 2) << 10
    return [ETM4_MAGIC, cpu, trcconfigr, 0x10 + 2 * cpu,
            TRCIDR0, TRCIDR1, TRCIDR2, TRCIDR8, TRCAUTHSTATUS]


def etm_metadata(cpu):
    return struct.pack("<9Q", *etm_registers(cpu))


def data_byte(sink, off, phase):
    v = (off * 0x9E3779B1 + (sink + 1) * 0x85EBCA77 + (phase + 1) * 0xC2B2AE3D) & M32
    v ^= v >> 15
    v = (v * 0x2C1B3C6D) & M32
    v ^= v >> 12
    return v & 0xFF


@functools.lru_cache(maxsize=16)
def sink_bytes(sink, size, phase, nr_etm):
    """Sink sink's buffer (size bytes) in phase phase, with nr_etm ETM nodes."""
    out = bytearray(size)
    for off in range(0, size - FRAME + 1, FRAME):
        trace_id = 0x10 + 2 * ((off // FRAME) % nr_etm)
        out[off] = (trace_id << 1) | 1
        flags = 0
        for i in range(1, FRAME - 1):
            d = data_byte(sink, off + i, phase)
            if i % 2 == 0:
                flags |= (d & 1) << (i // 2)
                d &= 0xFE
            out[off + i] = d
        out[off + FRAME - 1] = flags
    if sink == 0 and phase == PHASE_PANIC and size >= FRAME:
        out[0:FRAME] = BARRIER
    return bytes(out)


def expected_nodes(cpus, phase):
    """The list the module builds on a guest with these online CPUs, in list
    order, each node with the bytes its buffer holds after phase."""
    nodes = []
    for cpu in cpus:
        nodes.append({"cpu": cpu, "type": 0, "kind": "etm-metadata", "device": f"etm{cpu}",
                      "size": 72, "file": f"metadata/cpu{cpu}.bin", "phase": None})
    for index, name, cpu, size, vmalloced in SINKS:
        nodes.append({"cpu": cpu, "type": 1, "kind": "sink", "device": name, "size": size,
                      "file": f"sinks/{name}.bin", "phase": phase, "sink_index": index,
                      "allocator": "vmalloc" if vmalloced else "kmalloc"})
    return nodes


def node_bytes(node, nr_etm):
    if node["kind"] == "etm-metadata":
        return etm_metadata(node["cpu"])
    return sink_bytes(node["sink_index"], node["size"], node["phase"], nr_etm)
