#include "models/periph/clint.h"

namespace vp {

const RegisterTable& Clint::registers() {
  static const RegisterTable table{
      "periph.clint",
      "CLINT",
      "Core-local interruptor: mtime, mtimecmp, msip (SiFive CLINT layout).",
      0x10000,
      {
          {"MSIP", 0x0000, 0, RegAccess::ReadWrite, "Bit 0: machine software interrupt pending."},
          {"MTIMECMP_LO", 0x4000, 0xFFFFFFFF, RegAccess::ReadWrite, "Timer compare, bits 31:0."},
          {"MTIMECMP_HI", 0x4004, 0xFFFFFFFF, RegAccess::ReadWrite, "Timer compare, bits 63:32."},
          {"MTIME_LO", 0xBFF8, 0, RegAccess::ReadWrite, "Timer, bits 31:0 (ticks of tick_ns)."},
          {"MTIME_HI", 0xBFFC, 0, RegAccess::ReadWrite, "Timer, bits 63:32."},
      }};
  return table;
}

void Clint::register_type(ModuleRegistry& registry) {
  add_module_type<Clint>(registry, "periph.clint", registers().summary);
}

Clint::Clint(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context)
    : RegisterDevice(name, registers(), config),
      tick_(static_cast<double>(config.get_u64("tick_ns", 10, 1, 1000000000)), sc_core::SC_NS) {
  ports_.irq_outputs["mtip"] = &mtip;
  ports_.irq_outputs["msip"] = &msip;
  on_read("MTIME_LO", [this] { return static_cast<std::uint32_t>(mtime_at(access_time())); });
  on_read("MTIME_HI", [this] { return static_cast<std::uint32_t>(mtime_at(access_time()) >> 32); });
  on_write("MTIME_LO",
           [this](std::uint32_t v) { set_mtime((mtime_at(access_time()) & ~0xFFFFFFFFULL) | v); });
  on_write("MTIME_HI", [this](std::uint32_t v) {
    set_mtime((mtime_at(access_time()) & 0xFFFFFFFFULL) | (std::uint64_t{v} << 32));
  });
  on_write("MTIMECMP_LO", [this](std::uint32_t) { reschedule(); });
  on_write("MTIMECMP_HI", [this](std::uint32_t) { reschedule(); });
  on_write("MSIP", [this](std::uint32_t v) {
    store("MSIP", v & 1);
    msip.set((v & 1) != 0);
  });

  sc_core::sc_spawn_options options;
  options.spawn_method();
  options.dont_initialize();
  options.set_sensitivity(&crossing_);
  sc_core::sc_spawn([this] { update_timer(); }, "timer", &options);

  context.stats.add_counter(std::string(basename()) + ".timer_interrupts", "events",
                            "rising edges of mtip", interrupts_);
}

std::uint64_t Clint::mtime_at(const sc_core::sc_time& t) const {
  return mtime_base_ + (t - epoch_).value() / tick_.value();
}

void Clint::set_mtime(std::uint64_t value) {
  mtime_base_ = value;
  epoch_ = access_time();
  reschedule();
}

std::uint64_t Clint::mtimecmp() const {
  return (std::uint64_t{stored("MTIMECMP_HI")} << 32) | stored("MTIMECMP_LO");
}

void Clint::reschedule() {
  // Called from an access at access_time(), which may be ahead of the kernel's time.
  crossing_.cancel();
  const auto& now = sc_core::sc_time_stamp();
  const auto at = access_time();
  const auto cmp = mtimecmp();
  const auto current = mtime_at(at);
  sc_core::sc_time when;
  if (current >= cmp) {
    when = at;
  } else {
    const std::uint64_t ticks = cmp - mtime_base_;
    // Guard the multiplication: a compare far in the future never fires within sc_time's range.
    if (ticks > (~0ULL - epoch_.value()) / tick_.value()) {
      update_timer();
      return;
    }
    when = epoch_ + sc_core::sc_time::from_value(ticks * tick_.value());
  }
  if (when > now) {
    mtip.set(false);
    crossing_.notify(when - now);
  } else {
    update_timer();
  }
}

void Clint::update_timer() {
  const bool pending =
      mtime_at(sc_core::sc_time_stamp() > access_time() ? sc_core::sc_time_stamp()
                                                        : access_time()) >= mtimecmp();
  if (pending && !mtip.level()) ++interrupts_;
  mtip.set(pending);
}

}  // namespace vp
