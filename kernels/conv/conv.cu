// dtypes: float32 float64 float16
//
// CUDA versions of the convolution family's building blocks (kernels/conv/reference.py is
// the spec; kernels/conv/cuda.py checks the shapes and launches these):
//
//   im2col, col2im                 over a zero-padded channels-last image (the chunked route)
//   im2col_taps, col2im_taps_add   through tap tables over an unpadded band of output rows
//   tap_chains                     the inverse of a tap table, for col2im_taps_add's gather
//   direct_forward, direct_input_grad, direct_weight_grad_slices, direct_weight_grad_sum
//                                  the direct (depthwise, thin-group) kernels, group-minor
//
// Every gradient is a gather: one thread owns each element it writes and adds its terms in
// a fixed order, so there are no atomics and every run, on any launch shape, gives the same
// bits. Consecutive threads own consecutive elements of the innermost (channel) dimension,
// so a warp's loads and stores fall on consecutive addresses. Index decompositions (integer
// divisions, which cost tens of instructions each) are done once per work item, never per
// term: where a thread sums over a window, it steps through the window incrementally.

// ------------------------------------------------------------------ im2col, col2im
// cols (N, OH, OW, G, KH, KW, Cg), xpad (N, Hp, Wp, C = G*Cg).

// One thread per (n, oh, ow, channel): it copies that channel of all KH*KW taps, so the
// window's position is worked out once for KH*KW copies; a warp reads and writes runs of
// consecutive channels.
extern "C" __global__ __launch_bounds__(256) void im2col(
    const scalar_t* __restrict__ xpad, scalar_t* __restrict__ cols, index_t images, index_t padded_h,
    index_t padded_w, index_t out_h, index_t out_w, index_t groups, index_t kernel_h, index_t kernel_w,
    index_t group_channels, index_t stride_h, index_t stride_w, index_t dilation_h, index_t dilation_w) {
    const index_t channels = groups * group_channels;
    const index_t taps = kernel_h * kernel_w;
    const index_t row_step = dilation_h * padded_w * channels;  // one kernel row down
    const index_t column_step = dilation_w * channels;          // one kernel column right
    GRID_STRIDE(item, images * out_h * out_w * channels) {
        const index_t pixel = item / channels;  // n * OH * OW + oh * OW + ow
        const index_t channel = item - pixel * channels;
        const index_t g = channel / group_channels;
        const index_t c = channel - g * group_channels;
        const index_t image_row = pixel / out_w;
        const index_t ow = pixel - image_row * out_w;
        const index_t n = image_row / out_h;
        const index_t oh = image_row - n * out_h;
        const scalar_t* source =
            xpad + ((n * padded_h + oh * stride_h) * padded_w + ow * stride_w) * channels + channel;
        scalar_t* target = cols + (pixel * groups + g) * taps * group_channels + c;
        for (index_t i = 0; i < kernel_h; ++i) {
            const scalar_t* row = source + i * row_step;
            for (index_t j = 0; j < kernel_w; ++j) {
                *target = row[j * column_step];
                target += group_channels;
            }
        }
    }
}

