// SPDX-License-Identifier: MIT
// ELF core backend through OpenDump: headers, notes, the physical map and its
// failure modes, on cores built in memory by ElfCoreBuilder.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "dump/elf/elf_notes.h"
#include "dump_test_util.h"
#include "elf_core_builder.h"

namespace csd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint64_t kRamBase = 0x40000000;
constexpr uint64_t kLinearBase = 0xffff000000000000;
constexpr uint64_t kKimageVa = 0xffff800008000000;
constexpr std::string_view kVmcoreinfo = "OSRELEASE=6.1.0\nPAGESIZE=4096\n";
// File offset of the note after a leading VMCOREINFO note when the core has one
// PT_NOTE and no loads: ELF64 header, one program header, Nhdr, padded name and desc.
constexpr uint64_t kSecondNote = 64 + 56 + 12 + 12 + ((kVmcoreinfo.size() + 3) & ~size_t{3});

std::string AllWarnings(const CollectingDiagnostics& diagnostics) {
  std::string out;
  for (const auto& w : diagnostics.warnings()) out += w + "\n";
  return out;
}

// arm64 kdump layout: RAM [kRamBase, +0x4000) and the kernel image
// [kRamBase+0x1000, +0x2000) described again with its kimage VA.
ElfCoreBuilder Arm64Kdump(const std::vector<std::byte>& ram) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddNote("CORE", 1, std::string(392, 'r')).AddNote("VMCOREINFO", 0, kVmcoreinfo);
  builder.AddLoad({kRamBase + 0x1000, kKimageVa, Slice(ram, 0x1000, 0x2000), 0});
  builder.AddLoad({kRamBase, kLinearBase, ram, 0});
  return builder;
}

using ElfCoreTest = DumpFileTest;

TEST_F(ElfCoreTest, Arm64KdumpWithOverlappingKernelImage) {
  const auto ram = Pattern(0x4000, 1);
  DumpFile& dump = OpenOk(Arm64Kdump(ram).Build());
  EXPECT_EQ(dump.FormatName(), "elf64");
  EXPECT_EQ(dump.Producer(), "kdump");
  EXPECT_EQ(dump.arch(), Arch::kArm64);
  EXPECT_EQ(dump.endian(), Endian::kLittle);
  EXPECT_EQ(dump.pointer_size(), 8u);
  ASSERT_EQ(dump.segments().size(), 2u);
  EXPECT_EQ(dump.segments()[0].vaddr, kKimageVa);
  EXPECT_EQ(dump.segments()[0].paddr, kRamBase + 0x1000);
  ASSERT_EQ(dump.notes().size(), 2u);
  EXPECT_EQ(dump.notes()[0].name, "CORE");
  EXPECT_EQ(dump.notes()[0].type, 1u);
  EXPECT_EQ(dump.notes()[0].desc.size(), 392u);
  EXPECT_EQ(dump.VmcoreinfoText(), std::string(kVmcoreinfo));
  // Inside the kernel image, across its start and across its end.
  EXPECT_EQ(Read(dump, kRamBase + 0x1800, 0x100), Slice(ram, 0x1800, 0x100));
  EXPECT_EQ(Read(dump, kRamBase + 0xf00, 0x200), Slice(ram, 0xf00, 0x200));
  EXPECT_EQ(Read(dump, kRamBase + 0x2f00, 0x200), Slice(ram, 0x2f00, 0x200));
  EXPECT_EQ(Read(dump, kRamBase, 0x4000), ram);
  ASSERT_EQ(dump.Ranges().size(), 1u);
  EXPECT_EQ(dump.Ranges()[0].start, kRamBase);
  EXPECT_EQ(dump.Ranges()[0].size, 0x4000u);
  EXPECT_TRUE(diagnostics_.warnings().empty()) << AllWarnings(diagnostics_);
}

