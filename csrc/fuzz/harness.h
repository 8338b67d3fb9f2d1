/* Shared by the libFuzzer harnesses: an invariant check that aborts (libFuzzer reports the
 * crash) and exactly sized heap blocks (ASan red zones on both sides). */
#ifndef PNLU_FUZZ_HARNESS_H
#define PNLU_FUZZ_HARNESS_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* Never NULL. */
static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

#endif
