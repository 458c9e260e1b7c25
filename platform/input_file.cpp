#include "platform/input_file.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp {
namespace fs = std::filesystem;

std::string read_input_file(const std::string& path, const std::string& what,
                            std::uint64_t max_bytes) {
  const std::string where =
      what.empty() ? fmt::format("'{}'", path) : fmt::format("{} '{}'", what, path);
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw InputError(fmt::format("{}: no such file", where));
  if (fs::is_directory(status)) throw InputError(fmt::format("{} is a folder, not a file", where));
  if (!fs::is_regular_file(status))
    throw InputError(
        fmt::format("{} is not a regular file (devices and pipes are not read)", where));
  const auto size = fs::file_size(path, ec);
  if (ec) throw InputError(fmt::format("{}: cannot read the file: {}", where, ec.message()));
  if (size > max_bytes)
    throw InputError(
        fmt::format("{}: {} bytes is larger than the {} bytes allowed", where, size, max_bytes));
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(text.size())))
    throw InputError(fmt::format("{}: cannot read the file", where));
  return text;
}

}  // namespace vp
