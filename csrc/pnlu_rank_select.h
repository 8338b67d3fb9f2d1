/* Rank in the MPHF index and select in the row starts: included by table.c once per target
 * (PNLU_RS names the functions, PNLU_RS_ATTRIBUTE gives their target), so that the same body
 * compiles with and without the POPCNT instruction. No include guard on purpose. */

/* Ones of the index in [0, pos). pos < index_bits. */
PNLU_RS_ATTRIBUTE static uint64_t PNLU_RS(index_rank)(const pnlu_table *t, uint64_t pos) {
    uint64_t block = pos / PNLU_RANK_BLOCK_BITS;
    uint64_t rank = pnlu_load_u32(t->rank_samples + 4 * block);
    uint64_t word = block * (PNLU_RANK_BLOCK_BITS / 64);
    uint64_t last = pos >> 6;
    for (; word < last; word++) rank += pnlu_popcount64(pnlu_load_u64(t->index + 8 * word));
    if (pos & 63)
        rank += pnlu_popcount64(pnlu_load_u64(t->index + 8 * last) & ((1ULL << (pos & 63)) - 1));
    return rank;
}

/* Position of the one numbered `k` (0-based) in row_starts. */
PNLU_RS_ATTRIBUTE static int PNLU_RS(row_select)(const pnlu_table *t, uint64_t k, uint64_t *out) {
    uint64_t from = pnlu_load_u32(t->select_samples + 4 * (k / PNLU_SELECT_SAMPLE));
    uint64_t remaining = k % PNLU_SELECT_SAMPLE;
    uint64_t n_words = words_for_bits(t->n_pairs);
    uint64_t word_index = from >> 6;
    uint64_t word;

    if (from >= t->n_pairs) return PNLU_E_CORRUPT;
    word = pnlu_load_u64(t->row_starts + 8 * word_index) & (~0ULL << (from & 63));
    for (;;) {
        unsigned ones = pnlu_popcount64(word);
        if (remaining < ones) {
            uint64_t pos;
            while (remaining--) word &= word - 1;
            pos = word_index * 64 + pnlu_ctz64(word);
            if (pos >= t->n_pairs) return PNLU_E_CORRUPT;
            *out = pos;
            return PNLU_OK;
        }
        remaining -= ones;
        if (++word_index >= n_words) return PNLU_E_CORRUPT;
        word = pnlu_load_u64(t->row_starts + 8 * word_index);
    }
}

