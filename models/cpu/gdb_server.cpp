#include "models/cpu/gdb_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp::rv32 {
namespace {

constexpr unsigned kRegisters = 33;  // x0..x31, pc
constexpr std::size_t kMaxPacket = 0x4000;

// GDB's description of the target: an RV32 core with the 33 registers of the 'g' packet.
std::string target_xml() {
  std::string xml =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target "
      "version=\"1.0\">\n<architecture>riscv:rv32</architecture>\n<feature "
      "name=\"org.gnu.gdb.riscv.cpu\">\n";
  static const char* kAbi[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                 "fp",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                 "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                 "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
  for (unsigned i = 0; i < 32; ++i) {
    const char* type = (i == 1) ? "code_ptr" : (i == 2 || i == 8) ? "data_ptr" : "int";
    xml += fmt::format("<reg name=\"{}\" bitsize=\"32\" type=\"{}\" regnum=\"{}\"/>\n", kAbi[i],
                       type, i);
  }
  xml +=
      "<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\" regnum=\"32\"/>\n</feature>\n</target>\n";
  return xml;
}

std::string hex_le32(std::uint32_t v) {
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF,
                     v >> 24);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Parses hex digits [begin, end) of `text` into `value`; false on a non-hex digit or overflow.
bool parse_hex(const std::string& text, std::size_t begin, std::size_t end, std::uint64_t& value) {
  if (begin >= end || end > text.size() || end - begin > 16) return false;
  value = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const int d = hex_digit(text[i]);
    if (d < 0) return false;
    value = value << 4 | static_cast<unsigned>(d);
  }
  return true;
}

bool parse_le32(const std::string& text, std::size_t at, std::uint32_t& value) {
  if (at + 8 > text.size()) return false;
  value = 0;
  for (std::size_t byte = 0; byte < 4; ++byte) {
    std::uint64_t b = 0;
    if (!parse_hex(text, at + 2 * byte, at + 2 * byte + 2, b)) return false;
    value |= static_cast<std::uint32_t>(b << (8 * byte));
  }
  return true;
}

/// "ADDR,LENGTH" (hex) at the start of `args`; `end` receives where it stops.
bool parse_range(const std::string& args, std::uint64_t& address, std::uint64_t& length,
                 std::size_t& end) {
  const auto comma = args.find(',');
  if (comma == std::string::npos) return false;
  end = args.find_first_of(":;,", comma + 1);
  if (end == std::string::npos) end = args.size();
  return parse_hex(args, 0, comma, address) && parse_hex(args, comma + 1, end, length) &&
         address <= 0xFFFFFFFFULL && length <= kMaxPacket && address + length <= (1ULL << 32);
}

}  // namespace

GdbServer::~GdbServer() {
  close_client();
  if (listener_ >= 0) ::close(listener_);
}

void GdbServer::listen(std::uint16_t port, const std::string& where) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0)
    throw ConfigError(fmt::format("{}: cannot open a socket: {}", where, std::strerror(errno)));
  const int yes = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // localhost only
  if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 1) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listener_);
    listener_ = -1;
    throw ConfigError(fmt::format("{}: cannot listen on 127.0.0.1:{}: {}", where, port, why));
  }
  port_ = port;
}

