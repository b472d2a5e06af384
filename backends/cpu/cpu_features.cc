#include "backends/cpu/cpu_features.h"

#include <cpuinfo.h>

#include <cstdlib>

namespace sprig::cpu {
namespace {

CpuFeatures read_features() {
  CpuFeatures features;
  if (!cpuinfo_initialize()) return features;
#if defined(__x86_64__) || defined(__i386__)
  features.avx2_fma = cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3() && cpuinfo_has_x86_f16c();
  features.avx512_vnni =
      features.avx2_fma && cpuinfo_has_x86_avx512vnni() && cpuinfo_has_x86_avx512vl();
#elif defined(__aarch64__)
  features.neon = true;
  features.neon_fma = true;
  features.neon_dotprod = cpuinfo_has_arm_neon_dot();
#elif defined(__arm__)
  features.neon = cpuinfo_has_arm_neon();
  features.neon_fma = cpuinfo_has_arm_neon_fma();
  features.neon_dotprod = cpuinfo_has_arm_neon_dot();
#endif
  return features;
}

bool env_flag(const char* name) {
  const char* value = std::getenv(name);
  return value && *value && *value != '0';
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = read_features();
  return features;
}

CpuFeatures effective_cpu_features() {
  CpuFeatures features = cpu_features();
  if (env_flag("SPRIG_CPU_NO_AVX512")) features.avx512_vnni = false;
  if (env_flag("SPRIG_CPU_SCALAR")) {
    features.avx2_fma = false;
    features.avx512_vnni = false;
    features.neon = false;
    features.neon_fma = false;
    features.neon_dotprod = false;
  }
  return features;
}

}  // namespace sprig::cpu
