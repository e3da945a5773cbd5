/* plot.h: the figures a run leaves behind, drawn with cairo into PNG files:
 * learning curves (loss per epoch) and grids of images (noisy input,
 * reconstructions, originals). They aim to look like a clean matplotlib
 * figure. Files are written atomically; bad arguments and drawing errors
 * give -1 and one line naming the file. */
#ifndef DAE_PLOT_H
#define DAE_PLOT_H

#include "error.h"

#define DAE_PLOT_MAX_SIDE 16384   /* largest figure side in pixels */
#define DAE_PLOT_MAX_PANELS 16
#define DAE_PLOT_MAX_SERIES 64    /* per panel */
#define DAE_PLOT_MAX_EPOCHS 10000000

/* y[i] is the value at epoch i+1; NaN and infinite values are skipped (the
 * line breaks there). label NULL leaves the series out of the legend. */
typedef struct dae_series {
    const char *label;
    const float *y;
    int n;
} dae_series;

typedef struct dae_curve_panel {
    const char *title;            /* above the panel, or NULL */
    const dae_series *series;
    int n_series;
} dae_curve_panel;

/* Learning curves: panels side by side, 640 x 440 px each (plus 44 px on
 * top for an overall title, NULL for none). Each panel has a frame, "epoch"
 * and "loss" axis titles, 1-2-5 ticks (integers on the epoch axis) with
 * labels, light grid lines, one line per series (matplotlib's colors: blue,
 * orange, green, red, ...) with markers when there are at most 30 epochs,
 * and a legend in the corner that hides the fewest points. */
int dae_plot_curves(const char *path, const char *title, const dae_curve_panel *panels,
                    int n_panels, dae_error *err);

typedef struct dae_grid {
    int rows, cols, h, w;             /* rows x cols images of h x w pixels */
    const char *const *row_labels;    /* rows labels drawn left of each row, or NULL */
    const float *pixels;              /* [rows][cols][h*w], 0 black .. 1 white, clamped */
    const char *title;                /* drawn above, or NULL */
} dae_grid;

/* Where dae_plot_grid puts things. Image (r, c) has its top-left corner at
 * (x0 + c * (cell_w + gap), y0 + r * (cell_h + gap)); each image pixel is a
 * scale x scale block. */
typedef struct dae_grid_layout {
    int width, height;                /* the whole figure */
    int scale;                        /* at least 96 px for the longer image side */
    int cell_w, cell_h;               /* w * scale, h * scale */
    int gap;
    int x0, y0;
} dae_grid_layout;

/* An image grid on white: each image enlarged by nearest-neighbour
 * sampling, small gaps between images, row labels right-aligned in a left
 * margin, and the title above. Sides are limited to DAE_PLOT_MAX_SIDE. */
int dae_plot_grid(const char *path, const dae_grid *g, dae_error *err);

/* The layout dae_plot_grid would use for g (validating g the same way). */
int dae_plot_grid_layout(const dae_grid *g, dae_grid_layout *lay, dae_error *err);

#endif
