// Host stand-ins for the firmware support library functions the runtime calls.
#include "tests/unit/runtime/runtime_host.h"

extern "C" void vp_exit(int code) { throw test::FirmwareExit(code); }
