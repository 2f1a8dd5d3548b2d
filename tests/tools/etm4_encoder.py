#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A small ETMv4 trace encoder for the decode tests (test suite only).

It emits what a real ETMv4 with TRCCONFIGR=0 (no timestamps, no context IDs,
no return stack) produces for kernel code: A-sync, Trace Info, Trace On, a
64-bit IS0 long address with context (EL1, AArch64, NS) and one Format-1 atom
per branch, then wraps per-trace-ID streams in 16-byte CoreSight formatter
frames (formats.md §1.11). It also computes the path the decoder must report
for a list of atoms, by walking the A64 instructions of a vmlinux: that is
the oracle the decoded ranges are compared with.
"""
import struct

# ---- ETMv4 packets (ETMv4 architecture spec; OpenCSD trc_pkt_decode_etmv4i) ----
A_SYNC = bytes(11) + b"\x80"
TRACE_INFO = b"\x01\x00"          # header, INFO byte 0: no cycle count / cond / spec sections
TRACE_ON = b"\x04"
CTX_EL1_AARCH64_NS = 0x31          # context byte: EL1, SF (64-bit), NS
ATOM_E = b"\xf7"                   # Format 1 atom, executed (taken)
ATOM_N = b"\xf6"                   # Format 1 atom, not executed
BARRIER = struct.pack("<4I", *([0x7FFFFFFF] * 4))


def address_context_64is0(address, context=CTX_EL1_AARCH64_NS):
    """Long address + context, 64-bit, IS0 (header 0x85)."""
    out = bytes([0x85, (address >> 2) & 0x7F, (address >> 9) & 0x7F])
    out += bytes((address >> shift) & 0xFF for shift in range(16, 64, 8))
    return out + bytes([context])


def stream(start, atoms):
    """One source's packets: sync, info, trace on, start address, atoms ('E'/'N')."""
    out = A_SYNC + TRACE_INFO + TRACE_ON + address_context_64is0(start)
    for atom in atoms:
        out += ATOM_E if atom == "E" else ATOM_N
    return out


# ---- CoreSight frame formatter ----
def frames(streams):
    """Packs [(trace_id, bytes), ...] into 16-byte frames, sources in turn.

    Even slots hold an ID change ((id << 1) | 1) or data with bit 0 in the aux
    byte; odd slots always hold data. When the byte after an even-slot data
    byte belongs to another ID, the even slot becomes the ID change with the
    aux bit set: the odd byte then still belongs to the previous ID. The tail
    is padded with the null ID 0.
    """
    queue = [(tid, b) for tid, data in streams for b in data]
    pos = 0
    cur = None
    out = bytearray()

    def peek(k):
        return queue[pos + k] if pos + k < len(queue) else (0, 0)

    while pos < len(queue):
        frame = bytearray(16)
        aux = 0
        for i in range(0, 16 - 1, 2):
            p0 = peek(0)
            if i == 14:  # last slot: data of the current ID, or an ID change alone
                if p0[0] == cur:
                    frame[14] = p0[1] & 0xFE
                    aux |= (p0[1] & 1) << 7
                    pos += 1
                else:
                    frame[14] = (p0[0] << 1) | 1
                    cur = p0[0]
                continue
            if p0[0] != cur:
                frame[i] = (p0[0] << 1) | 1     # new ID; the odd byte is the new ID's
                cur = p0[0]
                frame[i + 1] = p0[1]
                pos += 1
                continue
            p1 = peek(1)
            if p1[0] == cur:
                frame[i] = p0[1] & 0xFE
                aux |= (p0[1] & 1) << (i // 2)
                frame[i + 1] = p1[1]
                pos += 2
            else:
                frame[i] = (p1[0] << 1) | 1     # ID change; the odd byte is the previous ID's
                aux |= 1 << (i // 2)
                frame[i + 1] = p0[1]
                cur = p1[0]
                pos += 1
        frame[15] = aux
        out += frame
    return bytes(out)


# ---- the oracle: which instruction ranges a decoder reports ----
class Elf:
    """Just enough ELF64 little-endian reading: symbols and bytes at an address."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", d, 0x3A)
        self.sections = []
        for i in range(shnum):
            sh = struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize)
            self.sections.append(sh)
        self.symbols = {}
        for sh in self.sections:
            if sh[1] != 2:  # SHT_SYMTAB
                continue
            strtab = self.sections[sh[6]]
            for off in range(sh[4], sh[4] + sh[5], 24):
                name_off, info, other, shndx, value, size = struct.unpack_from("<IBBHQQ", d, off)
                end = d.index(b"\0", strtab[4] + name_off)
                name = d[strtab[4] + name_off:end].decode()
                if name and name not in self.symbols:
                    self.symbols[name] = value

    def read(self, address, size):
        for sh in self.sections:
            addr, offset, sh_size = sh[3], sh[4], sh[5]
            if sh[1] != 8 and addr <= address and address + size <= addr + sh_size:
                return self.data[offset + address - addr: offset + address - addr + size]
        raise ValueError(f"{address:#x} is not in any section with bytes")

    def image(self, address, size):
        """[address, address+size) as loaded: section bytes over zeros."""
        out = bytearray(size)
        for sh in self.sections:
            addr, offset, sh_size = sh[3], sh[4], sh[5]
            if sh[1] == 8 or not sh[2] & 2:  # NOBITS, or not SHF_ALLOC
                continue
            lo, hi = max(addr, address), min(addr + sh_size, address + size)
            if lo < hi:
                out[lo - address:hi - address] = self.data[offset + lo - addr:offset + hi - addr]
        return bytes(out)

    def insn(self, address):
        return struct.unpack("<I", self.read(address, 4))[0]


def sext(value, bits):
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def branch_target(insn, pc):
    """(is_branch, target or None for indirect) for an A64 instruction."""
    if insn & 0x7C000000 == 0x14000000:                  # B, BL
        return True, pc + 4 * sext(insn & 0x3FFFFFF, 26)
    if insn & 0xFF000010 == 0x54000000:                  # B.cond
        return True, pc + 4 * sext((insn >> 5) & 0x7FFFF, 19)
    if insn & 0x7E000000 == 0x34000000:                  # CBZ, CBNZ
        return True, pc + 4 * sext((insn >> 5) & 0x7FFFF, 19)
    if insn & 0x7E000000 == 0x36000000:                  # TBZ, TBNZ
        return True, pc + 4 * sext((insn >> 5) & 0x3FFF, 14)
    if insn & 0xFE000000 == 0xD6000000:                  # BR, BLR, RET, ERET
        return True, None
    return False, None


def expected_path(elf, link_start, atoms, offset=0, max_insns=4096):
    """[(range start, range end exclusive, atom, target)] at runtime addresses."""
    pc = link_start
    out = []
    for atom in atoms:
        start = pc
        for _ in range(max_insns):
            is_branch, target = branch_target(elf.insn(pc), pc)
            if is_branch:
                break
            pc += 4
        else:
            raise ValueError(f"no branch within {max_insns} instructions of {start:#x}")
        if atom == "E" and target is None:
            raise ValueError(f"indirect branch at {pc:#x}: the encoder emits no target address")
        nxt = target if atom == "E" else pc + 4
        out.append((start + offset, pc + 4 + offset, atom, nxt + offset))
        pc = nxt
    return out


if __name__ == "__main__":
    # Self-check against the verified example of formats.md §1.12.
    s = stream(0xFFFF800008010000, "E")
    got = frames([(0x10, s), (0x12, s)])
    print(got.hex(" "))
