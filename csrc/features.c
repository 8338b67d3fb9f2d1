/* Feature keys composed from per-word forms, and their scoring in one call per model.
 *
 * The Python side tokenizes and normalizes (Unicode work); this file builds every feature
 * key string from the words' forms, so the host (which asks for the keys as bytes to train
 * on) and the device (which hashes and scores them without building a Python string) share
 * one composer. The keys are defined in runtime/features.py's docstrings; tests compare this
 * composer with an independent Python reference.
 *
 * Words arrive as forms + form_offsets: word i's normalized text, digit class ("" if it has
 * no digit) and shape are forms[form_offsets[3i + k] .. form_offsets[3i + k + 1]) for
 * k = 0, 1, 2. Character counts (prefixes, suffixes, character n-grams) are code points of
 * the UTF-8 text, as Python's len() of the str. */
#include "pnlu.h"
#include "pnlu_bits.h"
#include "pnlu_internal.h"

#define BOS "<s>"
#define EOS "</s>"
#define EDGE_BYTES 4 /* the longer of BOS and EOS */
#define KEY_PREFIX_BYTES 16 /* "b-64=", "w-64=", "p255=", ...: at most 6, with room */
#define MIN_SET_ENTRIES 16

typedef struct {
    const uint8_t *p;
    size_t len;
} span;

typedef struct words {
    const uint8_t *forms;
    const uint32_t *offsets;
    size_t n;
} words;

static span form(const words *w, size_t i, unsigned k) {
    span s;
    s.p = w->forms + w->offsets[3 * i + k];
    s.len = w->offsets[3 * i + k + 1] - w->offsets[3 * i + k];
    return s;
}

static span literal(const char *text) {
    span s;
    s.p = (const uint8_t *)text;
    s.len = strlen(text);
    return s;
}

/* padded[j + 1] of Python's [BOS] + words + [EOS], for j in [-1, n]. */
static span padded_word(const words *w, long j, unsigned k) {
    if (j < 0) return literal(BOS);
    if ((size_t)j >= w->n) return literal(EOS);
    return form(w, (size_t)j, k);
}

/* ---- UTF-8 code points ---------------------------------------------------------------- */

static int is_continuation(uint8_t byte) { return (byte & 0xC0) == 0x80; }

static size_t code_points(span s) {
    size_t i, n = 0;
    for (i = 0; i < s.len; i++) n += !is_continuation(s.p[i]);
    return n;
}

/* Byte offset after the first `count` code points of s (s.len if it has fewer). */
static size_t skip_code_points(span s, size_t from, size_t count) {
    size_t i = from;
    while (count && i < s.len) {
        i++;
        while (i < s.len && is_continuation(s.p[i])) i++;
        count--;
    }
    return i;
}

/* ---- a key under construction, and where finished keys go ----------------------------- */

typedef struct sink sink;
struct sink {
    /* Called with each finished key; returns a status. */
    int (*emit)(sink *self, const uint8_t *key, size_t len);
};

typedef struct {
    uint8_t *buf;
    size_t cap, len;
    int overflow; /* a key outgrew cap: bounds_of and the composer disagree (a bug) */
} key_builder;

static void put(key_builder *k, const void *bytes, size_t n) {
    if (n > k->cap - k->len) {
        k->overflow = 1;
        return;
    }
    memcpy(k->buf + k->len, bytes, n);
    k->len += n;
}

static void put_span(key_builder *k, span s) { put(k, s.p, s.len); }
static void put_text(key_builder *k, const char *text) { put(k, text, strlen(text)); }

static void put_uint(key_builder *k, unsigned long value) {
    char digits[24];
    size_t n = 0;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    put(k, digits + sizeof digits - n, n);
}

static void start_key(key_builder *k, const char *prefix) {
    k->len = 0;
    put_text(k, prefix);
}

/* "p4=" and the like: a letter, a number and "=". */
static void start_numbered_key(key_builder *k, const char *letter, unsigned long n) {
    start_key(k, letter);
    put_uint(k, n);
    put_text(k, "=");
}

