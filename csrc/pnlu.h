/* pocketnlu C core: MurmurHash3, bit-array rank/select, MPHF lookup with fingerprints,
 * quantized weight decoding, batched scoring and Viterbi, and for ASCII and Latin-1 text the whole parse
 * (tokens, forms, decisions, slot spans) in one call.
 *
 * Pure C99, no Python.h, no allocation, no global state, no output. Every entry point
 * returns a status; none aborts. All reads of file bytes go through bounds that
 * pnlu_table_init or pnlu_transitions_* checked against the section length, and through
 * memcpy, so unaligned data is safe on armhf. Integers are decoded little-endian explicitly and scores are
 * integer sums, so every architecture gives bit-identical results.
 *
 * The byte layout of a weight table is specified in FORMAT.md beside this file. */
#ifndef PNLU_H
#define PNLU_H

#include <stddef.h>
#include <stdint.h>

/* Bumped when a struct or a signature below changes; checked by the Python binding at import. */
#define PNLU_ABI_VERSION 8

/* How a weight table's MPHF levels hash a key (table_header.level_hashing, FORMAT.md). */
#define PNLU_LEVELS_RESEEDED 0 /* level i: MurmurHash3 of the key with seed hash_seed + i (format 1-4) */
#define PNLU_LEVELS_DERIVED 1  /* every level from the key's one MurmurHash3 (format 5) */

#define PNLU_MAX_LEVELS 64
#define PNLU_MAX_LEVEL_BITS 4294967232 /* 2^32 - 64: keeps the 32-bit range reduction of a level exact */
#define PNLU_MAX_LABELS 65535     /* labels are uint16 in column lists and Viterbi back-pointers */
#define PNLU_MAX_FINGERPRINT_BITS 16
#define PNLU_MAX_LABEL_BITS 16
#define PNLU_MIN_WEIGHT_BITS 2
#define PNLU_MAX_WEIGHT_BITS 8
#define PNLU_TABLE_HEADER_BYTES 64
#define PNLU_RANK_BLOCK_BITS 512 /* one cumulative count per 512 index bits */
#define PNLU_SELECT_SAMPLE 64    /* one sampled position per 64 rows */
#define PNLU_MAX_TOKENS 65535    /* Viterbi back-pointers are uint16 */
#define PNLU_VITERBI_TOP 16      /* column lists shorter than this take Viterbi's fast path */
#define PNLU_MAX_CRF_LABELS 4096 /* labels of CRF transitions; real slot taggers have tens to hundreds */
#define PNLU_MAX_VITERBI_WORK 1048576 /* cost of one Viterbi step a CRF's transitions may have (FORMAT.md) */
#define PNLU_MAX_WORDS 1000000   /* words per call of the feature composer */
#define PNLU_MAX_FEATURE_ORDERS 8 /* entries of each length list of pnlu_feature_config */
#define PNLU_MAX_NGRAM_ORDER 8
#define PNLU_MAX_AFFIX 64        /* prefix, suffix and character n-gram lengths */
#define PNLU_MAX_WINDOW 64

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
    uint32_t level_hashing;        /* PNLU_LEVELS_RESEEDED or PNLU_LEVELS_DERIVED */
    uint32_t fingerprint_bits;
    uint32_t label_bits;
    uint32_t weight_bits;
    uint32_t level_bits[PNLU_MAX_LEVELS];  /* size of each level's bit array */
    uint64_t level_start[PNLU_MAX_LEVELS]; /* bit offset of each level in index */
} pnlu_table;

/* What the feature composer emits (runtime/features.py, FeatureConfig, has the meaning of
 * each field). Unused list entries are ignored; char_ngram_min == 0 turns character n-grams off. */
