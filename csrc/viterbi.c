/* CRF transitions (dense or column lists) and Viterbi decoding over integer scores. */
#include "pnlu.h"
#include "pnlu_bits.h"

#define COLUMNS_HEADER_BYTES 16

int pnlu_transitions_dense(pnlu_transitions *tr, const uint8_t *values, size_t len, size_t n_labels,
                           unsigned value_bytes) {
    if (!tr || !values || n_labels == 0 || n_labels > PNLU_MAX_LABELS || (value_bytes != 2 && value_bytes != 4))
        return PNLU_E_ARGUMENT;
    if ((uint64_t)len != (uint64_t)value_bytes * n_labels * n_labels) return PNLU_E_SIZE; /* no 32-bit wrap */
    if ((uint64_t)n_labels * n_labels > PNLU_MAX_VITERBI_WORK) return PNLU_E_LIMIT; /* a step visits every entry */
    memset(tr, 0, sizeof *tr);
    tr->dense = values;
    tr->n_labels = (uint32_t)n_labels;
    tr->value_bytes = value_bytes;
    return PNLU_OK;
}

/* Bytes of a column-lists section with these counts (FORMAT.md, "columns"); 64-bit arithmetic
 * so that hostile counts cannot wrap. */
static uint64_t columns_bytes(uint64_t n_labels, uint64_t n_nonzero) {
    uint64_t froms = 2 * n_nonzero;
    return COLUMNS_HEADER_BYTES + 4 * (n_labels + 1) + froms + (froms & 2) + 4 * n_nonzero;
}

int pnlu_transitions_columns(pnlu_transitions *tr, const uint8_t *data, size_t len) {
    uint32_t rows, cols, n_nonzero, y, previous, start, end, e;
    uint64_t work; /* step_columns' cost of one token (FORMAT.md, PNLU_MAX_VITERBI_WORK) */
    const uint8_t *starts, *froms;
    if (!tr || !data) return PNLU_E_ARGUMENT;
    if (len < COLUMNS_HEADER_BYTES) return PNLU_E_TRUNCATED;
    rows = pnlu_load_u32(data);
    cols = pnlu_load_u32(data + 4);
    n_nonzero = pnlu_load_u32(data + 8);
    if (rows != cols || rows == 0 || rows > PNLU_MAX_LABELS || pnlu_load_u32(data + 12) != 0 ||
        (uint64_t)n_nonzero > (uint64_t)rows * cols)
        return PNLU_E_HEADER;
    if ((uint64_t)len != columns_bytes(rows, n_nonzero)) return PNLU_E_SIZE;
    if (rows > PNLU_MAX_CRF_LABELS) return PNLU_E_LIMIT;
    starts = data + COLUMNS_HEADER_BYTES;
    froms = starts + 4 * ((size_t)cols + 1);
    /* Every column's list must be in range and strictly increasing: Viterbi relies on it. */
    if (pnlu_load_u32(starts) != 0 || pnlu_load_u32(starts + 4 * (size_t)cols) != n_nonzero) return PNLU_E_CORRUPT;
    for (y = 0, work = (uint64_t)rows * PNLU_VITERBI_TOP; y < cols; y++) {
        start = pnlu_load_u32(starts + 4 * (size_t)y);
        end = pnlu_load_u32(starts + 4 * ((size_t)y + 1));
        if (end < start || end > n_nonzero) return PNLU_E_CORRUPT;
        work += end - start < PNLU_VITERBI_TOP ? end - start : rows + (end - start);
        if (work > PNLU_MAX_VITERBI_WORK) return PNLU_E_LIMIT; /* here: also bounds this loop's work */
        for (e = start, previous = 0; e < end; e++) {
            uint32_t from = pnlu_load_u16(froms + 2 * (size_t)e);
            if (from >= rows || (e > start && from <= previous)) return PNLU_E_CORRUPT;
            previous = from;
        }
    }
    memset(tr, 0, sizeof *tr);
    tr->column_starts = starts;
    tr->from_labels = froms;
    tr->values = froms + 2 * (size_t)n_nonzero + ((2 * (size_t)n_nonzero) & 2);
    tr->n_labels = rows;
    tr->n_nonzero = n_nonzero;
    tr->value_bytes = 4;
    return PNLU_OK;
}