// The kernel-image segment has an excluded tail that the RAM segment covers
// with file bytes: those bytes must win over "excluded".
TEST_F(ElfCoreTest, OverlapPrefersFileBytesOverExcludedTail) {
  const auto ram = Pattern(0x4000, 2);
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddLoad({kRamBase + 0x1000, kKimageVa, Slice(ram, 0x1000, 0x800), 0x2000});
  builder.AddLoad({kRamBase, kLinearBase, ram, 0});
  DumpFile& dump = OpenOk(builder.Build());
  EXPECT_EQ(Read(dump, kRamBase + 0x1000, 0x2000), Slice(ram, 0x1000, 0x2000));
}

TEST_F(ElfCoreTest, QemuStyleHasNoVirtualAddresses) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddLoad({kRamBase, 0, Pattern(0x1000, 3), 0});
  builder.AddLoad({kRamBase + 0x10000, kRamBase + 0x10000, Pattern(0x1000, 4), 0});
  DumpFile& dump = OpenOk(builder.Build());
  EXPECT_EQ(dump.Producer(), "qemu");
  EXPECT_EQ(Read(dump, kRamBase + 0x10000, 16), Slice(Pattern(0x1000, 4), 0, 16));
}

TEST_F(ElfCoreTest, Elf32Arm) {
  const auto ram = Pattern(0x2000, 5);
  ElfCoreBuilder builder(false, Endian::kLittle, kEmArm);
  builder.AddNote("CORE", 1, std::string(148, 'r')).AddNote("VMCOREINFO", 0, kVmcoreinfo);
  builder.AddLoad({0x80000000, 0xc0000000, ram, 0});
  DumpFile& dump = OpenOk(builder.Build());
  EXPECT_EQ(dump.FormatName(), "elf32");
  EXPECT_EQ(dump.arch(), Arch::kArm);
  EXPECT_EQ(dump.pointer_size(), 4u);
  EXPECT_EQ(dump.Producer(), "kdump");
  ASSERT_EQ(dump.segments().size(), 1u);
  EXPECT_EQ(dump.segments()[0].paddr, 0x80000000u);
  EXPECT_EQ(dump.segments()[0].vaddr, 0xc0000000u);
  EXPECT_EQ(dump.VmcoreinfoText(), std::string(kVmcoreinfo));
  EXPECT_EQ(Read(dump, 0x80001ff0, 16), Slice(ram, 0x1ff0, 16));
}

// ELF64 holding a 32-bit Arm LPAE kernel: pointers are still 4 bytes.
TEST_F(ElfCoreTest, Elf64ArmKeepsKernelPointerSize) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmArm);
  builder.AddLoad({0x880000000, 0, Pattern(0x1000, 6), 0});
  DumpFile& dump = OpenOk(builder.Build());
  EXPECT_EQ(dump.FormatName(), "elf64");
  EXPECT_EQ(dump.arch(), Arch::kArm);
  EXPECT_EQ(dump.pointer_size(), 4u);
}

TEST_F(ElfCoreTest, BigEndian64) {
  const auto ram = Pattern(0x1000, 7);
  ElfCoreBuilder builder(true, Endian::kBig, kEmAarch64);
  builder.AddNote("VMCOREINFO", 0, kVmcoreinfo);
  builder.AddLoad({0x123456789000, kLinearBase, ram, 0});
  DumpFile& dump = OpenOk(builder.Build());
  EXPECT_EQ(dump.endian(), Endian::kBig);
  ASSERT_EQ(dump.segments().size(), 1u);
  EXPECT_EQ(dump.segments()[0].paddr, 0x123456789000u);
  EXPECT_EQ(dump.VmcoreinfoText(), std::string(kVmcoreinfo));
  EXPECT_EQ(Read(dump, 0x123456789100, 8), Slice(ram, 0x100, 8));
}

