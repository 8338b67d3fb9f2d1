/* Functions shared between the core's C files; not part of the API in pnlu.h. */
#ifndef PNLU_INTERNAL_H
#define PNLU_INTERNAL_H

#include "pnlu.h"

/* find_slot's "the table does not hold this key" (not an error). */
#define PNLU_NOT_FOUND 1

/* offsets has n + 1 nondecreasing entries, the last <= limit. */
int pnlu_check_offsets(const uint32_t *offsets, size_t n, size_t limit);

/* Slot of a key whose MurmurHash3 under the table's seed is h: PNLU_OK, PNLU_NOT_FOUND, or an
 * error for corrupt data. */
int pnlu_find_slot_hashed(const pnlu_table *t, const uint8_t *key, size_t len, const uint64_t h[2],
                          uint64_t *slot);

/* scores[label] += weight for each (label, weight) of the slot's row. */
int pnlu_add_row(const pnlu_table *t, uint64_t slot, int64_t *scores);

/* Scratch bytes enough for pnlu_score_utterances and pnlu_crf_tag_words (intent_len and
 * n_labels at most these) on any n_words words whose forms are each at most word_bytes long and
 * whose normalized words are word_bytes long in all; 0 for invalid arguments. */
size_t pnlu_feature_scratch_bound(const pnlu_feature_config *c, size_t n_words, size_t word_bytes,
                                  size_t intent_len, size_t n_labels);

#endif
