#include "platform/elf_image.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp {
namespace {

constexpr std::uint64_t kAddressSpace = 1ULL << 32;  // RV32 physical addresses

struct FileCloser {
  int fd;
  ~FileCloser() {
    if (fd >= 0) ::close(fd);
  }
};
struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};

}  // namespace

ElfImage read_elf(const std::string& path) {
  if (elf_version(EV_CURRENT) == EV_NONE)
    throw InputError(fmt::format("libelf initialisation failed: {}", elf_errmsg(-1)));
  FileCloser file{::open(path.c_str(), O_RDONLY)};
  if (file.fd < 0) throw InputError(fmt::format("firmware '{}': cannot open the file", path));
  struct stat info {};
  if (::fstat(file.fd, &info) != 0 || !S_ISREG(info.st_mode))
    throw InputError(fmt::format("firmware '{}': not a regular file", path));
  const auto file_size = static_cast<std::uint64_t>(info.st_size);
  std::unique_ptr<Elf, ElfCloser> elf(elf_begin(file.fd, ELF_C_READ, nullptr));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF)
    throw InputError(fmt::format("firmware '{}': not an ELF file", path));
  GElf_Ehdr header;
  if (gelf_getehdr(elf.get(), &header) == nullptr)
    throw InputError(fmt::format("firmware '{}': unreadable ELF header: {}", path, elf_errmsg(-1)));
  if (header.e_ident[EI_CLASS] != ELFCLASS32)
    throw InputError(
        fmt::format("firmware '{}': a 64-bit ELF; this platform runs RV32 (ELFCLASS32)", path));
  if (header.e_ident[EI_DATA] != ELFDATA2LSB)
    throw InputError(fmt::format("firmware '{}': big-endian ELF; RISC-V is little-endian", path));
  if (header.e_machine != EM_RISCV)
    throw InputError(fmt::format(
        "firmware '{}': ELF machine {} is not RISC-V ({}); build it with riscv64-unknown-elf-gcc "
        "-march=rv32im -mabi=ilp32",
        path, header.e_machine, EM_RISCV));
  if (header.e_type != ET_EXEC)
    throw InputError(fmt::format("firmware '{}': not an executable (ELF type {}); link it", path,
                                 header.e_type));

  ElfImage image;
  image.path = path;
  image.entry = header.e_entry;
  std::size_t count = 0;
  if (elf_getphdrnum(elf.get(), &count) != 0)
    throw InputError(fmt::format("firmware '{}': unreadable program headers", path));
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf.get(), static_cast<int>(i), &ph) == nullptr)
      throw InputError(fmt::format("firmware '{}': unreadable program header {}", path, i));
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz)
      throw InputError(
          fmt::format("firmware '{}': segment {} has more file bytes than memory", path, i));
    if (ph.p_paddr > kAddressSpace || ph.p_memsz > kAddressSpace - ph.p_paddr)
      throw InputError(fmt::format(
          "firmware '{}': segment {} [{:#x}, +{:#x}) does not fit the 32-bit address space", path,
          i, ph.p_paddr, ph.p_memsz));
    if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
      throw InputError(fmt::format(
          "firmware '{}': segment {} is truncated (its {} bytes at offset {} are beyond the "
          "file's {} bytes)",
          path, i, ph.p_filesz, ph.p_offset, file_size));
    ElfSegment segment;
    segment.address = ph.p_paddr;
    segment.memory_size = ph.p_memsz;
    segment.bytes.assign(ph.p_filesz, 0);
    if (ph.p_filesz > 0) {
      if (::pread(file.fd, segment.bytes.data(), ph.p_filesz, static_cast<off_t>(ph.p_offset)) !=
          static_cast<ssize_t>(ph.p_filesz))
        throw InputError(fmt::format("firmware '{}': segment {} is truncated", path, i));
    }
    image.segments.push_back(std::move(segment));
  }
  if (image.segments.empty())
    throw InputError(fmt::format("firmware '{}': no loadable segments", path));
  return image;
}

}  // namespace vp
