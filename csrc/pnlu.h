/* pocketnlu C core: MurmurHash3, bit-array rank/select, MPHF lookup with fingerprints,
 * quantized weight decoding, batched scoring and Viterbi.
 *
 * Pure C99, no Python.h, no allocation, no global state, no output. Every entry point
 * returns a status; none aborts. All reads of file bytes go through bounds that
 * pnlu_table_init checked against the section length, and through memcpy, so unaligned
 * data is safe on armhf. Integers are decoded little-endian explicitly and scores are
 * integer sums, so every architecture gives bit-identical results.
 *
 * The byte layout of a weight table is specified in FORMAT.md beside this file. */
#ifndef PNLU_H
#define PNLU_H

#include <stddef.h>
#include <stdint.h>

/* Bumped when a struct or a signature below changes; checked by the Python binding at import. */
#define PNLU_ABI_VERSION 2
/* Version of the weight-table section layout this core reads. */
#define PNLU_TABLE_VERSION 1

#define PNLU_MAX_LEVELS 64
#define PNLU_MAX_FINGERPRINT_BITS 16
#define PNLU_MAX_LABEL_BITS 16
#define PNLU_MIN_WEIGHT_BITS 2
#define PNLU_MAX_WEIGHT_BITS 8
#define PNLU_TABLE_HEADER_BYTES 64
#define PNLU_RANK_BLOCK_BITS 512 /* one cumulative count per 512 index bits */
#define PNLU_SELECT_SAMPLE 64    /* one sampled position per 64 rows */
#define PNLU_MAX_TOKENS 65535    /* Viterbi back-pointers are uint16 */

enum pnlu_status {
    PNLU_OK = 0,
    PNLU_E_ARGUMENT = -1,  /* a caller's argument is inconsistent (offsets, sizes, NULL) */
    PNLU_E_TRUNCATED = -2, /* the section is shorter than its own header */
    PNLU_E_MAGIC = -3,     /* the section does not start with the table magic */
    PNLU_E_HEADER = -4,    /* a header field is out of range or inconsistent */
    PNLU_E_SIZE = -5,      /* the section length differs from the layout the header implies */
    PNLU_E_CORRUPT = -6,   /* table data is inconsistent (found while reading it) */
    PNLU_E_LIMIT = -7      /* the input exceeds a documented limit */
};

/* A weight table: (feature string -> sparse row of quantized per-label weights), with the
 * strings replaced by a BBHash-style minimal perfect hash and per-slot fingerprints.
 * Filled by pnlu_table_init from a section of a mapped file; points into that memory. */
typedef struct pnlu_table {
    const uint8_t *index;          /* MPHF bit arrays of all levels, concatenated (64-bit LE words) */
    const uint8_t *rank_samples;   /* uint32 LE: ones before each 512-bit block of index */
    const uint8_t *fingerprints;   /* n_keys packed fields of fingerprint_bits */
    const uint8_t *bias;           /* int32 LE [n_labels] */
    const uint8_t *row_starts;     /* n_pairs bits: bit p set iff pair p starts a slot's row */
    const uint8_t *select_samples; /* uint32 LE: position of row start 64*j */
    const uint8_t *pairs;          /* n_pairs packed (label, weight) fields */
    uint64_t n_pairs;
    uint64_t index_bits;
    uint32_t n_keys;
    uint32_t n_labels;
    uint32_t n_levels;
    uint32_t hash_seed;
    uint32_t fingerprint_bits;
    uint32_t label_bits;
    uint32_t weight_bits;
    uint32_t level_bits[PNLU_MAX_LEVELS];  /* size of each level's bit array */
    uint64_t level_start[PNLU_MAX_LEVELS]; /* bit offset of each level in index */
} pnlu_table;

int pnlu_abi_version(void);

/* MurmurHash3_x64_128 (Austin Appleby's reference, SMHasher), out[0] = h1, out[1] = h2. */
void pnlu_murmur3_x64_128(const void *key, size_t len, uint32_t seed, uint64_t out[2]);

/* Hash n keys stored as keys[offsets[i] .. offsets[i+1]) (offsets has n + 1 entries, all
 * <= keys_len, nondecreasing); out receives 2n words (h1, h2 per key). */
int pnlu_hash_batch(const uint8_t *keys, size_t keys_len, const uint32_t *offsets, size_t n,
                    uint32_t seed, uint64_t *out);

/* Validate a weight-table section (O(1): header fields and the layout they imply) and
 * fill t. data must stay mapped while t is used. */
int pnlu_table_init(pnlu_table *t, const uint8_t *data, size_t len);

/* Slot of each key in [0, n_keys), or -1 for a key the table does not hold (MPHF miss
 * or fingerprint mismatch). */
int pnlu_table_lookup(const pnlu_table *t, const uint8_t *keys, size_t keys_len,
                      const uint32_t *offsets, size_t n, int64_t *slots);

/* For each group g of keys [group_offsets[g], group_offsets[g+1]), set
 * scores[g * n_labels + y] = (add_bias ? bias[y] : 0) + sum of the quantized weights of
 * label y over the group's known keys. hits[g] (if hits is not NULL) counts known keys. */
int pnlu_table_score(const pnlu_table *t, const uint8_t *keys, size_t keys_len,
                     const uint32_t *key_offsets, size_t n_keys,
                     const uint32_t *group_offsets, size_t n_groups, int add_bias,
                     int64_t *scores, uint32_t *hits);

/* Best label path for n_tokens rows of state scores [n_tokens][n_labels] under
 * transitions (int32 LE bytes, [from][to], n_labels^2 * 4 bytes at transitions).
 * work: 2 * n_labels int64; backptr: n_tokens * n_labels uint16; ties go to the lowest label. */
int pnlu_viterbi(const int64_t *state_scores, size_t n_tokens, size_t n_labels,
                 const uint8_t *transitions, int64_t *work, uint16_t *backptr,
                 uint32_t *labels_out, int64_t *best_score);

/* A CRF's tags in one call: state scores of each token's group of keys (token_offsets has
 * n_tokens + 1 entries into the keys) followed by pnlu_viterbi. state_work: n_tokens *
 * n_labels int64; the other buffers as for pnlu_viterbi. */
int pnlu_crf_tag(const pnlu_table *t, const uint8_t *transitions, const uint8_t *keys,
                 size_t keys_len, const uint32_t *key_offsets, size_t n_keys,
                 const uint32_t *token_offsets, size_t n_tokens, int64_t *state_work,
                 int64_t *work, uint16_t *backptr, uint32_t *labels_out);

#endif