// One thread per xpad element (n, ih, iw, channel), which it overwrites with the sum, in
// kernel-offset order (i, then j, as the reference adds), of the columns that read it.
// Tap i reads padded row ih from output row (ih - i*dh) / sh when that divides exactly;
// the thread keeps ih - i*dh as quotient and remainder by sh and steps both by dh (passed
// as dh / sh and dh % sh), so the loop has no division. Likewise for the columns.
extern "C" __global__ __launch_bounds__(256) void col2im(
    const scalar_t* __restrict__ cols, scalar_t* __restrict__ xpad, index_t images, index_t padded_h,
    index_t padded_w, index_t out_h, index_t out_w, index_t groups, index_t kernel_h, index_t kernel_w,
    index_t group_channels, index_t stride_h, index_t stride_w, index_t dilation_h_quotient,
    index_t dilation_h_remainder, index_t dilation_w_quotient, index_t dilation_w_remainder) {
    const index_t channels = groups * group_channels;
    const index_t tap_block = kernel_h * kernel_w * group_channels;  // one group's columns of a pixel
    const index_t pixel_step = groups * tap_block;                    // one output pixel's columns
    GRID_STRIDE(item, images * padded_h * padded_w * channels) {
        const index_t pixel = item / channels;
        const index_t channel = item - pixel * channels;
        const index_t image_row = pixel / padded_w;
        const index_t iw = pixel - image_row * padded_w;
        const index_t n = image_row / padded_h;
        const index_t ih = image_row - n * padded_h;
        const index_t g = channel / group_channels;
        const index_t c = channel - g * group_channels;
        const scalar_t* image_cols = cols + n * out_h * out_w * pixel_step + g * tap_block + c;
        const index_t first_w_quotient = iw / stride_w;
        const index_t first_w_remainder = iw - first_w_quotient * stride_w;
        index_t oh = ih / stride_h;  // (ih - i*dh) = oh * sh + h_remainder, 0 <= h_remainder < sh
        index_t h_remainder = ih - oh * stride_h;
        acc_t sum = 0;
        // ih - i*dh < 0 exactly when oh < 0, and it only decreases with i
        for (index_t i = 0; i < kernel_h && oh >= 0; ++i) {
            if (h_remainder == 0 && oh < out_h) {
                const scalar_t* row_cols = image_cols + oh * out_w * pixel_step + i * kernel_w * group_channels;
                index_t ow = first_w_quotient, w_remainder = first_w_remainder;
                for (index_t j = 0; j < kernel_w && ow >= 0; ++j) {
                    if (w_remainder == 0 && ow < out_w) sum += to_acc(row_cols[ow * pixel_step + j * group_channels]);
                    w_remainder -= dilation_w_remainder;
                    ow -= dilation_w_quotient;
                    if (w_remainder < 0) {
                        w_remainder += stride_w;
                        ow -= 1;
                    }
                }
            }
            h_remainder -= dilation_h_remainder;
            oh -= dilation_h_quotient;
            if (h_remainder < 0) {
                h_remainder += stride_h;
                oh -= 1;
            }
        }
        xpad[item] = from_acc(sum);
    }
}

// --------------------------------------------------- through tap tables, unpadded
// x and dx (N, H, W, C = G*Cg) unpadded; cols (N, R, OW, G, KH, KW, Cg) for output rows
// first_row .. first_row + R - 1; in_rows (>= first_row + R, KH) and in_cols (OW, KW) say
// which input row and column each tap reads. A position outside the image (the tables
// say -1) is padding: it reads as zero and receives nothing.

// One thread per (n, r, ow, channel), copying that channel of every tap, as im2col does.
extern "C" __global__ __launch_bounds__(256) void im2col_taps(
    const scalar_t* __restrict__ x, scalar_t* __restrict__ cols, const index_t* __restrict__ in_rows,
    const index_t* __restrict__ in_cols, index_t images, index_t height, index_t width, index_t band_rows,
    index_t out_w, index_t groups, index_t kernel_h, index_t kernel_w, index_t group_channels,
    index_t first_row) {
    const index_t channels = groups * group_channels;
    const index_t taps = kernel_h * kernel_w;
    const scalar_t zero = from_acc((acc_t)0);
    GRID_STRIDE(item, images * band_rows * out_w * channels) {
        const index_t pixel = item / channels;  // n * R * OW + r * OW + ow
        const index_t channel = item - pixel * channels;
        const index_t g = channel / group_channels;
        const index_t c = channel - g * group_channels;
        const index_t image_row = pixel / out_w;
        const index_t ow = pixel - image_row * out_w;
        const index_t n = image_row / band_rows;
        const index_t r = image_row - n * band_rows;
        const scalar_t* image = x + n * height * width * channels + channel;
        const index_t* row_taps = in_rows + (first_row + r) * kernel_h;
        const index_t* column_taps = in_cols + ow * kernel_w;
        scalar_t* target = cols + (pixel * groups + g) * taps * group_channels + c;
        for (index_t i = 0; i < kernel_h; ++i) {
            const index_t ih = row_taps[i];
            const bool row_inside = ih >= 0 && ih < height;
            for (index_t j = 0; j < kernel_w; ++j) {
                const index_t iw = column_taps[j];
                *target = (row_inside && iw >= 0 && iw < width) ? image[(ih * width + iw) * channels] : zero;
                target += group_channels;
            }
        }
    }
}

