/* eval's image metrics against values computed with numpy (the scikit-image
 * SSIM definition written out; see runtime/metrics.h). */
#include <math.h>
#include "check.h"
#include "metrics.h"

int main(void)
{
    float x[784], y[784];
    for (int i = 0; i < 784; i++) {
        x[i] = (float)((i * 37) % 101 / 100.0);
        float v = x[i] + 0.3f * sinf((float)i);
        y[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    double mse = dae_mse(x, y, 784);
    check_report(fabs(mse - 0.03730786832091958) < 1e-6, "mse matches numpy", "%.9f", mse);
    check_report(fabs(dae_psnr(mse) - 10 * log10(1 / 0.03730786832091958)) < 1e-4,
                 "psnr is 10 log10(1/mse)", "%.4f dB", dae_psnr(mse));
    double s = dae_ssim(x, y, 28, 28);
    check_report(fabs(s - 0.8007703371266016) < 1e-5, "ssim matches scikit-image's definition",
                 "%.7f", s);
    check_report(fabs(dae_ssim(x, x, 28, 28) - 1.0) < 1e-9, "ssim of an image with itself is 1",
                 "%.9f", dae_ssim(x, x, 28, 28));
    check_report(isinf(dae_psnr(dae_mse(x, x, 784))), "psnr of identical images is infinite", "%s", "inf");
    return check_failures != 0;
}
