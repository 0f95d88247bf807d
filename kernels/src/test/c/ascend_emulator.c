/*
 * A CPU emulator of the CANN entry points amctkit's Ascend backend calls, for amctkit's tests only: never shipped, never
 * chosen outside the tests (they point -Damctkit.ascend.emulator at a folder laid out like CANN's lib64). It implements
 * the documented semantics of ../shared/spec/ascend-ops.md §3.4 (fake quant per channel / per tensor with a zero
 * point), keeps "device" memory apart from host memory (every pointer is checked), counts live allocations, tensors,
 * streams, executors and contexts so a test can prove nothing leaks, and can be told to fail the next call of a function.
 *
 * It is built as CANN ships its libraries (build-emulator.sh), one part per -D flag:
 *   EMU_ACL       libascendcl.so   runtime: devices, per-thread contexts, streams, memory; the shared state and controls
 *   EMU_NNOPBASE  libnnopbase.so   tensor descriptors and executors (aclCreateTensor, aclDestroyAclOpExecutor, ...)
 *   EMU_OPS       libopapi_nn.so   the aclnn operators (CANN 8.5+); with EMU_NNOPBASE too: libopapi.so (older CANN)
 * As on a device, runtime calls and operator launches need the calling thread to have a current context
 * (aclrtSetDevice, aclrtCreateContext or aclrtSetCurrentContext on that thread); without one they fail with 107002.
 * A repeatable executor (aclSetAclOpExecutorRepeatable) survives its launch and is released by
 * aclDestroyAclOpExecutor; destroying an executor that is not repeatable is outside CANN's contract and fails here.
 * Like CANN, it may be called from several threads at once: the shared state is behind one mutex.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t dims[8];
    uint64_t rank;
    int dtype;
    void *data;
} emu_tensor;

/* Every executor starts with this header. */
typedef struct {
    int repeatable;
} emu_head;

typedef struct {
    emu_head head;
    int per_channel;
    emu_tensor *self, *scale, *zero, *out, *mask;
    int64_t axis, qmin, qmax;
} emu_executor;

typedef struct {
    emu_head head;
    emu_tensor *x, *scale, *offset, *y;
} emu_quant;

enum { EMU_ALLOCATIONS, EMU_TENSORS, EMU_STREAMS, EMU_EXECUTORS, EMU_CONTEXTS, EMU_COUNTERS };
#define ACL_ERROR_RT_CONTEXT_NULL 107002

/* The shared state's interface (implemented in libascendcl.so, used by the other two). */
int emu_injected(const char *function);
void emu_count(int counter, long delta);
int emu_has_context(void);
int emu_is_device(const void *p, size_t bytes);

#ifdef EMU_ACL
#define MAX_BLOCKS 4096
static void *blocks[MAX_BLOCKS];
static size_t block_sizes[MAX_BLOCKS];
static long counters[EMU_COUNTERS];
static pthread_mutex_t state = PTHREAD_MUTEX_INITIALIZER;   /* guards blocks, block_sizes and counters */
static int device_count = 1, initialised, finalized;
static char fail_function[128];
static int fail_status;

typedef struct {
    int device;
} emu_context;
static __thread emu_context *current;           /* this thread's current context */
static __thread emu_context *default_context;   /* the one aclrtSetDevice made on this thread */

/* Test controls. */
long emu_live_allocations(void) { return counters[EMU_ALLOCATIONS]; }
long emu_live_tensors(void) { return counters[EMU_TENSORS]; }
long emu_live_streams(void) { return counters[EMU_STREAMS]; }
long emu_live_executors(void) { return counters[EMU_EXECUTORS]; }
long emu_live_contexts(void) { return counters[EMU_CONTEXTS]; }
int emu_finalized(void) { return finalized; }
void emu_set_device_count(int n) { device_count = n; }
void emu_fail_next(const char *function, int status) {
    strncpy(fail_function, function ? function : "", sizeof fail_function - 1);
    fail_status = status;
}

int emu_injected(const char *function) {
    if (fail_function[0] && strcmp(fail_function, function) == 0) {
        fail_function[0] = 0;
        return fail_status;
    }
    return 0;
}
void emu_count(int counter, long delta) {
    pthread_mutex_lock(&state);
    counters[counter] += delta;
    pthread_mutex_unlock(&state);
}
int emu_has_context(void) { return current != 0; }
int emu_is_device(const void *p, size_t bytes) {
    int found = 0;
    pthread_mutex_lock(&state);
    for (int i = 0; i < MAX_BLOCKS && !found; i++) {
        found = blocks[i] && (const char *) p >= (char *) blocks[i] && (const char *) p + bytes <= (char *) blocks[i] + block_sizes[i];
    }
    pthread_mutex_unlock(&state);
    return found;
}