TEST_F(ElfCoreTest, BigEndian32) {
  const auto ram = Pattern(0x1000, 8);
  ElfCoreBuilder builder(false, Endian::kBig, kEmArm);
  builder.AddNote("VMCOREINFO", 0, kVmcoreinfo);
  builder.AddLoad({0x60000000, 0, ram, 0});
  DumpFile& dump = OpenOk(builder.Build());
  EXPECT_EQ(dump.endian(), Endian::kBig);
  EXPECT_EQ(dump.Producer(), "qemu");
  EXPECT_EQ(dump.VmcoreinfoText(), std::string(kVmcoreinfo));
  EXPECT_EQ(Read(dump, 0x60000ffc, 4), Slice(ram, 0xffc, 4));
}

// Adjacent in PA, laid out in reverse order in the file: a read across the
// boundary must switch file offsets.
TEST_F(ElfCoreTest, ReadAcrossAdjacentSegments) {
  const auto low = Pattern(0x1000, 9);
  const auto high = Pattern(0x1000, 10);
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddLoad({kRamBase, 0, low, 0}).AddLoad({kRamBase + 0x1000, 0, high, 0});
  builder.FileOrder({1, 0});
  DumpFile& dump = OpenOk(builder.Build());
  std::vector<std::byte> expected = Slice(low, 0xff0, 0x10);
  const auto tail = Slice(high, 0, 0x10);
  expected.insert(expected.end(), tail.begin(), tail.end());
  EXPECT_EQ(Read(dump, kRamBase + 0xff0, 0x20), expected);
  ASSERT_EQ(dump.Ranges().size(), 1u);
  EXPECT_EQ(dump.Ranges()[0].size, 0x2000u);
}

TEST_F(ElfCoreTest, ReadInHoleIsNotMapped) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddLoad({kRamBase, 0, Pattern(0x1000, 11), 0});
  builder.AddLoad({kRamBase + 0x3000, 0, Pattern(0x1000, 12), 0});
  DumpFile& dump = OpenOk(builder.Build());
  Error error = ReadError(dump, kRamBase + 0x2000, 8);
  EXPECT_EQ(error.code(), ErrorCode::kNotMapped);
  EXPECT_THAT(error.message(), HasSubstr("0x40002000"));
  EXPECT_THAT(error.message(), HasSubstr("[0x40000000, 0x40001000)"));
  // Starting mapped and running into the hole names the hole's first byte.
  error = ReadError(dump, kRamBase + 0xff8, 16);
  EXPECT_EQ(error.code(), ErrorCode::kNotMapped);
  EXPECT_THAT(error.message(), HasSubstr("0x40001000"));
  EXPECT_EQ(ReadError(dump, 0, 1).code(), ErrorCode::kNotMapped);
  // A range wrapping past 2^64 fails cleanly.
  EXPECT_EQ(ReadError(dump, ~uint64_t{0} - 3, 8).code(), ErrorCode::kNotMapped);
  EXPECT_EQ(dump.Ranges().size(), 2u);
}

ElfCoreBuilder WithExcludedTail(const std::vector<std::byte>& data) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddLoad({kRamBase, kLinearBase, data, 0x3000});  // makedumpfile -E style
  return builder;
}

TEST_F(ElfCoreTest, ExcludedTailFailsByDefault) {
  const auto data = Pattern(0x1000, 13);
  DumpFile& dump = OpenOk(WithExcludedTail(data).Build());
  EXPECT_EQ(Read(dump, kRamBase + 0xf00, 0x100), Slice(data, 0xf00, 0x100));
  const Error error = ReadError(dump, kRamBase + 0xff8, 16);
  EXPECT_EQ(error.code(), ErrorCode::kExcluded);
  EXPECT_THAT(error.message(), HasSubstr("0x40001000"));
  EXPECT_THAT(error.message(), HasSubstr("p_filesz < p_memsz"));
  EXPECT_THAT(error.message(), HasSubstr("segment 0"));
  ASSERT_EQ(dump.Ranges().size(), 1u);
  EXPECT_EQ(dump.Ranges()[0].size, 0x1000u);  // only bytes that are in the file
  EXPECT_TRUE(diagnostics_.warnings().empty());
}

