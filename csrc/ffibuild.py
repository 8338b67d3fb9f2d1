"""cffi (API mode) builder for the C core: compiled into ``pocketnlu._core`` at install.

The C sources never include Python.h; cffi generates the glue. Functions called through
cffi in API mode release the GIL, so models can be scored from many threads at once.
"""
from pathlib import PurePosixPath as Path

from cffi import FFI

# setuptools wants paths relative to setup.py, which sits one level up.
CSRC = Path("csrc")
SOURCES = ["murmur3.c", "table.c", "viterbi.c", "features.c", "decide.c"]

# Declarations mirrored from pnlu.h (cffi's parser takes no preprocessor directives).
CDEF = """
#define PNLU_ABI_VERSION ...
#define PNLU_TABLE_VERSION ...
#define PNLU_MAX_LEVELS ...
#define PNLU_MAX_TOKENS ...
#define PNLU_MAX_WORDS ...
#define PNLU_MAX_FEATURE_ORDERS ...
#define PNLU_MAX_NGRAM_ORDER ...
#define PNLU_MAX_AFFIX ...
#define PNLU_MAX_WINDOW ...
enum pnlu_status {
    PNLU_OK = 0, PNLU_E_ARGUMENT = -1, PNLU_E_TRUNCATED = -2, PNLU_E_MAGIC = -3,
    PNLU_E_HEADER = -4, PNLU_E_SIZE = -5, PNLU_E_CORRUPT = -6, PNLU_E_LIMIT = -7
};
typedef struct pnlu_table {
    uint64_t n_pairs;
    uint64_t index_bits;
    uint32_t n_keys;
    uint32_t n_labels;
    uint32_t n_levels;
    uint32_t hash_seed;
    uint32_t fingerprint_bits;
    uint32_t label_bits;
    uint32_t weight_bits;
    ...;
} pnlu_table;
typedef struct pnlu_feature_config {
    uint32_t word_ngrams[8];
    uint32_t n_word_ngrams;
    uint32_t word_prefixes[8];
    uint32_t n_word_prefixes;
    uint32_t char_ngram_min, char_ngram_max;
    uint32_t window, bigram_window;
    uint32_t prefix_lengths[8];
    uint32_t n_prefix_lengths;
    uint32_t suffix_lengths[8];
    uint32_t n_suffix_lengths;
    uint32_t utterance_context;
    uint32_t slot_intent;
    uint32_t digit_classes;
} pnlu_feature_config;
int pnlu_abi_version(void);
void pnlu_murmur3_x64_128(const void *key, size_t len, uint32_t seed, uint64_t out[2]);
int pnlu_hash_batch(const uint8_t *keys, size_t keys_len, const uint32_t *offsets, size_t n,
                    uint32_t seed, uint64_t *out);
int pnlu_table_init(pnlu_table *t, const uint8_t *data, size_t len);
int pnlu_table_lookup(const pnlu_table *t, const uint8_t *keys, size_t keys_len,
                      const uint32_t *offsets, size_t n, int64_t *slots);
int pnlu_table_score(const pnlu_table *t, const uint8_t *keys, size_t keys_len,
                     const uint32_t *key_offsets, size_t n_keys,
                     const uint32_t *group_offsets, size_t n_groups, int add_bias,
                     int64_t *scores, uint32_t *hits);
typedef struct pnlu_transitions {
    const uint8_t *dense;
    const uint8_t *column_starts;
    const uint8_t *from_labels;
    const uint8_t *values;
    uint32_t n_labels;
    uint32_t n_nonzero;
    uint32_t value_bytes;
} pnlu_transitions;
int pnlu_transitions_dense(pnlu_transitions *tr, const uint8_t *values, size_t len, size_t n_labels,
                           unsigned value_bytes);
int pnlu_transitions_columns(pnlu_transitions *tr, const uint8_t *data, size_t len);
int pnlu_viterbi(const int64_t *state_scores, size_t n_tokens, const pnlu_transitions *tr, int64_t *work,
                 uint16_t *backptr, uint32_t *labels_out, int64_t *best_score);
int pnlu_softmax_best(const int64_t *scores, size_t n_rows, size_t n_labels, double scale, uint32_t *best,
                      double *probability);
size_t pnlu_feature_scratch_bytes(const pnlu_feature_config *c, const uint8_t *forms, size_t forms_len,
                                  const uint32_t *form_offsets, size_t n_words, size_t intent_len,
                                  size_t n_labels);
int pnlu_utterance_keys(const pnlu_feature_config *c, const uint8_t *forms, size_t forms_len,
                        const uint32_t *form_offsets, size_t n_words, uint8_t *scratch, size_t scratch_len,
                        uint8_t *keys, size_t keys_cap, uint32_t *key_offsets, size_t offsets_cap,
                        size_t *n_keys);
int pnlu_token_keys(const pnlu_feature_config *c, const uint8_t *forms, size_t forms_len,
                    const uint32_t *form_offsets, size_t n_words, const uint8_t *intent, size_t intent_len,
                    uint8_t *scratch, size_t scratch_len, uint8_t *keys, size_t keys_cap, uint32_t *key_offsets,
                    size_t offsets_cap, uint32_t *token_offsets, size_t *n_keys);
int pnlu_score_utterances(const pnlu_table *t, const pnlu_feature_config *c, const uint8_t *forms,
                          size_t forms_len, const uint32_t *form_offsets, size_t n_words,
                          const uint32_t *utterance_words, size_t n_utterances, int add_bias, uint8_t *scratch,
                          size_t scratch_len, int64_t *scores, uint32_t *hits);
int pnlu_crf_tag_words(const pnlu_table *t, const pnlu_transitions *transitions,
                       const pnlu_feature_config *c,
                       const uint8_t *forms, size_t forms_len, const uint32_t *form_offsets, size_t n_words,
                       const uint8_t *intent, size_t intent_len, uint8_t *scratch, size_t scratch_len,
                       uint32_t *labels_out);
"""

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source(
    "pocketnlu._core",
    '#include "pnlu.h"',
    sources=[str(CSRC / name) for name in SOURCES],
    include_dirs=[str(CSRC)],
    libraries=["m"],  # exp() in decide.c
    depends=[str(CSRC / name) for name in ("pnlu.h", "pnlu_bits.h", "pnlu_internal.h")],
    extra_compile_args=["-std=c99", "-O2", "-Wall", "-Wextra"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
