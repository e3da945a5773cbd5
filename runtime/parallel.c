#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>
#include "parallel.h"
#include "progress.h"

#define MAX_THREADS 64
/* A helper yields for this long before it sleeps. Every product runs on
 * the pool with OpenBLAS on one thread, so a spinning helper takes no
 * core from OpenBLAS's own threads, while waking a sleeping one delays
 * the next job: 2 ms instead of 0.2 ms took 4-5% off conv's forward and
 * backward and ff's (alternating runs); 20 ms gained nothing more. */
#define SPIN_SECONDS 0.002
/* A job is cut into this many chunks per thread, and each thread takes
 * the next chunk when it is done with one: a helper that wakes late, or
 * a core slowed by another tenant of the VM, then takes fewer, where
 * halves fixed in advance left the other core waiting for it. */
#define CHUNKS_PER_THREAD 4

static struct pool {
    int threads;                    /* including the caller */
    atomic_int started;
    atomic_ulong generation;        /* bumped for every job */
    atomic_int pending;             /* helpers still on the current job */
    dae_range_fn fn;
    void *ctx;
    size_t n, chunks;
    atomic_size_t next_chunk;
    pthread_mutex_t lock;           /* for sleeping helpers only */
    pthread_cond_t wake;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* Which thread this is: 0 on the caller, i on helper i. */
static _Thread_local int my_part;

/* Runs the current job's chunks until none is left. */
static void take_chunks(void)
{
    size_t c;
    while ((c = atomic_fetch_add(&pool.next_chunk, 1)) < pool.chunks)
        pool.fn(pool.ctx, pool.n * c / pool.chunks, pool.n * (c + 1) / pool.chunks);
}

/* Waits until the generation moves past seen. */
static unsigned long wait_job(unsigned long seen)
{
    double idle_since = dae_seconds();
    unsigned long g;
    while ((g = atomic_load(&pool.generation)) == seen) {
        if (dae_seconds() - idle_since < SPIN_SECONDS) {
            sched_yield();
            continue;
        }
        pthread_mutex_lock(&pool.lock);
        while ((g = atomic_load(&pool.generation)) == seen)
            pthread_cond_wait(&pool.wake, &pool.lock);
        pthread_mutex_unlock(&pool.lock);
        return g;
    }
    return g;
}

static void *helper(void *arg)
{
    int part = (int)(size_t)arg;
    unsigned long seen = 0;

    my_part = part;
    for (;;) {
        seen = wait_job(seen);
        take_chunks();
        atomic_fetch_sub(&pool.pending, 1);
    }
    return NULL;
}

void dae_parallel_set_threads(int n)
{
    if (!atomic_load(&pool.started))
        pool.threads = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : n;
}

int dae_parallel_part(void)
{
    return my_part;
}

int dae_parallel_threads(void)
{
    if (pool.threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        pool.threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
    }
    return pool.threads;
}

/* Creates the helpers once; with fewer, the work is split fewer ways. */
static void start(void)
{
    dae_parallel_threads();
    for (int i = 1; i < pool.threads; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, helper, (void *)(size_t)i) != 0) {
            pool.threads = i;
            break;
        }
        pthread_detach(t);
    }
    atomic_store(&pool.started, 1);
}

void dae_parallel_for(size_t n, size_t min_split, dae_range_fn fn, void *ctx)
{
    if (!atomic_load(&pool.started))
        start();
    if (pool.threads == 1 || n < min_split) {
        fn(ctx, 0, n);
        return;
    }
    size_t chunks = (size_t)pool.threads * CHUNKS_PER_THREAD;
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.chunks = chunks < n ? chunks : n;
    atomic_store(&pool.next_chunk, 0);
    atomic_store(&pool.pending, pool.threads - 1);
    pthread_mutex_lock(&pool.lock);
    atomic_fetch_add(&pool.generation, 1);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);

    take_chunks();
    while (atomic_load(&pool.pending) > 0)
        sched_yield();
}
