// How a run ends.
//
// Contract: any module may end the run: firmware exits through simctl (exit()), or a model finds
// the simulation cannot continue (fail()). The first call wins; both stop the SystemC kernel
// with sc_stop(), and the platform reads the outcome after sc_start() returns.
#pragma once

#include <string>

namespace vp {

class RunControl {
 public:
  enum class State { Running, Exited, Failed };

  void exit(int code);
  void fail(const std::string& message);

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] int exit_code() const { return exit_code_; }
  [[nodiscard]] const std::string& failure() const { return failure_; }

 private:
  State state_ = State::Running;
  int exit_code_ = 0;
  std::string failure_;
};

}  // namespace vp
