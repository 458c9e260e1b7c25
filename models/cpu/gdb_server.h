// A GDB remote-serial-protocol server for one RV32 hart, on a TCP port of the loopback interface.
//
// Contract:
// - listen() binds 127.0.0.1:port (never another interface) when the platform is built, so a
//   port in use is a configuration error before the run starts. wait_for_debugger() blocks until
//   GDB connects (before the first instruction).
// - The server knows nothing of SystemC: it reaches the hart through DebugTarget (registers,
//   memory by debug transport) and is driven by the core. When the hart stops (at the start, at
//   a breakpoint or watchpoint, after a single step, on ^C), the core calls halted(): it answers
//   GDB's packets (registers x0..x31 and pc, memory, software breakpoints, write/read/access
//   watchpoints) until GDB resumes, detaches or kills, and returns what to do. The core blocks
//   inside halted(), so simulated time stands still while the target is halted.
// - While the hart runs, the core calls interrupt_requested() now and then; it is true once GDB
//   has sent ^C (0x03).
// - exited() reports the firmware's exit code to GDB (W packet); failed() reports a run that
//   could not finish (X packet). A lost connection acts as a detach.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace vp::rv32 {

/// What the debugger reads and changes.
class DebugTarget {
 public:
  virtual ~DebugTarget() = default;
  /// 0..31: x0..x31, 32: pc.
  [[nodiscard]] virtual std::uint32_t debug_register(unsigned number) const = 0;
  virtual void set_debug_register(unsigned number, std::uint32_t value) = 0;
  /// Byte-wise through debug transport; false when any byte is not mapped.
  virtual bool debug_read(std::uint32_t address, std::uint8_t* data, std::uint32_t length) = 0;
  virtual bool debug_write(std::uint32_t address, const std::uint8_t* data,
                           std::uint32_t length) = 0;
};

class GdbServer {
 public:
  enum class Action { Continue, Step, Detach, Kill };
  enum class Watch { Write = 2, Read = 3, Access = 4 };  // the Z packet types
  struct StopReason {
    enum class Kind { Start, Breakpoint, Watchpoint, Step, Interrupt } kind = Kind::Start;
    Watch watch = Watch::Write;
    std::uint32_t address = 0;  ///< the data address of a watchpoint hit
  };
  struct Watchpoint {
    std::uint32_t address, length;
    Watch kind;
  };

  explicit GdbServer(DebugTarget& target) : target_(target) {}
  ~GdbServer();
  GdbServer(const GdbServer&) = delete;
  GdbServer& operator=(const GdbServer&) = delete;

  /// Binds 127.0.0.1:port; throws ConfigError naming `where` when it cannot.
  void listen(std::uint16_t port, const std::string& where);
  void wait_for_debugger();
  [[nodiscard]] bool connected() const { return client_ >= 0; }

  Action halted(const StopReason& why);
  bool interrupt_requested();
  void exited(int code);
  void failed();

  [[nodiscard]] bool breakpoint_at(std::uint32_t pc) const { return breakpoints_.count(pc) != 0; }
  [[nodiscard]] bool has_breakpoints() const { return !breakpoints_.empty(); }
  [[nodiscard]] const std::vector<Watchpoint>& watchpoints() const { return watchpoints_; }

 private:
  /// Reads one packet's payload; false when the connection is gone. A lone 0x03 returns "\x03".
  bool receive(std::string& payload);
  void send(const std::string& payload);
  std::string handle(const std::string& packet, Action& action, bool& resume);
  std::string stop_reply(const StopReason& why) const;
  std::string read_memory(const std::string& args);
  std::string write_memory(const std::string& args);
  std::string breakpoint(const std::string& args, bool insert);
  void close_client();

  DebugTarget& target_;
  int listener_ = -1;
  int client_ = -1;
  std::uint16_t port_ = 0;
  std::string pending_;  ///< bytes received past the last packet
  std::set<std::uint32_t> breakpoints_;
  std::vector<Watchpoint> watchpoints_;
  StopReason last_stop_;
};

}  // namespace vp::rv32