void GdbServer::wait_for_debugger() {
  if (listener_ < 0 || client_ >= 0) return;
  std::cerr << fmt::format(
                   "gdb: waiting for the debugger on 127.0.0.1:{} (gdb-multiarch FIRMWARE.elf "
                   "-ex 'target remote :{}')\n",
                   port_, port_)
            << std::flush;
  do {
    client_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
  } while (client_ < 0 && errno == EINTR);
  if (client_ < 0) return;
  const int yes = 1;
  ::setsockopt(client_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
}

void GdbServer::close_client() {
  if (client_ >= 0) ::close(client_);
  client_ = -1;
  pending_.clear();
}

bool GdbServer::receive(std::string& payload) {
  while (client_ >= 0) {
    // A packet is "$payload#cc"; acknowledgements ('+', '-') between packets are skipped.
    const auto dollar = pending_.find('$');
    const auto interrupt = pending_.find('\x03');
    if (interrupt != std::string::npos && (dollar == std::string::npos || interrupt < dollar)) {
      pending_.erase(0, interrupt + 1);
      payload = "\x03";
      return true;
    }
    if (dollar != std::string::npos) {
      const auto hash = pending_.find('#', dollar);
      if (hash != std::string::npos && hash + 2 < pending_.size()) {
        payload = pending_.substr(dollar + 1, hash - dollar - 1);
        std::uint64_t sum = 0;
        const bool sum_ok = parse_hex(pending_, hash + 1, hash + 3, sum);
        pending_.erase(0, hash + 3);
        unsigned computed = 0;
        for (const char c : payload) computed += static_cast<unsigned char>(c);
        const char ack = sum_ok && sum == (computed & 0xFF) ? '+' : '-';
        (void)!::send(client_, &ack, 1, MSG_NOSIGNAL);
        if (ack == '+') return true;
        continue;
      }
    }
    if (pending_.size() > 2 * kMaxPacket) pending_.clear();  // garbage: resynchronise
    char buffer[4096];
    const auto got = ::recv(client_, buffer, sizeof buffer, 0);
    if (got <= 0) {
      if (got < 0 && errno == EINTR) continue;
      close_client();
      return false;
    }
    pending_.append(buffer, static_cast<std::size_t>(got));
  }
  return false;
}

void GdbServer::send(const std::string& payload) {
  if (client_ < 0) return;
  unsigned sum = 0;
  std::string packet = "$";
  for (const char c : payload) {
    // '#', '$', '}' and '*' are escaped in replies (binary data of qXfer may contain them).
    if (c == '#' || c == '$' || c == '}' || c == '*') {
      packet += '}';
      packet += static_cast<char>(c ^ 0x20);
      sum += '}' + static_cast<unsigned char>(c ^ 0x20);
    } else {
      packet += c;
      sum += static_cast<unsigned char>(c);
    }
  }
  packet += fmt::format("#{:02x}", sum & 0xFF);
  std::size_t sent = 0;
  while (sent < packet.size()) {
    const auto n = ::send(client_, packet.data() + sent, packet.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      close_client();
      return;
    }
    sent += static_cast<std::size_t>(n);
  }
}

std::string GdbServer::stop_reply(const StopReason& why) const {
  switch (why.kind) {
    case StopReason::Kind::Breakpoint: return "T05swbreak:;";
    case StopReason::Kind::Watchpoint: {
      const char* name = why.watch == Watch::Write  ? "watch"
                         : why.watch == Watch::Read ? "rwatch"
                                                    : "awatch";
      return fmt::format("T05{}:{:x};", name, why.address);
    }
    case StopReason::Kind::Interrupt: return "S02";
    case StopReason::Kind::Start:
    case StopReason::Kind::Step: break;
  }
  return "S05";
}

GdbServer::Action GdbServer::halted(const StopReason& why) {
  last_stop_ = why;
  if (client_ < 0) return Action::Continue;
  if (why.kind != StopReason::Kind::Start) send(stop_reply(why));
  std::string packet;
  while (receive(packet)) {
    if (packet == "\x03") continue;  // already halted
    Action action = Action::Continue;
    bool resume = false;
    const std::string reply = handle(packet, action, resume);
    if (resume) {
      if (action == Action::Detach) {
        send("OK");
        close_client();
      }
      return action;
    }
    send(reply);
  }
  return Action::Detach;  // the connection is gone: run on
}

bool GdbServer::interrupt_requested() {
  if (client_ < 0) return false;
  char buffer[256];
  const auto got = ::recv(client_, buffer, sizeof buffer, MSG_DONTWAIT);
  if (got == 0) {
    close_client();
    return false;
  }
  if (got > 0) pending_.append(buffer, static_cast<std::size_t>(got));
  const auto interrupt = pending_.find('\x03');
  if (interrupt == std::string::npos) return false;
  pending_.erase(0, interrupt + 1);
  return true;
}

void GdbServer::exited(int code) {
  send(fmt::format("W{:02x}", static_cast<unsigned>(code) & 0xFF));
  close_client();
}

void GdbServer::failed() {
  send("X0f");  // terminated (SIGTERM): the run could not finish
  close_client();
}

std::string GdbServer::read_memory(const std::string& args) {
  std::uint64_t address = 0, length = 0;
  std::size_t end = 0;
  if (!parse_range(args, address, length, end) || end != args.size()) return "E01";
  std::vector<std::uint8_t> data(length);
  if (length > 0 && !target_.debug_read(static_cast<std::uint32_t>(address), data.data(),
                                        static_cast<std::uint32_t>(length)))
    return "E14";  // EFAULT
  std::string out;
  for (const auto b : data) out += fmt::format("{:02x}", b);
  return out;
}

std::string GdbServer::write_memory(const std::string& args) {
  std::uint64_t address = 0, length = 0;
  std::size_t end = 0;
  if (!parse_range(args, address, length, end) || end >= args.size() || args[end] != ':' ||
      args.size() - end - 1 != 2 * length)
    return "E01";
  std::vector<std::uint8_t> data(length);
  for (std::size_t i = 0; i < length; ++i) {
    std::uint64_t b = 0;
    if (!parse_hex(args, end + 1 + 2 * i, end + 3 + 2 * i, b)) return "E01";
    data[i] = static_cast<std::uint8_t>(b);
  }
  if (length > 0 && !target_.debug_write(static_cast<std::uint32_t>(address), data.data(),
                                         static_cast<std::uint32_t>(length)))
    return "E14";
  return "OK";
}

std::string GdbServer::breakpoint(const std::string& args, bool insert) {
  // "type,addr,kind": type 0/1 breakpoint, 2 write, 3 read, 4 access watchpoint.
  if (args.size() < 3 || args[1] != ',') return "E01";
  const char type = args[0];
  std::uint64_t address = 0, kind = 0;
  std::size_t end = 0;
  if (!parse_range(args.substr(2), address, kind, end)) return "E01";
  const auto at = static_cast<std::uint32_t>(address);
  if (type == '0' || type == '1') {
    if (insert)
      breakpoints_.insert(at);
    else
      breakpoints_.erase(at);
    return "OK";
  }
  if (type < '2' || type > '4' || kind == 0) return "";  // unsupported: GDB falls back
  const Watchpoint w{at, static_cast<std::uint32_t>(kind), static_cast<Watch>(type - '0')};
  auto same = [&w](const Watchpoint& o) {
    return o.address == w.address && o.length == w.length && o.kind == w.kind;
  };
  if (insert) {
    if (std::none_of(watchpoints_.begin(), watchpoints_.end(), same)) watchpoints_.push_back(w);
  } else {
    watchpoints_.erase(std::remove_if(watchpoints_.begin(), watchpoints_.end(), same),
                       watchpoints_.end());
  }
  return "OK";
}

std::string GdbServer::handle(const std::string& packet, Action& action, bool& resume) {
  if (packet.empty()) return "";
  const char command = packet[0];
  const std::string args = packet.substr(1);
  switch (command) {
    case '?': return stop_reply(last_stop_);
    case 'g': {
      std::string out;
      for (unsigned r = 0; r < kRegisters; ++r) out += hex_le32(target_.debug_register(r));
      return out;
    }
    case 'G': {
      if (args.size() < std::size_t{8} * kRegisters) return "E01";
      for (unsigned r = 0; r < kRegisters; ++r) {
        std::uint32_t v = 0;
        if (!parse_le32(args, std::size_t{8} * r, v)) return "E01";
        target_.set_debug_register(r, v);
      }
      return "OK";
    }
    case 'p': {
      std::uint64_t r = 0;
      if (!parse_hex(args, 0, args.size(), r)) return "E01";
      if (r >= kRegisters) return "E45";  // not a register of this target
      return hex_le32(target_.debug_register(static_cast<unsigned>(r)));
    }
    case 'P': {
      const auto eq = args.find('=');
      std::uint64_t r = 0;
      std::uint32_t v = 0;
      if (eq == std::string::npos || !parse_hex(args, 0, eq, r) || !parse_le32(args, eq + 1, v))
        return "E01";
      if (r >= kRegisters) return "E45";
      target_.set_debug_register(static_cast<unsigned>(r), v);
      return "OK";
    }
    case 'm': return read_memory(args);
    case 'M': return write_memory(args);
    case 'Z': return breakpoint(args, true);
    case 'z': return breakpoint(args, false);
    case 'c':
    case 's': {
      if (!args.empty()) {  // resume at an address
        std::uint64_t pc = 0;
        if (!parse_hex(args, 0, args.size(), pc) || pc > 0xFFFFFFFFULL) return "E01";
        target_.set_debug_register(32, static_cast<std::uint32_t>(pc));
      }
      action = command == 'c' ? Action::Continue : Action::Step;
      resume = true;
      return "";
    }
    case 'D':
      action = Action::Detach;
      resume = true;
      return "";
    case 'k':
      action = Action::Kill;
      resume = true;
      return "";
    case 'H':  // one thread: any selection is it
    case 'T':  // thread 1 is alive
      return "OK";
    case 'q':
      if (packet.rfind("qSupported", 0) == 0)
        return fmt::format("PacketSize={:x};qXfer:features:read+;swbreak+", kMaxPacket);
      if (packet == "qAttached") return "1";
      if (packet == "qC") return "QC1";
      if (packet == "qfThreadInfo") return "m1";
      if (packet == "qsThreadInfo") return "l";
      if (packet.rfind("qXfer:features:read:target.xml:", 0) == 0) {
        const std::string range = packet.substr(std::strlen("qXfer:features:read:target.xml:"));
        std::uint64_t offset = 0, length = 0;
        std::size_t end = 0;
        if (!parse_range(range, offset, length, end)) return "E01";
        const std::string xml = target_xml();
        if (offset >= xml.size()) return "l";
        const std::string chunk = xml.substr(offset, length);
        return (offset + chunk.size() >= xml.size() ? "l" : "m") + chunk;
      }
      return "";
    default: return "";  // not supported: GDB uses what it has
  }
}

}  // namespace vp::rv32
