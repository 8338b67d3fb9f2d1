/* libFuzzer harness: the feature composer (csrc/features.c) on arbitrary words and configs.
 *
 * The first 8 input bytes choose a pnlu_feature_config (within its limits); the rest, split at
 * zero bytes, are the words' forms (three per word, any bytes: the composer must not assume
 * valid UTF-8). The harness asks for the scratch size, then composes utterance and token keys
 * into exactly sized heap blocks (AddressSanitizer sees any access past them), scores them with
 * an empty table (bias only) and tags them with a two-label CRF. It checks: utterance keys have
 * no repeats, every token has its "b", "w=" and "sh=" keys, a scratch one byte short is refused
 * and never overrun. Then the same bytes as text (tokenize.c): refused by pnlu_latin1_words if any
 * byte is neither ASCII nor a Latin-1 letter; with the high bit of those bytes cleared, cut into
 * up to three utterances, tokenized (spans inside their text, increasing, whitespace-free; each
 * normalized word as long as its token plus a byte per Latin-1 letter) and parsed by
 * pnlu_parse_latin1 with the
 * empty table as classifier and CRF (every word tagged B-slot: one span per word), into exactly
 * sized buffers. A violated invariant aborts, which libFuzzer reports as a crash.
 *
 * Build and run: deploy/fuzz.sh. Reproduce one input: ./fuzz_features FILE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pnlu.h"

#define MAX_WORDS 48
#define CONFIG_BYTES 8
#define N_LABELS 2

/* A valid weight table with no keys and N_LABELS labels (FORMAT.md, "Weight table"): header,
 * then rank samples, fingerprints, bias (1 and -1), row starts and pairs, each one 8-byte word. */
static void empty_table(uint8_t out[104]) {
    memset(out, 0, 104);
    memcpy(out, "PTBL", 4);
    out[8] = N_LABELS;
    out[21] = 1; /* label bits */
    out[22] = 8; /* weight bits */
    out[64 + 16] = 1;
    memset(out + 64 + 20, 0xFF, 4); /* bias[1] = -1 */
}

static void make_config(const uint8_t *d, pnlu_feature_config *c) {
    uint32_t i;
    memset(c, 0, sizeof *c);
    c->n_word_ngrams = 1 + d[0] % 3;
    for (i = 0; i < c->n_word_ngrams; i++) c->word_ngrams[i] = 1 + (d[1] >> (2 * i)) % 4;
    c->n_word_prefixes = d[2] % 3;
    for (i = 0; i < c->n_word_prefixes; i++) c->word_prefixes[i] = 1 + ((d[2] >> 2) + i) % 6;
    if (d[3] & 1) {
        c->char_ngram_min = 1 + (d[3] >> 1) % 3;
        c->char_ngram_max = c->char_ngram_min + (d[3] >> 3) % 3;
    }
    c->window = d[4] % 4;
    c->bigram_window = (d[4] >> 2) % 3;
    c->n_prefix_lengths = d[5] % 3;
    c->n_suffix_lengths = (d[5] >> 2) % 3;
    for (i = 0; i < c->n_prefix_lengths; i++) c->prefix_lengths[i] = 1 + i + (d[5] >> 4) % 3;
    for (i = 0; i < c->n_suffix_lengths; i++) c->suffix_lengths[i] = 1 + 2 * i + (d[5] >> 6);
    c->utterance_context = d[6] % 20;
    c->slot_intent = d[6] >> 7;
    c->digit_classes = d[7] & 1;
}

/* Calls a key collector with outputs grown until they suffice; returns the key count. */
static size_t collect(const pnlu_feature_config *c, const uint8_t *forms, size_t forms_len, const uint32_t *offsets,
                      size_t n_words, int tokens, uint8_t *scratch, size_t scratch_len, uint32_t *token_offsets) {
    size_t keys_cap = 64, offsets_cap = 4, n_keys = 0;
    static const uint8_t intent[] = "intent";
    for (;;) {
        uint8_t *keys = xmalloc(keys_cap);
        uint32_t *key_offsets = xmalloc(offsets_cap * sizeof *key_offsets);
        int status = tokens ? pnlu_token_keys(c, forms, forms_len, offsets, n_words, intent, 6, scratch, scratch_len,
                                              keys, keys_cap, key_offsets, offsets_cap, token_offsets, &n_keys)
                            : pnlu_utterance_keys(c, forms, forms_len, offsets, n_words, scratch, scratch_len, keys,
                                                  keys_cap, key_offsets, offsets_cap, &n_keys);
        if (status == PNLU_OK) {
            size_t i, j;
            CHECK(n_keys < offsets_cap && key_offsets[0] == 0 && key_offsets[n_keys] <= keys_cap);
            for (i = 0; i < n_keys; i++) CHECK(key_offsets[i] <= key_offsets[i + 1]);
            if (!tokens) /* no repeats */
                for (i = 0; i < n_keys && n_keys < 1000; i++)
                    for (j = i + 1; j < n_keys; j++)
                        CHECK(key_offsets[i + 1] - key_offsets[i] != key_offsets[j + 1] - key_offsets[j] ||
                              memcmp(keys + key_offsets[i], keys + key_offsets[j],
                                     key_offsets[i + 1] - key_offsets[i]) != 0);
        }
        free(keys);
        free(key_offsets);
        if (status == PNLU_OK) return n_keys;
        CHECK(status == PNLU_E_LIMIT && keys_cap < ((size_t)1 << 30));
        keys_cap *= 4;
        offsets_cap *= 4;
    }
}

