#include <time.h>
#include <unistd.h>
#include "progress.h"

double dae_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void dae_progress_init(dae_progress *p, FILE *out, int quiet, int epochs)
{
    p->out = out;
    p->quiet = quiet;
    p->live = !quiet && isatty(fileno(out));
    p->epochs = epochs;
}

void dae_progress_epoch(dae_progress *p, int epoch, long total_steps)
{
    p->epoch = epoch;
    p->total = total_steps;
    p->start = dae_seconds();
    p->last_draw = 0;
    if (p->live)
        fprintf(p->out, "Epoch %d/%d\n", epoch, p->epochs);
}

static void bar(FILE *out, long step, long total)
{
    const int width = 30;
    int filled = total ? (int)(width * step / total) : width;
    fputc('[', out);
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '=' : i == filled ? '>' : '.', out);
    fputc(']', out);
}

void dae_progress_step(dae_progress *p, long step, float running_loss)
{
    double now = dae_seconds();
    if (!p->live || (now - p->last_draw < 0.1 && step < p->total))
        return;
    p->last_draw = now;
    double eta = step ? (now - p->start) * (double)(p->total - step) / (double)step : 0;
    fprintf(p->out, "\r%5ld/%ld ", step, p->total);
    bar(p->out, step, p->total);
    fprintf(p->out, " - ETA: %3.0fs - loss: %.4f ", eta, (double)running_loss);
    fflush(p->out);
}

void dae_progress_done(dae_progress *p, float loss, float val_loss, double secs)
{
    if (p->quiet)
        return;
    if (p->live) {
        fprintf(p->out, "\r%5ld/%ld ", p->total, p->total);
        bar(p->out, p->total, p->total);
        fprintf(p->out, " - %.1fs - loss: %.4f - val_loss: %.4f\n", secs,
                (double)loss, (double)val_loss);
    } else {
        fprintf(p->out, "epoch %d/%d  loss %.4f  val_loss %.4f  %.1fs\n", p->epoch,
                p->epochs, (double)loss, (double)val_loss, secs);
    }
    fflush(p->out);
}

void dae_progress_abort(dae_progress *p)
{
    if (p->live && !p->quiet) {
        fputc('\n', p->out);
        fflush(p->out);
    }
}