// The inverse of a tap table, as linked lists, so that a gather can find every output
// position whose tap t reads position p (a tap table may name one position more than
// once; taps.tap_tables never does, but nothing here relies on it):
//   first[p, t]  the first output position o (of count, from table row first_row) whose
//                tap t reads p, or -1;
//   next[o, t]   the next output position after o whose tap t reads what o's does, or -1.
// One thread per entry of first (size * taps) and then of next (count * taps), each
// scanning the table in order; the tables are small (one row per output row or column).
extern "C" __global__ __launch_bounds__(256) void tap_chains(
    const index_t* __restrict__ table, index_t* __restrict__ first, index_t* __restrict__ next,
    index_t first_row, index_t count, index_t size, index_t taps) {
    const index_t* rows = table + first_row * taps;
    GRID_STRIDE(item, (size + count) * taps) {
        if (item < size * taps) {
            const index_t p = item / taps;
            const index_t t = item - p * taps;
            index_t found = -1;
            for (index_t o = 0; o < count; ++o) {
                if (rows[o * taps + t] == p) {
                    found = o;
                    break;
                }
            }
            first[item] = found;
        } else {
            const index_t entry = item - size * taps;
            const index_t o = entry / taps;
            const index_t t = entry - o * taps;
            const index_t p = rows[entry];
            index_t found = -1;
            if (p >= 0 && p < size) {
                for (index_t later = o + 1; later < count; ++later) {
                    if (rows[later * taps + t] == p) {
                        found = later;
                        break;
                    }
                }
            }
            next[entry] = found;
        }
    }
}

// One thread per dx element (n, ih, iw, channel): dx += the columns that read it, summed
// first, in tap order (i, then its band rows, then j, then its output columns), through
// the chains tap_chains made of in_rows (row_first (H, KH), row_next (R, KH), band-relative)
// and in_cols (col_first (W, KW), col_next (OW, KW)).
extern "C" __global__ __launch_bounds__(256) void col2im_taps_add(
    const scalar_t* __restrict__ cols, scalar_t* __restrict__ dx, const index_t* __restrict__ row_first,
    const index_t* __restrict__ row_next, const index_t* __restrict__ col_first,
    const index_t* __restrict__ col_next, index_t images, index_t height, index_t width, index_t band_rows,
    index_t out_w, index_t groups, index_t kernel_h, index_t kernel_w, index_t group_channels) {
    const index_t channels = groups * group_channels;
    const index_t tap_block = kernel_h * kernel_w * group_channels;
    const index_t pixel_step = groups * tap_block;
    GRID_STRIDE(item, images * height * width * channels) {
        const index_t pixel = item / channels;
        const index_t channel = item - pixel * channels;
        const index_t image_row = pixel / width;
        const index_t iw = pixel - image_row * width;
        const index_t n = image_row / height;
        const index_t ih = image_row - n * height;
        const index_t g = channel / group_channels;
        const index_t c = channel - g * group_channels;
        const scalar_t* image_cols = cols + n * band_rows * out_w * pixel_step + g * tap_block + c;
        acc_t sum = 0;
        for (index_t i = 0; i < kernel_h; ++i) {
            for (index_t r = row_first[ih * kernel_h + i]; r >= 0; r = row_next[r * kernel_h + i]) {
                const scalar_t* row_cols = image_cols + r * out_w * pixel_step + i * kernel_w * group_channels;
                for (index_t j = 0; j < kernel_w; ++j) {
                    for (index_t ow = col_first[iw * kernel_w + j]; ow >= 0; ow = col_next[ow * kernel_w + j]) {
                        sum += to_acc(row_cols[ow * pixel_step + j * group_channels]);
                    }
                }
            }
        }
        dx[item] = from_acc(to_acc(dx[item]) + sum);
    }
}