/* Hands the finished key to the sink. */
static int finish(key_builder *k, sink *out) {
    if (k->overflow) return PNLU_E_LIMIT;
    return out->emit(out, k->buf, k->len);
}

/* prefix + value, emitted. */
static int emit_key(key_builder *k, sink *out, const char *prefix, span value) {
    start_key(k, prefix);
    put_span(k, value);
    return finish(k, out);
}

/* letter + number + "=" + value, emitted ("p3=sho", "w-2=the"). */
static int emit_numbered(key_builder *k, sink *out, const char *letter, unsigned long n, span value) {
    start_numbered_key(k, letter, n);
    put_span(k, value);
    return finish(k, out);
}

/* The first `count` code points of s. */
static span head(span s, size_t count) {
    span h;
    h.p = s.p;
    h.len = skip_code_points(s, 0, count);
    return h;
}

#define TRY(call)                               \
    do {                                        \
        int status_ = (call);                   \
        if (status_ != PNLU_OK) return status_; \
    } while (0)

/* Dedup set of 128-bit key hashes (open addressing; high word forced nonzero marks a used
 * entry, so equality is on 127 bits: two different keys of one utterance agreeing on them
 * is a 2^-127 event). */
typedef struct {
    uint64_t *entries; /* 2 words per entry */
    size_t mask;
} hash_set;

static void set_clear(hash_set *s, size_t entries) {
    s->mask = entries - 1;
    memset(s->entries, 0, 2 * entries * sizeof(uint64_t));
}

/* 1 if h was not in the set (and is now), 0 if it was. */
static int set_insert(hash_set *s, const uint64_t h[2]) {
    uint64_t tag = h[1] | 1;
    size_t i = (size_t)h[0] & s->mask;
    for (;;) {
        uint64_t *e = s->entries + 2 * i;
        if (e[1] == 0) {
            e[0] = h[0];
            e[1] = tag;
            return 1;
        }
        if (e[0] == h[0] && e[1] == tag) return 0;
        i = (i + 1) & s->mask;
    }
}

/* ---- composition ---------------------------------------------------------------------- */

static int has_digits(const pnlu_feature_config *c, const words *w, size_t i) {
    return c->digit_classes && form(w, i, 1).len > 0;
}

/* A word as n-grams see it: its digit class if it has one. */
static span ngram_word(const pnlu_feature_config *c, const words *w, long j) {
    if (j >= 0 && (size_t)j < w->n && has_digits(c, w, (size_t)j)) return form(w, (size_t)j, 1);
    return padded_word(w, j, 0);
}

static int compose_utterance(const pnlu_feature_config *c, const words *w, key_builder *k, sink *out) {
    size_t i, o, n = w->n;

    if (n == 0) return PNLU_OK;
    for (o = 0; o < c->n_word_ngrams; o++) {
        size_t order = c->word_ngrams[o];
        long first;
        if (order == 1) {
            for (i = 0; i < n; i++) {
                TRY(emit_key(k, out, "w=", form(w, i, 0)));
                if (has_digits(c, w, i)) TRY(emit_key(k, out, "d=", form(w, i, 1)));
            }
            continue;
        }
        /* windows of `order` over the n + 2 padded words */
        for (first = -1; first + (long)order <= (long)n + 1; first++) {
            size_t m;
            start_numbered_key(k, "w", order);
            for (m = 0; m < order; m++) {
                if (m) put_text(k, "|");
                put_span(k, ngram_word(c, w, first + (long)m));
            }
            TRY(finish(k, out));
        }
    }
    for (o = 0; o < c->n_word_prefixes; o++) {
        size_t length = c->word_prefixes[o];
        for (i = 0; i < n; i++) {
            span word = form(w, i, 0);
            if (code_points(word) > length) TRY(emit_numbered(k, out, "p", length, head(word, length)));
        }
    }
    if (c->char_ngram_min) {
        for (i = 0; i < n; i++) {
            span word = form(w, i, 0);
            size_t chars = code_points(word) + 2; /* "<" word ">" */
            size_t size;
            for (size = c->char_ngram_min; size <= c->char_ngram_max && size <= chars; size++) {
                size_t start, from = 0; /* from: byte offset of character start - 1 of word */
                /* character positions in "<word>": 0 is "<", chars - 1 is ">" */
                for (start = 0; start + size <= chars; start++) {
                    size_t inner;
                    if (start > 1) from = skip_code_points(word, from, 1); /* linear in the word */
                    inner = size - (start == 0) - (start + size == chars);
                    start_key(k, "c=");
                    if (start == 0) put_text(k, "<");
                    put(k, word.p + from, skip_code_points(word, from, inner) - from);
                    if (start + size == chars) put_text(k, ">");
                    TRY(finish(k, out));
                }
            }
        }
    }
    return PNLU_OK;
}

