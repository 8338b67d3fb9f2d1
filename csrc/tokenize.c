/* Tokens and forms of ASCII and Latin-1 text, and the whole parse of a batch in one call.
 *
 * The device's fast path for text whose characters are all ASCII or Latin-1 letters, given as
 * Latin-1 bytes (one byte per character): the same tokens, character spans and forms
 * (normalized word, digit class, shape; UTF-8) as runtime/pocketnlu/features.py (prepare, then
 * word_forms), which keeps the general path for other text. Characters are bytes; letters are
 * [A-Za-z] and the Latin-1 letters U+00C0..U+00FF but U+00D7 and U+00F7 (x and /), digits
 * [0-9], whitespace what Python's str.isspace() says of ASCII (\t \n \v \f \r, \x1c..\x1f and
 * space). Normalization (NFKC, case folding, NFKC) is then one mapping per character: ASCII
 * lower(); a Latin-1 capital its small letter (U+00C0..U+00DE, +0x20); U+00DF (sharp s) "ss";
 * small letters stay. The rest of Latin-1 (no-break space, the symbols, the superscripts,
 * fractions, ordinal indicators and micro sign that NFKC decomposes, the guillemets the
 * tokenizer splits off) is refused, and takes the general path. Tests compare both paths on
 * random and real text.
 *
 * Then pnlu_parse_words does what runtime/pocketnlu/nlu.py does with the forms: the
 * classifier's scores and decision, the CRF's tags for in-scope utterances, and the slots as
 * BIO spans (nlu.bio_spans), so that Python builds one Parse per utterance and one SlotValue
 * per slot, and nothing per token. */
#include "pnlu.h"
#include "pnlu_bits.h"
#include "pnlu_internal.h"

/* ---- characters ------------------------------------------------------------------------- */

static int is_space(uint8_t c) { return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f); }
static int is_upper(uint8_t c) { return c >= 'A' && c <= 'Z'; }
static int is_latin1_letter(uint8_t c) { return c >= 0xC0 && c != 0xD7 && c != 0xF7; }
static int is_letter(uint8_t c) { return is_upper(c) || (c >= 'a' && c <= 'z') || is_latin1_letter(c); }
/* A character this path takes: ASCII, or a Latin-1 letter. */
static int is_fast_char(uint8_t c) { return c < 0x80 || is_latin1_letter(c); }
static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
/* features._OPENING and _CLOSING, their ASCII members. */
static int is_opening(uint8_t c) { return c == '"' || c == '(' || c == '[' || c == '{'; }
static int is_closing(uint8_t c) {
    return c == '"' || c == ')' || c == ']' || c == '}' || c == ',' || c == ';' || c == '!' || c == '?';
}
static uint8_t lower(uint8_t c) { return is_upper(c) ? (uint8_t)(c + 32) : c; }

/* features.normalize of one character c (is_fast_char) as UTF-8 into out; returns its bytes,
 * at most PNLU_NORMALIZED_BYTES_PER_CHAR. */
static size_t normalize_char(uint8_t c, uint8_t *out) {
    if (c < 0x80) {
        out[0] = lower(c);
        return 1;
    }
    if (c == 0xDF) { /* sharp s case-folds to "ss" */
        out[0] = out[1] = 's';
        return 2;
    }
    if (c <= 0xDE) c = (uint8_t)(c + 0x20); /* capital -> small letter */
    out[0] = 0xC3;                         /* U+00C0..U+00FF in UTF-8 */
    out[1] = (uint8_t)(0x80 | (c & 0x3F));
    return 2;
}

/* features._ABBREVIATIONS */
static const char *const ABBREVIATIONS[] = {"st", "mt", "ft", "dr", "mr", "mrs", "ms", "jr",
                                            "sr", "vs", "etc", "ave", "blvd", "rd"};

