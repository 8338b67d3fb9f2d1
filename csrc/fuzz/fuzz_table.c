/* libFuzzer harness: the input bytes are one weight-table section (FORMAT.md, "Weight table").
 *
 * pnlu_table_init validates it; when it is accepted, the harness looks up and scores keys (fixed
 * ones, which the seed tables of tools/fuzz_seeds.py hold, and slices of the input itself), checks
 * that lookup, score and bias agree with each other, and runs Viterbi over the scores with a
 * transitions matrix cut from the input (dense, or mostly zero), checked against brute force on
 * small cases and against the same matrix encoded as column lists. An accepted table is queried
 * again with its other level hashing (FORMAT.md). The input is also tried as a column-lists
 * section. Every
 * buffer handed to the core is a heap block of exactly the size the API promises, so
 * AddressSanitizer sees any read or write past it; the section is also read from a misaligned
 * copy (armhf). A violated invariant aborts, which libFuzzer reports as a crash.
 *
 * Build and run: deploy/fuzz.sh. Reproduce one input: ./fuzz_table FILE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pnlu.h"

#define N_NUMBERED 64          /* "k0".."k63": the keys of the seed tables */
#define N_DERIVED 16           /* keys cut from the input */
#define MAX_GROUPS 8           /* tokens for scoring and Viterbi */
#define MAX_VITERBI_LABELS 64  /* n_tokens * n_labels^2 work per input */
#define MAX_BRUTE_PATHS 4096   /* exhaustive check of Viterbi below this many paths */
#define LEVEL_HASHING_AT 23    /* the table header's level_hashing byte (FORMAT.md) */

/* Keep in sync with HARNESS_KEYS in tools/fuzz_seeds.py. */
static const char *const FIXED_WORDS[] = {"b", "w=play", "w=the", "sh=x", "w-1=<s>", "w+1=</s>", ""};
#define N_FIXED (sizeof FIXED_WORDS / sizeof FIXED_WORDS[0])
#define N_KEYS (N_NUMBERED + N_FIXED + N_DERIVED)