/* A byte pnlu_latin1_words takes: ASCII, or a Latin-1 letter (U+00C0..U+00FF but x and /). */
static int takes(uint8_t c) { return c < 0x80 || (c >= 0xC0 && c != 0xD7 && c != 0xF7); }

/* pnlu_latin1_words and pnlu_parse_latin1 on `text` (len bytes), cut into n_texts utterances. */
static void fuzz_text(const pnlu_feature_config *c, const pnlu_table *table, const pnlu_transitions *tr,
                      const uint8_t *raw, size_t len, const uint8_t *d) {
    uint8_t *text = xmalloc(len), *forms, *truncated, *scratch;
    uint32_t text_offsets[4], *form_offsets, *token_spans, utterance_words[6], *spans, span_offsets[4], best[3];
    uint32_t label_offsets[3] = {0, 1, 2}, bio_slot[N_LABELS] = {0, 0};
    uint8_t tag_label[2] = {1, 1}, bio_kind[N_LABELS] = {1, 2};
    double probability[3];
    size_t i, j, u, n_texts = 1 + d[0] % 3, max_chars = 1 + (size_t)d[1] * 17, max_tokens = 1 + d[2] % 9;
    size_t words_cap, n_words = 0, longest = 0, scratch_len, max_words, any_refused = 0;
    size_t forms_cap = PNLU_FORM_BYTES_PER_CHAR * len;
    pnlu_parse_model m;
    for (i = 0; i < len; i++) {
        any_refused |= !takes(raw[i]);
        text[i] = takes(raw[i]) ? raw[i] : (uint8_t)(raw[i] & 0x7f);
    }
    text_offsets[0] = 0;
    for (u = 1; u < n_texts; u++) text_offsets[u] = (uint32_t)(len * u / n_texts);
    text_offsets[n_texts] = (uint32_t)len;
    words_cap = len < n_texts * max_tokens ? len : n_texts * max_tokens;
    forms = xmalloc(forms_cap);
    form_offsets = xmalloc((3 * words_cap + 1) * sizeof *form_offsets);
    token_spans = xmalloc(2 * words_cap * sizeof *token_spans);
    spans = xmalloc(3 * words_cap * sizeof *spans);
    truncated = xmalloc(n_texts);
    if (any_refused)
        CHECK(pnlu_latin1_words(raw, len, text_offsets, n_texts, max_chars, max_tokens, 1, forms, forms_cap,
                                form_offsets, token_spans, words_cap, utterance_words, truncated,
                                &n_words) == PNLU_E_ARGUMENT);
    CHECK(pnlu_latin1_words(text, len, text_offsets, n_texts, max_chars, max_tokens, (int)c->digit_classes, forms,
                            forms_cap, form_offsets, token_spans, words_cap, utterance_words, truncated,
                            &n_words) == PNLU_OK);
    CHECK(n_words <= words_cap && form_offsets[0] == 0 && form_offsets[3 * n_words] <= forms_cap);
    for (u = 0; u < n_texts; u++) {
        size_t text_len = text_offsets[u + 1] - text_offsets[u], cut = text_len < max_chars ? text_len : max_chars;
        const uint8_t *t = text + text_offsets[u];
        CHECK(utterance_words[2 * u] <= utterance_words[2 * u + 1] && utterance_words[2 * u + 1] <= n_words);
        CHECK(utterance_words[2 * u + 1] - utterance_words[2 * u] <= max_tokens);
        CHECK(u == 0 || utterance_words[2 * u] == utterance_words[2 * u - 1]);
        for (i = utterance_words[2 * u]; i < utterance_words[2 * u + 1]; i++) {
            size_t token_bytes = token_spans[2 * i + 1] - token_spans[2 * i];
            CHECK(token_spans[2 * i] < token_spans[2 * i + 1] && token_spans[2 * i + 1] <= cut);
            CHECK(i == utterance_words[2 * u] || token_spans[2 * i] >= token_spans[2 * i - 1]);
            for (j = token_spans[2 * i]; j < token_spans[2 * i + 1]; j++) token_bytes += t[j] >= 0x80;
            CHECK(form_offsets[3 * i + 1] - form_offsets[3 * i] == token_bytes);
        }
        if (cut > longest) longest = cut;
    }
    memset(&m, 0, sizeof m);
    m.features = c;
    m.classifier = table;
    m.softmax_scale = 1.0;
    m.n_labels = N_LABELS;
    m.labels = (const uint8_t *)"ab";
    m.label_offsets = label_offsets;
    m.tag_label = tag_label;
    m.threshold = -1.0;
    m.crf = table;
    m.transitions = tr;
    m.bio_kind = bio_kind;
    m.bio_slot = bio_slot;
    max_words = longest < max_tokens ? longest : max_tokens;
    scratch_len = pnlu_parse_scratch_bytes(&m, max_words, PNLU_NORMALIZED_BYTES_PER_CHAR * longest);
    CHECK(scratch_len > 0);
    scratch = xmalloc(scratch_len);
    CHECK(pnlu_parse_latin1(&m, text, len, text_offsets, n_texts, max_chars, max_tokens, forms, forms_cap,
                            form_offsets, token_spans, words_cap, utterance_words, truncated, &n_words, scratch,
                            scratch_len, best, probability, spans, 3 * words_cap, span_offsets) == PNLU_OK);
    for (u = 0; u < n_texts; u++) {
        CHECK(best[u] == 0 && probability[u] > 0.5 && probability[u] <= 1.0); /* bias 1 and -1 */
        CHECK(span_offsets[u + 1] - span_offsets[u] == utterance_words[2 * u + 1] - utterance_words[2 * u]);
        for (i = span_offsets[u]; i < span_offsets[u + 1]; i++) /* one span per word: B-slot each */
            CHECK(spans[3 * i + 1] == token_spans[2 * (utterance_words[2 * u] + i - span_offsets[u])]);
    }
    free(scratch);
    free(text);
    free(forms);
    free(form_offsets);
    free(token_spans);
    free(spans);
    free(truncated);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pnlu_feature_config c;
    uint32_t offsets[3 * MAX_WORDS + 1], token_offsets[MAX_WORDS + 1], words[2], labels[MAX_WORDS];
    uint8_t table_bytes[104], transitions[4 * N_LABELS * N_LABELS] = {0};
    const uint8_t *forms;
    pnlu_table table;
    pnlu_transitions tr;
    size_t forms_len, n_forms = 0, i, scratch_len, n_words;
    uint8_t *scratch;
    int64_t scores[N_LABELS];

    if (size < CONFIG_BYTES) return 0;
    make_config(data, &c);
    forms = data + CONFIG_BYTES;
    forms_len = size - CONFIG_BYTES;
    /* A form ends after each zero byte (bytes after the last full word are in no form). */
    offsets[0] = 0;
    for (i = 0; i < forms_len && n_forms < 3 * MAX_WORDS; i++)
        if (forms[i] == 0) offsets[++n_forms] = (uint32_t)i + 1;
    n_words = n_forms / 3;

    /* The scratch for utterance keys alone, one byte short (less the 8 bytes of alignment
     * slack, unused by malloc's aligned blocks): refused. */
    scratch_len = pnlu_feature_scratch_bytes(&c, forms, forms_len, offsets, n_words, 0, 0);
    CHECK(scratch_len > 9);
    scratch = xmalloc(scratch_len - 9);
    CHECK(pnlu_utterance_keys(&c, forms, forms_len, offsets, n_words, scratch, scratch_len - 9, NULL, 0,
                              token_offsets, 1, &i) == PNLU_E_LIMIT);
    free(scratch);
    scratch_len = pnlu_feature_scratch_bytes(&c, forms, forms_len, offsets, n_words, 6, N_LABELS);
    CHECK(scratch_len > 0);
    scratch = xmalloc(scratch_len);

    collect(&c, forms, forms_len, offsets, n_words, 0, scratch, scratch_len, NULL);
    collect(&c, forms, forms_len, offsets, n_words, 1, scratch, scratch_len, token_offsets);
    for (i = 0; i < n_words; i++) CHECK(token_offsets[i + 1] >= token_offsets[i] + 3);

    empty_table(table_bytes);
    CHECK(pnlu_table_init(&table, table_bytes, sizeof table_bytes) == PNLU_OK);
    words[0] = 0;
    words[1] = (uint32_t)n_words;
    CHECK(pnlu_score_utterances(&table, &c, forms, forms_len, offsets, n_words, words, 1, 1, scratch, scratch_len,
                                scores, NULL) == PNLU_OK);
    CHECK(scores[0] == 1 && scores[1] == -1);
    CHECK(pnlu_transitions_dense(&tr, transitions, sizeof transitions, N_LABELS, 4) == PNLU_OK);
    CHECK(pnlu_crf_tag_words(&table, &tr, &c, forms, forms_len, offsets, n_words, (const uint8_t *)"i", 1,
                             scratch, scratch_len, labels) == PNLU_OK);
    for (i = 0; i < n_words; i++) CHECK(labels[i] == 0); /* all-zero scores: ties go to label 0 */
    free(scratch);
    fuzz_text(&c, &table, &tr, forms, forms_len, data + 3);
    return 0;
}
