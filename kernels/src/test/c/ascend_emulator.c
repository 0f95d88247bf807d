/*
 * A CPU emulator of the CANN entry points amctkit's Ascend backend calls (libascendcl + libopapi), for amctkit's tests
 * only: never shipped, never chosen outside the tests (they point -Damctkit.ascend.emulator at it). It implements the
 * documented semantics of ../shared/spec/ascend-ops.md §3.4 (fake quant per channel / per tensor with a zero point),
 * keeps "device" memory apart from host memory (every pointer is checked), counts live allocations, tensors, streams
 * and executors so a test can prove nothing leaks, and can be told to fail the next call of a function.
 *
 * Build: gcc -shared -fPIC -O2 -ffp-contract=off -o libascendemu.so ascend_emulator.c -lm
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t dims[8];
    uint64_t rank;
    int dtype;
    void *data;
} emu_tensor;

typedef struct {
    int per_channel;
    emu_tensor *self, *scale, *zero, *out, *mask;
    int64_t axis, qmin, qmax;
} emu_executor;

#define MAX_BLOCKS 4096
static void *blocks[MAX_BLOCKS];
static size_t block_sizes[MAX_BLOCKS];
static long live_allocations, live_tensors, live_streams, live_executors;
static int device_count = 1, initialised, current_device = -1;
static char fail_function[128];
static int fail_status;

/* Test controls. */
long emu_live_allocations(void) { return live_allocations; }
long emu_live_tensors(void) { return live_tensors; }
long emu_live_streams(void) { return live_streams; }
long emu_live_executors(void) { return live_executors; }
void emu_set_device_count(int n) { device_count = n; }
void emu_fail_next(const char *function, int status) {
    strncpy(fail_function, function ? function : "", sizeof fail_function - 1);
    fail_status = status;
}

static int injected(const char *function) {
    if (fail_function[0] && strcmp(fail_function, function) == 0) {
        fail_function[0] = 0;
        return fail_status;
    }
    return 0;
}

static int block_of(const void *p, size_t bytes) {
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (blocks[i] && (const char *) p >= (char *) blocks[i] && (const char *) p + bytes <= (char *) blocks[i] + block_sizes[i]) {
            return i;
        }
    }
    return -1;
}

int aclInit(const char *config) { (void) config; if (initialised) return 100002; initialised = 1; return injected("aclInit"); }
int aclFinalize(void) { initialised = 0; return 0; }
int aclrtGetDeviceCount(uint32_t *count) { int s = injected("aclrtGetDeviceCount"); if (s) return s; *count = device_count; return 0; }
int aclrtSetDevice(int32_t id) { int s = injected("aclrtSetDevice"); if (s) return s; if (id < 0 || id >= device_count) return 107001; current_device = id; return 0; }
int aclrtResetDevice(int32_t id) { (void) id; current_device = -1; return 0; }

int aclrtCreateStream(void **stream) {
    int s = injected("aclrtCreateStream"); if (s) return s;
    *stream = malloc(1); live_streams++; return 0;
}
int aclrtDestroyStream(void *stream) { if (!stream) return 107000; free(stream); live_streams--; return 0; }
int aclrtSynchronizeStream(void *stream) { (void) stream; return injected("aclrtSynchronizeStream"); }

int aclrtMalloc(void **p, size_t size, int policy) {
    (void) policy;
    int s = injected("aclrtMalloc"); if (s) return s;
    if (current_device < 0) return 107002;   /* no device set */
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (!blocks[i]) {
            blocks[i] = calloc(1, size ? size : 1);
            block_sizes[i] = size;
            *p = blocks[i];
            live_allocations++;
            return 0;
        }
    }
    return 207001;   /* out of (emulated) device memory */
}

int aclrtFree(void *p) {
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (blocks[i] == p) {
            free(p); blocks[i] = 0; live_allocations--; return 0;
        }
    }
    return 107000;   /* not a device pointer */
}

int aclrtMemcpy(void *dst, size_t destMax, const void *src, size_t count, int kind) {
    int s = injected("aclrtMemcpy"); if (s) return s;
    if (count > destMax) return 107000;
    if (kind == 1 && block_of(dst, count) < 0) return 107000;   /* host to device: dst must be device memory */
    if (kind == 2 && block_of(src, count) < 0) return 107000;   /* device to host: src must be device memory */
    memcpy(dst, src, count);
    return 0;
}

void *aclCreateTensor(const int64_t *viewDims, uint64_t viewDimsNum, int dataType, const int64_t *stride, int64_t offset,
                      int format, const int64_t *storageDims, uint64_t storageDimsNum, void *data) {
    (void) stride; (void) offset; (void) format; (void) storageDims; (void) storageDimsNum;
    if (viewDimsNum > 8 || injected("aclCreateTensor")) return 0;
    emu_tensor *t = calloc(1, sizeof *t);
    memcpy(t->dims, viewDims, viewDimsNum * sizeof(int64_t));
    t->rank = viewDimsNum; t->dtype = dataType; t->data = data;
    live_tensors++;
    return t;
}
int aclDestroyTensor(const void *t) { if (!t) return 161001; free((void *) t); live_tensors--; return 0; }

static int64_t numel(const emu_tensor *t) { int64_t n = 1; for (uint64_t i = 0; i < t->rank; i++) n *= t->dims[i]; return n; }