static int same_span(span a, span b) { return a.len == b.len && memcmp(a.p, b.p, a.len) == 0; }

/* Indexes of the first `limit` distinct words, in order of first occurrence. */
static size_t distinct_words(const words *w, size_t limit, uint32_t *out) {
    size_t i, j, count = 0;
    for (i = 0; i < w->n && count < limit; i++) {
        span word = form(w, i, 0);
        for (j = 0; j < count && !same_span(form(w, out[j], 0), word); j++) {
        }
        if (j == count) out[count++] = (uint32_t)i;
    }
    return count;
}

/* Keys of token `i` of its own (the keys all tokens share come from compose_shared). */
static int compose_token(const pnlu_feature_config *c, const words *w, size_t i, key_builder *k, sink *out) {
    static const span nothing = {(const uint8_t *)"", 0};
    span word = form(w, i, 0);
    size_t chars = code_points(word), o;
    long offset, n = (long)w->n, at = (long)i;

    TRY(emit_key(k, out, "b", nothing));
    TRY(emit_key(k, out, "w=", word));
    TRY(emit_key(k, out, "sh=", form(w, i, 2)));
    if (has_digits(c, w, i)) TRY(emit_key(k, out, "d=", form(w, i, 1)));
    for (o = 0; o < c->n_prefix_lengths; o++)
        if (chars > c->prefix_lengths[o])
            TRY(emit_numbered(k, out, "p", c->prefix_lengths[o], head(word, c->prefix_lengths[o])));
    for (o = 0; o < c->n_suffix_lengths; o++)
        if (chars > c->suffix_lengths[o]) {
            span tail;
            tail.p = word.p + skip_code_points(word, 0, chars - c->suffix_lengths[o]);
            tail.len = (size_t)(word.p + word.len - tail.p);
            TRY(emit_numbered(k, out, "s", c->suffix_lengths[o], tail));
        }
    for (offset = 1; offset <= (long)c->window; offset++) {
        if (at - offset >= -1) TRY(emit_numbered(k, out, "w-", (unsigned long)offset, padded_word(w, at - offset, 0)));
        if (at + offset <= n) TRY(emit_numbered(k, out, "w+", (unsigned long)offset, padded_word(w, at + offset, 0)));
    }
    for (offset = -(long)c->bigram_window; offset < (long)c->bigram_window; offset++) {
        long first = at + offset;
        if (first < -1 || first + 1 > n) continue;
        start_numbered_key(k, offset < 0 ? "b-" : "b+", (unsigned long)(offset < 0 ? -offset : offset));
        put_span(k, padded_word(w, first, 0));
        put_text(k, "|");
        put_span(k, padded_word(w, first + 1, 0));
        TRY(finish(k, out));
    }
    return PNLU_OK;
}

/* The keys every token gets after its own: the utterance's context words (`context`, see
 * distinct_words) and, with slot_intent, the intent. */
