// core/src/cpu/gemm_amx.cpp: the amx level's GEMM (cpu_level.hpp): bfloat16 products on AMX
// tiles (TDPBF16PS), everything else as at the avx512 level. Compiled only for that level, in
// namespace isa_amx (gemm_driver.hpp), with -mamx-tile -mamx-bf16.
//
// One tile multiply C(16 x 16, float) += A(16 x 32, bfloat16) * B(32 x 16, bfloat16) is 8,192
// multiply-adds; vdpbf16ps does 32. A thread's rectangle of C is computed in blocks of 32 x 32
// (four C tiles, two A tiles, two B tiles: the eight tile registers), with all of K summed in
// the tiles (float), so that:
//   - each element of C is the same sequence of tile operations whatever the thread count or
//     its place in a share (results are bit-identical from 1 thread to many, as gemm.cpp
//     promises), and C is rounded once, at the end (no float workspace for a bfloat16 C);
//   - the epilogue is the other levels': C = alpha * S + beta * C (beta == 0 never reads C).
// Operands are packed once per share (B, all of its columns and K) and once per 32-row block
// (A), in the tile layouts below, zero-padded to whole tiles (K to a multiple of 32).
// Numerics: TDPBF16PS multiplies bfloat16 pairs exactly and adds them into float with
// round-to-nearest-even, treating subnormal inputs and results as zero (as vdpbf16ps at the
// avx512_bf16 level; below 1.2e-38, far under any value bfloat16 training produces). The sums
// are in another order than the float kernels' (a pair at a time), so results differ from the
// lower levels' in the last bits, as those differ from each other.
// The OS must let the process use the tile state (arch_prctl ARCH_REQ_XCOMP_PERM): the level is
// chosen only where that request succeeded (cpu_level.cpp).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "gemm_driver.hpp"
#include "intrinsics.hpp"

namespace mantissa::cpu::gemm_detail::MANTISSA_ISA {
namespace {

using std::int64_t;
using std::uint16_t;

constexpr int64_t kRows = 16;  // rows of every tile; columns of a C tile
constexpr int64_t kK = 32;     // bfloat16 values of K per A tile row (64 bytes)
constexpr int64_t kBlock = 32;  // a block of C: 2 x 2 tiles

constexpr int64_t round_up(int64_t a, int64_t b) {
  return (a + b - 1) / b * b;
}

// ---- tiles -----------------------------------------------------------------------------------

// The LDTILECFG operand (palette 1): tiles 0-3 hold C, 4-5 A, 6-7 B, each 16 rows x 64 bytes.
struct alignas(64) TileConfig {
  std::uint8_t palette = 1;
  std::uint8_t start_row = 0;
  std::uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};
};

// Tile registers are per thread: each share configures them, and releases them at the end (a
// thread holding tile state saves 8 KiB more on every context switch).
class Tiles {
 public:
  Tiles() {
    TileConfig cfg;
    for (int t = 0; t < 8; ++t) {
      cfg.colsb[t] = 64;
      cfg.rows[t] = static_cast<std::uint8_t>(kRows);
    }
    _tile_loadconfig(&cfg);
  }
  Tiles(const Tiles&) = delete;
  Tiles& operator=(const Tiles&) = delete;
  ~Tiles() { _tile_release(); }
};

// ---- per-thread buffers ----------------------------------------------------------------------

// Grown on demand, never shrunk, 64-byte aligned; the pool's workers live as long as the process,
// so after the first GEMM of a given size nothing is allocated.
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(data_); }

  uint16_t* get(int64_t n) {
    if (n > capacity_) {
      const auto bytes = static_cast<std::size_t>(round_up(n * 2, 64));
      void* p = std::aligned_alloc(64, bytes);
      if (p == nullptr) throw_packing_alloc(bytes);
      std::free(data_);
      data_ = static_cast<uint16_t*>(p);
      capacity_ = n;
    }
    return data_;
  }

 private:
  uint16_t* data_ = nullptr;
  int64_t capacity_ = 0;
};

