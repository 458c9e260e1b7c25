// An array of zero bytes whose pages the OS provides only when first touched.
//
// Contract:
// - ZeroedBuffer<T>(n) holds n elements, every byte zero; T must be trivially copyable and
//   trivially destructible, so all-zero bytes are a valid T. Memory comes from calloc, which
//   for large sizes maps fresh zero pages without writing them: a 16 MiB RAM or a 48 MiB
//   decoded-instruction cache costs nothing until used, and only the pages used count.
// - clear() makes every element zero again, reset(n) makes the buffer n zero elements; the old
//   storage stays alive, unchanged, until the next clear()/reset() or the destructor, so a
//   reference into it taken before (an instruction being executed) may still be read.
// - Allocation failure throws std::bad_alloc. Not copyable; movable.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace vp {

template <typename T>
class ZeroedBuffer {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "ZeroedBuffer holds only types for which all-zero bytes are a value");

 public:
  ZeroedBuffer() = default;
  explicit ZeroedBuffer(std::size_t size) : data_(allocate(size)), size_(size) {}

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] T* data() { return data_.get(); }
  [[nodiscard]] const T* data() const { return data_.get(); }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

  /// Every element zero again, without touching the pages (fresh storage).
  void clear() { reset(size_); }
  /// `size` zero elements in fresh storage.
  void reset(std::size_t size) {
    Storage fresh = allocate(size);  // may throw: nothing changes then
    retired_ = std::move(data_);
    data_ = std::move(fresh);
    size_ = size;
  }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  using Storage = std::unique_ptr<T[], Free>;

  static Storage allocate(std::size_t size) {
    if (size == 0) return nullptr;
    void* p = std::calloc(size, sizeof(T));  // calloc is what leaves the pages untouched
    if (p == nullptr) throw std::bad_alloc();
    return Storage(static_cast<T*>(p));
  }

  Storage data_;
  Storage retired_;  ///< the storage before the last clear()/reset(), for readers still in it
  std::size_t size_ = 0;
};

}  // namespace vp