/* features._is_abbreviation of s[0 .. n) */
static int is_abbreviation(const uint8_t *s, size_t n) {
    size_t i, a;
    for (i = 0; i < n; i++)
        if (s[i] == '.') return 1;
    if (n == 1 && is_letter(s[0])) return 1;
    for (a = 0; a < sizeof ABBREVIATIONS / sizeof ABBREVIATIONS[0]; a++) {
        const char *word = ABBREVIATIONS[a];
        size_t len = strlen(word);
        if (len != n) continue;
        for (i = 0; i < n && lower(s[i]) == (uint8_t)word[i]; i++) {
        }
        if (i == n) return 1;
    }
    return 0;
}

/* ---- tokens and forms ------------------------------------------------------------------- */

typedef struct {
    const uint8_t *text; /* this utterance's text */
    size_t count;        /* tokens of this utterance so far */
    size_t max_tokens;
    int overflow;        /* a token past max_tokens was found */
    int digit_classes;
    uint8_t *forms;
    size_t forms_cap;
    uint32_t *form_offsets; /* 3 * words_cap + 1 entries, [0] already written */
    uint32_t *token_spans;  /* 2 * words_cap */
    size_t words_cap, n_words, forms_len;
    int status;
} token_sink;

/* Appends the token text[start .. end) and its three forms (features.word_forms). */
static void add_token(token_sink *s, size_t start, size_t end) {
    size_t i, m = end - start, base, word, word_len;
    uint32_t *offsets;
    const uint8_t *t = s->text + start;
    int digits = 0;
    uint8_t previous = 0;
    if (s->status != PNLU_OK) return;
    if (s->count >= s->max_tokens) {
        s->overflow = 1;
        return;
    }
    if (s->n_words >= s->words_cap || PNLU_FORM_BYTES_PER_CHAR * m > s->forms_cap - s->forms_len ||
        start > UINT32_MAX || end > UINT32_MAX || s->forms_len + PNLU_FORM_BYTES_PER_CHAR * m > UINT32_MAX) {
        s->status = PNLU_E_LIMIT;
        return;
    }
    word = base = s->forms_len;
    offsets = s->form_offsets + 3 * s->n_words;
    for (i = 0; i < m; i++) {
        base += normalize_char(t[i], s->forms + base);
        digits |= is_digit(t[i]);
    }
    word_len = base - word;
    offsets[1] = (uint32_t)base;
    if (digits && s->digit_classes) { /* features.digit_class of the normalized word */
        for (i = 0; i < word_len; i++) {
            uint8_t c = s->forms[word + i];
            s->forms[base + i] = (c >= '1' && c <= '9') ? (uint8_t)'0' : c;
        }
        base += word_len;
    }
    offsets[2] = (uint32_t)base;
    /* features.word_shape (of the normalized word, whose letters are those of the token):
     * runs of x, d or the character itself */
    for (i = 0; i < m; i++) {
        uint8_t kind = is_letter(t[i]) ? (uint8_t)'x' : is_digit(t[i]) ? (uint8_t)'d' : t[i];
        if (i == 0 || kind != previous) s->forms[base++] = kind;
        previous = kind;
    }
    offsets[3] = (uint32_t)base;
    s->forms_len = base;
    s->token_spans[2 * s->n_words] = (uint32_t)start;
    s->token_spans[2 * s->n_words + 1] = (uint32_t)end;
    s->n_words++;
    s->count++;
}

/* features._split_chunk of the whitespace-free chunk text[start .. end). */
static void split_chunk(token_sink *s, size_t start, size_t end) {
    const uint8_t *t = s->text;
    size_t middle_end = end, run_start, run_end;
    while (start < end && is_opening(t[start])) {
        run_end = start + 1;
        while (run_end < end && t[run_end] == t[start]) run_end++;
        add_token(s, start, run_end);
        start = run_end;
    }
    /* Trailing runs, found from the end as Python does; emitted afterwards in text order (they
     * are the maximal runs of one character of [middle_end, end)). */
    while (middle_end > start) {
        uint8_t c = t[middle_end - 1];
        run_start = middle_end - 1;
        while (run_start > start && t[run_start - 1] == c) run_start--;
        if (c == '.' && middle_end - run_start == 1 && is_abbreviation(t + start, run_start - start)) break;
        if (c != '.' && !is_closing(c)) break;
        middle_end = run_start;
    }
    if (middle_end > start) add_token(s, start, middle_end);
    for (run_start = middle_end; run_start < end; run_start = run_end) {
        run_end = run_start + 1;
        while (run_end < end && t[run_end] == t[run_start]) run_end++;
        add_token(s, run_start, run_end);
    }
}

