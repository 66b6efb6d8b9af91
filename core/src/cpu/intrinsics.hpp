// core/src/cpu/intrinsics.hpp (internal): the x86 intrinsics (<immintrin.h>) and CPUID
// (<cpuid.h>) headers, for the CPU kernels and the benchmarks that use them. On x86,
// MANTISSA_X86_INTRINSICS is 1 and both are included; elsewhere it is 0 and neither is.
//
// GCC 12's AVX-512 intrinsics start from `__m512i __Y = __Y;` (_mm512_undefined_*), which
// -Wmaybe-uninitialized reports at every use, in our kernels or inlined into Eigen's (GCC bug
// 105593, fixed in GCC 13). The warning is reported at that line of the compiler's header, so
// silencing it around the include silences it wherever the intrinsics are used, and nowhere
// else. A file that also uses Eigen includes this first: Eigen's own #include <immintrin.h>
// then finds the header already read.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <cpuid.h>
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#define MANTISSA_X86_INTRINSICS 1
#else
#define MANTISSA_X86_INTRINSICS 0
#endif