TEST_F(ElfCoreTest, ExcludedTailZeroFilledWarnsOnce) {
  const auto data = Pattern(0x1000, 14);
  DumpFile& dump =
      OpenOk(WithExcludedTail(data).Build(), {.zero_fill_excluded = true, .notes = {}});
  EXPECT_TRUE(diagnostics_.warnings().empty());  // nothing invented yet
  std::vector<std::byte> expected = Slice(data, 0xff8, 8);
  expected.resize(16, std::byte{0});
  EXPECT_EQ(Read(dump, kRamBase + 0xff8, 16), expected);
  ASSERT_EQ(diagnostics_.warnings().size(), 1u);
  EXPECT_THAT(diagnostics_.warnings()[0], HasSubstr("0x40001000"));
  EXPECT_THAT(diagnostics_.warnings()[0], HasSubstr("zeros"));
  EXPECT_EQ(Read(dump, kRamBase + 0x2000, 4), std::vector<std::byte>(4));
  EXPECT_EQ(diagnostics_.warnings().size(), 1u);
  // Past p_memsz is still a hole.
  EXPECT_EQ(ReadError(dump, kRamBase + 0x3000, 1).code(), ErrorCode::kNotMapped);
}

TEST_F(ElfCoreTest, TruncatedSegmentData) {
  const auto ram = Pattern(0x2000, 15);
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddNote("VMCOREINFO", 0, kVmcoreinfo).AddLoad({kRamBase, kLinearBase, ram, 0});
  ElfCoreLayout layout;
  auto bytes = builder.Build(&layout);
  bytes.resize(layout.load_offsets[0] + 0x1800);
  DumpFile& dump = OpenOk(bytes);
  ASSERT_EQ(diagnostics_.warnings().size(), 1u);
  EXPECT_THAT(diagnostics_.warnings()[0],
              HasSubstr(fmt::format("truncated at offset {:#x}", bytes.size())));
  EXPECT_EQ(Read(dump, kRamBase + 0x1700, 0x100), Slice(ram, 0x1700, 0x100));
  const Error error = ReadError(dump, kRamBase + 0x17f0, 0x20);
  EXPECT_EQ(error.code(), ErrorCode::kCorrupt);
  EXPECT_THAT(error.message(), HasSubstr("0x40001800"));
  EXPECT_THAT(error.message(), HasSubstr(fmt::format("file offset {:#x}", bytes.size())));
  ASSERT_EQ(dump.Ranges().size(), 1u);
  EXPECT_EQ(dump.Ranges()[0].size, 0x1800u);
}

TEST_F(ElfCoreTest, TruncatedProgramHeaderTable) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddLoad({kRamBase, 0, Pattern(0x100, 16), 0}).AddLoad({kRamBase + 0x100, 0, {}, 0x100});
  ElfCoreLayout layout;
  auto bytes = builder.Build(&layout);
  bytes.resize(layout.phoff + 56 + 20);  // the second header is cut
  auto dump = Open(bytes);
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(dump.error().message(), HasSubstr("program header table"));
  EXPECT_THAT(dump.error().message(), HasSubstr("file offset 0x40"));
}

TEST_F(ElfCoreTest, TruncatedHeader) {
  auto bytes = ElfCoreBuilder(true, Endian::kLittle, kEmAarch64).Build();
  bytes.resize(40);
  auto dump = Open(bytes);
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(dump.error().message(), HasSubstr("ELF header is truncated"));
  bytes.resize(8);
  dump = Open(bytes);
  ASSERT_FALSE(dump.ok());
  EXPECT_THAT(dump.error().message(), HasSubstr("e_ident"));
}