static int compose_shared(const pnlu_feature_config *c, const words *w, const uint32_t *context, size_t n_context,
                          span intent, key_builder *k, sink *out) {
    size_t o;
    for (o = 0; o < n_context; o++) TRY(emit_key(k, out, "u=", form(w, context[o], 0)));
    if (c->slot_intent) TRY(emit_key(k, out, "i=", intent));
    return PNLU_OK;
}

/* ---- bounds and scratch memory --------------------------------------------------------- */

static int check_config(const pnlu_feature_config *c) {
    uint32_t i;
    if (!c) return PNLU_E_ARGUMENT;
    if (c->n_word_ngrams == 0 || c->n_word_ngrams > PNLU_MAX_FEATURE_ORDERS ||
        c->n_word_prefixes > PNLU_MAX_FEATURE_ORDERS || c->n_prefix_lengths > PNLU_MAX_FEATURE_ORDERS ||
        c->n_suffix_lengths > PNLU_MAX_FEATURE_ORDERS)
        return PNLU_E_ARGUMENT;
    for (i = 0; i < c->n_word_ngrams; i++)
        if (c->word_ngrams[i] < 1 || c->word_ngrams[i] > PNLU_MAX_NGRAM_ORDER) return PNLU_E_ARGUMENT;
    for (i = 0; i < c->n_word_prefixes; i++)
        if (c->word_prefixes[i] < 1 || c->word_prefixes[i] > PNLU_MAX_AFFIX) return PNLU_E_ARGUMENT;
    for (i = 0; i < c->n_prefix_lengths; i++)
        if (c->prefix_lengths[i] < 1 || c->prefix_lengths[i] > PNLU_MAX_AFFIX) return PNLU_E_ARGUMENT;
    for (i = 0; i < c->n_suffix_lengths; i++)
        if (c->suffix_lengths[i] < 1 || c->suffix_lengths[i] > PNLU_MAX_AFFIX) return PNLU_E_ARGUMENT;
    if (c->char_ngram_min > c->char_ngram_max || c->char_ngram_max > PNLU_MAX_AFFIX ||
        (c->char_ngram_max && !c->char_ngram_min))
        return PNLU_E_ARGUMENT;
    if (c->window > PNLU_MAX_WINDOW || c->bigram_window > PNLU_MAX_WINDOW ||
        c->utterance_context > PNLU_MAX_TOKENS || c->digit_classes > 1 || c->slot_intent > 1)
        return PNLU_E_ARGUMENT;
    return PNLU_OK;
}

static int check_words(const uint8_t *forms, size_t forms_len, const uint32_t *form_offsets, size_t n_words,
                       words *w) {
    int status;
    if (n_words > PNLU_MAX_WORDS) return PNLU_E_LIMIT;
    status = pnlu_check_offsets(form_offsets, 3 * n_words, forms_len);
    if (status != PNLU_OK) return status;
    if (!forms && forms_len) return PNLU_E_ARGUMENT;
    w->forms = forms ? forms : (const uint8_t *)"";
    w->offsets = form_offsets;
    w->n = n_words;
    return PNLU_OK;
}

typedef struct {
    size_t max_keys;      /* keys of one utterance or one token, at most */
    size_t max_key_bytes; /* bytes of one key, at most */
} feature_bounds;

/* Bounds for words [first, last) seen as one utterance (counting bytes for characters). */
static feature_bounds bounds_of(const pnlu_feature_config *c, const words *w, size_t first, size_t last,
                                size_t intent_len) {
    feature_bounds b;
    size_t i, o, n = last - first, longest = EDGE_BYTES, char_keys = 0, max_order = 2;
    size_t per_word_utterance = c->n_word_prefixes, per_token;
    for (i = first; i < last; i++) {
        unsigned k;
        for (k = 0; k < 3; k++) {
            size_t len = form(w, i, k).len;
            if (len > longest) longest = len;
        }
        if (c->char_ngram_min) { /* exactly the character n-grams of "<word>" */
            size_t chars = code_points(form(w, i, 0)) + 2, size;
            for (size = c->char_ngram_min; size <= c->char_ngram_max && size <= chars; size++)
                char_keys += chars - size + 1;
        }
    }
    for (o = 0; o < c->n_word_ngrams; o++) {
        per_word_utterance += c->word_ngrams[o] == 1 ? 2 : 1;
        if (c->word_ngrams[o] > max_order) max_order = c->word_ngrams[o];
    }
    per_token = 4 + c->n_prefix_lengths + c->n_suffix_lengths + 2 * (size_t)c->window +
                2 * (size_t)c->bigram_window + c->utterance_context + 1;
    b.max_keys = n * per_word_utterance + 2 * c->n_word_ngrams + char_keys;
    if (per_token > b.max_keys) b.max_keys = per_token;
    b.max_key_bytes = KEY_PREFIX_BYTES + max_order * (longest + 1) + intent_len;
    return b;
}