typedef struct pnlu_feature_config {
    uint32_t word_ngrams[PNLU_MAX_FEATURE_ORDERS];
    uint32_t n_word_ngrams;
    uint32_t word_prefixes[PNLU_MAX_FEATURE_ORDERS];
    uint32_t n_word_prefixes;
    uint32_t char_ngram_min, char_ngram_max;
    uint32_t window, bigram_window;
    uint32_t prefix_lengths[PNLU_MAX_FEATURE_ORDERS];
    uint32_t n_prefix_lengths;
    uint32_t suffix_lengths[PNLU_MAX_FEATURE_ORDERS];
    uint32_t n_suffix_lengths;
    uint32_t utterance_context;
    uint32_t slot_intent;   /* 0 or 1 */
    uint32_t digit_classes; /* 0 or 1 */
} pnlu_feature_config;

int pnlu_abi_version(void);

/* MurmurHash3_x64_128 (Austin Appleby's reference, SMHasher), out[0] = h1, out[1] = h2. */
void pnlu_murmur3_x64_128(const void *key, size_t len, uint32_t seed, uint64_t out[2]);

/* Hash n keys stored as keys[offsets[i] .. offsets[i+1]) (offsets has n + 1 entries, all
 * <= keys_len, nondecreasing); out receives 2n words (h1, h2 per key). */
int pnlu_hash_batch(const uint8_t *keys, size_t keys_len, const uint32_t *offsets, size_t n,
                    uint32_t seed, uint64_t *out);

/* The hash of MPHF level `level` (< PNLU_MAX_LEVELS) of a PNLU_LEVELS_DERIVED table for n keys
 * whose MurmurHash3 under the table's seed is hashes[2i], hashes[2i + 1]: out[i] (FORMAT.md). */
int pnlu_level_hash_batch(const uint64_t *hashes, size_t n, uint32_t level, uint64_t *out);

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

/* CRF transition weights [from][to], read in place: a dense matrix (sections of kind matrix
 * and matrix16) or, since format version 3, column lists (kind columns): for each `to` label
 * the `from` labels with a nonzero weight. Filled by the two functions below. */
typedef struct pnlu_transitions {
    const uint8_t *dense;         /* [from][to] LE integers of value_bytes, or NULL */
    const uint8_t *column_starts; /* column lists: uint32 LE [n_labels + 1] */
    const uint8_t *from_labels;   /* uint16 LE [n_nonzero], increasing within each column */
    const uint8_t *values;        /* int32 LE [n_nonzero] */
    uint32_t n_labels;
    uint32_t n_nonzero;           /* column lists only */
    uint32_t value_bytes;         /* 2 or 4 */
} pnlu_transitions;

/* A dense matrix: len == value_bytes * n_labels^2 (value_bytes 2 or 4). O(1). */
int pnlu_transitions_dense(pnlu_transitions *tr, const uint8_t *values, size_t len, size_t n_labels,
                           unsigned value_bytes);

/* A column-lists section (FORMAT.md): checks the header, the length and every list
 * (O(n_labels + n_nonzero), a few hundred entries for real models). */
int pnlu_transitions_columns(pnlu_transitions *tr, const uint8_t *data, size_t len);

/* Best label path for n_tokens rows of state scores [n_tokens][tr->n_labels].
 * work: 4 * n_labels int64; backptr: n_tokens * n_labels uint16; ties go to the lowest label.
 * Column lists cost O(n_labels * PNLU_VITERBI_TOP + n_nonzero) per token, dense O(n_labels^2). */
int pnlu_viterbi(const int64_t *state_scores, size_t n_tokens, const pnlu_transitions *tr, int64_t *work,
                 uint16_t *backptr, uint32_t *labels_out, int64_t *best_score);

/* For each of n_rows rows of n_labels integer scores (real score = scale * integer, scale > 0):
 * the first label with the highest score and its softmax probability. (decide.c) */
int pnlu_softmax_best(const int64_t *scores, size_t n_rows, size_t n_labels, double scale, uint32_t *best,
                      double *probability);

/* ---- feature composition (features.c) ----
 * Words are given as forms + form_offsets (3 * n_words + 1 entries): word i's normalized text,
 * digit class ("" if none) and shape are forms[form_offsets[3i + k] .. form_offsets[3i + k + 1])
 * for k = 0, 1, 2. Every function below needs scratch memory of at least
 * pnlu_feature_scratch_bytes for the same words (n_labels: the CRF's, else 0). */