TEST_F(ElfCoreTest, TruncatedNoteKeepsEarlierNotes) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddNote("VMCOREINFO", 0, kVmcoreinfo).AddNote("CORE", 1, std::string(392, 'r'));
  auto bytes = builder.Build();  // no loads: the notes end the file
  bytes.resize(bytes.size() - 100);
  DumpFile& dump = OpenOk(bytes);
  ASSERT_EQ(dump.notes().size(), 1u);
  EXPECT_EQ(dump.VmcoreinfoText(), std::string(kVmcoreinfo));
  const std::string warnings = AllWarnings(diagnostics_);
  EXPECT_THAT(warnings, HasSubstr("PT_NOTE"));
  EXPECT_THAT(warnings, HasSubstr("runs past the end of the file"));
  // The cut note is named by its header's file offset.
  EXPECT_THAT(warnings, HasSubstr(fmt::format("note at file offset {:#x}", kSecondNote)));
}

TEST_F(ElfCoreTest, HugeNoteSizesStopNoteParsing) {
  for (auto [namesz, descsz] :
       {std::pair<uint32_t, uint32_t>{0xffffffff, 0}, {5, 0xfffffff0}, {5, 0x100}}) {
    const size_t before = diagnostics_.warnings().size();
    ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
    builder.AddNote("VMCOREINFO", 0, kVmcoreinfo).AddRawNote(namesz, descsz, 1, "CORE");
    builder.AddNote("CORE", 1, "after");
    DumpFile& dump = OpenOk(builder.Build());
    ASSERT_EQ(dump.notes().size(), 1u) << namesz << " " << descsz;
    EXPECT_EQ(dump.VmcoreinfoText(), std::string(kVmcoreinfo));
    // The bad note, then "no PT_LOAD segments".
    ASSERT_EQ(diagnostics_.warnings().size(), before + 2);
    EXPECT_THAT(diagnostics_.warnings()[before],
                HasSubstr(fmt::format("note at file offset {:#x}", kSecondNote)));
  }
}

// --max-notes and --max-note-size reach the ELF backend through
// DumpOpenOptions; each refusal names its flag and keeps the notes before it.
TEST_F(ElfCoreTest, NoteLimitsComeFromTheOpenOptions) {
  const std::vector<std::byte> ram = Pattern(0x4000, 3);
  DumpOpenOptions count;
  count.notes.max_notes = 1;
  DumpFile& one = OpenOk(Arm64Kdump(ram).Build(), count);
  ASSERT_EQ(one.notes().size(), 1u);
  EXPECT_EQ(one.notes()[0].name, "CORE");
  EXPECT_FALSE(one.VmcoreinfoText().has_value());
  EXPECT_THAT(AllWarnings(diagnostics_), HasSubstr("--max-notes cap of 1"));

  for (uint64_t cap : {391u, 392u, 393u}) {  // the CORE note's desc is 392 bytes
    SCOPED_TRACE(cap);
    diagnostics_ = CollectingDiagnostics();
    DumpOpenOptions size;
    size.notes.max_note_size = cap;
    DumpFile& dump = OpenOk(Arm64Kdump(ram).Build(), size);
    if (cap < 392) {
      EXPECT_TRUE(dump.notes().empty());
      EXPECT_THAT(AllWarnings(diagnostics_), HasSubstr("--max-note-size cap of 391 bytes"));
    } else {
      EXPECT_EQ(dump.notes().size(), 2u);
      EXPECT_EQ(dump.VmcoreinfoText(), std::string(kVmcoreinfo));
      EXPECT_THAT(AllWarnings(diagnostics_), Not(HasSubstr("--max-note-size")));
    }
  }
}

// A note stream of `count` notes, each with a `desc_size`-byte desc.
std::vector<std::byte> NoteStream(size_t count, size_t desc_size) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  for (size_t i = 0; i < count; ++i) builder.AddNote("CORE", 1, std::string(desc_size, 'd'));
  // The PT_NOTE segment follows the ELF header and its one program header.
  std::vector<std::byte> core = builder.Build();
  return {core.begin() + 64 + 56, core.end()};
}