struct Workspace {
  Buffer a;  // one 32-row block of A, all of K
  Buffer b;  // the share's columns of B, all of K
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

// ---- packing ---------------------------------------------------------------------------------
// A block (rows i0 .. i0 + mb of op(A), mb <= 32, all K): two panels of 16 rows; panel r holds
//   kp / 32 tiles of 16 rows x 32 values, element (i, p) at
//   pa[((r * kp / 32 + p / 32) * 16 + i % 16) * 32 + p % 32], with r = i / 16;
//   rows past mb and K past k are zero.
// B (columns j0 .. j0 + nb of op(B), all K): panels of 16 columns in pairs of K (the layout
//   TDPBF16PS reads): panel s holds kp / 2 rows of 16 pairs, element (p, j) at
//   pb[((s * kp / 2 + p / 2) * 16 + j % 16) * 2 + p % 2], with s = j / 16; nb is padded to a
//   multiple of 32 and K to kp with zeros.

// Lanes 0 .. n-1 (n <= 32) of a 16-bit load.
inline __mmask32 first32(int64_t n) {
  if (n >= 32) return ~__mmask32{0};
  if (n <= 0) return 0;
  return static_cast<__mmask32>((1u << n) - 1u);
}
inline __mmask16 first16(int64_t n) {
  if (n >= 16) return static_cast<__mmask16>(0xffffu);
  if (n <= 0) return 0;
  return static_cast<__mmask16>((1u << n) - 1u);
}

// 16 values of row r0 and of row r1 (null: zeros), lanes past m zero, as 16 pairs
// (r0[c], r1[c]) in 32-bit words.
inline __m512i interleave(const uint16_t* r0, const uint16_t* r1, __mmask16 m) {
  static const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25,
                                               9, 24, 8, 23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2,
                                               17, 1, 16, 0);
  const __m256i x0 = r0 != nullptr ? _mm256_maskz_loadu_epi16(m, r0) : _mm256_setzero_si256();
  const __m256i x1 = r1 != nullptr ? _mm256_maskz_loadu_epi16(m, r1) : _mm256_setzero_si256();
  return _mm512_permutexvar_epi16(idx, _mm512_inserti64x4(_mm512_castsi256_si512(x0), x1, 1));
}

// r[i] = column i of the 16 x 16 matrix of 32-bit words whose rows r[0..15] were.
inline void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {  // r[i + x]: rows i .. i + 3 of columns 4 L + x
    r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  for (int g = 0; g < 16; g += 8)
    for (int x = 0; x < 4; ++x) {
      t[g + x] = _mm512_shuffle_i32x4(r[g + x], r[g + 4 + x], 0x88);
      t[g + 4 + x] = _mm512_shuffle_i32x4(r[g + x], r[g + 4 + x], 0xdd);
    }
  for (int x = 0; x < 8; ++x) {
    r[x] = _mm512_shuffle_i32x4(t[x], t[8 + x], 0x88);
    r[8 + x] = _mm512_shuffle_i32x4(t[x], t[8 + x], 0xdd);
  }
}