static size_t set_entries_for(size_t keys) {
    size_t entries = MIN_SET_ENTRIES;
    while (entries < 2 * keys) entries *= 2;
    return entries;
}

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Scratch layout: [hash set][distinct word indexes][key buffer][CRF: state, work, backptr]. */
typedef struct {
    hash_set set;
    size_t set_entries;
    uint32_t *context;
    key_builder key;
    int64_t *state, *work;
    uint16_t *backptr;
} scratch_layout;

static size_t layout(const feature_bounds *b, size_t n_words, size_t n_labels, uint8_t *base,
                     scratch_layout *out) {
    size_t set_entries = set_entries_for(b->max_keys);
    size_t set_bytes = 2 * sizeof(uint64_t) * set_entries;
    size_t context_bytes = align8(4 * (n_words + 1));
    size_t key_bytes = align8(b->max_key_bytes);
    size_t crf_bytes = n_labels ? 8 * n_words * n_labels + 32 * n_labels + align8(2 * n_words * n_labels) : 0;
    if (out) {
        out->set.entries = (uint64_t *)(void *)base;
        out->set_entries = set_entries;
        out->context = (uint32_t *)(void *)(base + set_bytes);
        out->key.buf = base + set_bytes + context_bytes;
        out->key.cap = b->max_key_bytes;
        out->key.len = 0;
        out->key.overflow = 0;
        out->state = (int64_t *)(void *)(base + set_bytes + context_bytes + key_bytes);
        out->work = out->state + n_words * n_labels;
        out->backptr = (uint16_t *)(void *)(out->work + 4 * n_labels);
    }
    return set_bytes + context_bytes + key_bytes + crf_bytes;
}

size_t pnlu_feature_scratch_bytes(const pnlu_feature_config *c, const uint8_t *forms, size_t forms_len,
                                  const uint32_t *form_offsets, size_t n_words, size_t intent_len,
                                  size_t n_labels) {
    words w;
    feature_bounds b;
    if (check_config(c) != PNLU_OK || check_words(forms, forms_len, form_offsets, n_words, &w) != PNLU_OK)
        return 0;
    if (n_labels > PNLU_MAX_LABELS || intent_len > forms_len + PNLU_MAX_WORDS) return 0;
    /* All sizes below are bounded by PNLU_MAX_WORDS, 2^32 form bytes and the config limits,
     * far from overflowing 64 bits; a 32-bit size_t is checked once here. */
    b = bounds_of(c, &w, 0, n_words, intent_len);
    if (sizeof(size_t) < 8 && (forms_len > (SIZE_MAX >> 10) || n_words * (n_labels + 1) > (SIZE_MAX >> 6)))
        return 0;
    return layout(&b, n_words, n_labels, NULL, NULL) + 8; /* + 8: room to align the base */
}