static int any_nonspace(const uint8_t *t, size_t from, size_t to) {
    for (; from < to; from++)
        if (!is_space(t[from])) return 1;
    return 0;
}

/* features._tokenize(text, max_chars, max_tokens) of one utterance; returns whether it was cut. */
static int tokenize_one(token_sink *s, size_t len, size_t max_chars) {
    const uint8_t *t = s->text;
    size_t limit = len < max_chars ? len : max_chars, i = 0, start;
    for (;;) {
        while (i < limit && is_space(t[i])) i++;
        if (i >= limit) break;
        start = i;
        while (i < limit && !is_space(t[i])) i++;
        if (i == limit && limit < len && !is_space(t[limit])) return 1; /* the limit cut this word: dropped */
        split_chunk(s, start, i);
        if (s->count >= s->max_tokens) return s->overflow || any_nonspace(t, i, len);
    }
    return any_nonspace(t, limit, len);
}

int pnlu_latin1_words(const uint8_t *text, size_t text_len, const uint32_t *text_offsets, size_t n_texts,
                      size_t max_chars, size_t max_tokens, int digit_classes, uint8_t *forms, size_t forms_cap,
                      uint32_t *form_offsets, uint32_t *token_spans, size_t words_cap, uint32_t *utterance_words,
                      uint8_t *truncated, size_t *n_words) {
    token_sink s;
    size_t u, i;
    int status = pnlu_check_offsets(text_offsets, n_texts, text_len);
    if (status != PNLU_OK) return status;
    if ((!text && text_len) || !form_offsets || !n_words || (!forms && forms_cap) || (!token_spans && words_cap) ||
        (n_texts && (!utterance_words || !truncated)) || (digit_classes != 0 && digit_classes != 1))
        return PNLU_E_ARGUMENT;
    if (words_cap > PNLU_MAX_WORDS || n_texts > PNLU_MAX_WORDS) return PNLU_E_LIMIT;
    for (i = 0; i < text_len; i++)
        if (!is_fast_char(text[i])) return PNLU_E_ARGUMENT; /* the Python path's text */
    memset(&s, 0, sizeof s);
    s.max_tokens = max_tokens;
    s.digit_classes = digit_classes;
    s.forms = forms;
    s.forms_cap = forms ? forms_cap : 0;
    s.form_offsets = form_offsets;
    s.token_spans = token_spans;
    s.words_cap = words_cap;
    s.status = PNLU_OK;
    form_offsets[0] = 0;
    *n_words = 0;
    for (u = 0; u < n_texts; u++) {
        int cut;
        s.text = text + text_offsets[u];
        s.count = 0;
        s.overflow = 0;
        utterance_words[2 * u] = (uint32_t)s.n_words;
        cut = tokenize_one(&s, text_offsets[u + 1] - text_offsets[u], max_chars);
        if (s.status != PNLU_OK) return s.status;
        utterance_words[2 * u + 1] = (uint32_t)s.n_words;
        truncated[u] = (uint8_t)cut;
    }
    *n_words = s.n_words;
    return PNLU_OK;
}

/* ---- the parse of tokenized utterances ---------------------------------------------------- */

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static int check_model(const pnlu_parse_model *m, size_t *longest_label) {
    uint32_t y;
    *longest_label = 0;
    if (!m || !m->features || m->n_labels == 0 || m->n_labels > PNLU_MAX_LABELS || !m->labels || !m->label_offsets ||
        !m->tag_label)
        return PNLU_E_ARGUMENT;
    if (m->classifier ? m->classifier->n_labels != m->n_labels : m->n_labels != 1) return PNLU_E_ARGUMENT;
    if (m->classifier && (!(m->softmax_scale > 0.0) || m->softmax_scale != m->softmax_scale)) return PNLU_E_ARGUMENT;
    if (m->label_offsets[0] != 0) return PNLU_E_ARGUMENT;
    for (y = 0; y < m->n_labels; y++) {
        if (m->label_offsets[y + 1] < m->label_offsets[y]) return PNLU_E_ARGUMENT;
        if (m->label_offsets[y + 1] - m->label_offsets[y] > *longest_label)
            *longest_label = m->label_offsets[y + 1] - m->label_offsets[y];
    }
    if (*longest_label > PNLU_MAX_WORDS) return PNLU_E_LIMIT;
    if (m->crf) {
        if (m->crf->n_labels == 0 || !m->transitions || m->transitions->n_labels != m->crf->n_labels || !m->bio_kind ||
            !m->bio_slot)
            return PNLU_E_ARGUMENT;
    }
    return PNLU_OK;
}