/* Scratch bytes for composing features of these words; 0 if the arguments are invalid. */
size_t pnlu_feature_scratch_bytes(const pnlu_feature_config *c, const uint8_t *forms, size_t forms_len,
                                  const uint32_t *form_offsets, size_t n_words, size_t intent_len,
                                  size_t n_labels);

/* The utterance (classifier) keys of the words, without repeats, in first-occurrence order:
 * key j is keys[key_offsets[j] .. key_offsets[j + 1]). PNLU_E_LIMIT when keys_cap bytes or
 * offsets_cap offsets are too few. */
int pnlu_utterance_keys(const pnlu_feature_config *c, const uint8_t *forms, size_t forms_len,
                        const uint32_t *form_offsets, size_t n_words, uint8_t *scratch, size_t scratch_len,
                        uint8_t *keys, size_t keys_cap, uint32_t *key_offsets, size_t offsets_cap,
                        size_t *n_keys);

/* The token (CRF) keys of each word: token i's keys are [token_offsets[i], token_offsets[i + 1])
 * (n_words + 1 entries). intent (UTF-8) is required when c->slot_intent. */
int pnlu_token_keys(const pnlu_feature_config *c, const uint8_t *forms, size_t forms_len,
                    const uint32_t *form_offsets, size_t n_words, const uint8_t *intent, size_t intent_len,
                    uint8_t *scratch, size_t scratch_len, uint8_t *keys, size_t keys_cap, uint32_t *key_offsets,
                    size_t offsets_cap, uint32_t *token_offsets, size_t *n_keys);

/* Classifier scores of utterances: utterance u is words [utterance_words[2u], utterance_words[2u + 1]);
 * scores and hits as for pnlu_table_score over its utterance keys. */
int pnlu_score_utterances(const pnlu_table *t, const pnlu_feature_config *c, const uint8_t *forms,
                          size_t forms_len, const uint32_t *form_offsets, size_t n_words,
                          const uint32_t *utterance_words, size_t n_utterances, int add_bias, uint8_t *scratch,
                          size_t scratch_len, int64_t *scores, uint32_t *hits);

/* A CRF's tags for the words of one utterance: token keys, state scores and Viterbi in one call. */
int pnlu_crf_tag_words(const pnlu_table *t, const pnlu_transitions *transitions,
                       const pnlu_feature_config *c,
                       const uint8_t *forms, size_t forms_len, const uint32_t *form_offsets, size_t n_words,
                       const uint8_t *intent, size_t intent_len, uint8_t *scratch, size_t scratch_len,
                       uint32_t *labels_out);

/* ---- the whole parse (tokenize.c) ----
 * For text whose characters are all ASCII or Latin-1 letters (U+00C0..U+00FF but U+00D7 and
 * U+00F7), given as Latin-1 bytes, the tokens, spans and forms of runtime/pocketnlu/features.py
 * (prepare, then word_forms), and what runtime/pocketnlu/nlu.py decides on them, so that one
 * call parses a batch. */

/* Bytes of forms a text character can take: its normalized word, up to 2 bytes (UTF-8 of a
 * Latin-1 letter, or "ss"), as much again for its digit class, and 1 for the shape. */
#define PNLU_NORMALIZED_BYTES_PER_CHAR 2
#define PNLU_FORM_BYTES_PER_CHAR 5

/* One stage of a parse: a classifier's decision and, for the utterances it keeps in scope, a
 * CRF's slots. */
typedef struct pnlu_parse_model {
    const pnlu_feature_config *features;
    const pnlu_table *classifier;  /* NULL: every utterance gets label 0 with probability 1 */
    double softmax_scale;          /* pnlu_softmax_best's scale (with a classifier) */
    uint32_t n_labels;             /* the classifier's labels (1 without one) */
    const uint8_t *labels;         /* label y's UTF-8 name is labels[label_offsets[y] .. [y + 1]): */
    const uint32_t *label_offsets; /* n_labels + 1 entries; the "i=" key of a slot_intent CRF */
    const uint8_t *tag_label;      /* n_labels flags: nonzero if an utterance given that label gets slots */
    double threshold;              /* ... and its probability is not below this */
    const pnlu_table *crf;         /* NULL: no slots */
    const pnlu_transitions *transitions;
    const uint8_t *bio_kind;       /* per CRF label: 1 "B-x", 2 "I-x" (x nonempty), 0 anything else */
    const uint32_t *bio_slot;      /* per CRF label: the number of its slot x (the same for B-x and I-x) */
} pnlu_parse_model;

