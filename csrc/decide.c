/* Decisions on a classifier's integer scores: the best label and its softmax probability. */
#include <math.h>

#include "pnlu.h"

int pnlu_softmax_best(const int64_t *scores, size_t n_rows, size_t n_labels, double scale, uint32_t *best,
                      double *probability) {
    size_t r, y;
    if (n_labels == 0 || n_labels > PNLU_MAX_LABELS || !(scale > 0.0) || !isfinite(scale)) return PNLU_E_ARGUMENT;
    if (n_rows && (!scores || !best || !probability)) return PNLU_E_ARGUMENT;
    for (r = 0; r < n_rows; r++) {
        const int64_t *row = scores + r * n_labels;
        int64_t top = row[0];
        uint32_t arg = 0;
        double total = 0.0;
        for (y = 1; y < n_labels; y++)
            if (row[y] > top) { /* ties: the lowest label, as Python's list.index(max) */
                top = row[y];
                arg = (uint32_t)y;
            }
        /* top - row[y] >= 0 and fits: scores are sums of at most 2^32 weights of 8 bits. */
        for (y = 0; y < n_labels; y++) total += exp(-scale * (double)(top - row[y]));
        best[r] = arg;
        probability[r] = 1.0 / total;
    }
    return PNLU_OK;
}