// A block, as laid out above: 32 x kp from op(A)(i0.., 0..), mb rows and k columns of it real.
void pack_a(Transpose ta, const uint16_t* a, int64_t lda, int64_t mb, int64_t k, int64_t kp,
            uint16_t* pa) {
  const int64_t tiles = kp / kK;
  for (int64_t q = 0; q < tiles; ++q)  // both panels of a K tile: their rows share lines
    for (int64_t r = 0; r < 2; ++r) {
      uint16_t* dst = pa + (r * tiles + q) * kRows * kK;
      const int64_t p0 = q * kK;
      if (ta == Transpose::no) {  // row i of op(A) is contiguous: copy 32 values a row
        const __mmask32 m = first32(k - p0);
        for (int64_t i = 0; i < kRows; ++i) {
          const int64_t row = r * kRows + i;
          const __m512i v = row < mb ? _mm512_maskz_loadu_epi16(m, a + row * lda + p0)
                                     : _mm512_setzero_si512();
          _mm512_store_si512(dst + i * kK, v);
        }
        continue;
      }
      // Column p of op(A) is contiguous: pairs of columns interleaved into 32-bit words, 16
      // pairs x 16 rows, then transposed into 16 rows of 16 pairs.
      const __mmask16 m = first16(mb - r * kRows);
      __m512i w[16];
      for (int64_t pr = 0; pr < 16; ++pr) {
        const int64_t p = p0 + 2 * pr;
        const uint16_t* base = a + r * kRows;
        w[pr] = interleave(p < k ? base + p * lda : nullptr,
                           p + 1 < k ? base + (p + 1) * lda : nullptr, m);
      }
      transpose16(w);
      for (int64_t i = 0; i < kRows; ++i) _mm512_store_si512(dst + i * kK, w[i]);
    }
}

// B, as laid out above: nbp x kp from op(B)(0.., j0..), nb columns and k rows of it real.
void pack_b(Transpose tb, const uint16_t* b, int64_t ldb, int64_t nb, int64_t k, int64_t kp,
            uint16_t* pb) {
  const int64_t nbp = round_up(nb, kBlock), pairs = kp / 2, panels = nbp / kRows;
  if (tb == Transpose::no) {  // row p of op(B) is contiguous: rows p and p + 1 interleaved
    for (int64_t pr = 0; pr < pairs; ++pr)  // along the rows, which are read once, in order
      for (int64_t s = 0; s < panels; ++s) {
        const int64_t p = 2 * pr, j0 = s * kRows;
        const __m512i v = interleave(p < k ? b + p * ldb + j0 : nullptr,
                                     p + 1 < k ? b + (p + 1) * ldb + j0 : nullptr,
                                     first16(nb - j0));
        _mm512_store_si512(pb + (s * pairs + pr) * kRows * 2, v);
      }
    return;
  }
  for (int64_t s = 0; s < panels; ++s) {
    const int64_t j0 = s * kRows;
    uint16_t* panel = pb + s * pairs * kRows * 2;
    // Column j of op(B) is contiguous, its pairs already adjacent: 16 columns x 16 pairs,
    // transposed into 16 rows of pairs.
    for (int64_t q = 0; q < kp / kK; ++q) {
      const int64_t p0 = q * kK;
      const __mmask32 m = first32(k - p0);
      __m512i w[16];
      for (int64_t c = 0; c < kRows; ++c)
        w[c] = j0 + c < nb ? _mm512_maskz_loadu_epi16(m, b + (j0 + c) * ldb + p0)
                           : _mm512_setzero_si512();
      transpose16(w);
      for (int64_t pr = 0; pr < 16; ++pr)
        _mm512_store_si512(panel + (q * 16 + pr) * kRows * 2, w[pr]);
    }
  }
}

// ---- the epilogue ----------------------------------------------------------------------------

inline __m512 load16(const float* c, __mmask16 m) {
  return _mm512_maskz_loadu_ps(m, c);
}
inline __m512 load16(const bfloat16* c, __mmask16 m) {
  const __m256i bits = _mm256_maskz_loadu_epi16(m, c);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}
