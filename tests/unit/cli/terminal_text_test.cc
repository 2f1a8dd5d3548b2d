// SPDX-License-Identifier: MIT
// TerminalSafe: what a hostile dump's strings look like on the terminal.
#include "terminal_text.h"

#include <gtest/gtest.h>

#include <string>

namespace csd::cli {
namespace {

TEST(TerminalSafe, OrdinaryTextPassesUnchanged) {
  EXPECT_EQ(TerminalSafe("6.1.0-56-arm64 f6402000.etf: 4096 bytes"),
            "6.1.0-56-arm64 f6402000.etf: 4096 bytes");
  EXPECT_EQ(TerminalSafe("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x90\xa7"),
            "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x90\xa7");  // é → 🐧
  EXPECT_EQ(TerminalSafe(""), "");
}

TEST(TerminalSafe, ControlCharactersAreEscaped) {
  EXPECT_EQ(TerminalSafe("a\x1b[31mb"), "a\\x1b[31mb");
  EXPECT_EQ(TerminalSafe(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(TerminalSafe("bell\x07 del\x7f tab\t nl\n cr\r"),
            "bell\\x07 del\\x7f tab\\x09 nl\\x0a cr\\x0d");
}

TEST(TerminalSafe, C1ControlsInUtf8FormAreEscaped) {
  // U+009B (CSI) and U+0085 (NEL) act on terminals that read UTF-8.
  EXPECT_EQ(TerminalSafe("x\xc2\x9b" "31m"), "x\\xc2\\x9b31m");
  EXPECT_EQ(TerminalSafe("\xc2\x85"), "\\xc2\\x85");
  EXPECT_EQ(TerminalSafe("\xc2\xa0"), "\xc2\xa0");  // U+00A0 is printable
}

TEST(TerminalSafe, InvalidUtf8IsEscapedByteByByte) {
  EXPECT_EQ(TerminalSafe("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(TerminalSafe("\x9b"), "\\x9b");                    // a raw C1 byte
  EXPECT_EQ(TerminalSafe("\xc3"), "\\xc3");                    // truncated sequence
  EXPECT_EQ(TerminalSafe("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(TerminalSafe("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(TerminalSafe("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(TerminalSafe("\xe2\x86"), "\\xe2\\x86");
}

TEST(TerminalSafe, BackslashIsEscapedSoTheResultReadsBackUnambiguously) {
  EXPECT_EQ(TerminalSafe("a\\x1b"), "a\\\\x1b");
  EXPECT_NE(TerminalSafe("\\x1b"), TerminalSafe("\x1b"));
}

}  // namespace
}  // namespace csd::cli
