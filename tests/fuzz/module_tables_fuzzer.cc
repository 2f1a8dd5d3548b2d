// SPDX-License-Identifier: MIT
// A loaded module's section and notes attribute tables and its kallsyms over
// hostile memory: VA == PA, the input is memory at 0x1000 with the table (or
// struct module) at its start; the first byte picks what is read: 0 the
// section attributes as Linux 6.13 lays them out (nsections, and
// grp.bin_attrs when the count fails), 1 as 6.14+ does (grp.bin_attrs of bare
// bin_attributes), 2 the counted notes, 3 the kallsyms. Layouts are those of
// the modules-host fake kernels, written out here as a reader gets them from
// DWARF.
#include "fuzz_support.h"
#include "kernel/module_attrs.h"
#include "kernel/module_kallsyms.h"
#include "kernel/object_view.h"
#include "memory/kernel_memory.h"

namespace {

class Identity final : public csd::Translator {
 public:
  csd::Expected<csd::Translation> Translate(uint64_t va) const override {
    return csd::Translation{va, 4096 - va % 4096, "identity"};
  }
  std::vector<std::string> Explain(uint64_t) const override { return {}; }
};

csd::MemberLayout M(const char* name, uint64_t offset, uint64_t size,
                    csd::MemberLayout::Kind kind = csd::MemberLayout::Kind::kInteger) {
  csd::MemberLayout m;
  m.name = name;
  m.offset = offset;
  m.size = size;
  m.kind = kind;
  return m;
}

constexpr auto kPointer = csd::MemberLayout::Kind::kPointer;

csd::AttrTableLayout SectAttrs61() {
  csd::AttrTableLayout l;
  l.container = "module_sect_attrs";
  l.count = M("nsections", 40, 4);
  l.array = M("attrs", 48, 0, csd::MemberLayout::Kind::kArray);
  l.element_size = 88;
  l.bin_attrs = M("grp.bin_attrs", 32, 8, kPointer);
  l.name = M("battr.attr.name", 0, 8, kPointer);
  l.address = M("address", 80, 8);
  return l;
}

csd::AttrTableLayout SectAttrs614() {
  csd::AttrTableLayout l;
  l.container = "module_sect_attrs";
  l.element_size = 72;
  l.bin_attrs = M("grp.bin_attrs", 40, 8, kPointer);
  l.name = M("attr.name", 0, 8, kPointer);
  l.address = M("private", 24, 8, kPointer);
  l.size = M("size", 16, 8);
  return l;
}

csd::AttrTableLayout NotesAttrs61() {
  csd::AttrTableLayout l;
  l.container = "module_notes_attrs";
  l.count = M("notes", 8, 4);
  l.array = M("attrs", 16, 0, csd::MemberLayout::Kind::kArray);
  l.element_size = 80;
  l.name = M("attr.name", 0, 8, kPointer);
  l.address = M("private", 40, 8, kPointer);
  l.size = M("size", 32, 8);
  return l;
}

// struct module { struct mod_kallsyms *kallsyms; struct mod_kallsyms core_kallsyms; }.
csd::KallsymsLayout Kallsyms(csd::StructLayout& module) {
  csd::KallsymsLayout l;
  l.kallsyms = M("kallsyms", 0, 8, kPointer);
  l.core_kallsyms = M("core_kallsyms", 8, 32, csd::MemberLayout::Kind::kStruct);
  l.table.name = "mod_kallsyms";
  l.table.size = 32;
  l.symtab = M("symtab", 0, 8, kPointer);
  l.num_symtab = M("num_symtab", 8, 4);
  l.strtab = M("strtab", 16, 8, kPointer);
  l.sym_size = 24;
  l.st_name = M("st_name", 0, 4);
  l.st_info = M("st_info", 4, 1);
  l.st_shndx = M("st_shndx", 6, 2);
  l.st_value = M("st_value", 8, 8);
  l.st_size = M("st_size", 16, 8);
  module.name = "module";
  module.size = 40;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  csd::fuzz::SpanMemory memory(0x1000, csd::fuzz::Bytes(data + 1, size - 1));
  Identity identity;
  csd::KernelMemory kernel(identity, memory, csd::Endian::kLittle);
  const csd::AttrTableLimits limits{256, 64};
  switch (data[0] & 3) {
    case 0: (void)csd::ReadAttrTable(kernel, 0x1000, SectAttrs61(), limits); break;
    case 1: (void)csd::ReadAttrTable(kernel, 0x1000, SectAttrs614(), limits); break;
    case 2: (void)csd::ReadAttrTable(kernel, 0x1000, NotesAttrs61(), limits); break;
    default: {
      csd::StructLayout module;
      const csd::KallsymsLayout layout = Kallsyms(module);
      auto view = csd::ObjectView::Read(kernel, 0x1000, module, 4096);
      if (view.ok()) (void)csd::ReadModuleKallsyms(kernel, *view, layout, {512, 64});
      break;
    }
  }
  return 0;
}
