#include "platform/run_control.h"

#include <systemc>

namespace vp {

void RunControl::exit(int code) {
  if (state_ != State::Running) return;
  state_ = State::Exited;
  exit_code_ = code;
  sc_core::sc_stop();
}

void RunControl::fail(const std::string& message) {
  if (state_ != State::Running) return;
  state_ = State::Failed;
  failure_ = message;
  sc_core::sc_stop();
}

}  // namespace vp