/* Tokens and forms of n_texts texts, text u being text[text_offsets[u] .. text_offsets[u + 1]),
 * each cut to max_chars characters and max_tokens tokens as features.prepare cuts it. Writes
 * utterance_words[2u], [2u + 1] (its first and last + 1 word), truncated[u] (1 if cut),
 * token_spans[2w], [2w + 1] (word w's start and end in its text, in bytes, which are
 * characters), the forms of every word (3 per word, as for the feature composer, UTF-8) into
 * forms with form_offsets (3 * n_words + 1 entries) and *n_words. Needs forms_cap >=
 * PNLU_FORM_BYTES_PER_CHAR * text_len and words_cap (of token_spans: 2 * words_cap entries; of
 * form_offsets: 3 * words_cap + 1) at least the words, which are at most text_len and n_texts *
 * max_tokens. PNLU_E_ARGUMENT for a byte that is neither ASCII nor a Latin-1 letter (such text
 * takes the Python path). */
int pnlu_latin1_words(const uint8_t *text, size_t text_len, const uint32_t *text_offsets, size_t n_texts,
                      size_t max_chars, size_t max_tokens, int digit_classes, uint8_t *forms, size_t forms_cap,
                      uint32_t *form_offsets, uint32_t *token_spans, size_t words_cap, uint32_t *utterance_words,
                      uint8_t *truncated, size_t *n_words);

/* Scratch bytes pnlu_parse_words and pnlu_parse_latin1 need with utterances of at most max_words
 * words whose normalized words have max_word_bytes bytes in all (at most the utterance's text
 * bytes, times PNLU_NORMALIZED_BYTES_PER_CHAR for Latin-1 letters); 0 for invalid arguments. */
size_t pnlu_parse_scratch_bytes(const pnlu_parse_model *m, size_t max_words, size_t max_word_bytes);

/* The parse of utterances given as words (pnlu_latin1_words' outputs; each word's digit class and
 * shape no longer than its normalized word): for utterance u, best[u] and probability[u] (the
 * classifier's label and softmax probability, times prior[u] if prior is not NULL), then, if the
 * model has a CRF, u has words, tag_label[best[u]] and probability[u] >= threshold, its slots:
 * span k of spans[3k .. 3k + 3) = (slot number, start, end) for k in [span_offsets[u],
 * span_offsets[u + 1]) (span_offsets: n_utterances + 1 entries; spans_cap >= 3 * the words). */
int pnlu_parse_words(const pnlu_parse_model *m, const uint8_t *forms, size_t forms_len, const uint32_t *form_offsets,
                     size_t n_words, const uint32_t *token_spans, const uint32_t *utterance_words, size_t n_utterances,
                     const double *prior, uint8_t *scratch, size_t scratch_len, uint32_t *best, double *probability,
                     uint32_t *spans, size_t spans_cap, uint32_t *span_offsets);

/* pnlu_latin1_words, then pnlu_parse_words on its words (prior NULL): a batch in one call. */
int pnlu_parse_latin1(const pnlu_parse_model *m, const uint8_t *text, size_t text_len, const uint32_t *text_offsets,
                      size_t n_texts, size_t max_chars, size_t max_tokens, uint8_t *forms, size_t forms_cap,
                      uint32_t *form_offsets, uint32_t *token_spans, size_t words_cap, uint32_t *utterance_words,
                      uint8_t *truncated, size_t *n_words, uint8_t *scratch, size_t scratch_len, uint32_t *best,
                      double *probability, uint32_t *spans, size_t spans_cap, uint32_t *span_offsets);

#endif
