/*
 * backend.c -- the backends built into this copy of libwmel, best first (ggml's backend
 * registry): CUDA when it was built (WMEL_HAVE_CUDA), Vulkan when it was built
 * (WMEL_HAVE_VULKAN; AUTO takes it for a GPU only), the SIMD CPU kernels, and the
 * float64 reference. api.c finds a backend here by id, or AUTO's choice.
 */
#include "internal.h"

#include <stddef.h>

static const wmel_backend_vt *const BACKENDS[] = {
#ifdef WMEL_HAVE_CUDA
    &wmel__backend_cuda,
#endif
#ifdef WMEL_HAVE_VULKAN
    &wmel__backend_vulkan,
#endif
    &wmel__backend_cpu,
    &wmel__backend_ref,
};
#define N_BACKENDS (sizeof BACKENDS / sizeof BACKENDS[0])

const wmel_backend_vt *wmel__backend(int id)
{
    for (size_t i = 0; i < N_BACKENDS; i++)
        if (BACKENDS[i]->id == id) return BACKENDS[i];
    return NULL;
}

const wmel_backend_vt *wmel__backend_auto(const wmel_params *p)
{
    for (size_t i = 0; i < N_BACKENDS; i++) {
        const wmel_backend_vt *vt = BACKENDS[i];
        if (vt->id == WMEL_BACKEND_REF) continue; /* the oracle only when asked for */
        if (!vt->available || vt->available(p)) return vt;
    }
    return &wmel__backend_cpu;
}

const wmel_backend_vt *wmel__backend_auto_plan(const wmel_params *p, int general)
{
#ifdef WMEL_HAVE_VULKAN
    if (general && wmel__backend_vulkan.available(p)) return &wmel__backend_vulkan;
#else
    (void)p;
    (void)general;
#endif
    return &wmel__backend_cpu;
}
