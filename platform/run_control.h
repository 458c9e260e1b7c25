// How a run ends.
//
// Contract: any module may end the run: firmware exits through simctl (exit()), or a model finds
// the simulation cannot continue (fail()). The first call wins; both stop the SystemC kernel
// with sc_stop(), and the platform reads the outcome after sc_start() returns.
#pragma once

#include <cstdint>
#include <string>

namespace vp {

class RunControl {
 public:
  enum class State { Running, Exited, Failed };

  /// `at_ps`: the exiting access's local time (a CPU runs ahead of SystemC time by up to its
  /// quantum), so a run's simulated time includes the part of the quantum not yet synced.
  void exit(int code, std::uint64_t at_ps = 0);
  void fail(const std::string& message);

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] int exit_code() const { return exit_code_; }
  /// The time exit() was called at (0 when it was not given).
  [[nodiscard]] std::uint64_t end_ps() const { return end_ps_; }
  [[nodiscard]] const std::string& failure() const { return failure_; }

 private:
  State state_ = State::Running;
  int exit_code_ = 0;
  std::uint64_t end_ps_ = 0;
  std::string failure_;
};

}  // namespace vp
