/* Memory read bandwidth of this machine, the ceiling of CPU decoding: every generated
 * token reads all of a model's weights once. Sums a buffer far larger than the caches
 * with one thread per core; prints the best of several passes in bytes per second.
 *
 *   cc -O2 -pthread bench/bandwidth.c -o build/bandwidth && build/bandwidth [MiB] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct part {
    const uint64_t * p;
    size_t n;
    uint64_t sum;
};

static void * sum_part(void * arg) {
    struct part * t = arg;
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i + 4 <= t->n; i += 4) {
        a += t->p[i];
        b += t->p[i + 1];
        c += t->p[i + 2];
        d += t->p[i + 3];
    }
    t->sum = a + b + c + d;
    return NULL;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char ** argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
    size_t words = mib * (1u << 20) / sizeof(uint64_t);
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    uint64_t * buf = malloc(words * sizeof(uint64_t));
    if (!buf) return 1;
    for (size_t i = 0; i < words; i++) buf[i] = i;
    double best = 0;
    uint64_t check = 0;
    for (int pass = 0; pass < 7; pass++) {
        pthread_t tid[256];
        struct part parts[256];
        if (threads > 256) threads = 256;
        size_t per = words / threads;
        double t0 = now();
        for (long k = 0; k < threads; k++) {
            parts[k] = (struct part){buf + k * per, per, 0};
            pthread_create(&tid[k], NULL, sum_part, &parts[k]);
        }
        for (long k = 0; k < threads; k++) {
            pthread_join(tid[k], NULL);
            check += parts[k].sum;
        }
        double bw = (double) per * threads * sizeof(uint64_t) / (now() - t0);
        if (bw > best) best = bw;
    }
    printf("%.0f\n", best);
    fprintf(stderr, "checksum %llu\n", (unsigned long long) check);
    free(buf);
    return 0;
}
