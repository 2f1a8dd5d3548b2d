// SPDX-License-Identifier: MIT
// ELF core dumps: /proc/vmcore as saved by kdump, makedumpfile -E, and QEMU
// dump-guest-memory (format "elf"). Parsed by hand through ByteReader rather
// than libelf, so every read of the untrusted header is bounded and the
// parser can be fuzzed. ELFCLASS32/64, either byte order, ET_CORE only, for
// EM_AARCH64 and EM_ARM.
//
// Physical memory comes from PT_LOAD p_paddr only (p_vaddr is a cross-check,
// see DumpSegment). The tail [p_filesz, p_memsz) of a segment has no bytes in
// the file: reads there fail with kExcluded, or read as zeros with a warning
// when DumpOpenOptions::zero_fill_excluded is set.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "base/diagnostics.h"
#include "base/error.h"
#include "base/mapped_file.h"
#include "dump/dump_file.h"

namespace csd {

// Whether `bytes` start with the ELF magic (any class, type or machine).
bool IsElfFile(std::span<const std::byte> bytes);

// Takes ownership of the mapping; reads are served from it. kUnsupported for
// an ELF file that is not an arm/arm64 core, kCorrupt for malformed headers.
// `diagnostics` must outlive the result (see OpenDump).
Expected<std::unique_ptr<DumpFile>> OpenElfCore(MappedFile file, const DumpOpenOptions& options,
                                                DiagnosticSink& diagnostics);

}  // namespace csd
