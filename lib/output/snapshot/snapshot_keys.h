// SPDX-License-Identifier: MIT
// Every section and key name of the OpenCSD snapshot format, in one place,
// spelled as OpenCSD's snapshot parser spells them (ini_section_names.h,
// ss_key_value_names.h; formats.md §1). The parser compares names exactly
// and case-sensitively, so nothing else in the writer types a literal.
#pragma once

namespace csd::snapshot {

// File names. snapshot.ini is fixed by the reader; trace.ini is named from it.
inline constexpr const char* kSnapshotFile = "snapshot.ini";
inline constexpr const char* kTraceFile = "trace.ini";

// snapshot.ini
inline constexpr const char* kSnapshotSection = "snapshot";
inline constexpr const char* kVersionKey = "version";
inline constexpr const char* kVersionValue = "1.0";  // only "1.0" or "1" are accepted
inline constexpr const char* kDescriptionKey = "description";
inline constexpr const char* kDeviceListSection = "device_list";
inline constexpr const char* kTraceSection = "trace";
inline constexpr const char* kMetadataKey = "metadata";

// device ini
inline constexpr const char* kDeviceSection = "device";
inline constexpr const char* kNameKey = "name";
inline constexpr const char* kClassKey = "class";
inline constexpr const char* kTypeKey = "type";
inline constexpr const char* kRegsSection = "regs";
inline constexpr const char* kClassCore = "core";
inline constexpr const char* kClassTraceSource = "trace_source";
inline constexpr const char* kTypeEtm4 = "ETM4";
inline constexpr const char* kTypeEte = "ETE";
inline constexpr const char* kTypeEtm3 = "ETM3";
inline constexpr const char* kTypePtm1 = "PTM1";
// Core types OpenCSD 1.3.3 accepts as patterns (formats.md §1.8).
inline constexpr const char* kCoreArmV8A = "ARMv8-A";    // ETMv4.0-4.3
inline constexpr const char* kCoreArmAA64 = "ARM-AA64";  // ETMv4.4+ / ETE
inline constexpr const char* kCoreArmV7A = "ARMv7-A";    // ETMv3/PTM on 32-bit Arm

// [dumpN] memory images: the only keys the parser allows in them.
inline constexpr const char* kDumpSectionPrefix = "dump";
inline constexpr const char* kDumpFileKey = "file";
inline constexpr const char* kDumpAddressKey = "address";
inline constexpr const char* kDumpLengthKey = "length";
inline constexpr const char* kDumpOffsetKey = "offset";

// trace.ini
inline constexpr const char* kTraceBuffersSection = "trace_buffers";
inline constexpr const char* kBuffersKey = "buffers";
inline constexpr const char* kBufferSectionPrefix = "buffer";
inline constexpr const char* kBufferNameKey = "name";
inline constexpr const char* kBufferFileKey = "file";
inline constexpr const char* kBufferFormatKey = "format";
inline constexpr const char* kFormatCoresight = "coresight";  // 16-byte frames, memory aligned
inline constexpr const char* kSourceBuffersSection = "source_buffers";
inline constexpr const char* kCoreTraceSourcesSection = "core_trace_sources";

// ETMv4 register keys with their word offsets (formats.md §1.6); the
// suffix is ignored by the parser but is the documented convention.
inline constexpr const char* kTrcConfigr = "TRCCONFIGR(0x004)";
inline constexpr const char* kTrcTraceIdr = "TRCTRACEIDR(0x010)";
inline constexpr const char* kTrcIdr8 = "TRCIDR8(0x060)";
inline constexpr const char* kTrcIdr0 = "TRCIDR0(0x078)";
inline constexpr const char* kTrcIdr1 = "TRCIDR1(0x079)";
inline constexpr const char* kTrcIdr2 = "TRCIDR2(0x07A)";
inline constexpr const char* kTrcAuthStatus = "TRCAUTHSTATUS(0x3EE)";
inline constexpr const char* kTrcDevArch = "TRCDEVARCH(0x3EF)";  // ETE only

// ETMv3/PTM register keys (§1.6: ETMIDR, ETMCR, ETMCCER, ETMTRACEIDR are
// required), suffixed with their ETMv3 architecture word offsets.
inline constexpr const char* kEtmCr = "ETMCR(0x000)";
inline constexpr const char* kEtmIdr = "ETMIDR(0x079)";
inline constexpr const char* kEtmCcer = "ETMCCER(0x07A)";
inline constexpr const char* kEtmTraceIdr = "ETMTRACEIDR(0x080)";

}  // namespace csd::snapshot
