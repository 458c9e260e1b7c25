#include "platform/output_files.h"

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "platform/error.h"
#include "platform/utf8.h"

namespace vp {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxComponentBytes = 255;  // NAME_MAX of Linux file systems

/// `path` with every existing symbolic link followed; empty when it cannot be resolved.
fs::path resolved(const fs::path& path) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? fs::path() : out;
}

bool inside(const fs::path& path, const fs::path& folder) {
  auto p = path.begin();
  for (auto f = folder.begin(); f != folder.end(); ++f, ++p) {
    if (f->empty()) continue;  // a trailing separator
    if (p == path.end() || *p != *f) return false;
  }
  return true;
}

}  // namespace

OutputFiles::OutputFiles(std::string out_dir) : out_dir_(std::move(out_dir)) {}

std::string OutputFiles::claim(const std::string& key, const std::string& name,
                               std::function<void(const std::string& path)> open) {
  auto reject = [&](const std::string& why) {
    throw ConfigError(
        fmt::format("{}: '{}' {} (output files are named relative to --out '{}', "
                    "inside it)",
                    key, valid_utf8(name) ? name : "<not UTF-8>", why, out_dir_));
  };
  if (opened_) throw std::logic_error("OutputFiles::claim after open_all");
  if (name.empty()) reject("is empty");
  if (!valid_utf8(name)) reject("is not valid UTF-8");
  const fs::path given(name);
  if (given.has_root_directory() || given.has_root_name())
    reject("is an absolute path; absolute paths are not allowed");
  for (const auto& part : given)
    if (part.native().size() > kMaxComponentBytes)
      reject(fmt::format("has a path component of {} bytes (at most {})", part.native().size(),
                         kMaxComponentBytes));
  const fs::path normal = given.lexically_normal();
  if (normal.empty() || normal == "." || *normal.begin() == ".." || !normal.has_filename())
    reject("does not name a file inside --out ('..' may not leave it)");
  const fs::path path = fs::path(out_dir_) / normal;
  const fs::path real_out = resolved(out_dir_);
  const fs::path real_path = resolved(path);
  if (real_out.empty() || real_path.empty() || !inside(real_path, real_out))
    reject("leads outside --out through a symbolic link");
  std::error_code ec;
  if (fs::is_directory(path, ec)) reject("is a folder");
  for (const auto& other : claims_)
    if (other.normal == normal.string())
      reject(fmt::format("is also the output of {}; two outputs may not share a file", other.key));
  claims_.push_back({key, path.string(), normal.string(), std::move(open)});
  return path.string();
}

void OutputFiles::open_all() {
  if (opened_) return;
  std::error_code ec;
  fs::create_directories(out_dir_, ec);
  if (ec || !fs::is_directory(out_dir_))
    throw ConfigError(fmt::format("--out '{}': cannot create the folder: {}", out_dir_,
                                  ec ? ec.message() : "a file of that name exists"));
  if (::access(out_dir_.c_str(), W_OK | X_OK) != 0)
    throw ConfigError(fmt::format("--out '{}': the folder is not writable", out_dir_));
  for (const auto& c : claims_) {
    const fs::path parent = fs::path(c.path).parent_path();
    fs::create_directories(parent, ec);
    if (ec)
      throw ConfigError(fmt::format("{}: cannot create the folder '{}': {}", c.key, parent.string(),
                                    ec.message()));
    fs::remove(c.path, ec);
    if (ec)
      throw ConfigError(fmt::format("{}: cannot replace '{}': {}", c.key, c.path, ec.message()));
  }
  opened_ = true;
  for (const auto& c : claims_)
    if (c.open) c.open(c.path);
}

}  // namespace vp