/* transitions[index] of a [from][to] matrix of `width`-byte (2 or 4) little-endian integers. */
static int64_t dense_value(const uint8_t *transitions, size_t index, unsigned width) {
    return width == 2 ? pnlu_load_i16(transitions + 2 * index) : pnlu_load_i32(transitions + 4 * index);
}

/* One Viterbi step with a dense matrix: cur[y] = max over from of prev[from] + T[from][y]. */
static void step_dense(const pnlu_transitions *tr, const int64_t *prev, int64_t *cur, uint16_t *bp) {
    size_t n = tr->n_labels, y, from;
    for (y = 0; y < n; y++) {
        int64_t top = prev[0] + dense_value(tr->dense, y, tr->value_bytes);
        uint32_t top_from = 0;
        for (from = 1; from < n; from++) {
            int64_t s = prev[from] + dense_value(tr->dense, from * n + y, tr->value_bytes);
            if (s > top) {
                top = s;
                top_from = (uint32_t)from;
            }
        }
        cur[y] = top;
        bp[y] = (uint16_t)top_from;
    }
}

/* Entries [*start, *end) of column y, or 0 if the file's bytes no longer bound them: the file
 * can be rewritten in place while it is mapped, so every index read from it is checked here,
 * where it is used, not only when the model was opened. */
static int column_range(const pnlu_transitions *tr, size_t y, uint32_t *start, uint32_t *end) {
    *start = pnlu_load_u32(tr->column_starts + 4 * y);
    *end = pnlu_load_u32(tr->column_starts + 4 * (y + 1));
    return *start <= *end && *end <= tr->n_nonzero;
}

/* One step with column lists, the same result as step_dense on the equivalent dense matrix
 * (ties to the lowest label) in O(n_labels * PNLU_VITERBI_TOP + n_nonzero) instead of
 * O(n_labels^2). prev's top list holds its best min(n_labels, PNLU_VITERBI_TOP) labels in
 * (score desc, label asc) order. For column y, the best label without an entry (transition 0)
 * is the first of the list that the column does not hold, if there is one; it competes with the
 * column's entries. One pass over the entries finds both: `slots[label]` is the label's bit in
 * the list (1 << place; 0 if not in it), so the entries make a mask whose lowest clear bit is
 * that label. A column holding the whole list (PNLU_VITERBI_TOP entries or more, or every
 * label) needs more: it is scattered into `column` and scanned in full, as is, without the entry
 * pass, a dense one (PNLU_VITERBI_TOP entries or more, and half the labels or more), so no column
 * costs more than the O(n_labels + entries) that pnlu_transitions_columns budgets for it. `column` and `slots`
 * are all zero between calls. PNLU_E_CORRUPT if a column's bounds or a `from` label read from
 * the file are out of range (each read is checked: the bytes may change between two). */