size_t pnlu_feature_scratch_bound(const pnlu_feature_config *c, size_t n_words, size_t word_bytes,
                                  size_t intent_len, size_t n_labels) {
    feature_bounds b;
    size_t o, longest = word_bytes > EDGE_BYTES ? word_bytes : EDGE_BYTES, max_order = 2;
    size_t per_word_utterance, per_token;
    if (check_config(c) != PNLU_OK || n_words > PNLU_MAX_TOKENS || word_bytes > PNLU_MAX_WORDS ||
        intent_len > PNLU_MAX_WORDS || n_labels > PNLU_MAX_LABELS)
        return 0;
    /* bounds_of with every form at most word_bytes long and the words' texts word_bytes in all */
    per_word_utterance = c->n_word_prefixes;
    for (o = 0; o < c->n_word_ngrams; o++) {
        per_word_utterance += c->word_ngrams[o] == 1 ? 2 : 1;
        if (c->word_ngrams[o] > max_order) max_order = c->word_ngrams[o];
    }
    per_token = 4 + c->n_prefix_lengths + c->n_suffix_lengths + 2 * (size_t)c->window +
                2 * (size_t)c->bigram_window + c->utterance_context + 1;
    b.max_keys = n_words * per_word_utterance + 2 * c->n_word_ngrams +
                 (c->char_ngram_min ? (word_bytes + 2 * n_words) * (c->char_ngram_max - c->char_ngram_min + 1) : 0);
    if (per_token > b.max_keys) b.max_keys = per_token;
    b.max_key_bytes = KEY_PREFIX_BYTES + max_order * (longest + 1) + intent_len;
    return layout(&b, n_words, n_labels, NULL, NULL) + 8;
}

/* Scratch carved out of the caller's buffer, checked against the size it needs. */
static int take_scratch(const feature_bounds *b, size_t n_words, size_t n_labels, uint8_t *scratch,
                        size_t scratch_len, scratch_layout *out) {
    size_t skew;
    if (!scratch) return PNLU_E_ARGUMENT;
    skew = (8 - (size_t)((uintptr_t)scratch & 7)) & 7;
    if (scratch_len < skew || layout(b, n_words, n_labels, NULL, NULL) > scratch_len - skew) return PNLU_E_LIMIT;
    layout(b, n_words, n_labels, scratch + skew, out);
    return PNLU_OK;
}

/* ---- sinks ---------------------------------------------------------------------------- */

typedef struct {
    sink base;
    hash_set *dedup; /* NULL: keep repeats */
    uint8_t *keys;
    size_t keys_cap, keys_len;
    uint32_t *offsets; /* offsets[0] == 0 is written by start_collecting */
    size_t offsets_cap, n;
} collect_sink;

static int collect(sink *self, const uint8_t *key, size_t len) {
    collect_sink *s = (collect_sink *)(void *)self;
    if (s->dedup) {
        uint64_t h[2];
        pnlu_murmur3_x64_128(key, len, 0, h);
        if (!set_insert(s->dedup, h)) return PNLU_OK;
    }
    if (len > s->keys_cap - s->keys_len || s->n + 1 >= s->offsets_cap || s->keys_len + len > UINT32_MAX)
        return PNLU_E_LIMIT;
    memcpy(s->keys + s->keys_len, key, len);
    s->keys_len += len;
    s->offsets[++s->n] = (uint32_t)s->keys_len;
    return PNLU_OK;
}

static void start_collecting(collect_sink *out, hash_set *dedup, uint8_t *keys, size_t keys_cap,
                             uint32_t *key_offsets, size_t offsets_cap) {
    out->base.emit = collect;
    out->dedup = dedup;
    out->keys = keys;
    out->keys_cap = keys ? keys_cap : 0;
    out->keys_len = 0;
    out->offsets = key_offsets;
    out->offsets_cap = offsets_cap;
    out->n = 0;
    key_offsets[0] = 0;
}

typedef struct {
    sink base;
    const pnlu_table *table;
    hash_set *dedup; /* NULL: count repeats */
    int64_t *row;
    uint32_t found;
} score_sink;