static int32_t load_i32(const uint8_t *p) {
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    int32_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Entry `index` of a transitions matrix of `width`-byte (2 or 4) little-endian integers. */
static int64_t load_transition(const uint8_t *trans, size_t index, unsigned width) {
    if (width == 4) return load_i32(trans + 4 * index);
    return (int16_t)(uint16_t)(trans[2 * index] | trans[2 * index + 1] << 8);
}

struct keys {
    uint8_t *bytes;
    size_t len;
    uint32_t offsets[N_KEYS + 1];
};

static void make_keys(const uint8_t *data, size_t size, struct keys *k) {
    char numbered[8];
    size_t i, n = 0, pos = 0;
    k->len = 0;
    for (i = 0; i < N_NUMBERED; i++) k->len += (size_t)snprintf(numbered, sizeof numbered, "k%u", (unsigned)i);
    for (i = 0; i < N_FIXED; i++) k->len += strlen(FIXED_WORDS[i]);
    for (i = 0; i < N_DERIVED; i++) k->len += size ? (i * 5) % 24 : 0;
    k->bytes = xmalloc(k->len);
    k->offsets[0] = 0;
    for (i = 0; i < N_NUMBERED; i++) {
        int len = snprintf(numbered, sizeof numbered, "k%u", (unsigned)i);
        memcpy(k->bytes + pos, numbered, (size_t)len);
        pos += (size_t)len;
        k->offsets[++n] = (uint32_t)pos;
    }
    for (i = 0; i < N_FIXED; i++) {
        size_t len = strlen(FIXED_WORDS[i]);
        memcpy(k->bytes + pos, FIXED_WORDS[i], len);
        pos += len;
        k->offsets[++n] = (uint32_t)pos;
    }
    for (i = 0; i < N_DERIVED; i++) {
        size_t len = size ? (i * 5) % 24 : 0, j, from = size ? (i * 131 + 7) % size : 0;
        for (j = 0; j < len; j++) k->bytes[pos + j] = data[(from + j) % size];
        pos += len;
        k->offsets[++n] = (uint32_t)pos;
    }
    CHECK(pos == k->len && n == N_KEYS);
}

/* Best path score by exhaustive search, for small cases. */
static int64_t brute_force(const int64_t *state, size_t n_tokens, size_t n_labels, const uint8_t *trans,
                           unsigned width) {
    size_t n_paths = 1, p, t;
    int64_t best = 0;
    for (t = 0; t < n_tokens; t++) n_paths *= n_labels;
    for (p = 0; p < n_paths; p++) {
        size_t code = p, prev = 0;
        int64_t s = 0;
        for (t = 0; t < n_tokens; t++) {
            size_t y = code % n_labels;
            code /= n_labels;
            s += state[t * n_labels + y];
            if (t > 0) s += load_transition(trans, prev * n_labels + y, width);
            prev = y;
        }
        if (p == 0 || s > best) best = s;
    }
    return best;
}

static void put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* A dense matrix as a column-lists section (FORMAT.md, kind 5), encoded here from the spec,
 * independently of the Python writer. */
static uint8_t *encode_columns(const uint8_t *trans, unsigned width, size_t n_labels, size_t *len) {
    size_t n_nonzero = 0, i, y, from, e = 0, pad;
    uint8_t *out, *starts, *froms, *values;
    for (i = 0; i < n_labels * n_labels; i++) n_nonzero += load_transition(trans, i, width) != 0;
    pad = (2 * n_nonzero) % 4;
    *len = 16 + 4 * (n_labels + 1) + 2 * n_nonzero + pad + 4 * n_nonzero;
    out = xmalloc(*len);
    memset(out, 0, *len);
    put_u32(out, (uint32_t)n_labels);
    put_u32(out + 4, (uint32_t)n_labels);
    put_u32(out + 8, (uint32_t)n_nonzero);
    starts = out + 16;
    froms = starts + 4 * (n_labels + 1);
    values = froms + 2 * n_nonzero + pad;
    for (y = 0; y < n_labels; y++) {
        put_u32(starts + 4 * y, (uint32_t)e);
        for (from = 0; from < n_labels; from++) {
            int64_t v = load_transition(trans, from * n_labels + y, width);
            if (!v) continue;
            froms[2 * e] = (uint8_t)from;
            froms[2 * e + 1] = (uint8_t)(from >> 8);
            put_u32(values + 4 * e, (uint32_t)(int32_t)v);
            e++;
        }
    }
    put_u32(starts + 4 * n_labels, (uint32_t)e);
    CHECK(e == n_nonzero);
    return out;
}

static void run_viterbi(const uint8_t *data, size_t size, const int64_t *scores, size_t n_tokens,
                        size_t n_labels) {
    unsigned width = data[0] & 1 ? 2 : 4; /* int16 or int32 transitions */
    unsigned sparsity = (data[0] >> 1) & 3; /* keep every entry, or about 1 in 4, 16 or 64 */
    size_t trans_len = width * n_labels * n_labels, i, t, n_paths = 1, columns_len;
    uint8_t *trans = xmalloc(trans_len), *columns;
    int64_t *work = xmalloc(4 * n_labels * sizeof *work);
    uint16_t *backptr = xmalloc(n_tokens * n_labels * sizeof *backptr);
    uint32_t *labels = xmalloc(n_tokens * sizeof *labels), *column_labels = xmalloc(n_tokens * sizeof *labels);
    int64_t best = 0, column_best = 0, path_score = 0;
    pnlu_transitions dense, sparse;
    int status;

    /* Transitions from the input, read backwards so they differ from the table's own bytes. */
    for (i = 0; i < trans_len; i++) trans[i] = data[size - 1 - (i % size)];
    for (i = 0; sparsity && i < n_labels * n_labels; i++)
        if (data[(i * 7) % size] % (1u << (2 * sparsity))) memset(trans + width * i, 0, width);
    CHECK(pnlu_transitions_dense(&dense, trans, trans_len, n_labels, width) == PNLU_OK);
    status = pnlu_viterbi(scores, n_tokens, &dense, work, backptr, labels, &best);
    CHECK(status == PNLU_OK);
    for (t = 0; t < n_tokens; t++) {
        CHECK(labels[t] < n_labels);
        path_score += scores[t * n_labels + labels[t]];
        if (t > 0) path_score += load_transition(trans, labels[t - 1] * n_labels + labels[t], width);
    }
    CHECK(path_score == best);
    for (t = 0; t < n_tokens && n_paths <= MAX_BRUTE_PATHS; t++) n_paths *= n_labels;
    if (n_paths <= MAX_BRUTE_PATHS) CHECK(brute_force(scores, n_tokens, n_labels, trans, width) == best);
    /* The same matrix as column lists: the same path and score, ties included. */
    columns = encode_columns(trans, width, n_labels, &columns_len);
    CHECK(pnlu_transitions_columns(&sparse, columns, columns_len) == PNLU_OK);
    CHECK(pnlu_viterbi(scores, n_tokens, &sparse, work, backptr, column_labels, &column_best) == PNLU_OK);
    CHECK(column_best == best && memcmp(column_labels, labels, n_tokens * sizeof *labels) == 0);
    CHECK(pnlu_transitions_columns(&sparse, columns, columns_len - 1) == PNLU_E_SIZE);
    /* Over the token limit: refused before any buffer is touched. */
    CHECK(pnlu_viterbi(scores, (size_t)PNLU_MAX_TOKENS + 1, &dense, work, backptr, labels, &best) ==
          PNLU_E_LIMIT);
    CHECK(pnlu_transitions_dense(&dense, trans, trans_len, n_labels, 3) == PNLU_E_ARGUMENT);
    free(columns);
    free(trans);
    free(work);
    free(backptr);
    free(labels);
    free(column_labels);
}

/* The input as a column-lists section: accepted only if consistent, then decoded in bounds. */
static void run_columns(const uint8_t *data, size_t size) {
    pnlu_transitions tr;
    int64_t *scores, *work, best = 0;
    uint16_t *backptr;
    uint32_t labels[3];
    size_t i, n;
    if (pnlu_transitions_columns(&tr, data, size) != PNLU_OK) return;
    n = tr.n_labels;
    CHECK(n >= 1 && tr.n_nonzero <= n * n);
    scores = xmalloc(3 * n * sizeof *scores);
    work = xmalloc(4 * n * sizeof *work);
    backptr = xmalloc(3 * n * sizeof *backptr);
    for (i = 0; i < 3 * n; i++) scores[i] = (int64_t)(i * 2654435761u % 17) - 8;
    CHECK(pnlu_viterbi(scores, 3, &tr, work, backptr, labels, &best) == PNLU_OK);
    for (i = 0; i < 3; i++) CHECK(labels[i] < n);
    free(scores);
    free(work);
    free(backptr);
}

/* Queries a table that pnlu_table_init accepted; returns nothing, aborts on a broken invariant. */
static void query(const pnlu_table *t, const uint8_t *data, size_t size, const struct keys *k) {
    size_t n_groups = 1 + data[size - 1] % MAX_GROUPS, g, y, i;
    uint32_t *groups = xmalloc((n_groups + 1) * sizeof *groups);
    int64_t *slots = xmalloc(N_KEYS * sizeof *slots);
    int64_t *scores = xmalloc(n_groups * t->n_labels * sizeof *scores);
    int64_t *unbiased = xmalloc(n_groups * t->n_labels * sizeof *unbiased);
    uint32_t *hits = xmalloc(n_groups * sizeof *hits);
    int lookup_status, score_status, status;

    for (g = 0; g <= n_groups; g++) groups[g] = (uint32_t)(N_KEYS * g / n_groups);

    lookup_status = pnlu_table_lookup(t, k->bytes, k->len, k->offsets, N_KEYS, slots);
    CHECK(lookup_status == PNLU_OK || lookup_status == PNLU_E_CORRUPT);
    if (lookup_status == PNLU_OK)
        for (i = 0; i < N_KEYS; i++) CHECK(slots[i] >= -1 && slots[i] < (int64_t)t->n_keys);

    score_status = pnlu_table_score(t, k->bytes, k->len, k->offsets, N_KEYS, groups, n_groups, 1,
                                    scores, hits);
    CHECK(score_status == PNLU_OK || score_status == PNLU_E_CORRUPT);
    if (score_status == PNLU_OK) {
        /* Scoring found every key lookup found, and nothing else. */
        CHECK(lookup_status == PNLU_OK);
        for (g = 0; g < n_groups; g++) {
            uint32_t found = 0;
            for (i = groups[g]; i < groups[g + 1]; i++) found += slots[i] >= 0;
            CHECK(hits[g] == found);
        }
        status = pnlu_table_score(t, k->bytes, k->len, k->offsets, N_KEYS, groups, n_groups, 0,
                                  unbiased, NULL);
        CHECK(status == PNLU_OK);
        for (g = 0; g < n_groups; g++)
            for (y = 0; y < t->n_labels; y++)
                CHECK(scores[g * t->n_labels + y] - unbiased[g * t->n_labels + y] ==
                      load_i32(t->bias + 4 * y));
        if (t->n_labels <= MAX_VITERBI_LABELS)
            run_viterbi(data, size, unbiased, n_groups, t->n_labels);
    }
    {
        /* An empty utterance: no key bytes at all (NULL), one empty group: the bias alone. */
        uint32_t no_offsets[1] = {0}, one_group[2] = {0, 0}, no_hits = 1;
        status = pnlu_table_score(t, NULL, 0, no_offsets, 0, one_group, 1, 1, scores, &no_hits);
        CHECK(status == PNLU_OK && no_hits == 0);
        for (y = 0; y < t->n_labels; y++) CHECK(scores[y] == load_i32(t->bias + 4 * y));
        CHECK(pnlu_table_lookup(t, NULL, 0, no_offsets, 0, NULL) == PNLU_OK);
    }
    free(groups);
    free(slots);
    free(scores);
    free(unbiased);
    free(hits);
}

/* A caller that ignores a failed pnlu_table_init and queries the table anyway (init leaves it
 * zeroed): every entry point must still return a status instead of crashing. */
static void misuse(const pnlu_table *t, const struct keys *k) {
    uint32_t groups[2] = {0, N_KEYS};
    int64_t slots[N_KEYS], scores[1];
    uint32_t hits[1];
    int status = pnlu_table_lookup(t, k->bytes, k->len, k->offsets, N_KEYS, slots);
    CHECK(status == PNLU_OK || status == PNLU_E_ARGUMENT);
    status = pnlu_table_score(t, k->bytes, k->len, k->offsets, N_KEYS, groups, 1, 1, scores, hits);
    CHECK(status == PNLU_OK || status == PNLU_E_ARGUMENT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pnlu_table table, moved;
    struct keys k;
    uint8_t *copy;
    int status;

    make_keys(data, size, &k);
    /* The section as libFuzzer hands it over: an exactly sized heap block. */
    status = pnlu_table_init(&table, data, size);
    CHECK(status <= PNLU_OK && status >= PNLU_E_LIMIT && status != PNLU_E_ARGUMENT);
    if (status == PNLU_OK) {
        CHECK(table.n_labels >= 1 && table.n_labels <= 65535);
        CHECK(table.n_levels <= PNLU_MAX_LEVELS && table.n_pairs >= table.n_keys);
        /* The layout fixes the length: one byte less is truncated. */
        CHECK(pnlu_table_init(&moved, data, size - 1) == PNLU_E_TRUNCATED);
        query(&table, data, size, &k);
        /* The same section at an odd address, as a mapped file may put it: UBSan's alignment
         * check reports any wide load from it (such loads fault on armhf). */
        copy = xmalloc(size + 1);
        memcpy(copy + 1, data, size);
        CHECK(pnlu_table_init(&moved, copy + 1, size) == PNLU_OK);
        query(&moved, copy + 1, size, &k);
        /* The other level hashing has the same layout, so it is accepted, and every key takes
         * the other path through the levels; a scheme past the last is refused. */
        copy[1 + LEVEL_HASHING_AT] =
            table.level_hashing == PNLU_LEVELS_DERIVED ? PNLU_LEVELS_RESEEDED : PNLU_LEVELS_DERIVED;
        CHECK(pnlu_table_init(&moved, copy + 1, size) == PNLU_OK);
        CHECK(moved.level_hashing != table.level_hashing);
        query(&moved, copy + 1, size, &k);
        copy[1 + LEVEL_HASHING_AT] = PNLU_LEVELS_DERIVED + 1;
        CHECK(pnlu_table_init(&moved, copy + 1, size) == PNLU_E_HEADER);
        free(copy);
    } else {
        misuse(&table, &k);
    }
    free(k.bytes);
    run_columns(data, size);
    return 0;
}
