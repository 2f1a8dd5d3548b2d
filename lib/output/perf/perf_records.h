// SPDX-License-Identifier: MIT
// The perf.data pieces csdump writes (formats.md §2.1-2.3), as typed values
// with an explicit little-endian encoder. Sizes and offsets are computed from
// what is encoded, never written as magic totals, so a changed field cannot
// leave a stale size behind. arm64 perf.data is little-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "output/generated_file.h"

namespace csd::perf {

inline constexpr char kMagic[] = "PERFILE2";
inline constexpr uint64_t kFileHeaderSize = 104;
inline constexpr uint32_t kAttrSizeVer5 = 112;  // PERF_ATTR_SIZE_VER5
inline constexpr uint64_t kFileSectionSize = 16;

// Record types (perf_event.h, perf/event.h).
inline constexpr uint32_t kRecordMmap = 1;
inline constexpr uint32_t kRecordAux = 11;
inline constexpr uint32_t kRecordHeaderBuildId = 67;
inline constexpr uint32_t kRecordFinishedRound = 68;
inline constexpr uint32_t kRecordAuxtraceInfo = 70;
inline constexpr uint32_t kRecordAuxtrace = 71;
inline constexpr uint64_t kAuxtraceHeaderSize = 48;  // excludes the payload that follows

inline constexpr uint16_t kMiscKernel = 1;  // PERF_RECORD_MISC_KERNEL
inline constexpr uint16_t kMiscBuildIdSize = 1 << 15;

// perf_event_attr.
inline constexpr uint64_t kSampleIp = 1 << 0;
inline constexpr uint64_t kSampleTid = 1 << 1;
inline constexpr uint64_t kSampleCpu = 1 << 7;
inline constexpr uint64_t kSamplePeriod = 1 << 8;
inline constexpr uint64_t kSampleIdentifier = 1 << 16;
// IDENTIFIER lets perf find the evsel of every record once cs_etm adds its
// synthetic attrs (§2.4: without it "failed to process type: 70").
inline constexpr uint64_t kSampleType =
    kSampleIp | kSampleTid | kSampleCpu | kSamplePeriod | kSampleIdentifier;
inline constexpr uint64_t kAttrFlagSampleIdAll = 1ull << 18;

// cs_etm AUXTRACE_INFO (tools/perf/util/cs-etm.h). The per-CPU block magics
// are coresight/etm_metadata.h's (kEtmV4Magic, kEtmV3Magic, kEteMagic).
inline constexpr uint32_t kAuxtraceCsEtm = 3;
inline constexpr uint64_t kCsHeaderVersion = 1;  // perf 6.1 reads <= 1
inline constexpr uint64_t kEtmV4NrTrcParams = 7;
inline constexpr uint64_t kEtmV3NrTrcParams = 4;  // ETMCR, ETMTRACEIDR, ETMCCER, ETMIDR
inline constexpr uint64_t kEteNrTrcParams = 8;    // the ETMv4 list, then TRCDEVARCH

// Feature bits (header.h).
inline constexpr unsigned kFeatBuildId = 2;
inline constexpr unsigned kFeatArch = 6;
inline constexpr unsigned kFeatAuxtrace = 18;
inline constexpr size_t kNameAlign = 64;  // NAME_ALIGN for feature strings

// Appends little-endian integers and padded strings, and large payloads by
// reference: the encoded file is a FileContent whose sink buffers stay where
// they are (no whole-file buffer). Offsets and sizes count every byte,
// borrowed or not.
class Encoder {
 public:
  void U8(uint8_t v) { bytes_.push_back(static_cast<std::byte>(v)); }
  void U16(uint16_t v) { Le(v, 2); }
  void U32(uint32_t v) { Le(v, 4); }
  void U64(uint64_t v) { Le(v, 8); }
  // Copies `data`: for small fields.
  void Bytes(std::span<const std::byte> data) {
    bytes_.insert(bytes_.end(), data.begin(), data.end());
  }
  // Appends `data` without copying it; it must outlive the encoded content.
  void Borrow(std::span<const std::byte> data) {
    Flush();
    done_.AppendBorrowed(data);
  }
  // Appends what another encoder produced, borrowed pieces included.
  void Append(Encoder&& other) {
    Flush();
    done_.Append(std::move(other).Finish());
  }
  // `text`, a NUL, then zeros up to a multiple of `align`.
  void PaddedString(std::string_view text, size_t align) {
    const size_t start = size();
    for (char c : text) U8(static_cast<uint8_t>(c));
    U8(0);
    while ((size() - start) % align != 0) U8(0);
  }
  void PadTo(size_t align) {
    while (size() % align != 0) U8(0);
  }
  // Patches bytes at absolute offset `at`, which must lie after the last
  // borrowed piece (records never span one: payloads follow their record).
  void PatchU16(size_t at, uint16_t v) {
    for (size_t i = 0; i < 2; ++i) Local(at + i) = static_cast<std::byte>(v >> (8 * i));
  }
  void PatchU64(size_t at, uint64_t v) {
    for (size_t i = 0; i < 8; ++i) Local(at + i) = static_cast<std::byte>(v >> (8 * i));
  }
  size_t size() const { return static_cast<size_t>(done_.size()) + bytes_.size(); }
  FileContent Finish() && {
    Flush();
    return std::move(done_);
  }

 private:
  void Le(uint64_t v, size_t width) {
    for (size_t i = 0; i < width; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::byte& Local(size_t at) { return bytes_.at(at - static_cast<size_t>(done_.size())); }
  void Flush() {
    done_.AppendOwned(std::move(bytes_));
    bytes_.clear();
  }
  FileContent done_;              // everything before bytes_
  std::vector<std::byte> bytes_;  // the run being encoded
};

// Writes `u32 type; u16 misc; u16 size` and patches size when the body is
// done, so every record's size is what was encoded.
class RecordScope {
 public:
  RecordScope(Encoder& out, uint32_t type, uint16_t misc) : out_(out), start_(out.size()) {
    out_.U32(type);
    out_.U16(misc);
    out_.U16(0);
  }
  ~RecordScope() { out_.PatchU16(start_ + 6, static_cast<uint16_t>(out_.size() - start_)); }
  RecordScope(const RecordScope&) = delete;
  RecordScope& operator=(const RecordScope&) = delete;

 private:
  Encoder& out_;
  size_t start_;
};

// The sample_id_all trailer for kSampleType: TID, CPU, IDENTIFIER in that order.
struct SampleId {
  uint32_t pid = 0xffffffff;
  uint32_t tid = 0xffffffff;
  uint32_t cpu = 0;
  uint64_t id = 0;
  void Encode(Encoder& out) const {
    out.U32(pid);
    out.U32(tid);
    out.U32(cpu);
    out.U32(0);
    out.U64(id);
  }
};

}  // namespace csd::perf