int aclInit(const char *config) { (void) config; if (initialised) return 100002; initialised = 1; return emu_injected("aclInit"); }
/* At process exit a log names what was still alive (EMU_FINALIZE_LOG), so a test can see the shutdown order. */
int aclFinalize(void) {
    if (!initialised) return 100037;   /* not initialised, or finalized twice */
    initialised = 0;
    finalized++;
    const char *log = getenv("EMU_FINALIZE_LOG");
    if (log) {
        FILE *f = fopen(log, "a");
        if (f) {
            fprintf(f, "aclFinalize streams=%ld contexts=%ld executors=%ld\n", counters[EMU_STREAMS], counters[EMU_CONTEXTS],
                    counters[EMU_EXECUTORS]);
            fclose(f);
        }
    }
    return 0;
}
int aclrtGetDeviceCount(uint32_t *count) { int s = emu_injected("aclrtGetDeviceCount"); if (s) return s; *count = device_count; return 0; }

int aclrtSetDevice(int32_t id) {
    int s = emu_injected("aclrtSetDevice"); if (s) return s;
    if (id < 0 || id >= device_count) return 107001;
    if (!default_context) { default_context = calloc(1, sizeof *default_context); emu_count(EMU_CONTEXTS, 1); }
    default_context->device = id;
    current = default_context;
    return 0;
}
int aclrtResetDevice(int32_t id) {
    (void) id;
    if (default_context) {
        if (current == default_context) current = 0;
        free(default_context); default_context = 0; emu_count(EMU_CONTEXTS, -1);
    }
    return 0;
}
int aclrtCreateContext(void **context, int32_t id) {
    int s = emu_injected("aclrtCreateContext"); if (s) return s;
    if (!context) return 100000;
    if (id < 0 || id >= device_count) return 107001;
    emu_context *c = calloc(1, sizeof *c);
    c->device = id;
    emu_count(EMU_CONTEXTS, 1);
    current = c;   /* as CANN: the new context becomes the calling thread's */
    *context = c;
    return 0;
}
int aclrtSetCurrentContext(void *context) {
    int s = emu_injected("aclrtSetCurrentContext"); if (s) return s;
    if (!context) return 100000;
    current = context;
    return 0;
}
int aclrtDestroyContext(void *context) {
    if (!context) return 100000;
    if (current == context) current = 0;
    free(context); emu_count(EMU_CONTEXTS, -1);
    return 0;
}

int aclrtCreateStream(void **stream) {
    int s = emu_injected("aclrtCreateStream"); if (s) return s;
    if (!current) return ACL_ERROR_RT_CONTEXT_NULL;
    *stream = malloc(1); emu_count(EMU_STREAMS, 1); return 0;
}
int aclrtDestroyStream(void *stream) {
    if (!stream) return 107000;
    if (!current) return ACL_ERROR_RT_CONTEXT_NULL;
    free(stream); emu_count(EMU_STREAMS, -1); return 0;
}
int aclrtSynchronizeStream(void *stream) {
    (void) stream;
    if (!current) return ACL_ERROR_RT_CONTEXT_NULL;
    return emu_injected("aclrtSynchronizeStream");
}

int aclrtMalloc(void **p, size_t size, int policy) {
    (void) policy;
    int s = emu_injected("aclrtMalloc"); if (s) return s;
    if (!current) return ACL_ERROR_RT_CONTEXT_NULL;
    int status = 207001;   /* out of (emulated) device memory */
    pthread_mutex_lock(&state);
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (!blocks[i]) {
            blocks[i] = calloc(1, size ? size : 1);
            block_sizes[i] = size;
            *p = blocks[i];
            counters[EMU_ALLOCATIONS]++;
            status = 0;
            break;
        }
    }
    pthread_mutex_unlock(&state);
    return status;
}

int aclrtFree(void *p) {
    if (!current) return ACL_ERROR_RT_CONTEXT_NULL;
    int status = 107000;   /* not a device pointer */
    pthread_mutex_lock(&state);
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (blocks[i] == p) {
            free(p); blocks[i] = 0; counters[EMU_ALLOCATIONS]--; status = 0;
            break;
        }
    }
    pthread_mutex_unlock(&state);
    return status;
}

int aclrtMemcpy(void *dst, size_t destMax, const void *src, size_t count, int kind) {
    int s = emu_injected("aclrtMemcpy"); if (s) return s;
    if (!current) return ACL_ERROR_RT_CONTEXT_NULL;
    if (count > destMax) return 107000;
    if (kind == 1 && !emu_is_device(dst, count)) return 107000;   /* host to device: dst must be device memory */
    if (kind == 2 && !emu_is_device(src, count)) return 107000;   /* device to host: src must be device memory */
    memcpy(dst, src, count);
    return 0;
}
#endif /* EMU_ACL */