// ------------------------------------------------------ direct (depthwise, thin groups)
// Group-minor arrays (kernels/conv/layout.py): x and dx (N, H, W, Cg, G), weights
// (KH, KW, Cg, Og, G), bias (Og, G), out and grad (N, OH, OW, Og, G). The tables: in_rows
// (OH, KH) / in_cols (OW, KW) the input position each tap of an output reads, out_rows
// (H, KH) / out_cols (W, KW) the output position each tap of an input feeds; a position
// outside the array (-1) is padding.

// One thread per output element (n, oh, ow, m, g); consecutive threads take consecutive
// groups, so x, weights and out are read and written in runs.
extern "C" __global__ __launch_bounds__(256) void direct_forward(
    const scalar_t* __restrict__ x, const scalar_t* __restrict__ weights, const scalar_t* __restrict__ bias,
    scalar_t* __restrict__ out, const index_t* __restrict__ in_rows, const index_t* __restrict__ in_cols,
    index_t images, index_t height, index_t width, index_t out_h, index_t out_w, index_t kernel_h,
    index_t kernel_w, index_t group_channels, index_t group_outputs, index_t groups) {
    const index_t inputs = group_channels * groups;    // x's channels per pixel
    const index_t outputs = group_outputs * groups;    // out's channels per pixel
    GRID_STRIDE(item, images * out_h * out_w * outputs) {
        const index_t pixel = item / outputs;
        const index_t mg = item - pixel * outputs;  // m * G + g
        const index_t g = group_outputs == 1 ? mg : mg - (mg / groups) * groups;
        const index_t image_row = pixel / out_w;
        const index_t ow = pixel - image_row * out_w;
        const index_t n = image_row / out_h;
        const index_t oh = image_row - n * out_h;
        const scalar_t* image = x + n * height * width * inputs + g;
        acc_t sum = 0;
        for (index_t i = 0; i < kernel_h; ++i) {
            const index_t ih = in_rows[oh * kernel_h + i];
            if (ih < 0 || ih >= height) continue;
            for (index_t j = 0; j < kernel_w; ++j) {
                const index_t iw = in_cols[ow * kernel_w + j];
                if (iw < 0 || iw >= width) continue;
                const scalar_t* source = image + (ih * width + iw) * inputs;
                const scalar_t* tap_weights = weights + (i * kernel_w + j) * group_channels * outputs + mg;
                for (index_t c = 0; c < group_channels; ++c) {
                    sum += to_acc(source[c * groups]) * to_acc(tap_weights[c * outputs]);
                }
            }
        }
        out[item] = from_acc(sum + to_acc(bias[mg]));
    }
}

// One thread per dx element (n, ih, iw, c, g): the gather of the output gradient through
// the feeds tables, taps in order, then the group's output channels.
extern "C" __global__ __launch_bounds__(256) void direct_input_grad(
    const scalar_t* __restrict__ grad, const scalar_t* __restrict__ weights, scalar_t* __restrict__ dx,
    const index_t* __restrict__ out_rows, const index_t* __restrict__ out_cols, index_t images,
    index_t height, index_t width, index_t out_h, index_t out_w, index_t kernel_h, index_t kernel_w,
    index_t group_channels, index_t group_outputs, index_t groups) {
    const index_t inputs = group_channels * groups;
    const index_t outputs = group_outputs * groups;
    GRID_STRIDE(item, images * height * width * inputs) {
        const index_t pixel = item / inputs;
        const index_t cg = item - pixel * inputs;  // c * G + g
        const index_t c = cg / groups;
        const index_t g = cg - c * groups;
        const index_t image_row = pixel / width;
        const index_t iw = pixel - image_row * width;
        const index_t n = image_row / height;
        const index_t ih = image_row - n * height;
        const scalar_t* image_grad = grad + n * out_h * out_w * outputs + g;
        acc_t sum = 0;
        for (index_t i = 0; i < kernel_h; ++i) {
            const index_t oh = out_rows[ih * kernel_h + i];
            if (oh < 0 || oh >= out_h) continue;
            for (index_t j = 0; j < kernel_w; ++j) {
                const index_t ow = out_cols[iw * kernel_w + j];
                if (ow < 0 || ow >= out_w) continue;
                const scalar_t* source = image_grad + (oh * out_w + ow) * outputs;
                const scalar_t* tap_weights = weights + ((i * kernel_w + j) * group_channels + c) * outputs + g;
                for (index_t m = 0; m < group_outputs; ++m) {
                    sum += to_acc(source[m * groups]) * to_acc(tap_weights[m * groups]);
                }
            }
        }
        dx[item] = from_acc(sum);
    }
}

