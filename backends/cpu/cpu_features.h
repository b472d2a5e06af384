// What the CPU this process runs on can do, read once from libcpuinfo.
#pragma once

namespace sprig::cpu {

struct CpuFeatures {
  bool avx2_fma = false;   // x86-64: AVX2, FMA3 and F16C (every AVX2 CPU has F16C)
  bool avx512_vnni = false;  // x86-64: AVX512-VNNI with AVX512VL (VNNI on 256-bit vectors)
  bool neon = false;       // Arm: Advanced SIMD (always on aarch64)
  bool neon_fma = false;   // Arm: VFPv4 fused multiply-add in NEON (always on aarch64)
  bool neon_dotprod = false;
};

// The features of this machine; cpuinfo is initialized on the first call (thread-safe). When
// cpuinfo cannot read the machine, every feature is false.
const CpuFeatures& cpu_features();

// A copy of cpu_features() with the SIMD features cleared when the environment variable
// SPRIG_CPU_SCALAR is set, so tests and benchmarks can force the portable kernels, and AVX-512 ones
// cleared when SPRIG_CPU_NO_AVX512 is set (AVX2 as on CPUs without them).
CpuFeatures effective_cpu_features();

}  // namespace sprig::cpu