static int prepare(int per_channel, emu_tensor *self, emu_tensor *scale, emu_tensor *zero, int64_t axis, int64_t qmin,
                   int64_t qmax, emu_tensor *out, emu_tensor *mask, uint64_t *ws, void **executor, const char *name) {
    int s = injected(name); if (s) return s;
    if (!self || !scale || !zero || !out || !mask) return 161001;   /* ACLNN_ERR_PARAM_NULLPTR */
    if (self->dtype != 0 || scale->dtype != 0 || zero->dtype != 3 || out->dtype != 0 || mask->dtype != 12) return 161002;
    int64_t channels = per_channel ? self->dims[axis] : 1;
    if (numel(scale) != channels || numel(zero) != channels || numel(out) != numel(self) || numel(mask) != numel(self)) return 161002;
    emu_executor *e = calloc(1, sizeof *e);
    *e = (emu_executor) {per_channel, self, scale, zero, out, mask, axis, qmin, qmax};
    *ws = 0; *executor = e; live_executors++;
    return 0;
}

static int launch(emu_executor *e, const char *name) {
    int s = injected(name);
    if (!s) {
        int64_t n = numel(e->self), channels = e->per_channel ? e->self->dims[e->axis] : 1, inner = 1;
        for (uint64_t d = e->axis + 1; e->per_channel && d < e->self->rank; d++) inner *= e->self->dims[d];
        const float *x = e->self->data, *sc = e->scale->data;
        const int32_t *zp = e->zero->data;
        float *y = e->out->data;
        uint8_t *m = e->mask->data;
        for (int64_t i = 0; i < n; i++) {
            int64_t c = e->per_channel ? (i / inner) % channels : 0;
            float q = nearbyintf(x[i] / sc[c]) + (float) zp[c];
            m[i] = q >= (float) e->qmin && q <= (float) e->qmax;
            float clamped = q < (float) e->qmin ? (float) e->qmin : (q > (float) e->qmax ? (float) e->qmax : q);
            y[i] = (clamped - (float) zp[c]) * sc[c];
        }
    }
    free(e); live_executors--;   /* a launch consumes the executor, failed or not */
    return s;
}

int aclDestroyAclOpExecutor(void *e) { if (!e) return 161001; free(e); live_executors--; return 0; }

int aclnnFakeQuantPerChannelAffineCachemaskGetWorkspaceSize(emu_tensor *self, emu_tensor *scale, emu_tensor *zero, int64_t axis,
        int64_t qmin, int64_t qmax, emu_tensor *out, emu_tensor *mask, uint64_t *ws, void **executor) {
    if (self && (axis < 0 || (uint64_t) axis >= self->rank)) return 161002;
    return prepare(1, self, scale, zero, axis, qmin, qmax, out, mask, ws, executor,
                   "aclnnFakeQuantPerChannelAffineCachemaskGetWorkspaceSize");
}
int aclnnFakeQuantPerChannelAffineCachemask(void *ws, uint64_t wsSize, void *executor, void *stream) {
    (void) ws; (void) wsSize; (void) stream;
    return launch(executor, "aclnnFakeQuantPerChannelAffineCachemask");
}
int aclnnFakeQuantPerTensorAffineCachemaskGetWorkspaceSize(emu_tensor *self, emu_tensor *scale, emu_tensor *zero, float enabled,
        int64_t qmin, int64_t qmax, emu_tensor *out, emu_tensor *mask, uint64_t *ws, void **executor) {
    (void) enabled;
    return prepare(0, self, scale, zero, 0, qmin, qmax, out, mask, ws, executor,
                   "aclnnFakeQuantPerTensorAffineCachemaskGetWorkspaceSize");
}
int aclnnFakeQuantPerTensorAffineCachemask(void *ws, uint64_t wsSize, void *executor, void *stream) {
    (void) ws; (void) wsSize; (void) stream;
    return launch(executor, "aclnnFakeQuantPerTensorAffineCachemask");
}

/* aclnnAscendQuantV3: y = saturate(rint(x·scale + offset)) to int8, per tensor (scale and offset of size 1). */
typedef struct {
    emu_tensor *x, *scale, *offset, *y;
} emu_quant;

int aclnnAscendQuantV3GetWorkspaceSize(emu_tensor *x, emu_tensor *scale, emu_tensor *offset, _Bool sqrtMode,
        const char *roundMode, int32_t dstType, int32_t axis, emu_tensor *y, uint64_t *ws, void **executor) {
    (void) axis;
    int s = injected("aclnnAscendQuantV3GetWorkspaceSize"); if (s) return s;
    if (!x || !scale || !y) return 161001;
    if (sqrtMode || !roundMode || strcmp(roundMode, "round") != 0 || dstType != 2) return 161002;   /* what the emulator models */
    if (x->dtype != 0 || scale->dtype != 0 || y->dtype != 2 || numel(scale) != 1 || numel(y) != numel(x)) return 161002;
    emu_quant *q = calloc(1, sizeof *q);
    *q = (emu_quant) {x, scale, offset, y};
    *ws = 0; *executor = q; live_executors++;
    return 0;
}

int aclnnAscendQuantV3(void *ws, uint64_t wsSize, void *executor, void *stream) {
    (void) ws; (void) wsSize; (void) stream;
    emu_quant *q = executor;
    int s = injected("aclnnAscendQuantV3");
    if (!s) {
        const float *x = q->x->data;
        float scale = *(const float *) q->scale->data, offset = q->offset ? *(const float *) q->offset->data : 0.0f;
        int8_t *y = q->y->data;
        for (int64_t i = 0; i < numel(q->x); i++) {
            float v = nearbyintf(x[i] * scale + offset);
            y[i] = (int8_t) (v < -128.0f ? -128.0f : (v > 127.0f ? 127.0f : v));
        }
    }
    free(q); live_executors--;
    return s;
}
