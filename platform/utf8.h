// UTF-8 validity of the text a user gives (config values, file names, command-line names).
//
// Contract: valid_utf8() is true for well-formed UTF-8 only (no overlong forms, no surrogates, at
// most U+10FFFF), the form the JSON configuration and every output file need; callers turn a
// false into an error naming what was given.
#pragma once

#include <string>

namespace vp {

[[nodiscard]] bool valid_utf8(const std::string& text);

}  // namespace vp
