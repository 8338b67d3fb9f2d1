/* libFuzzer harness for MurmurHash3_x64_128, pnlu_hash_batch and pnlu_level_hash_batch.
 *
 * Input layout (tools/fuzz_seeds.py writes seeds in it):
 *   uint32 LE seed, uint8 mode, uint8 count, then count bytes, then the key bytes.
 *   mode & 1: the count bytes are key lengths (offsets are their running sums);
 *   otherwise they are raw offsets (offsets[count] = key bytes length - (mode >> 1)), so
 *   nondecreasing, decreasing and out-of-range offsets all occur.
 * pnlu_hash_batch must refuse inconsistent offsets (PNLU_E_ARGUMENT) without reading them
 * out of bounds, and otherwise agree key by key with an independent byte-wise implementation
 * of the reference hash. The keys' level hashes (FORMAT.md: g_0 = h1, g_i = fmix64(h1 + i * h2))
 * must agree with the same formula written here, at the level the seed picks; a level past the
 * last is refused. The whole input is also hashed from a misaligned copy.
 *
 * Build and run: deploy/fuzz.sh. Reproduce one input: ./fuzz_hash FILE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pnlu.h"

/* Reference MurmurHash3_x64_128, written independently of murmur3.c: bytes assembled one
 * by one, tail handled by a loop. */
static uint64_t rotl(uint64_t x, unsigned r) { return (x << r) | (x >> (64 - r)); }
static uint64_t fmix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}
static uint64_t le64(const uint8_t *p, size_t n) {
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}
static void reference(const uint8_t *p, size_t len, uint32_t seed, uint64_t out[2]) {
    const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
    uint64_t h1 = seed, h2 = seed, k1, k2;
    size_t i, blocks = len / 16, rest = len % 16;
    for (i = 0; i < blocks; i++) {
        k1 = le64(p + 16 * i, 8) * c1;
        h1 ^= rotl(k1, 31) * c2;
        h1 = (rotl(h1, 27) + h2) * 5 + 0x52dce729;
        k2 = le64(p + 16 * i + 8, 8) * c2;
        h2 ^= rotl(k2, 33) * c1;
        h2 = (rotl(h2, 31) + h1) * 5 + 0x38495ab5;
    }
    p += 16 * blocks;
    if (rest > 8) h2 ^= rotl(le64(p + 8, rest - 8) * c2, 33) * c1;
    if (rest > 0) h1 ^= rotl(le64(p, rest < 8 ? rest : 8) * c1, 31) * c2;
    h1 ^= len;
    h2 ^= len;
    h1 += h2;
    h2 += h1;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 += h2;
    h2 += h1;
    out[0] = h1;
    out[1] = h2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t got[2], want[2];
    uint8_t *copy = xmalloc(size + 1), *keys;
    uint32_t seed = 0, *offsets;
    uint64_t *out, *level_hashes;
    size_t n = 0, i, keys_len, head;
    uint32_t level;
    unsigned mode = 0;
    int expected = PNLU_OK, status;

    memcpy(copy + 1, data, size);
    if (size >= 4) seed = (uint32_t)le64(data, 4);
    level = seed % PNLU_MAX_LEVELS;
    pnlu_murmur3_x64_128(copy + 1, size, seed, got);
    reference(data, size, seed, want);
    CHECK(got[0] == want[0] && got[1] == want[1]);
    free(copy);
    /* No key at all: NULL with length 0 hashes as the empty key. */
    pnlu_murmur3_x64_128(NULL, 0, seed, got);
    reference((const uint8_t *)"", 0, seed, want);
    CHECK(got[0] == want[0] && got[1] == want[1]);

    if (size >= 6) {
        mode = data[4];
        n = data[5] % 33;
    }
    head = size >= 6 ? 6 + n : size;
    if (head > size) head = size;
    keys_len = size - head;
    keys = xmalloc(keys_len);
    if (keys_len) memcpy(keys, data + head, keys_len);
    offsets = xmalloc((n + 1) * sizeof *offsets);
    out = xmalloc(2 * n * sizeof *out);
    if (mode & 1) {
        offsets[0] = 0;
        for (i = 0; i < n; i++) offsets[i + 1] = offsets[i] + (6 + i < size ? data[6 + i] : 0);
    } else {
        for (i = 0; i < n; i++) offsets[i] = 6 + i < size ? data[6 + i] : 0;
        offsets[n] = (uint32_t)keys_len - (mode >> 1); /* may wrap to a huge offset */
    }
    for (i = 0; i < n; i++)
        if (offsets[i] > offsets[i + 1]) expected = PNLU_E_ARGUMENT;
    if (offsets[n] > keys_len) expected = PNLU_E_ARGUMENT;

    status = pnlu_hash_batch(keys_len ? keys : NULL, keys_len, offsets, n, seed, n ? out : NULL);
    CHECK(status == expected);
    if (status == PNLU_OK) {
        for (i = 0; i < n; i++) {
            reference(keys + offsets[i], offsets[i + 1] - offsets[i], seed, want);
            CHECK(out[2 * i] == want[0] && out[2 * i + 1] == want[1]);
        }
        level_hashes = xmalloc(n * sizeof *level_hashes);
        CHECK(pnlu_level_hash_batch(n ? out : NULL, n, level, n ? level_hashes : NULL) == PNLU_OK);
        for (i = 0; i < n; i++)
            CHECK(level_hashes[i] == (level ? fmix(out[2 * i] + level * out[2 * i + 1]) : out[2 * i]));
        CHECK(pnlu_level_hash_batch(out, n, PNLU_MAX_LEVELS, level_hashes) == PNLU_E_ARGUMENT);
        free(level_hashes);
    }
    CHECK(pnlu_hash_batch(keys, keys_len, NULL, n, seed, out) == PNLU_E_ARGUMENT);
    free(keys);
    free(offsets);
    free(out);
    return 0;
}