static int step_columns(const pnlu_transitions *tr, const int64_t *prev, int64_t *cur, uint16_t *bp,
                        int64_t *column, int64_t *slots) {
    uint16_t top[PNLU_VITERBI_TOP];
    size_t n = tr->n_labels, n_top = 0, y, from, i;
    uint32_t all_top;
    int status = PNLU_OK;
    for (from = 0; from < n; from++) {
        size_t at;
        if (n_top == PNLU_VITERBI_TOP && prev[from] <= prev[top[n_top - 1]]) continue;
        at = n_top < PNLU_VITERBI_TOP ? n_top++ : n_top - 1;
        while (at > 0 && prev[from] > prev[top[at - 1]]) {
            top[at] = top[at - 1];
            at--;
        }
        top[at] = (uint16_t)from;
    }
    for (i = 0; i < n_top; i++) slots[top[i]] = (int64_t)1 << i;
    all_top = (uint32_t)(((uint64_t)1 << n_top) - 1);
    for (y = 0; y < n; y++) {
        uint32_t start, end, e, f, in_top = 0; /* bit i: top[i] has an entry in this column */
        int64_t best = 0;
        uint32_t best_from = 0;
        int found = 0, dense;
        if (!column_range(tr, y, &start, &end)) {
            status = PNLU_E_CORRUPT;
            break;
        }
        /* A dense column (half the labels or more) goes straight to the full scan. */
        dense = end - start >= PNLU_VITERBI_TOP && 2 * (size_t)(end - start) >= n;
        for (e = start; e < end && !dense; e++) {
            int64_t s;
            if ((f = pnlu_load_u16(tr->from_labels + 2 * (size_t)e)) >= n) {
                status = PNLU_E_CORRUPT;
                break;
            }
            in_top |= (uint32_t)slots[f];
            s = prev[f] + pnlu_load_i32(tr->values + 4 * (size_t)e);
            if (!found || s > best || (s == best && f < best_from)) {
                best = s;
                best_from = f;
                found = 1;
            }
        }
        if (status != PNLU_OK) break;
        if (!dense && in_top != all_top) { /* the first label of the list without an entry */
            int64_t s;
            uint16_t label;
            for (i = 0; (in_top >> i) & 1; i++) {
            }
            label = top[i];
            s = prev[label];
            if (!found || s > best || (s == best && label < best_from)) {
                best = s;
                best_from = label;
            }
        } else if (dense || n_top < n) { /* the column holds the whole list: scan every label */
            for (e = start; e < end; e++) {
                if ((f = pnlu_load_u16(tr->from_labels + 2 * (size_t)e)) >= n) {
                    status = PNLU_E_CORRUPT;
                    break;
                }
                column[f] = pnlu_load_i32(tr->values + 4 * (size_t)e);
            }
            best = prev[0] + column[0];
            best_from = 0;
            for (from = 1; from < n; from++) {
                int64_t s = prev[from] + column[from];
                if (s > best) {
                    best = s;
                    best_from = (uint32_t)from;
                }
            }
            /* Bytes rewritten since the scatter can leave an entry set: this call's later scores
             * are then wrong, but every index stays in bounds (and pnlu_viterbi clears `column`
             * when it starts). */
            for (e = start; e < end; e++) {
                if ((f = pnlu_load_u16(tr->from_labels + 2 * (size_t)e)) >= n) {
                    status = PNLU_E_CORRUPT;
                    break;
                }
                column[f] = 0;
            }
            if (status != PNLU_OK) break;
        } /* else every label has an entry: the best entry is the best */
        cur[y] = best;
        bp[y] = (uint16_t)best_from;
    }
    for (i = 0; i < n_top; i++) slots[top[i]] = 0;
    return status;
}

int pnlu_viterbi(const int64_t *state_scores, size_t n_tokens, const pnlu_transitions *tr, int64_t *work,
                 uint16_t *backptr, uint32_t *labels_out, int64_t *best_score) {
    int64_t *prev, *cur, *column, *marks, *swap, best;
    size_t t, y, n_labels;
    uint32_t arg;
    int status;

    if (n_tokens == 0) {
        if (best_score) *best_score = 0;
        return PNLU_OK;
    }
    if (!tr || tr->n_labels == 0 || (!tr->dense && !tr->column_starts)) return PNLU_E_ARGUMENT;
    if (n_tokens > PNLU_MAX_TOKENS) return PNLU_E_LIMIT;
    if (!state_scores || !work || !backptr || !labels_out) return PNLU_E_ARGUMENT;
    n_labels = tr->n_labels;

    prev = work;
    cur = work + n_labels;
    column = work + 2 * n_labels;
    marks = work + 3 * n_labels;
    for (y = 0; y < n_labels; y++) {
        prev[y] = state_scores[y];
        column[y] = 0;
        marks[y] = 0;
    }
    for (t = 1; t < n_tokens; t++) {
        const int64_t *state = state_scores + t * n_labels;
        if (tr->dense)
            step_dense(tr, prev, cur, backptr + t * n_labels);
        else if ((status = step_columns(tr, prev, cur, backptr + t * n_labels, column, marks)) != PNLU_OK)
            return status;
        for (y = 0; y < n_labels; y++) cur[y] += state[y];
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