static int score(sink *self, const uint8_t *key, size_t len) {
    score_sink *s = (score_sink *)(void *)self;
    uint64_t h[2], slot;
    int status;
    pnlu_murmur3_x64_128(key, len, s->table->hash_seed, h);
    if (s->dedup && !set_insert(s->dedup, h)) return PNLU_OK;
    status = pnlu_find_slot_hashed(s->table, key, len, h, &slot);
    if (status == PNLU_NOT_FOUND) return PNLU_OK;
    if (status == PNLU_OK) status = pnlu_add_row(s->table, slot, s->row);
    if (status == PNLU_OK) s->found++;
    return status;
}

/* ---- entry points ---------------------------------------------------------------------- */

int pnlu_utterance_keys(const pnlu_feature_config *c, const uint8_t *forms, size_t forms_len,
                        const uint32_t *form_offsets, size_t n_words, uint8_t *scratch, size_t scratch_len,
                        uint8_t *keys, size_t keys_cap, uint32_t *key_offsets, size_t offsets_cap,
                        size_t *n_keys) {
    words w;
    feature_bounds b;
    scratch_layout s;
    collect_sink out;
    int status = check_config(c);
    if (status == PNLU_OK) status = check_words(forms, forms_len, form_offsets, n_words, &w);
    if (status != PNLU_OK) return status;
    if (!key_offsets || offsets_cap == 0 || !n_keys || (!keys && keys_cap)) return PNLU_E_ARGUMENT;
    b = bounds_of(c, &w, 0, n_words, 0);
    if ((status = take_scratch(&b, n_words, 0, scratch, scratch_len, &s)) != PNLU_OK) return status;
    set_clear(&s.set, s.set_entries);
    start_collecting(&out, &s.set, keys, keys_cap, key_offsets, offsets_cap);
    status = compose_utterance(c, &w, &s.key, &out.base);
    *n_keys = out.n;
    return status;
}

int pnlu_token_keys(const pnlu_feature_config *c, const uint8_t *forms, size_t forms_len,
                    const uint32_t *form_offsets, size_t n_words, const uint8_t *intent, size_t intent_len,
                    uint8_t *scratch, size_t scratch_len, uint8_t *keys, size_t keys_cap, uint32_t *key_offsets,
                    size_t offsets_cap, uint32_t *token_offsets, size_t *n_keys) {
    words w;
    feature_bounds b;
    scratch_layout s;
    collect_sink out;
    size_t i, n_context;
    span intent_span;
    int status = check_config(c);
    if (status == PNLU_OK) status = check_words(forms, forms_len, form_offsets, n_words, &w);
    if (status != PNLU_OK) return status;
    if (!key_offsets || offsets_cap == 0 || !token_offsets || !n_keys || (!keys && keys_cap) ||
        (c->slot_intent && !intent))
        return PNLU_E_ARGUMENT;
    intent_span.p = intent;
    intent_span.len = intent ? intent_len : 0;
    b = bounds_of(c, &w, 0, n_words, intent_span.len);
    if ((status = take_scratch(&b, n_words, 0, scratch, scratch_len, &s)) != PNLU_OK) return status;
    start_collecting(&out, NULL, keys, keys_cap, key_offsets, offsets_cap);
    n_context = distinct_words(&w, c->utterance_context, s.context);
    token_offsets[0] = 0;
    for (i = 0; i < n_words; i++) {
        status = compose_token(c, &w, i, &s.key, &out.base);
        if (status == PNLU_OK) status = compose_shared(c, &w, s.context, n_context, intent_span, &s.key, &out.base);
        if (status != PNLU_OK) break;
        token_offsets[i + 1] = (uint32_t)out.n;
    }
    *n_keys = out.n;
    return status;
}