inline void store16(float* c, __mmask16 m, __m512 v) {
  _mm512_mask_storeu_ps(c, m, v);
}
inline void store16(bfloat16* c, __mmask16 m, __m512 v) {
  // The integer rounding of half.hpp, as the other levels' kernels (gemm_kernel.cpp).
  const __m512i x = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
  __m512i r =
      _mm512_srli_epi32(_mm512_add_epi32(x, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  r = _mm512_mask_or_epi32(r, nan, _mm512_srli_epi32(x, 16), _mm512_set1_epi32(0x40));
  _mm256_mask_storeu_epi16(c, m, _mm512_cvtepi32_epi16(r));
}

// C(mb x nb) = alpha * S + beta * C, S a 32 x 32 block of sums (row stride 32).
template <class TC>
void write_block(const float* s, int64_t mb, int64_t nb, float alpha, float beta, TC* c,
                 int64_t ldc) {
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  for (int64_t i = 0; i < mb; ++i)
    for (int64_t j = 0; j < nb; j += kRows) {
      const int64_t w = std::min(kRows, nb - j);
      const auto m = static_cast<__mmask16>((1u << w) - 1u);
      __m512 r = _mm512_mul_ps(va, _mm512_loadu_ps(s + i * kBlock + j));
      if (beta != 0.0f) r = _mm512_fmadd_ps(vb, load16(c + i * ldc + j, m), r);
      store16(c + i * ldc + j, m, r);
    }
}

// ---- the loop nest ---------------------------------------------------------------------------

// transpose_c: pr is the transposed product (gemm.cpp's C^T = op(B)^T op(A)^T, with pr.c and
// pr.ldc still C's): a block is written to C transposed.
template <class TC>
void run_rectangle(const Problem<bfloat16, TC>& pr, int64_t m0, int64_t m1, int64_t n0,
                   int64_t n1, bool transpose_c) {
  const int64_t k = pr.k, kp = round_up(k, kK), tiles = kp / kK;
  const int64_t nb = n1 - n0, nbp = round_up(nb, kBlock);
  Workspace& ws = workspace();
  uint16_t* pa = ws.a.get(2 * kRows * kp);
  uint16_t* pb = ws.b.get(nbp * kp);
  const auto* a = reinterpret_cast<const uint16_t*>(pr.a);
  const auto* b = reinterpret_cast<const uint16_t*>(pr.b);
  pack_b(pr.tb, pr.tb == Transpose::no ? b + n0 : b + n0 * pr.ldb, pr.ldb, nb, k, kp, pb);

  alignas(64) float sums[kBlock * kBlock];
  const Tiles tile_state;
  for (int64_t i0 = m0; i0 < m1; i0 += kBlock) {
    const int64_t mb = std::min(kBlock, m1 - i0);
    // A as stored, when its rows are whole tiles: tile q of panel r at row 16 r, column 32 q.
    const bool direct = pr.ta == Transpose::no && mb == kBlock && k == kp;
    const uint16_t* a0 = pa;
    const uint16_t* a1 = pa + tiles * kRows * kK;
    int64_t stride = kK * 2, step = kRows * kK;
    if (direct) {
      a0 = a + i0 * pr.lda;
      a1 = a0 + kRows * pr.lda;
      stride = pr.lda * 2;
      step = kK;
    } else {
      pack_a(pr.ta, pr.ta == Transpose::no ? a + i0 * pr.lda : a + i0, pr.lda, mb, k, kp, pa);
    }
    for (int64_t j0 = 0; j0 < nb; j0 += kBlock) {
      const uint16_t* b0 = pb + j0 * kp;  // panel j0 / 16: kp / 2 rows of 16 pairs
      const uint16_t* b1 = b0 + kRows * kp;
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      // A's next block (read in place) is fetched into the cache while this one is
      // multiplied: its rows are 32 separate streams the hardware prefetcher does not follow.
      const int64_t ahead = direct && j0 == 0 ? std::min(kBlock, m1 - i0 - kBlock) : 0;
      for (int64_t q = 0; q < tiles; ++q) {
        for (int64_t r = 0; r < ahead; ++r)
          _mm_prefetch(reinterpret_cast<const char*>(a0 + (kBlock + r) * pr.lda + q * kK),
                       _MM_HINT_T0);
        _tile_loadd(4, a0 + q * step, stride);
        _tile_loadd(5, a1 + q * step, stride);
        _tile_loadd(6, b0 + q * kRows * kK, 64);  // 16 rows of 16 pairs: 1 KiB
        _tile_loadd(7, b1 + q * kRows * kK, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
      }
      _tile_stored(0, sums, kBlock * 4);
      _tile_stored(1, sums + kRows, kBlock * 4);
      _tile_stored(2, sums + kRows * kBlock, kBlock * 4);
      _tile_stored(3, sums + kRows * kBlock + kRows, kBlock * 4);
      const int64_t nbj = std::min(kBlock, nb - j0);
      if (!transpose_c) {
        write_block(sums, mb, nbj, pr.alpha, pr.beta, pr.c + i0 * pr.ldc + n0 + j0, pr.ldc);
        continue;
      }
      alignas(64) float sums_t[kBlock * kBlock];
      for (int64_t i = 0; i < kBlock; ++i)
        for (int64_t j = 0; j < kBlock; ++j) sums_t[j * kBlock + i] = sums[i * kBlock + j];
      write_block(sums_t, nbj, mb, pr.alpha, pr.beta, pr.c + (n0 + j0) * pr.ldc + i0, pr.ldc);
    }
  }
}

// Thread t's rectangle of an m x n product in grid g (gemm.cpp chose g for the avx512 tile,
// 6 x 64; cut here on 32 x 32 blocks instead, so that only the last block of each direction is
// partial).
struct Rectangle {
  int64_t r0, r1, c0, c1;
};
Rectangle share_of(int64_t m, int64_t n, Grid g, int t) {
  const int64_t mt = (m + kBlock - 1) / kBlock, nt = (n + kBlock - 1) / kBlock;
  const int ti = t / g.tn, tj = t % g.tn;
  return {std::min(m, mt * ti / g.tm * kBlock), std::min(m, mt * (ti + 1) / g.tm * kBlock),
          std::min(n, nt * tj / g.tn * kBlock), std::min(n, nt * (tj + 1) / g.tn * kBlock)};
}

// Products too thin for tiles (K under one tile's 32, or C under one 32 x 32 block in either
// direction, where padding would multiply the work) run as at the avx512 level.
// With A stored K-major (ta == yes), its tiles need a transpose while packing, and B's too
// unless tb == no. The transposed product C^T = op(B)^T op(A)^T reads B as A and A as B, with
// A's K-major storage now the easy one (pairs of rows interleaved): it is taken when that
// transposes less, i.e. when B is stored (n, k) (no transpose at all) or n < m (the weight
// gradient dW (K, F) = cols^T dy: dy's F = 64 columns transposed instead of cols' 288).
// Both choices depend on the shape alone, so every thread count takes the same path.
template <class TC>
void run_share(const Problem<bfloat16, TC>& pr, int64_t m, int64_t n, Grid g, int t) {
  if (pr.k < kK || m < kBlock || n < kBlock)
    return isa_avx512::gemm_isa().share<bfloat16, TC>()(pr, m, n, g, t);
  if (pr.ta == Transpose::no || (pr.tb == Transpose::no && n >= m)) {
    const Rectangle r = share_of(m, n, g, t);
    if (r.r0 < r.r1 && r.c0 < r.c1) run_rectangle(pr, r.r0, r.r1, r.c0, r.c1, false);
    return;
  }
  Problem<bfloat16, TC> sw = pr;
  sw.ta = pr.tb == Transpose::no ? Transpose::yes : Transpose::no;
  sw.tb = Transpose::no;
  sw.a = pr.b;
  sw.lda = pr.ldb;
  sw.b = pr.a;
  sw.ldb = pr.lda;
  // Thread t's rectangle of C^T in the transposed grid: each t still gets one of its own.
  const Rectangle r = share_of(n, m, Grid{g.tn, g.tm}, t);
  if (r.r0 < r.r1 && r.c0 < r.c1) run_rectangle(sw, r.r0, r.r1, r.c0, r.c1, true);
}

}  // namespace

const GemmIsa& gemm_isa() noexcept {
  static const GemmIsa isa = [] {
    GemmIsa g = isa_avx512::gemm_isa();
    g.bf16 = &run_share<bfloat16>;
    g.bf16_f32 = &run_share<float>;
    return g;
  }();
  return isa;
}

}  // namespace mantissa::cpu::gemm_detail::MANTISSA_ISA
