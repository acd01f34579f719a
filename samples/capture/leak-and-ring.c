/*
 * A user-space process with a small real malloc leak beside a bounded cache (issue 15 item 6):
 *   leak_session_token()  mallocs LEAK_BYTES every LEAK_MS and never frees it (the real leak);
 *   ring_push()           keeps the last RING_SLOTS buffers of RING_BYTES, freeing the oldest
 *                         (bounded: full after RING_SLOTS * RING_MS, flat afterwards);
 *   scratch_format()      malloc + free of 4 KiB every 10 ms (churn, nothing outstanding).
 * Every buffer is touched so that it is resident. Frame pointers kept so that bcc/bpftrace can
 * walk the user stacks.
 * Build: gcc -O0 -g -fno-omit-frame-pointer -o leak-and-ring leak-and-ring.c
 * Run:   ./leak-and-ring LEAK_BYTES LEAK_MS RING_SLOTS RING_BYTES RING_MS DURATION_S
 * Prints one line per second: epoch, leaked bytes, ring bytes (the ground truth).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void **ring;
static long ring_slots, ring_bytes, ring_next, ring_held;
static long leaked_bytes;

/* One allocation wrapper for every caller: a uprobe at malloc's entry cannot see its immediate
 * caller's frame yet, so with the wrapper the stacks name the real callers below it. */
__attribute__((noinline)) static void *xmalloc(long n) { return malloc(n); }

__attribute__((noinline)) static void *leak_session_token(long n) {
  char *p = xmalloc(n);
  memset(p, 0x5a, n);
  leaked_bytes += n;
  return p; /* dropped by the caller: the leak */
}

__attribute__((noinline)) static void ring_push(void) {
  long slot = ring_next++ % ring_slots;
  if (ring[slot]) { free(ring[slot]); ring_held--; }
  ring[slot] = xmalloc(ring_bytes);
  memset(ring[slot], 0x11, ring_bytes);
  ring_held++;
}

__attribute__((noinline)) static void scratch_format(long tick) {
  char *s = xmalloc(4096);
  snprintf(s, 4096, "tick %ld", tick);
  free(s);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void run_loop(long leak_n, long leak_ms, long ring_ms, long duration_s) {
  long tick = 0; /* 10 ms ticks */
  long end = duration_s * 100;
  for (; tick < end; tick++) {
    if (tick % (leak_ms / 10) == 0) (void)leak_session_token(leak_n);
    if (tick % (ring_ms / 10) == 0) ring_push();
    scratch_format(tick);
    if (tick % 100 == 0) {
      printf("epoch=%.3f leaked_bytes=%ld ring_bytes=%ld\n", now(), leaked_bytes, ring_held * ring_bytes);
      fflush(stdout);
    }
    usleep(10000);
  }
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s LEAK_BYTES LEAK_MS RING_SLOTS RING_BYTES RING_MS DURATION_S\n", argv[0]);
    return 2;
  }
  long leak_n = atol(argv[1]), leak_ms = atol(argv[2]);
  ring_slots = atol(argv[3]);
  ring_bytes = atol(argv[4]);
  long ring_ms = atol(argv[5]), duration_s = atol(argv[6]);
  ring = calloc(ring_slots, sizeof *ring);
  printf("pid=%d start epoch=%.3f\n", getpid(), now());
  fflush(stdout);
  run_loop(leak_n, leak_ms, ring_ms, duration_s);
  printf("DONE epoch=%.3f leaked_bytes=%ld ring_bytes=%ld\n", now(), leaked_bytes, ring_held * ring_bytes);
  fflush(stdout);
  pause(); /* hold everything so that a final report still sees it */
  return 0;
}
