#include "platform/run_control.h"

#include <systemc>

namespace vp {

void RunControl::exit(int code, std::uint64_t at_ps) {
  if (state_ != State::Running) return;
  state_ = State::Exited;
  exit_code_ = code;
  end_ps_ = at_ps;
  sc_core::sc_stop();
}

void RunControl::fail(const std::string& message) {
  if (state_ != State::Running) return;
  state_ = State::Failed;
  failure_ = message;
  sc_core::sc_stop();
}

}  // namespace vp
