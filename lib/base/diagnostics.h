// SPDX-License-Identifier: MIT
// Warnings go to an injected sink; library code never prints. The CLI decides
// how (and whether) to show them and what they mean for the exit code.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace csd {

class DiagnosticSink {
 public:
  virtual ~DiagnosticSink() = default;
  virtual void Warn(std::string message) = 0;
};

// Keeps warnings in arrival order, each distinct text once.
class CollectingDiagnostics final : public DiagnosticSink {
 public:
  void Warn(std::string message) override {
    if (seen_.insert(message).second) warnings_.push_back(std::move(message));
  }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> warnings_;
};

}  // namespace csd