TEST(ElfNotes, NoteCountCapIsHonouredAtItsBoundary) {
  constexpr size_t kCap = 4;
  for (size_t count : {kCap - 1, kCap, kCap + 1}) {
    SCOPED_TRACE(count);
    const auto bytes = NoteStream(count, 8);
    const ByteReader stream(bytes, Endian::kLittle, "notes");
    std::vector<DumpNote> notes;
    CollectingDiagnostics diagnostics;
    ParseElfNotes(stream, 0x100, "core", NoteLimits{.max_notes = kCap}, notes, diagnostics);
    EXPECT_EQ(notes.size(), std::min(count, kCap));
    if (count <= kCap) {
      EXPECT_TRUE(diagnostics.warnings().empty());
    } else {
      ASSERT_EQ(diagnostics.warnings().size(), 1u);
      EXPECT_THAT(diagnostics.warnings()[0], HasSubstr("--max-notes cap of 4"));
      EXPECT_THAT(diagnostics.warnings()[0], HasSubstr("raise with --max-notes"));
    }
  }
  // The cap counts the notes already kept: it spans PT_NOTE segments.
  const auto bytes = NoteStream(2, 8);
  const ByteReader stream(bytes, Endian::kLittle, "notes");
  std::vector<DumpNote> notes;
  CollectingDiagnostics diagnostics;
  ParseElfNotes(stream, 0, "core", NoteLimits{.max_notes = 3}, notes, diagnostics);
  ParseElfNotes(stream, 0, "core", NoteLimits{.max_notes = 3}, notes, diagnostics);
  EXPECT_EQ(notes.size(), 3u);
  EXPECT_EQ(diagnostics.warnings().size(), 1u);
}

TEST(ElfNotes, NoteSizeCapIsHonouredAtItsBoundary) {
  constexpr uint64_t kCap = 16;
  for (uint64_t desc : {kCap - 1, kCap, kCap + 1}) {
    SCOPED_TRACE(desc);
    const auto bytes = NoteStream(2, desc);
    const ByteReader stream(bytes, Endian::kLittle, "notes");
    std::vector<DumpNote> notes;
    CollectingDiagnostics diagnostics;
    ParseElfNotes(stream, 0, "core", NoteLimits{.max_note_size = kCap}, notes, diagnostics);
    if (desc <= kCap) {
      ASSERT_EQ(notes.size(), 2u);
      EXPECT_EQ(notes[1].desc.size(), desc);
      EXPECT_TRUE(diagnostics.warnings().empty());
    } else {
      EXPECT_TRUE(notes.empty());
      ASSERT_EQ(diagnostics.warnings().size(), 1u);
      EXPECT_THAT(diagnostics.warnings()[0], HasSubstr("descsz 0x11 (17 bytes)"));
      EXPECT_THAT(diagnostics.warnings()[0], HasSubstr("--max-note-size cap of 16 bytes"));
    }
  }
}

TEST_F(ElfCoreTest, NotePaddingAndEndMarker) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddNote("CORE", 2, "abc").AddNote("LINUX", 0x700, "12345");
  builder.AddNote("VMCOREINFO", 0, std::string(kVmcoreinfo) + std::string(3, '\0'));
  builder.AddRawNote(0, 0, 0, "").AddNote("AFTER", 1, "ignored");
  builder.AddLoad({kRamBase, 0, Pattern(16, 21), 0});
  DumpFile& dump = OpenOk(builder.Build());
  ASSERT_EQ(dump.notes().size(), 3u);
  EXPECT_EQ(dump.notes()[0].desc.size(), 3u);
  EXPECT_EQ(dump.notes()[1].name, "LINUX");
  EXPECT_EQ(dump.notes()[1].type, 0x700u);
  EXPECT_EQ(dump.notes()[1].file_offset, 64u + 2 * 56 + 12 + 8 + 4);
  EXPECT_EQ(dump.VmcoreinfoText(), std::string(kVmcoreinfo));  // trailing NULs stripped
  EXPECT_TRUE(diagnostics_.warnings().empty()) << AllWarnings(diagnostics_);
}

TEST_F(ElfCoreTest, MissingVmcoreinfo) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddNote("CORE", 1, std::string(392, 'r')).AddLoad({kRamBase, 0, Pattern(16, 17), 0});
  DumpFile& dump = OpenOk(builder.Build());
  EXPECT_EQ(dump.notes().size(), 1u);
  EXPECT_EQ(dump.VmcoreinfoText(), std::nullopt);
}