#ifdef EMU_NNOPBASE
void *aclCreateTensor(const int64_t *viewDims, uint64_t viewDimsNum, int dataType, const int64_t *stride, int64_t offset,
                      int format, const int64_t *storageDims, uint64_t storageDimsNum, void *data) {
    (void) stride; (void) offset; (void) format; (void) storageDims; (void) storageDimsNum;
    if (viewDimsNum > 8 || emu_injected("aclCreateTensor")) return 0;
    emu_tensor *t = calloc(1, sizeof *t);
    memcpy(t->dims, viewDims, viewDimsNum * sizeof(int64_t));
    t->rank = viewDimsNum; t->dtype = dataType; t->data = data;
    emu_count(EMU_TENSORS, 1);
    return t;
}
int aclDestroyTensor(const void *t) { if (!t) return 161001; free((void *) t); emu_count(EMU_TENSORS, -1); return 0; }

int aclSetAclOpExecutorRepeatable(void *e) {
    int s = emu_injected("aclSetAclOpExecutorRepeatable"); if (s) return s;
    if (!e) return 161001;
    ((emu_head *) e)->repeatable = 1;
    return 0;
}
/* Only repeatable executors are the caller's to destroy (CANN consumes the others at their launch). */
int aclDestroyAclOpExecutor(void *e) {
    if (!e) return 161001;
    if (!((emu_head *) e)->repeatable) return 161002;
    free(e); emu_count(EMU_EXECUTORS, -1); return 0;
}
#endif /* EMU_NNOPBASE */

#ifdef EMU_OPS
static int64_t numel(const emu_tensor *t) { int64_t n = 1; for (uint64_t i = 0; i < t->rank; i++) n *= t->dims[i]; return n; }

static int prepare(int per_channel, emu_tensor *self, emu_tensor *scale, emu_tensor *zero, int64_t axis, int64_t qmin,
                   int64_t qmax, emu_tensor *out, emu_tensor *mask, uint64_t *ws, void **executor, const char *name) {
    int s = emu_injected(name); if (s) return s;
    if (!self || !scale || !zero || !out || !mask) return 161001;   /* ACLNN_ERR_PARAM_NULLPTR */
    if (self->dtype != 0 || scale->dtype != 0 || zero->dtype != 3 || out->dtype != 0 || mask->dtype != 12) return 161002;
    int64_t channels = per_channel ? self->dims[axis] : 1;
    if (numel(scale) != channels || numel(zero) != channels || numel(out) != numel(self) || numel(mask) != numel(self)) return 161002;
    emu_executor *e = calloc(1, sizeof *e);
    *e = (emu_executor) {{0}, per_channel, self, scale, zero, out, mask, axis, qmin, qmax};
    *ws = 0; *executor = e; emu_count(EMU_EXECUTORS, 1);
    return 0;
}

/* A launch consumes an executor that is not repeatable, failed or not. */
static void consumed(void *e) {
    if (!((emu_head *) e)->repeatable) { free(e); emu_count(EMU_EXECUTORS, -1); }
}

static int launch(emu_executor *e, const char *name) {
    int s = emu_injected(name);
    if (!s && !emu_has_context()) s = ACL_ERROR_RT_CONTEXT_NULL;
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
    consumed(e);
    return s;
}

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
int aclnnAscendQuantV3GetWorkspaceSize(emu_tensor *x, emu_tensor *scale, emu_tensor *offset, _Bool sqrtMode,
        const char *roundMode, int32_t dstType, int32_t axis, emu_tensor *y, uint64_t *ws, void **executor) {
    (void) axis;
    int s = emu_injected("aclnnAscendQuantV3GetWorkspaceSize"); if (s) return s;
    if (!x || !scale || !y) return 161001;
    if (sqrtMode || !roundMode || strcmp(roundMode, "round") != 0 || dstType != 2) return 161002;   /* what the emulator models */
    if (x->dtype != 0 || scale->dtype != 0 || y->dtype != 2 || numel(scale) != 1 || numel(y) != numel(x)) return 161002;
    emu_quant *q = calloc(1, sizeof *q);
    *q = (emu_quant) {{0}, x, scale, offset, y};
    *ws = 0; *executor = q; emu_count(EMU_EXECUTORS, 1);
    return 0;
}

int aclnnAscendQuantV3(void *ws, uint64_t wsSize, void *executor, void *stream) {
    (void) ws; (void) wsSize; (void) stream;
    emu_quant *q = executor;
    int s = emu_injected("aclnnAscendQuantV3");
    if (!s && !emu_has_context()) s = ACL_ERROR_RT_CONTEXT_NULL;
    if (!s) {
        const float *x = q->x->data;
        float scale = *(const float *) q->scale->data, offset = q->offset ? *(const float *) q->offset->data : 0.0f;
        int8_t *y = q->y->data;
        for (int64_t i = 0; i < numel(q->x); i++) {
            float v = nearbyintf(x[i] * scale + offset);
            y[i] = (int8_t) (v < -128.0f ? -128.0f : (v > 127.0f ? 127.0f : v));
        }
    }
    consumed(q);
    return s;
}
#endif /* EMU_OPS */