/* Scratch: [classifier scores][CRF tags][the feature composer's scratch]. */
static size_t parse_scratch(const pnlu_parse_model *m, size_t max_words, size_t max_word_bytes, size_t longest_label,
                            size_t *feature_at) {
    size_t fixed = align8(8 * (size_t)m->n_labels) + align8(4 * max_words);
    size_t features = pnlu_feature_scratch_bound(m->features, max_words, max_word_bytes, longest_label,
                                                 m->crf ? m->crf->n_labels : 0);
    if (feature_at) *feature_at = fixed;
    if (features == 0) return 0;
    return fixed + features + 8;
}

size_t pnlu_parse_scratch_bytes(const pnlu_parse_model *m, size_t max_words, size_t max_word_bytes) {
    size_t longest_label;
    if (check_model(m, &longest_label) != PNLU_OK || max_words > PNLU_MAX_TOKENS || max_word_bytes > PNLU_MAX_WORDS)
        return 0;
    return parse_scratch(m, max_words, max_word_bytes, longest_label, NULL);
}

int pnlu_parse_words(const pnlu_parse_model *m, const uint8_t *forms, size_t forms_len, const uint32_t *form_offsets,
                     size_t n_words, const uint32_t *token_spans, const uint32_t *utterance_words, size_t n_utterances,
                     const double *prior, uint8_t *scratch, size_t scratch_len, uint32_t *best, double *probability,
                     uint32_t *spans, size_t spans_cap, uint32_t *span_offsets) {
    size_t u, longest_label, n_spans = 0, skew;
    int64_t *scores;
    uint32_t *tags;
    uint8_t *features;
    int status = check_model(m, &longest_label);
    if (status != PNLU_OK) return status;
    if (!form_offsets || (!forms && forms_len) || (n_words && !token_spans) || !span_offsets || (!spans && spans_cap) ||
        (n_utterances && (!utterance_words || !best || !probability)) || !scratch)
        return PNLU_E_ARGUMENT;
    if (n_words > PNLU_MAX_WORDS || n_utterances > PNLU_MAX_WORDS) return PNLU_E_LIMIT;
    if ((status = pnlu_check_offsets(form_offsets, 3 * n_words, forms_len)) != PNLU_OK) return status;
    skew = (8 - (size_t)((uintptr_t)scratch & 7)) & 7;
    if (scratch_len < skew + align8(8 * (size_t)m->n_labels)) return PNLU_E_LIMIT;
    scratch += skew;
    scratch_len -= skew;
    scores = (int64_t *)(void *)scratch;
    span_offsets[0] = 0;
    for (u = 0; u < n_utterances; u++) {
        uint32_t first = utterance_words[2 * u], last = utterance_words[2 * u + 1];
        size_t n, word_bytes, feature_at, need, i;
        const uint32_t *offsets;
        double p;
        uint32_t label;
        if (first > last || last > n_words) return PNLU_E_ARGUMENT;
        n = last - first;
        offsets = form_offsets + 3 * (size_t)first;
        if (n > PNLU_MAX_TOKENS) return PNLU_E_LIMIT;
        word_bytes = 0;
        for (i = 0; i < n; i++) {
            size_t len = offsets[3 * i + 1] - offsets[3 * i];
            word_bytes += len; /* also bounds the word's digit class and shape (checked below) */
            if (offsets[3 * i + 2] - offsets[3 * i + 1] > len || offsets[3 * i + 3] - offsets[3 * i + 2] > len)
                return PNLU_E_ARGUMENT;
        }
        need = parse_scratch(m, n, word_bytes, longest_label, &feature_at);
        if (need == 0 || need > scratch_len) return PNLU_E_LIMIT;
        tags = (uint32_t *)(void *)(scratch + align8(8 * (size_t)m->n_labels));
        features = scratch + feature_at;
        if (m->classifier) {
            uint32_t range[2];
            range[0] = 0;
            range[1] = (uint32_t)n;
            status = pnlu_score_utterances(m->classifier, m->features, forms, forms_len, offsets, n, range, 1, 1,
                                           features, scratch_len - feature_at, scores, NULL);
            if (status == PNLU_OK)
                status = pnlu_softmax_best(scores, 1, m->n_labels, m->softmax_scale, &label, &p);
            if (status != PNLU_OK) return status;
        } else {
            label = 0;
            p = 1.0;
        }
        if (prior) p = prior[u] * p;
        best[u] = label;
        probability[u] = p;
        if (m->crf && n > 0 && m->tag_label[label] && !(p < m->threshold)) {
            const uint8_t *intent = m->labels + m->label_offsets[label];
            size_t intent_len = m->label_offsets[label + 1] - m->label_offsets[label];
            int open = 0;
            uint32_t slot = 0, start = 0, end = 0;
            status = pnlu_crf_tag_words(m->crf, m->transitions, m->features, forms, forms_len, offsets, n,
                                        intent_len ? intent : (const uint8_t *)"", intent_len, features,
                                        scratch_len - feature_at, tags);
            if (status != PNLU_OK) return status;
            /* nlu.bio_spans: B-x starts a span, I-x continues a span of x (else starts one). */
            for (i = 0; i <= n; i++) {
                uint32_t kind = 0, tag_slot = 0;
                if (i < n) {
                    if (tags[i] >= m->crf->n_labels) return PNLU_E_CORRUPT;
                    kind = m->bio_kind[tags[i]];
                    tag_slot = m->bio_slot[tags[i]];
                    if (kind == 2 && open && tag_slot == slot) {
                        end = token_spans[2 * (first + i) + 1];
                        continue;
                    }
                }
                if (open) {
                    if (n_spans >= spans_cap / 3) return PNLU_E_LIMIT;
                    spans[3 * n_spans] = slot;
                    spans[3 * n_spans + 1] = start;
                    spans[3 * n_spans + 2] = end;
                    n_spans++;
                    open = 0;
                }
                if (kind == 1 || kind == 2) {
                    open = 1;
                    slot = tag_slot;
                    start = token_spans[2 * (first + i)];
                    end = token_spans[2 * (first + i) + 1];
                }
            }
        }
        span_offsets[u + 1] = (uint32_t)n_spans;
    }
    return PNLU_OK;
}

int pnlu_parse_latin1(const pnlu_parse_model *m, const uint8_t *text, size_t text_len, const uint32_t *text_offsets,
                      size_t n_texts, size_t max_chars, size_t max_tokens, uint8_t *forms, size_t forms_cap,
                      uint32_t *form_offsets, uint32_t *token_spans, size_t words_cap, uint32_t *utterance_words,
                      uint8_t *truncated, size_t *n_words, uint8_t *scratch, size_t scratch_len, uint32_t *best,
                      double *probability, uint32_t *spans, size_t spans_cap, uint32_t *span_offsets) {
    int status;
    if (!m || !m->features) return PNLU_E_ARGUMENT;
    status = pnlu_latin1_words(text, text_len, text_offsets, n_texts, max_chars, max_tokens,
                               (int)m->features->digit_classes, forms, forms_cap, form_offsets, token_spans, words_cap,
                               utterance_words, truncated, n_words);
    if (status != PNLU_OK) return status;
    return pnlu_parse_words(m, forms, form_offsets[3 * *n_words], form_offsets, *n_words, token_spans,
                            utterance_words, n_texts, NULL, scratch, scratch_len, best, probability, spans, spans_cap,
                            span_offsets);
}
