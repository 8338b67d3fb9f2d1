/* Private helpers: explicit little-endian loads through memcpy (no unaligned wide loads,
 * which fault on armhf), MurmurHash3's finalizer, popcount, count-trailing-zeros and packed
 * bit-field reads. */
#ifndef PNLU_BITS_H
#define PNLU_BITS_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PNLU_NATIVE_LE 1
#else
#define PNLU_NATIVE_LE 0
#endif

static inline uint64_t pnlu_load_u64(const uint8_t *p) {
#if PNLU_NATIVE_LE
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
#endif
}

static inline uint32_t pnlu_load_u32(const uint8_t *p) {
#if PNLU_NATIVE_LE
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#endif
}

static inline int32_t pnlu_load_i32(const uint8_t *p) {
    uint32_t u = pnlu_load_u32(p);
    int32_t v;
    memcpy(&v, &u, sizeof v); /* two's complement reinterpretation without UB */
    return v;
}

static inline uint16_t pnlu_load_u16(const uint8_t *p) {
#if PNLU_NATIVE_LE
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    return (uint16_t)(p[0] | p[1] << 8);
#endif
}

static inline int16_t pnlu_load_i16(const uint8_t *p) {
    uint16_t u = pnlu_load_u16(p);
    int16_t v;
    memcpy(&v, &u, sizeof v); /* two's complement reinterpretation without UB */
    return v;
}

/* MurmurHash3's 64-bit finalizer: a bijection in which every input bit flips each output bit
 * with probability about 1/2. */
static inline uint64_t pnlu_fmix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static inline unsigned pnlu_popcount64(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_popcountll(x);
#else
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
#endif
}

/* x must be nonzero. */
static inline unsigned pnlu_ctz64(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctzll(x);
#else
    unsigned n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
#endif
}

/* Field of `width` (0..32) bits at bit position `pos` of an array of 64-bit LE words.
 * The caller guarantees the word after the one holding the field's last bit exists
 * (packed arrays carry one slack word). */
static inline uint32_t pnlu_read_field(const uint8_t *words, uint64_t pos, unsigned width) {
    uint64_t word = pos >> 6;
    unsigned shift = (unsigned)(pos & 63);
    uint64_t v = pnlu_load_u64(words + 8 * word) >> shift;
    if (shift + width > 64) v |= pnlu_load_u64(words + 8 * (word + 1)) << (64 - shift);
    return (uint32_t)(v & ((1ULL << width) - 1));
}

#endif
