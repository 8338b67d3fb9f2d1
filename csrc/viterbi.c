/* Viterbi decoding for a linear-chain CRF over integer scores. */
#include "pnlu.h"
#include "pnlu_bits.h"

/* transitions[index] of a [from][to] matrix of `width`-byte (2 or 4) little-endian integers. */
static int64_t transition(const uint8_t *transitions, size_t index, unsigned width) {
    return width == 2 ? pnlu_load_i16(transitions + 2 * index) : pnlu_load_i32(transitions + 4 * index);
}

int pnlu_viterbi(const int64_t *state_scores, size_t n_tokens, size_t n_labels,
                 const uint8_t *transitions, unsigned transition_bytes, int64_t *work, uint16_t *backptr,
                 uint32_t *labels_out, int64_t *best_score) {
    int64_t *prev, *cur, *swap, best;
    size_t t, y, from;
    uint32_t arg;

    if (n_tokens == 0) {
        if (best_score) *best_score = 0;
        return PNLU_OK;
    }
    if (n_labels == 0 || n_labels > 65535 || (transition_bytes != 2 && transition_bytes != 4))
        return PNLU_E_ARGUMENT;
    if (n_tokens > PNLU_MAX_TOKENS) return PNLU_E_LIMIT;
    if (!state_scores || !transitions || !work || !backptr || !labels_out) return PNLU_E_ARGUMENT;

    prev = work;
    cur = work + n_labels;
    for (y = 0; y < n_labels; y++) prev[y] = state_scores[y];
    for (t = 1; t < n_tokens; t++) {
        const int64_t *state = state_scores + t * n_labels;
        uint16_t *bp = backptr + t * n_labels;
        for (y = 0; y < n_labels; y++) {
            int64_t top = prev[0] + transition(transitions, y, transition_bytes);
            uint32_t top_from = 0;
            for (from = 1; from < n_labels; from++) {
                int64_t s = prev[from] + transition(transitions, from * n_labels + y, transition_bytes);
                if (s > top) {
                    top = s;
                    top_from = (uint32_t)from;
                }
            }
            cur[y] = top + state[y];
            bp[y] = (uint16_t)top_from;
        }
        swap = prev;
        prev = cur;
        cur = swap;
    }
    best = prev[0];
    arg = 0;
    for (y = 1; y < n_labels; y++)
        if (prev[y] > best) {
            best = prev[y];
            arg = (uint32_t)y;
        }
    labels_out[n_tokens - 1] = arg;
    for (t = n_tokens - 1; t > 0; t--) {
        arg = backptr[t * n_labels + arg];
        labels_out[t - 1] = arg;
    }
    if (best_score) *best_score = best;
    return PNLU_OK;
}