// The weight gradient of one image is a sum over all its OH*OW output positions: too few
// elements (KH*KW*Cg*Og*G per image) for a thread each to fill the GPU, with long serial
// sums. So the positions are cut into `slices` contiguous runs (a number the glue picks
// from the shapes alone), one thread per (slice, n, i, j, c, m, g) sums its run in order
// into slices (acc_t), and direct_weight_grad_sum adds the slices in order. Consecutive
// threads take consecutive groups of one slice, so they read the same positions' runs.
extern "C" __global__ __launch_bounds__(256) void direct_weight_grad_slices(
    const scalar_t* __restrict__ x, const scalar_t* __restrict__ grad, acc_t* __restrict__ slice_sums,
    const index_t* __restrict__ in_rows, const index_t* __restrict__ in_cols, index_t images, index_t height,
    index_t width, index_t out_h, index_t out_w, index_t kernel_h, index_t kernel_w, index_t group_channels,
    index_t group_outputs, index_t groups, index_t slices) {
    const index_t inputs = group_channels * groups;
    const index_t outputs = group_outputs * groups;
    const index_t per_image = kernel_h * kernel_w * group_channels * outputs;  // partial[n]'s size
    const index_t elements = images * per_image;
    const index_t positions = out_h * out_w;
    GRID_STRIDE(item, slices * elements) {
        const index_t s = item / elements;
        const index_t element = item - s * elements;  // (n, i, j, c, m, g)
        const index_t rest = element / outputs;
        const index_t mg = element - rest * outputs;
        const index_t g = group_outputs == 1 ? mg : mg - (mg / groups) * groups;
        const index_t rest_c = rest / group_channels;
        const index_t c = rest - rest_c * group_channels;
        const index_t rest_j = rest_c / kernel_w;
        const index_t j = rest_c - rest_j * kernel_w;
        const index_t n = rest_j / kernel_h;
        const index_t i = rest_j - n * kernel_h;
        const index_t begin = s * positions / slices;
        const index_t end = (s + 1) * positions / slices;
        const scalar_t* image = x + n * height * width * inputs + c * groups + g;
        const scalar_t* source = grad + (n * positions + begin) * outputs + mg;
        index_t oh = begin / out_w;
        index_t ow = begin - oh * out_w;
        index_t ih = begin < end ? in_rows[oh * kernel_h + i] : -1;
        acc_t sum = 0;
        for (index_t p = begin; p < end; ++p) {
            if (ih >= 0 && ih < height) {
                const index_t iw = in_cols[ow * kernel_w + j];
                if (iw >= 0 && iw < width) sum += to_acc(*source) * to_acc(image[(ih * width + iw) * inputs]);
            }
            source += outputs;
            if (++ow == out_w) {  // the next output row: its own input row for tap i
                ow = 0;
                ++oh;
                if (p + 1 < end) ih = in_rows[oh * kernel_h + i];
            }
        }
        slice_sums[item] = sum;
    }
}

// One thread per partial element: the slices' sums, added in slice order.
extern "C" __global__ __launch_bounds__(256) void direct_weight_grad_sum(
    const acc_t* __restrict__ slice_sums, scalar_t* __restrict__ partial, index_t elements, index_t slices) {
    GRID_STRIDE(element, elements) {
        acc_t sum = 0;
        for (index_t s = 0; s < slices; ++s) sum += slice_sums[s * elements + element];
        partial[element] = from_acc(sum);
    }
}
