// Session::run must never touch the heap: this executable counts every malloc/calloc/realloc and
// operator new while a flag is set, and runs real models with the flag on.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "tests/common/test_util.h"
#include "tests/common/tiny_model.h"

extern "C" void* __libc_malloc(size_t size);
extern "C" void* __libc_calloc(size_t count, size_t size);
extern "C" void* __libc_realloc(void* pointer, size_t size);
extern "C" void __libc_free(void* pointer);

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

void count() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
}
}  // namespace

extern "C" void* malloc(size_t size) {
  count();
  return __libc_malloc(size);
}
extern "C" void* calloc(size_t count_, size_t size) {
  count();
  return __libc_calloc(count_, size);
}
extern "C" void* realloc(void* pointer, size_t size) {
  count();
  return __libc_realloc(pointer, size);
}
void* operator new(size_t size) {
  count();
  if (void* p = __libc_malloc(size ? size : 1)) return p;
  std::abort();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t) noexcept { __libc_free(p); }

namespace sprig::test {
namespace {

long allocations_during_runs(Session& session, int runs) {
  g_allocations = 0;
  g_counting = true;
  bool ok = true;
  for (int i = 0; i < runs; ++i) ok = session.run().ok() && ok;
  g_counting = false;
  EXPECT_TRUE(ok);
  return g_allocations.load();
}

TEST(AllocationTest, CounterSeesAllocations) {
  g_allocations = 0;
  g_counting = true;
  void* volatile p = std::malloc(16);
  int* volatile q = new int(3);
  g_counting = false;
  std::free(p);
  delete q;
  EXPECT_EQ(g_allocations.load(), 2);
}

TEST(AllocationTest, RunDoesNotAllocateTinyModel) {
  LoadedModel loaded = load_bytes(serialize(tiny_graph()));
  ASSERT_TRUE(loaded.model);
  std::unique_ptr<Session> session = make_session(*loaded.model);
  ASSERT_TRUE(session);
  EXPECT_EQ(allocations_during_runs(*session, 5), 0);
}

TEST(AllocationTest, RunDoesNotAllocateDigitsF32AndF16) {
  for (fb::DType weights : {fb::DType::F32, fb::DType::F16}) {
    convert::ConvertOptions options;
    options.weight_dtype = weights;
    LoadedModel loaded = load_bytes(convert_onnx(source_dir() + "/models/digits/digits.onnx", options));
    ASSERT_TRUE(loaded.model);
    std::unique_ptr<Session> session = make_session(*loaded.model);
    ASSERT_TRUE(session);
    EXPECT_EQ(allocations_during_runs(*session, 5), 0) << dtype_name(weights);
  }
}

TEST(AllocationTest, RunDoesNotAllocateMobileNetV2) {
  LoadedModel loaded = load_bytes(convert_onnx(fixtures_dir() + "/mobilenet_v2.onnx"));
  ASSERT_TRUE(loaded.model);
  std::unique_ptr<Session> session = make_session(*loaded.model);
  ASSERT_TRUE(session);
  EXPECT_EQ(allocations_during_runs(*session, 1), 0);
}

}  // namespace
}  // namespace sprig::test