TEST_F(ElfCoreTest, EtExecIsUnsupported) {
  auto dump = Open(ElfCoreBuilder(true, Endian::kLittle, kEmAarch64).Type(kEtExec).Build());
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kUnsupported);
  EXPECT_THAT(dump.error().message(), HasSubstr("ET_EXEC"));
}

TEST_F(ElfCoreTest, X86_64IsUnsupported) {
  auto dump = Open(ElfCoreBuilder(true, Endian::kLittle, kEmX86_64).Build());
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kUnsupported);
  EXPECT_THAT(dump.error().message(), HasSubstr("ELF machine 62"));
}

TEST_F(ElfCoreTest, AbsurdPhnum) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddLoad({kRamBase, 0, Pattern(16, 18), 0}).PhnumOverride(60000);
  auto dump = Open(builder.Build());
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(dump.error().message(), HasSubstr("60000 entries"));

  builder.PhnumOverride(0xffff);
  dump = Open(builder.Build());
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kUnsupported);
  EXPECT_THAT(dump.error().message(), HasSubstr("PN_XNUM"));
}

TEST_F(ElfCoreTest, NoLoadsWarns) {
  DumpFile& dump = OpenOk(ElfCoreBuilder(true, Endian::kLittle, kEmAarch64).Build());
  EXPECT_TRUE(dump.Ranges().empty());
  EXPECT_EQ(dump.Producer(), "");
  ASSERT_EQ(diagnostics_.warnings().size(), 1u);
  EXPECT_THAT(diagnostics_.warnings()[0], HasSubstr("no PT_LOAD"));
}

TEST_F(ElfCoreTest, WrappingSegmentIsSkipped) {
  ElfCoreBuilder builder(true, Endian::kLittle, kEmAarch64);
  builder.AddLoad({~uint64_t{0} - 0x10, 0, Pattern(0x100, 19), 0});
  builder.AddLoad({kRamBase, 0, Pattern(0x100, 20), 0});
  DumpFile& dump = OpenOk(builder.Build());
  EXPECT_EQ(dump.segments().size(), 2u);
  ASSERT_EQ(dump.Ranges().size(), 1u);
  EXPECT_EQ(dump.Ranges()[0].start, kRamBase);
  EXPECT_THAT(AllWarnings(diagnostics_), HasSubstr("wraps past the end"));
}

// A cheap stand-in for the fuzzer: corrupted and truncated variants of a valid
// core either open or fail with a data error, and every range the dump reports
// reads back in full.
TEST_F(ElfCoreTest, CorruptedCoresNeverCrash) {
  const auto pristine = Arm64Kdump(Pattern(0x4000, 22)).Build();
  std::mt19937 rng(42);
  int opened = 0;
  for (int trial = 0; trial < 300; ++trial) {
    auto bytes = pristine;
    // Corrupt the headers and notes, where the parser looks.
    for (int flips = 1 + rng() % 4; flips > 0; --flips) {
      bytes[rng() % 400] = static_cast<std::byte>(rng());
    }
    if (rng() % 3 == 0) bytes.resize(rng() % bytes.size());
    auto dump = Open(bytes);
    if (!dump.ok()) {
      const ErrorCode code = dump.error().code();
      EXPECT_TRUE(code == ErrorCode::kCorrupt || code == ErrorCode::kUnsupported)
          << dump.error().Describe();
      continue;
    }
    ++opened;
    for (const PhysicalRange& range : (*dump)->Ranges()) {
      std::vector<std::byte> out(std::min<uint64_t>(range.size, 0x10000));
      EXPECT_TRUE((*dump)->ReadPhysical(range.start, out).ok());
    }
  }
  EXPECT_GT(opened, 0);  // the corruption is not so heavy that nothing opens
}

}  // namespace
}  // namespace csd::testing
