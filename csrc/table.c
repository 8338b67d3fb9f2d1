/* Weight tables: validation of the section layout, MPHF lookup with fingerprints, and
 * batched accumulation of quantized weights. Layout: FORMAT.md, "Weight table". */
#include "pnlu.h"
#include "pnlu_bits.h"
#include "pnlu_internal.h"

/* Stands in for keys == NULL (allowed when keys_len == 0): NULL + 0 is undefined in C. */
static const uint8_t NO_KEYS[1] = {0};

int pnlu_abi_version(void) { return PNLU_ABI_VERSION; }

static uint64_t words_for_bits(uint64_t bits) { return (bits + 63) / 64; }
static uint64_t round8(uint64_t bytes) { return (bytes + 7) & ~(uint64_t)7; }

static int all_zero(const uint8_t *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

int pnlu_table_init(pnlu_table *t, const uint8_t *data, size_t len) {
    uint64_t pos, n_pairs, index_bits, level_sum = 0, pair_bits;
    uint32_t i, n_keys, n_labels, n_levels, fb, lb, wb;

    if (!t || !data) return PNLU_E_ARGUMENT;
    memset(t, 0, sizeof *t);
    if (len < PNLU_TABLE_HEADER_BYTES) return PNLU_E_TRUNCATED;
    if (memcmp(data, "PTBL", 4) != 0) return PNLU_E_MAGIC;

    n_keys = pnlu_load_u32(data + 4);
    n_labels = pnlu_load_u32(data + 8);
    n_levels = pnlu_load_u32(data + 12);
    fb = data[20];
    lb = data[21];
    wb = data[22];
    n_pairs = pnlu_load_u64(data + 24);
    index_bits = pnlu_load_u64(data + 32);

    if (data[23] > PNLU_LEVELS_DERIVED || !all_zero(data + 40, 24)) return PNLU_E_HEADER;
    if (n_labels == 0 || n_labels > PNLU_MAX_LABELS) return PNLU_E_HEADER;
    if (lb > PNLU_MAX_LABEL_BITS || (1UL << lb) < n_labels) return PNLU_E_HEADER;
    if (fb > PNLU_MAX_FINGERPRINT_BITS) return PNLU_E_HEADER;
    if (wb < PNLU_MIN_WEIGHT_BITS || wb > PNLU_MAX_WEIGHT_BITS) return PNLU_E_HEADER;
    if (n_levels > PNLU_MAX_LEVELS || (n_levels == 0) != (n_keys == 0)) return PNLU_E_HEADER;
    /* Every slot has a nonempty row of at most n_labels pairs. */
    if (n_pairs < n_keys || n_pairs > (uint64_t)n_keys * n_labels) return PNLU_E_HEADER;

    pos = PNLU_TABLE_HEADER_BYTES;
    if (len - pos < 8 * (uint64_t)n_levels) return PNLU_E_TRUNCATED;
    for (i = 0; i < n_levels; i++) {
        uint64_t bits = pnlu_load_u64(data + pos + 8 * (uint64_t)i);
        /* Multiples of 64 keep levels word-aligned; below 2^32 keeps the 32-bit range
         * reduction exact. */
        if (bits == 0 || bits % 64 != 0 || bits > PNLU_MAX_LEVEL_BITS) return PNLU_E_HEADER;
        t->level_bits[i] = (uint32_t)bits;
        t->level_start[i] = level_sum;
        level_sum += bits;
    }
    if (level_sum != index_bits || index_bits < n_keys) return PNLU_E_HEADER;
    pos += 8 * (uint64_t)n_levels;

    /* n_pairs <= 2^32 * 2^16 and pair widths <= 24 bits: no product below overflows. */
    pair_bits = n_pairs * (lb + wb);
    {
        uint64_t index_at = pos;
        uint64_t rank_at = index_at + index_bits / 8;
        uint64_t fp_at = rank_at + round8(4 * (index_bits / PNLU_RANK_BLOCK_BITS + 1));
        uint64_t bias_at = fp_at + 8 * (words_for_bits((uint64_t)n_keys * fb) + 1);
        uint64_t starts_at = bias_at + round8(4 * (uint64_t)n_labels);
        uint64_t select_at = starts_at + 8 * (words_for_bits(n_pairs) + 1);
        uint64_t pairs_at =
            select_at + round8(4 * ((n_keys + (uint64_t)PNLU_SELECT_SAMPLE - 1) / PNLU_SELECT_SAMPLE));
        uint64_t end = pairs_at + 8 * (words_for_bits(pair_bits) + 1);
        if (len < end) return PNLU_E_TRUNCATED;
        if (len > end) return PNLU_E_SIZE;
        t->index = data + index_at;
        t->rank_samples = data + rank_at;
        t->fingerprints = data + fp_at;
        t->bias = data + bias_at;
        t->row_starts = data + starts_at;
        t->select_samples = data + select_at;
        t->pairs = data + pairs_at;
    }
    t->n_pairs = n_pairs;
    t->index_bits = index_bits;
    t->n_keys = n_keys;
    t->n_labels = n_labels;
    t->n_levels = n_levels;
    t->hash_seed = pnlu_load_u32(data + 16);
    t->level_hashing = data[23];
    t->fingerprint_bits = fb;
    t->label_bits = lb;
    t->weight_bits = wb;
    return PNLU_OK;
}

/* Hardware popcount where the CPU has it. x86_64 builds target the baseline ISA, whose
 * __builtin_popcountll is a call into libgcc (__popcountdi2); the POPCNT instruction (almost
 * every x86_64 CPU since 2008, but not all) is used when the CPU says it has it, checked at run
 * time, never assumed. Both give the same counts, so results stay bit-identical. ARM builds
 * keep the one generic version (arm64 compiles it to its CNT instruction). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__POPCNT__)
#define PNLU_POPCNT_DISPATCH 1
#define PNLU_HAVE_POPCNT() __builtin_cpu_supports("popcnt")
#else
#define PNLU_POPCNT_DISPATCH 0
#define PNLU_HAVE_POPCNT() 0
#endif

/* index_rank_generic and row_select_generic, and with POPCNT index_rank_popcnt and
 * row_select_popcnt: one body (pnlu_rank_select.h), compiled once per target. */
#define PNLU_RS_ATTRIBUTE
#define PNLU_RS(name) name##_generic
#include "pnlu_rank_select.h"
#undef PNLU_RS_ATTRIBUTE
#undef PNLU_RS
#if PNLU_POPCNT_DISPATCH
#define PNLU_RS_ATTRIBUTE __attribute__((target("popcnt")))
#define PNLU_RS(name) name##_popcnt
#include "pnlu_rank_select.h"
#undef PNLU_RS_ATTRIBUTE
#undef PNLU_RS
#endif

static uint64_t index_rank(const pnlu_table *t, uint64_t pos) {
#if PNLU_POPCNT_DISPATCH
    if (PNLU_HAVE_POPCNT()) return index_rank_popcnt(t, pos);
#endif
    return index_rank_generic(t, pos);
}

/* Level `level`'s hash of a PNLU_LEVELS_DERIVED table: level 0 takes h1 as it is; a later level
 * mixes h1 + level * h2 (double hashing) with MurmurHash3's finalizer, so that keys that
 * collided at one level land independently at the next (FORMAT.md says why). */
static uint64_t derived_level_hash(const uint64_t h[2], uint32_t level) {
    return level == 0 ? h[0] : pnlu_fmix64(h[0] + (uint64_t)level * h[1]);
}

int pnlu_level_hash_batch(const uint64_t *hashes, size_t n, uint32_t level, uint64_t *out) {
    size_t i;
    if ((!hashes || !out) && n) return PNLU_E_ARGUMENT;
    if (level >= PNLU_MAX_LEVELS) return PNLU_E_ARGUMENT;
    for (i = 0; i < n; i++) out[i] = derived_level_hash(hashes + 2 * i, level);
    return PNLU_OK;
}

int pnlu_find_slot_hashed(const pnlu_table *t, const uint8_t *key, size_t len, const uint64_t first[2],
                          uint64_t *slot) {
    const uint64_t fingerprint_hash = first[1];
    uint64_t reseeded[2];
    uint32_t level;

    if (t->n_keys == 0) return PNLU_NOT_FOUND;
    for (level = 0; level < t->n_levels; level++) {
        uint64_t pos, level_hash;
        if (t->level_hashing == PNLU_LEVELS_DERIVED || level == 0) { /* level 0: h1 in both schemes */
            level_hash = derived_level_hash(first, level);
        } else {
            pnlu_murmur3_x64_128(key, len, t->hash_seed + level, reseeded);
            level_hash = reseeded[0];
        }
        /* Range reduction without division: (32-bit hash * size) >> 32. */
        pos = t->level_start[level] + (((level_hash & 0xFFFFFFFFULL) * t->level_bits[level]) >> 32);
        if ((pnlu_load_u64(t->index + 8 * (pos >> 6)) >> (pos & 63)) & 1) {
            uint64_t rank = index_rank(t, pos);
            if (rank >= t->n_keys) return PNLU_E_CORRUPT;
            if (t->fingerprint_bits) {
                uint32_t stored = pnlu_read_field(t->fingerprints, rank * t->fingerprint_bits,
                                                  t->fingerprint_bits);
                if (stored != (uint32_t)(fingerprint_hash >> (64 - t->fingerprint_bits)))
                    return PNLU_NOT_FOUND;
            }
            *slot = rank;
            return PNLU_OK;
        }
    }
    return PNLU_NOT_FOUND;
}

static int find_slot(const pnlu_table *t, const uint8_t *key, size_t len, uint64_t *slot) {
    uint64_t h[2];
    if (t->n_keys == 0) return PNLU_NOT_FOUND;
    pnlu_murmur3_x64_128(key, len, t->hash_seed, h);
    return pnlu_find_slot_hashed(t, key, len, h, slot);
}

static int row_select(const pnlu_table *t, uint64_t k, uint64_t *out) {
#if PNLU_POPCNT_DISPATCH
    if (PNLU_HAVE_POPCNT()) return row_select_popcnt(t, k, out);
#endif
    return row_select_generic(t, k, out);
}

/* End (exclusive) of the row starting at `start`: the next row start, or n_pairs. A row
 * holds at most n_labels pairs, which also bounds the scan. */
static int row_end(const pnlu_table *t, uint64_t start, uint64_t *out) {
    uint64_t limit = start + t->n_labels + 1;
    uint64_t pos = start + 1;
    if (limit > t->n_pairs) limit = t->n_pairs;
    while (pos < limit) {
        uint64_t word = pnlu_load_u64(t->row_starts + 8 * (pos >> 6)) >> (pos & 63);
        if (word) {
            pos += pnlu_ctz64(word);
            break;
        }
        pos = (pos | 63) + 1;
    }
    if (pos >= limit) {
        if (limit != t->n_pairs) return PNLU_E_CORRUPT;
        pos = t->n_pairs;
    }
    *out = pos;
    return PNLU_OK;
}

int pnlu_add_row(const pnlu_table *t, uint64_t slot, int64_t *scores) {
    uint64_t start, end, p;
    const unsigned width = t->label_bits + t->weight_bits;
    const uint32_t label_mask = (uint32_t)((1UL << t->label_bits) - 1);
    const uint32_t sign = 1U << (t->weight_bits - 1);
    int status = row_select(t, slot, &start);
    if (status == PNLU_OK) status = row_end(t, start, &end);
    if (status != PNLU_OK) return status;
    for (p = start; p < end; p++) {
        uint32_t field = pnlu_read_field(t->pairs, p * width, width);
        uint32_t label = field & label_mask;
        uint32_t raw = field >> t->label_bits;
        if (label >= t->n_labels) return PNLU_E_CORRUPT;
        /* Two's complement of weight_bits bits, sign-extended without UB. */
        scores[label] += (int64_t)(raw ^ sign) - (int64_t)sign;
    }
    return PNLU_OK;
}

int pnlu_check_offsets(const uint32_t *offsets, size_t n, size_t limit) {
    size_t i;
    if (!offsets) return PNLU_E_ARGUMENT;
    for (i = 0; i < n; i++)
        if (offsets[i] > offsets[i + 1]) return PNLU_E_ARGUMENT;
    return offsets[n] <= limit ? PNLU_OK : PNLU_E_ARGUMENT;
}

int pnlu_hash_batch(const uint8_t *keys, size_t keys_len, const uint32_t *offsets, size_t n,
                    uint32_t seed, uint64_t *out) {
    size_t i;
    int status = pnlu_check_offsets(offsets, n, keys_len);
    if (status != PNLU_OK) return status;
    if ((!keys && keys_len) || (!out && n)) return PNLU_E_ARGUMENT;
    if (!keys) keys = NO_KEYS;
    for (i = 0; i < n; i++)
        pnlu_murmur3_x64_128(keys + offsets[i], offsets[i + 1] - offsets[i], seed, out + 2 * i);
    return PNLU_OK;
}

int pnlu_table_lookup(const pnlu_table *t, const uint8_t *keys, size_t keys_len,
                      const uint32_t *offsets, size_t n, int64_t *slots) {
    size_t i;
    int status = pnlu_check_offsets(offsets, n, keys_len);
    if (status != PNLU_OK) return status;
    if (!t || (!keys && keys_len) || (!slots && n)) return PNLU_E_ARGUMENT;
    if (!keys) keys = NO_KEYS;
    for (i = 0; i < n; i++) {
        uint64_t slot;
        status = find_slot(t, keys + offsets[i], offsets[i + 1] - offsets[i], &slot);
        if (status < 0) return status;
        slots[i] = status == PNLU_OK ? (int64_t)slot : -1;
    }
    return PNLU_OK;
}

int pnlu_table_score(const pnlu_table *t, const uint8_t *keys, size_t keys_len,
                     const uint32_t *key_offsets, size_t n_keys,
                     const uint32_t *group_offsets, size_t n_groups, int add_bias,
                     int64_t *scores, uint32_t *hits) {
    size_t g;
    uint32_t k, y;
    int status = pnlu_check_offsets(key_offsets, n_keys, keys_len);
    if (status == PNLU_OK) status = pnlu_check_offsets(group_offsets, n_groups, n_keys);
    if (status != PNLU_OK) return status;
    /* n_labels == 0: t was never filled by a successful pnlu_table_init. */
    if (!t || t->n_labels == 0 || (!keys && keys_len) || (!scores && n_groups)) return PNLU_E_ARGUMENT;
    if (!keys) keys = NO_KEYS;
    if (n_groups > SIZE_MAX / sizeof(int64_t) / t->n_labels) return PNLU_E_LIMIT;
    for (g = 0; g < n_groups; g++) {
        int64_t *row = scores + g * t->n_labels;
        uint32_t found = 0;
        for (y = 0; y < t->n_labels; y++)
            row[y] = add_bias ? pnlu_load_i32(t->bias + 4 * (size_t)y) : 0;
        for (k = group_offsets[g]; k < group_offsets[g + 1]; k++) {
            uint64_t slot;
            status = find_slot(t, keys + key_offsets[k], key_offsets[k + 1] - key_offsets[k], &slot);
            if (status == PNLU_NOT_FOUND) continue;
            if (status == PNLU_OK) status = pnlu_add_row(t, slot, row);
            if (status != PNLU_OK) return status;
            found++;
        }
        if (hits) hits[g] = found;
    }
    return PNLU_OK;
}
