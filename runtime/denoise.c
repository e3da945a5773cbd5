/* `denoise IN.png OUT.png`: one image through the trained model. The
 * image is taken as it is (already noisy); any PNG is read as gray. */
#include <math.h>
#include <stdlib.h>
#include "png.h"
#include "session.h"
#include "trainer.h"
#include "weights.h"

/* The image size the model takes: its input shape, or for a flat input
 * (ff's 784) the square it was made from. */
static int model_image(const dae_model *m, int *h, int *w, dae_error *err)
{
    if (m->in_c == 1) {
        *h = m->in_h, *w = m->in_w;
        return 0;
    }
    int side = (int)lround(sqrt((double)m->in_size));
    if (m->in_h == 1 && m->in_w == 1 && (size_t)side * (size_t)side == m->in_size) {
        *h = *w = side;
        return 0;
    }
    return dae_fail(err, "model '%s' takes %dx%dx%d inputs, not one-channel "
                    "images: denoise cannot feed it a PNG", m->name, m->in_h,
                    m->in_w, m->in_c);
}

int dae_denoise(const dae_model *m, const dae_run_options *o, const char *weights,
                const char *in_png, const char *out_png, dae_error *err)
{
    int h = 0, w = 0, ih, iw;
    float *img = NULL;
    if (model_image(m, &h, &w, err) != 0
        || dae_png_read_gray(in_png, &img, &ih, &iw, err) != 0)
        return -1;
    if (ih != h || iw != w) {
        free(img);
        return dae_fail(err, "%s is %dx%d pixels (width x height); model '%s' "
                        "takes %dx%d", in_png, iw, ih, m->name, w, h);
    }
    dae_session s;
    int rc = dae_session_init(&s, m, &o->cfg, 1, err);
    if (rc == 0)
        rc = dae_weights_load(m, s.net.params, weights, err);
    if (rc == 0)
        rc = dae_png_write_gray(out_png, dae_session_predict(&s, img, 1), h, w, err);
    dae_session_free(&s);
    free(img);
    return rc;
}
