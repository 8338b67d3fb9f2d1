/* A main() for the libFuzzer harnesses without libFuzzer: runs LLVMFuzzerTestOneInput once on
 * each file named on the command line (a directory: on each file in it). Used by
 * deploy/test-sanitizers.sh to replay the committed corpus under gcc's ASan and UBSan;
 * exits non-zero if a file cannot be read (a harness failure aborts by itself). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long size;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (f) fclose(f);
        return -1;
    }
    /* Exactly sized, like libFuzzer's copy, so reads past the end are caught. */
    data = malloc(size ? (size_t)size : 1);
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        fclose(f);
        free(data);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data, (size_t)size);
    free(data);
    return 1;
}

int main(int argc, char **argv) {
    int i, count = 0, failed = 0;
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *dir = opendir(argv[i]);
            struct dirent *entry;
            if (!dir) {
                fprintf(stderr, "replay: cannot open %s\n", argv[i]);
                failed = 1;
                continue;
            }
            while ((entry = readdir(dir)) != NULL) {
                char path[4096];
                struct stat entry_st;
                snprintf(path, sizeof path, "%s/%s", argv[i], entry->d_name);
                if (stat(path, &entry_st) != 0 || !S_ISREG(entry_st.st_mode)) continue;
                if (replay_file(path) < 0) failed = 1;
                else count++;
            }
            closedir(dir);
        } else if (replay_file(argv[i]) < 0) {
            failed = 1;
        } else {
            count++;
        }
    }
    printf("replayed %d inputs\n", count);
    return failed;
}