int pnlu_score_utterances(const pnlu_table *t, const pnlu_feature_config *c, const uint8_t *forms,
                          size_t forms_len, const uint32_t *form_offsets, size_t n_words,
                          const uint32_t *utterance_words, size_t n_utterances, int add_bias, uint8_t *scratch,
                          size_t scratch_len, int64_t *scores, uint32_t *hits) {
    words w;
    feature_bounds all;
    scratch_layout s;
    score_sink out;
    size_t u, y;
    int status = check_config(c);
    if (status == PNLU_OK) status = check_words(forms, forms_len, form_offsets, n_words, &w);
    if (status != PNLU_OK) return status;
    /* n_labels == 0: t was never filled by a successful pnlu_table_init. */
    if (!t || t->n_labels == 0 || (!utterance_words && n_utterances) || (!scores && n_utterances))
        return PNLU_E_ARGUMENT;
    if (n_utterances > SIZE_MAX / sizeof(int64_t) / t->n_labels) return PNLU_E_LIMIT;
    all = bounds_of(c, &w, 0, n_words, 0);
    if ((status = take_scratch(&all, n_words, 0, scratch, scratch_len, &s)) != PNLU_OK) return status;
    out.base.emit = score;
    out.table = t;
    out.dedup = &s.set;
    for (u = 0; u < n_utterances; u++) {
        uint32_t first = utterance_words[2 * u], last = utterance_words[2 * u + 1];
        words one;
        feature_bounds b;
        if (first > last || last > n_words) return PNLU_E_ARGUMENT;
        one.forms = w.forms;
        one.offsets = w.offsets + 3 * (size_t)first;
        one.n = last - first;
        b = bounds_of(c, &w, first, last, 0);
        set_clear(&s.set, set_entries_for(b.max_keys)); /* this utterance's share of the set */
        out.row = scores + u * t->n_labels;
        out.found = 0;
        for (y = 0; y < t->n_labels; y++) out.row[y] = add_bias ? pnlu_load_i32(t->bias + 4 * y) : 0;
        if ((status = compose_utterance(c, &one, &s.key, &out.base)) != PNLU_OK) return status;
        if (hits) hits[u] = out.found;
    }
    return PNLU_OK;
}

int pnlu_crf_tag_words(const pnlu_table *t, const pnlu_transitions *transitions,
                       const pnlu_feature_config *c,
                       const uint8_t *forms, size_t forms_len, const uint32_t *form_offsets, size_t n_words,
                       const uint8_t *intent, size_t intent_len, uint8_t *scratch, size_t scratch_len,
                       uint32_t *labels_out) {
    words w;
    feature_bounds b;
    scratch_layout s;
    score_sink out;
    size_t i, n_context;
    span intent_span;
    int status = check_config(c);
    if (status == PNLU_OK) status = check_words(forms, forms_len, form_offsets, n_words, &w);
    if (status != PNLU_OK) return status;
    if (!t || t->n_labels == 0 || !transitions || transitions->n_labels != t->n_labels || (!labels_out && n_words) ||
        (c->slot_intent && !intent))
        return PNLU_E_ARGUMENT;
    if (n_words > PNLU_MAX_TOKENS) return PNLU_E_LIMIT;
    if (n_words == 0) return PNLU_OK;
    intent_span.p = intent;
    intent_span.len = intent ? intent_len : 0;
    b = bounds_of(c, &w, 0, n_words, intent_span.len);
    if ((status = take_scratch(&b, n_words, t->n_labels, scratch, scratch_len, &s)) != PNLU_OK) return status;
    out.base.emit = score;
    out.table = t;
    out.dedup = NULL;
    /* The shared keys' weights once, into the Viterbi work row (free until Viterbi runs). */
    n_context = distinct_words(&w, c->utterance_context, s.context);
    out.row = s.work;
    memset(out.row, 0, t->n_labels * sizeof(int64_t));
    status = compose_shared(c, &w, s.context, n_context, intent_span, &s.key, &out.base);
    if (status != PNLU_OK) return status;
    for (i = 0; i < n_words; i++) {
        out.row = s.state + i * t->n_labels;
        memcpy(out.row, s.work, t->n_labels * sizeof(int64_t));
        if ((status = compose_token(c, &w, i, &s.key, &out.base)) != PNLU_OK) return status;
    }
    return pnlu_viterbi(s.state, n_words, transitions, s.work, s.backptr, labels_out, NULL);
}
