#include "platform/utf8.h"

#include <nlohmann/json.hpp>

namespace vp {

bool valid_utf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();  // the strict serializer rejects ill-formed UTF-8
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

}  // namespace vp
