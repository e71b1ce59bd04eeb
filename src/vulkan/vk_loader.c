/*
 * vk_loader.c -- the Vulkan backend's device side: the loader opened at run time
 * (dlopen, every entry point through vkGetInstanceProcAddr / vkGetDeviceProcAddr, so
 * libwmel has no link-time dependency on Vulkan), the device list and choice, one
 * headless compute queue, the storage buffers (host-visible and mapped once; or, on a
 * discrete GPU or with WMEL_VULKAN_STAGING=1, device-local with host-visible staging
 * buffers copied in the dispatch's command buffer), the frames pipeline (embedded SPIR-V,
 * one variant per arithmetic) and its dispatches.
 *
 * Every Vulkan call goes through VK(): it counts the calls, so that a test can make the
 * n-th fail (wmel__vk_fail_at) and check that each failure is a status with a message,
 * with nothing leaked.
 */
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan_core.h>

#include "../internal.h"
#include "vk_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#include <windows.h>
static void *lib_open(void)
{
    return (void *)LoadLibraryA("vulkan-1.dll");
}
static void *lib_sym(void *h, const char *name) { return (void *)(uintptr_t)GetProcAddress((HMODULE)h, name); }
static void lib_close(void *h) { FreeLibrary((HMODULE)h); }
static int lib_kept(const void *h) { (void)h; return 0; }
#else
#include <dlfcn.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
static void *lib_open_once(void)
{
    /* WMEL_VULKAN_LOADER names another loader (a test's missing one, a driver's own) */
    const char *env = wmel__env(WMEL__CFG_VULKAN_LOADER);
    if (env && *env) return dlopen(env, RTLD_NOW | RTLD_LOCAL);
#if defined(__APPLE__)
    static const char *const names[] = {"libvulkan.1.dylib", "libMoltenVK.dylib", "libvulkan.dylib"};
#else
    static const char *const names[] = {"libvulkan.so.1", "libvulkan.so"};
#endif
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (h) return h;
    }
    return NULL;
}
static void *lib_sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    return p;
}
/* The loader is opened once and kept: drivers keep state (threads, JIT code, caches) that
 * would be unmapped under them by dlclose, and LeakSanitizer attributes what a driver keeps
 * to its library only while that is mapped. */
static void *g_lib;
static pthread_once_t g_lib_once = PTHREAD_ONCE_INIT;
static void lib_open_now(void) { g_lib = lib_open_once(); }
static void *lib_open(void)
{
    if (wmel__env(WMEL__CFG_VULKAN_LOADER)) return lib_open_once(); /* a test's other loader: each time */
    return pthread_once(&g_lib_once, lib_open_now) == 0 ? g_lib : NULL;
}
static void lib_close(void *h)
{
    if (h != g_lib) dlclose(h);
}
static int lib_kept(const void *h) { return h && h == g_lib; }
#endif

extern const uint32_t wmel__spv_frames_f64[];
extern const size_t wmel__spv_frames_f64_words;
extern const uint32_t wmel__spv_frames_noise_f64[];
extern const size_t wmel__spv_frames_noise_f64_words;
#ifdef WMEL_HAVE_VULKAN_FF
extern const uint32_t wmel__spv_frames_ff[];
extern const size_t wmel__spv_frames_ff_words;
#endif
extern const uint32_t wmel__spv_finish_f64[];
extern const size_t wmel__spv_finish_f64_words;
#ifdef WMEL_HAVE_VULKAN_FF
extern const uint32_t wmel__spv_finish_ff[];
extern const size_t wmel__spv_finish_ff_words;
#endif

/* ---------------------------------------------------------------- errors, injection */

int wmel__vk_detail(int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (void)wmel__detail(msg);
    return code;
}

#ifdef WMEL_TEST_HOOKS /* the fault injection (testctl.h: WMEL__TC_VK_FAIL_AT) */
static atomic_long g_calls, g_fail_at;
long wmel__vk_calls(void) { return atomic_load(&g_calls); }
void wmel__vk_fail_at(long n) { atomic_store(&g_fail_at, n ? atomic_load(&g_calls) + n : 0); }

/* Counts a Vulkan call; VK_SUCCESS, or the injected failure of the call asked for:
 * alternately out of device memory and a lost device. */
static VkResult vk_check(void)
{
    const long c = atomic_fetch_add(&g_calls, 1) + 1, at = atomic_load(&g_fail_at);
    if (at && c == at) return (c & 1) ? VK_ERROR_OUT_OF_DEVICE_MEMORY : VK_ERROR_DEVICE_LOST;
    return VK_SUCCESS;
}
/* A call returning a VkResult, counted (and failed when injected). */
static _Thread_local VkResult g_inj;
#define VK(call) ((g_inj = vk_check()) != VK_SUCCESS ? g_inj : (call))
#else
#define VK(call) (call)
#endif
static const char *vk_result_name(VkResult r)
{
    switch (r) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_INCOMPLETE: return "VK_INCOMPLETE";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_INVALID_SHADER_NV: return "VK_ERROR_INVALID_SHADER_NV";
    default: return "a VkResult error";
    }
}

/* A failed call's status: device memory exhausted is WMEL_ERR_NO_MEMORY (the caller may
 * take the CPU), anything else WMEL_ERR_VULKAN; the message names the step. */
static int vk_fail(VkResult r, const char *what)
{
    const int code = r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY
                         ? WMEL_ERR_NO_MEMORY
                         : WMEL_ERR_VULKAN;
    return wmel__vk_detail(code, "Vulkan: %s failed: %s (%d)", what, vk_result_name(r), (int)r);
}

/* ---------------------------------------------------------------- the entry points */

typedef struct vk_fns {
    PFN_vkGetInstanceProcAddr GetInstanceProcAddr;
    PFN_vkCreateInstance CreateInstance;
    PFN_vkDestroyInstance DestroyInstance;
    PFN_vkEnumeratePhysicalDevices EnumeratePhysicalDevices;
    PFN_vkGetPhysicalDeviceProperties GetPhysicalDeviceProperties;
    PFN_vkGetPhysicalDeviceFeatures GetPhysicalDeviceFeatures;
    PFN_vkGetPhysicalDeviceQueueFamilyProperties GetPhysicalDeviceQueueFamilyProperties;
    PFN_vkGetPhysicalDeviceMemoryProperties GetPhysicalDeviceMemoryProperties;
    PFN_vkCreateDevice CreateDevice;
    PFN_vkGetDeviceProcAddr GetDeviceProcAddr;
    PFN_vkGetPhysicalDeviceProperties2 GetPhysicalDeviceProperties2;             /* may be NULL */
    PFN_vkEnumerateDeviceExtensionProperties EnumerateDeviceExtensionProperties; /* may be NULL */
    PFN_vkGetPhysicalDeviceExternalBufferProperties GetPhysicalDeviceExternalBufferProperties; /* may be NULL */
    /* device level */
    PFN_vkDestroyDevice DestroyDevice;
    PFN_vkGetDeviceQueue GetDeviceQueue;
    PFN_vkCreateBuffer CreateBuffer;
    PFN_vkDestroyBuffer DestroyBuffer;
    PFN_vkGetBufferMemoryRequirements GetBufferMemoryRequirements;
    PFN_vkAllocateMemory AllocateMemory;
    PFN_vkFreeMemory FreeMemory;
    PFN_vkBindBufferMemory BindBufferMemory;
    PFN_vkMapMemory MapMemory;
    PFN_vkCreateShaderModule CreateShaderModule;
    PFN_vkDestroyShaderModule DestroyShaderModule;
    PFN_vkCreateDescriptorSetLayout CreateDescriptorSetLayout;
    PFN_vkDestroyDescriptorSetLayout DestroyDescriptorSetLayout;
    PFN_vkCreatePipelineLayout CreatePipelineLayout;
    PFN_vkDestroyPipelineLayout DestroyPipelineLayout;
    PFN_vkCreateComputePipelines CreateComputePipelines;
    PFN_vkDestroyPipeline DestroyPipeline;
    PFN_vkCreateDescriptorPool CreateDescriptorPool;
    PFN_vkDestroyDescriptorPool DestroyDescriptorPool;
    PFN_vkAllocateDescriptorSets AllocateDescriptorSets;
    PFN_vkUpdateDescriptorSets UpdateDescriptorSets;
    PFN_vkCreateCommandPool CreateCommandPool;
    PFN_vkDestroyCommandPool DestroyCommandPool;
    PFN_vkAllocateCommandBuffers AllocateCommandBuffers;
    PFN_vkResetCommandPool ResetCommandPool;
    PFN_vkBeginCommandBuffer BeginCommandBuffer;
    PFN_vkEndCommandBuffer EndCommandBuffer;
    PFN_vkCmdBindPipeline CmdBindPipeline;
    PFN_vkCmdBindDescriptorSets CmdBindDescriptorSets;
    PFN_vkCmdPushConstants CmdPushConstants;
    PFN_vkCmdDispatch CmdDispatch;
    PFN_vkCmdPipelineBarrier CmdPipelineBarrier;
    PFN_vkCmdCopyBuffer CmdCopyBuffer;
    PFN_vkCmdFillBuffer CmdFillBuffer;
    PFN_vkCreateFence CreateFence;
    PFN_vkDestroyFence DestroyFence;
    PFN_vkWaitForFences WaitForFences;
    PFN_vkResetFences ResetFences;
    PFN_vkQueueSubmit QueueSubmit;
    PFN_vkDeviceWaitIdle DeviceWaitIdle;
    PFN_vkGetMemoryHostPointerPropertiesEXT GetMemoryHostPointerPropertiesEXT; /* VK_EXT_external_memory_host */
} vk_fns;

enum { B_TAB, B_INTS, B_SIG, B_SEGS, B_OUT, N_BUF };
/* The rounds' slots: a round's signal, segments and output (B_SIG, B_SEGS, B_OUT) in each,
 * so that the host fills one while the device computes the other; the tables are shared.
 * Slot 1's three buffers follow the five at N_BUF. */
#define N_SLOTS 2
#define N_ALL (N_BUF + 3)
static int bix(int slot, int i) { return i < B_SIG || slot == 0 ? i : N_BUF + i - B_SIG; }

struct vkw {
    void *lib;
    vk_fns f;
    VkInstance inst;
    VkPhysicalDevice phys;
    VkDevice dev;
    VkQueue queue;
    VkBuffer buf[N_ALL];        /* the shader's storage buffers (bix: a slot's) */
    VkDeviceMemory mem[N_ALL];
    VkBuffer stg[N_ALL];        /* staged: the host's copies of them */
    VkDeviceMemory stg_mem[N_ALL];
    void *map[N_ALL];           /* what the host writes and reads: buf's memory, or stg's when staged */
    size_t bytes[N_ALL];
    int slots;                  /* the rounds' slots made: 1, or N_SLOTS once a call needs them */
    int slots_max;              /* WMEL_VULKAN_ROUNDS: the slots a call may make */
    VkPhysicalDeviceMemoryProperties mp;
    int pending[N_SLOTS];       /* a round submitted in the slot and not yet waited for */
    uint32_t pending_frames[N_SLOTS];
    int staged;          /* buf in device-local memory, copied from / to stg in each dispatch */
    int tables_sent;     /* staged: the tables (B_TAB, B_INTS) are on the device */
    VkShaderModule shader;
    VkDescriptorSetLayout dsl;
    VkPipelineLayout layout;
    VkPipeline pipe;
    VkDescriptorPool dpool;
    VkDescriptorSet dset[N_SLOTS];
    VkShaderModule fshader; /* the finish pipeline (finish.comp; vkw_shape.finish): the frames' */
    VkPipeline fpipe;       /* layout and descriptor sets, VK_NULL_HANDLE where none */
    VkCommandPool cpool[N_SLOTS]; /* one a slot: a pool is reset while the other's round runs */
    VkCommandBuffer cmd[N_SLOTS];
    VkFence fence[N_SLOTS];
    int lost;            /* the device was lost: every later call fails at once */
    int timed_out;       /* a wait passed the timeout: the device may still run; no later call */
    uint64_t timeout_ns; /* the longest wait for a round (WMEL_VULKAN_TIMEOUT_MS) */
    int algo;            /* VKW_ALGO_FFT or VKW_ALGO_DFT */
    size_t sh_words;     /* frames.comp's shared array, a frame's words */
    int fpg;             /* frames a workgroup */
    uint32_t groups;     /* workgroups a dispatch at most */
    uint32_t disp_frames; /* frames a dispatch at most: the groups' and the estimated work's cap (dispatch_cap) */
    uint32_t pending_disp[N_SLOTS]; /* the dispatches of a slot's frames (its wait's timeout: one a dispatch) */
    size_t base_bytes[2], range; /* the signal's and the output's bytes at opening (what wmel__vk_reserve
                                    returns to), maxStorageBufferRange */
    int fc;              /* float controls declared: 0 none, VKW_FC_CORE, VKW_FC_KHR */
    char name[256];
    /* the caller's samples read where they are (VK_EXT_external_memory_host): enabled on the
       device, its pointers' alignment, and the import slot 0's signal binding holds now */
    int host_import;
    size_t import_align;
    VkBuffer imp_buf;
    VkDeviceMemory imp_mem;
    size_t imp_off, imp_bytes; /* the caller's bytes in the import (staged: copied, at the same
                                  offset, into slot 0's device-local signal; never the pages' rest) */
    /* the caller's output written where it is (wmel__vk_import_out): the pages around it, the
       output's byte offset in them and its bytes, which the device copies a finished clip's
       output into (never the pages' rest) */
    VkBuffer iout_buf;
    VkDeviceMemory iout_mem;
    size_t iout_off, iout_bytes;
    /* another device's memory imported from an opaque file descriptor (VK_KHR_external_memory_fd,
       wmel_vulkan_features_device): enabled on the device; the device's and its driver's UUIDs
       (VkPhysicalDeviceIDProperties), which the memory's must equal; the storage buffers'
       offset alignment; the samples' import bound as slot 0's signal, never copied (imp_direct) */
    int fd_import, imp_direct;
    unsigned char dev_uuid[VK_UUID_SIZE], drv_uuid[VK_UUID_SIZE];
    size_t sb_align;
    size_t imp_size;     /* imp_direct: the imported buffer's bytes */
    /* a batch's clips read where they are (wmel__vk_bimport): each clip's pages a transfer
       source the rounds copy their windows from */
    VkBuffer bimp_buf[VKW_BATCH_IMPORTS];
    VkDeviceMemory bimp_mem[VKW_BATCH_IMPORTS];
    int n_bimp;
};

/* The kept loader's instance: made once, the first time one succeeds, and kept for the
 * process, shared by every ctx, the self-test and the device list (each makes its own
 * device). A loader unloads its drivers when its last instance is destroyed, and some
 * drivers cannot be loaded again and again in one process: NVIDIA's refused every instance
 * (VK_ERROR_INCOMPATIBLE_DRIVER) after a few dozen ctxs were made and destroyed one after
 * another. It also spares each ctx the instance's cost. A loader named by
 * WMEL_VULKAN_LOADER (a test's) gets an instance of its own each time. */
static pthread_mutex_t g_inst_mu = PTHREAD_MUTEX_INITIALIZER;
static VkInstance g_inst;
static atomic_long g_instances; /* instances made, for the tests */
#ifdef WMEL_TEST_HOOKS
long wmel__vk_instances_made(void) { return atomic_load(&g_instances); }
#endif

static int instance_fns(vk_fns *f, VkInstance inst);

/* The loader and an instance (f's instance-level entry points). */
static int open_instance(void **lib_out, vk_fns *f, VkInstance *inst)
{
    *inst = VK_NULL_HANDLE;
    void *lib = lib_open();
    *lib_out = lib;
    if (!lib)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE,
                               "Vulkan: the loader (libvulkan.so.1, vulkan-1.dll or libvulkan.1.dylib) "
                               "could not be opened; install it (Debian: libvulkan1 and a driver such "
                               "as mesa-vulkan-drivers)");
    f->GetInstanceProcAddr = (PFN_vkGetInstanceProcAddr)(uintptr_t)lib_sym(lib, "vkGetInstanceProcAddr");
    if (!f->GetInstanceProcAddr)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: the loader has no vkGetInstanceProcAddr");
    f->CreateInstance = (PFN_vkCreateInstance)f->GetInstanceProcAddr(NULL, "vkCreateInstance");
    if (!f->CreateInstance)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: the loader has no vkCreateInstance");
    const int kept = lib_kept(lib);
    if (kept) {
        pthread_mutex_lock(&g_inst_mu);
        if (g_inst) {
            *inst = g_inst;
            pthread_mutex_unlock(&g_inst_mu);
            return instance_fns(f, *inst);
        }
    }
    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO, NULL, "wmel", 1, "wmel", 1, VK_API_VERSION_1_1};
    VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, NULL, 0, &app, 0, NULL, 0, NULL};
    VkResult r = VK(f->CreateInstance(&ci, NULL, inst));
    int rc = WMEL_OK;
    if (r != VK_SUCCESS) {
        *inst = VK_NULL_HANDLE;
        rc = vk_fail(r, "creating an instance (vkCreateInstance)");
        if (rc != WMEL_ERR_NO_MEMORY) rc = WMEL_ERR_BACKEND_UNAVAILABLE;
    } else {
        atomic_fetch_add(&g_instances, 1);
        rc = instance_fns(f, *inst);
        if (rc != WMEL_OK) *inst = VK_NULL_HANDLE; /* destroyed there */
    }
    if (kept) {
        if (rc == WMEL_OK) g_inst = *inst;
        pthread_mutex_unlock(&g_inst_mu);
    }
    return rc;
}

/* The instance's own: destroyed unless it is the kept one. */
static void close_instance(vk_fns *f, VkInstance inst)
{
    pthread_mutex_lock(&g_inst_mu);
    const int own = inst && inst != g_inst;
    pthread_mutex_unlock(&g_inst_mu);
    if (own && f->DestroyInstance) f->DestroyInstance(inst, NULL);
}

/* f's instance-level entry points; on a failure the instance is destroyed (never the kept
 * one: its entry points were all there when it was made) */
static int instance_fns(vk_fns *f, VkInstance inst)
{
#define GI(name) f->name = (PFN_vk##name)f->GetInstanceProcAddr(inst, "vk" #name)
    GI(DestroyInstance);
    GI(EnumeratePhysicalDevices);
    GI(GetPhysicalDeviceProperties);
    GI(GetPhysicalDeviceFeatures);
    GI(GetPhysicalDeviceQueueFamilyProperties);
    GI(GetPhysicalDeviceMemoryProperties);
    GI(GetPhysicalDeviceProperties2);
    GI(EnumerateDeviceExtensionProperties);
    GI(GetPhysicalDeviceExternalBufferProperties);
    GI(CreateDevice);
    GI(GetDeviceProcAddr);
#undef GI
    if (!f->DestroyInstance || !f->EnumeratePhysicalDevices || !f->GetPhysicalDeviceProperties ||
        !f->GetPhysicalDeviceFeatures || !f->GetPhysicalDeviceQueueFamilyProperties ||
        !f->GetPhysicalDeviceMemoryProperties || !f->CreateDevice || !f->GetDeviceProcAddr) {
        if (f->DestroyInstance) f->DestroyInstance(inst, NULL);
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: the loader lacks an instance entry point");
    }
    return WMEL_OK;
}

static int physical_devices(vk_fns *f, VkInstance inst, VkPhysicalDevice *pd, uint32_t *n)
{
    *n = VKW_MAX_DEVS;
    VkResult r = VK(f->EnumeratePhysicalDevices(inst, n, pd));
    if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
        *n = 0;
        return vk_fail(r, "listing the devices (vkEnumeratePhysicalDevices)");
    }
    return WMEL_OK;
}

static void describe(vk_fns *f, VkPhysicalDevice pd, vkw_dev *d)
{
    VkPhysicalDeviceProperties pr;
    VkPhysicalDeviceFeatures fe;
    f->GetPhysicalDeviceProperties(pd, &pr);
    f->GetPhysicalDeviceFeatures(pd, &fe);
    snprintf(d->name, sizeof d->name, "%s", pr.deviceName);
    d->type = (int)pr.deviceType;
    d->f64 = fe.shaderFloat64 == VK_TRUE;
    d->i64 = fe.shaderInt64 == VK_TRUE;
    d->api = pr.apiVersion;
    d->vendor = pr.vendorID;
    d->device_id = pr.deviceID;
    d->driver = pr.driverVersion;
    memcpy(d->uuid, pr.pipelineCacheUUID, sizeof d->uuid);
}

int wmel__vk_list(vkw_dev *devs, int *count)
{
    *count = 0;
    void *lib = NULL;
    vk_fns f;
    memset(&f, 0, sizeof f);
    VkInstance inst;
    int rc = open_instance(&lib, &f, &inst);
    if (rc == WMEL_OK) {
        VkPhysicalDevice pd[VKW_MAX_DEVS];
        uint32_t n = 0;
        rc = physical_devices(&f, inst, pd, &n);
        for (uint32_t i = 0; rc == WMEL_OK && i < n; i++) describe(&f, pd[i], &devs[i]);
        if (rc == WMEL_OK) *count = (int)n;
        close_instance(&f, inst);
    }
    if (lib) lib_close(lib);
    return rc;
}

const char *wmel__vk_type_name(int type)
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
    }
}

static int type_rank(int type)
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
    }
}

static int is_gpu(int type)
{
    return type == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU || type == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU;
}

int wmel__vk_pick(const vkw_dev *devs, int count, int device, int gpu_only)
{
    int want = -1;
    const char *env = wmel__env(WMEL__CFG_VULKAN_DEVICE);
    if (device >= 1) {
        want = device - 1;
    } else if (env && *env) {
        char *end = NULL;
        long v = strtol(env, &end, 10);
        if (end && *end == '\0' && v >= 0) {
            want = v < count ? (int)v : count; /* past the list: none */
        } else {
            for (int i = 0; i < count && want < 0; i++)
                if (strstr(devs[i].name, env)) want = i;
            if (want < 0) {
                wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: no device's name has '%s' "
                                "(WMEL_VULKAN_DEVICE; %d listed: wmel_vulkan_devices)", env, count);
                return -1;
            }
        }
    }
    if (want >= 0) {
        if (want >= count) {
            wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: no device %d (%s; %d listed: wmel_vulkan_devices)",
                            want, device >= 1 ? "params.vulkan_device - 1" : "WMEL_VULKAN_DEVICE", count);
            return -1;
        }
        if (gpu_only && !is_gpu(devs[want].type)) {
            wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: device %d, %s, is not a GPU", want, devs[want].name);
            return -1;
        }
        return want;
    }
    int best = -1;
    for (int i = 0; i < count; i++) {
        if (gpu_only && !is_gpu(devs[i].type)) continue;
        if (best < 0 || type_rank(devs[i].type) > type_rank(devs[best].type)) best = i;
    }
    return best;
}

int wmel__vk_same_dev(const vkw_dev *a, const vkw_dev *b)
{
    return a->vendor == b->vendor && a->device_id == b->device_id && a->driver == b->driver &&
           !memcmp(a->uuid, b->uuid, sizeof a->uuid) && !strcmp(a->name, b->name);
}

void wmel__vk_dev_key(const vkw_dev *d, vkw_dev_key *k)
{
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", d->name);
    k->vendor = d->vendor;
    k->device_id = d->device_id;
    k->driver = d->driver;
    memcpy(k->uuid, d->uuid, sizeof k->uuid);
}

int wmel__vk_arith(const vkw_dev *d, int asked)
{
    if (asked == 0) {
        const char *env = wmel__env(WMEL__CFG_VULKAN_ARITHMETIC);
        if (env && *env) {
            if (!strcmp(env, "float64")) asked = VKW_ARITH_F64;
            else if (!strcmp(env, "float-float")) asked = VKW_ARITH_FF;
            else {
                wmel__vk_detail(WMEL_ERR_INVALID_ARG,
                                "WMEL_VULKAN_ARITHMETIC=%s: expected float64 or float-float", env);
                return 0;
            }
        }
    }
#ifdef WMEL_HAVE_VULKAN_FF
    const int have_ff = 1;
#else
    const int have_ff = 0;
#endif
    if (asked == 0) asked = d->f64 ? VKW_ARITH_F64 : VKW_ARITH_FF;
    if (asked == VKW_ARITH_F64 && !d->f64) {
        wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE,
                        "Vulkan: %s has no shaderFloat64 and float64 arithmetic was asked for", d->name);
        return 0;
    }
    if (asked == VKW_ARITH_FF && !have_ff) {
        wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE,
                        "Vulkan: %s needs the float-float shaders%s, which this build left out "
                        "(src/vulkan/shaders/arith_ff.glsl)",
                        d->name, d->f64 ? " (asked for)" : " (no shaderFloat64)");
        return 0;
    }
    return asked;
}

/* ---------------------------------------------------------------- open / close */

/* A batch's imports released (nothing may still use them). */
static void release_bimports(vkw *w)
{
    for (int k = 0; k < w->n_bimp; k++) {
        if (w->bimp_buf[k]) w->f.DestroyBuffer(w->dev, w->bimp_buf[k], NULL);
        if (w->bimp_mem[k]) w->f.FreeMemory(w->dev, w->bimp_mem[k], NULL);
        w->bimp_buf[k] = VK_NULL_HANDLE;
        w->bimp_mem[k] = VK_NULL_HANDLE;
    }
    w->n_bimp = 0;
}

void wmel__vk_close(vkw *w)
{
    if (!w) return;
    vk_fns *f = &w->f;
    if (w->dev) {
        /* even after a failed wait: nothing may still run on the buffers freed below (a
           lost device returns at once) */
        f->DeviceWaitIdle(w->dev);
        for (int k = 0; k < N_SLOTS; k++) {
            if (w->fence[k]) f->DestroyFence(w->dev, w->fence[k], NULL);
            if (w->cpool[k]) f->DestroyCommandPool(w->dev, w->cpool[k], NULL);
        }
        if (w->imp_buf) f->DestroyBuffer(w->dev, w->imp_buf, NULL);
        if (w->imp_mem) f->FreeMemory(w->dev, w->imp_mem, NULL);
        if (w->iout_buf) f->DestroyBuffer(w->dev, w->iout_buf, NULL);
        if (w->iout_mem) f->FreeMemory(w->dev, w->iout_mem, NULL);
        release_bimports(w);
        if (w->dpool) f->DestroyDescriptorPool(w->dev, w->dpool, NULL);
        if (w->pipe) f->DestroyPipeline(w->dev, w->pipe, NULL);
        if (w->fpipe) f->DestroyPipeline(w->dev, w->fpipe, NULL);
        if (w->layout) f->DestroyPipelineLayout(w->dev, w->layout, NULL);
        if (w->dsl) f->DestroyDescriptorSetLayout(w->dev, w->dsl, NULL);
        if (w->shader) f->DestroyShaderModule(w->dev, w->shader, NULL);
        if (w->fshader) f->DestroyShaderModule(w->dev, w->fshader, NULL);
        for (int i = 0; i < N_ALL; i++) {
            if (w->buf[i]) f->DestroyBuffer(w->dev, w->buf[i], NULL);
            if (w->mem[i]) f->FreeMemory(w->dev, w->mem[i], NULL); /* unmaps */
            if (w->stg[i]) f->DestroyBuffer(w->dev, w->stg[i], NULL);
            if (w->stg_mem[i]) f->FreeMemory(w->dev, w->stg_mem[i], NULL);
        }
        f->DestroyDevice(w->dev, NULL);
    }
    close_instance(f, w->inst);
    if (w->lib) lib_close(w->lib);
    free(w);
}

/* What a buffer's memory must have and should have: a storage buffer the host maps (today's
 * buffers: device-local too where the device has such memory: lavapipe, integrated GPUs,
 * resizable BAR), a device-local one the host never sees, a staging buffer the host
 * writes (in host memory, not the device's) or reads back (cached where it can be). */
enum { MEM_MAPPED, MEM_DEVICE, MEM_UPLOAD, MEM_READBACK };

/* A buffer of `bytes` for `usage` in memory of `kind`, mapped unless MEM_DEVICE. */
static int make_buffer(vkw *w, VkBuffer *buf, VkDeviceMemory *mem, void **map, size_t bytes,
                       VkBufferUsageFlags usage, int kind, const VkPhysicalDeviceMemoryProperties *mp)
{
    vk_fns *f = &w->f;
    VkBufferCreateInfo bi = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, NULL, 0, (VkDeviceSize)bytes, usage,
                             VK_SHARING_MODE_EXCLUSIVE, 0, NULL};
    VkResult r = VK(f->CreateBuffer(w->dev, &bi, NULL, buf));
    if (r != VK_SUCCESS) {
        *buf = VK_NULL_HANDLE;
        return vk_fail(r, kind == MEM_MAPPED || kind == MEM_DEVICE ? "creating a storage buffer (vkCreateBuffer)"
                                                                   : "creating a staging buffer (vkCreateBuffer)");
    }
    VkMemoryRequirements req;
    f->GetBufferMemoryRequirements(w->dev, *buf, &req);
    const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    const VkMemoryPropertyFlags need = kind == MEM_DEVICE ? 0 : host;
    const VkMemoryPropertyFlags prefer = kind == MEM_READBACK ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT
                                         : kind == MEM_UPLOAD ? 0
                                                              : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    const VkMemoryPropertyFlags avoid = kind == MEM_UPLOAD ? VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT : 0;
    const VkMemoryPropertyFlags never = VK_MEMORY_PROPERTY_LAZILY_ALLOCATED_BIT | VK_MEMORY_PROPERTY_PROTECTED_BIT;
    int type = -1;
    for (int pass = 0; pass < 2 && type < 0; pass++)
        for (uint32_t t = 0; t < mp->memoryTypeCount && type < 0; t++) {
            VkMemoryPropertyFlags fl = mp->memoryTypes[t].propertyFlags;
            if (!(req.memoryTypeBits & (1u << t)) || (fl & need) != need || (fl & never)) continue;
            if (pass == 0 && ((fl & prefer) != prefer || (fl & avoid))) continue;
            type = (int)t;
        }
    if (type < 0)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s has no %s memory for storage buffers",
                               w->name, need ? "host-visible coherent" : "suitable");
    VkMemoryAllocateInfo ai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, NULL, req.size, (uint32_t)type};
    r = VK(f->AllocateMemory(w->dev, &ai, NULL, mem));
    if (r != VK_SUCCESS) {
        *mem = VK_NULL_HANDLE;
        return vk_fail(r, "allocating device memory (vkAllocateMemory)");
    }
    r = VK(f->BindBufferMemory(w->dev, *buf, *mem, 0));
    if (r != VK_SUCCESS) return vk_fail(r, "binding buffer memory (vkBindBufferMemory)");
    if (kind == MEM_DEVICE) return WMEL_OK;
    r = VK(f->MapMemory(w->dev, *mem, 0, VK_WHOLE_SIZE, 0, map));
    if (r != VK_SUCCESS) {
        *map = NULL;
        return vk_fail(r, "mapping device memory (vkMapMemory)");
    }
    return WMEL_OK;
}

/* Whether the storage buffers are staged: WMEL_VULKAN_STAGING=1 or 0 says (a testing
 * switch), else a device with device-local memory the host cannot see (a discrete GPU's;
 * never an integrated GPU's or a CPU device's: their memory is the host's). -1 with the
 * reason in the detail for another value. */
static int want_staging(int type, const VkPhysicalDeviceMemoryProperties *mp)
{
    const char *env = wmel__test_env(WMEL__CFG_VULKAN_STAGING);
    if (env && *env) {
        if (!strcmp(env, "1")) return 1;
        if (!strcmp(env, "0")) return 0;
        wmel__vk_detail(WMEL_ERR_INVALID_ARG,
                        "WMEL_VULKAN_STAGING=%s: expected 1 (device-local buffers with staging copies) or 0 "
                        "(host-visible buffers)", env);
        return -1;
    }
    if (type == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU || type == VK_PHYSICAL_DEVICE_TYPE_CPU) return 0;
    for (uint32_t t = 0; t < mp->memoryTypeCount; t++) {
        const VkMemoryPropertyFlags fl = mp->memoryTypes[t].propertyFlags;
        if ((fl & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) && !(fl & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) &&
            !(fl & (VK_MEMORY_PROPERTY_LAZILY_ALLOCATED_BIT | VK_MEMORY_PROPERTY_PROTECTED_BIT)))
            return 1;
    }
    return 0;
}

static atomic_long g_staged_opens;
#ifdef WMEL_TEST_HOOKS
long wmel__vk_staged_opens(void) { return atomic_load(&g_staged_opens); }
#endif

static int load_device_fns(vkw *w)
{
    vk_fns *f = &w->f;
    int ok = 1;
#define GD(name) ok &= (f->name = (PFN_vk##name)f->GetDeviceProcAddr(w->dev, "vk" #name)) != NULL
    GD(DestroyDevice);
    GD(GetDeviceQueue);
    GD(CreateBuffer);
    GD(DestroyBuffer);
    GD(GetBufferMemoryRequirements);
    GD(AllocateMemory);
    GD(FreeMemory);
    GD(BindBufferMemory);
    GD(MapMemory);
    GD(CreateShaderModule);
    GD(DestroyShaderModule);
    GD(CreateDescriptorSetLayout);
    GD(DestroyDescriptorSetLayout);
    GD(CreatePipelineLayout);
    GD(DestroyPipelineLayout);
    GD(CreateComputePipelines);
    GD(DestroyPipeline);
    GD(CreateDescriptorPool);
    GD(DestroyDescriptorPool);
    GD(AllocateDescriptorSets);
    GD(UpdateDescriptorSets);
    GD(CreateCommandPool);
    GD(DestroyCommandPool);
    GD(AllocateCommandBuffers);
    GD(ResetCommandPool);
    GD(BeginCommandBuffer);
    GD(EndCommandBuffer);
    GD(CmdBindPipeline);
    GD(CmdBindDescriptorSets);
    GD(CmdPushConstants);
    GD(CmdDispatch);
    GD(CmdPipelineBarrier);
    GD(CmdCopyBuffer);
    GD(CmdFillBuffer);
    GD(CreateFence);
    GD(DestroyFence);
    GD(WaitForFences);
    GD(ResetFences);
    GD(QueueSubmit);
    GD(DeviceWaitIdle);
#undef GD
    f->GetMemoryHostPointerPropertiesEXT =
        w->host_import ? (PFN_vkGetMemoryHostPointerPropertiesEXT)f->GetDeviceProcAddr(w->dev, "vkGetMemoryHostPointerPropertiesEXT")
                       : NULL;
    if (!f->GetMemoryHostPointerPropertiesEXT) w->host_import = 0;
    return ok;
}

#define SIG_BYTES ((size_t)32 << 20) /* the signal buffer, capped by maxStorageBufferRange */
#define OUT_BYTES ((size_t)16 << 20)
#define MAX_GROUPS 65535u            /* frames per dispatch (maxComputeWorkGroupCount[0] at least) */

/* The device's shared memory for the shaders (bytes): maxComputeSharedMemorySize, or less
 * with WMEL_VULKAN_SHARED_LIMIT (a testing switch: a smaller device's choice on this one);
 * 0 with the reason in the detail for a value that is not a number of bytes. */
static size_t shared_limit(const VkPhysicalDeviceProperties *pr)
{
    size_t limit = pr->limits.maxComputeSharedMemorySize;
    const char *env = wmel__test_env(WMEL__CFG_VULKAN_SHARED_LIMIT);
    if (env && *env) {
        char *end = NULL;
        const unsigned long long v = strtoull(env, &end, 10);
        if (!end || *end != '\0' || v == 0 || env[0] == '-') {
            wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE,
                            "Vulkan: WMEL_VULKAN_SHARED_LIMIT is '%s'; it takes a number of bytes", env);
            return 0;
        }
        if (v < limit) limit = (size_t)v;
    }
    return limit;
}

/* A switch's number (env: its text, config.h; name: the variable's): 0 when unset or empty,
 * else its value within [lo, hi], or -1 with the reason in the detail ("NAME is 'VALUE'; it
 * takes UNIT, LO to HI"). */
static long long env_num(const char *env, const char *name, long long lo, long long hi, const char *unit)
{
    if (!env || !*env) return 0;
    char *end = NULL;
    const long long v = strtoll(env, &end, 10);
    if (!end || *end != '\0' || v < lo || v > hi) {
        wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s is '%s'; it takes %s, %lld to %lld", name, env, unit,
                        lo, hi);
        return -1;
    }
    return v;
}

/* WMEL_VULKAN_FRAMES_PER_GROUP (a testing switch: at most that many frames a workgroup,
 * 1 .. VKW_MAX_FPG): 0 when unset, -1 with the reason in the detail for another value. */
static int frames_per_group_env(void)
{
    return (int)env_num(wmel__test_env(WMEL__CFG_VULKAN_FRAMES_PER_GROUP), "WMEL_VULKAN_FRAMES_PER_GROUP", 1,
                        VKW_MAX_FPG, "a number of frames");
}

/* WMEL_VULKAN_TIMEOUT_MS: the longest wait for one dispatch of a round, in milliseconds
 * (default VKW_TIMEOUT_MS; 1 .. 24 h); -1 with the reason in the detail for another value. */
static long long timeout_env(void)
{
    const long long v =
        env_num(wmel__env(WMEL__CFG_VULKAN_TIMEOUT_MS), "WMEL_VULKAN_TIMEOUT_MS", 1, 86400000LL, "milliseconds");
    return v ? v : VKW_TIMEOUT_MS;
}

/* WMEL_VULKAN_DISPATCH_FRAMES (a testing switch: at most that many frames a dispatch, 1 ..
 * VKW_DISPATCH_FRAMES): 0 when unset, -1 with the reason in the detail for another value. */
static long dispatch_env(void)
{
    return (long)env_num(wmel__test_env(WMEL__CFG_VULKAN_DISPATCH_FRAMES), "WMEL_VULKAN_DISPATCH_FRAMES", 1,
                         VKW_DISPATCH_FRAMES, "a number of frames");
}

/* WMEL_VULKAN_ROUND_BYTES (a testing switch: a round's signal and output buffers made at most
 * that large when a ctx is opened, 65,536 .. 2^30, so that short clips take the ways of long
 * ones): 0 when unset, -1 with the reason in the detail for another value. */
static long long round_bytes_env(void)
{
    return env_num(wmel__test_env(WMEL__CFG_VULKAN_ROUND_BYTES), "WMEL_VULKAN_ROUND_BYTES", 65536, 1LL << 30,
                   "a number of bytes");
}

/* Frames a dispatch at most for a frame's estimated work: a dispatch does at most the work of
 * VKW_DISPATCH_FRAMES frames of Whisper's geometry in float64 (an FFT of 400 points); a frame's
 * work is n_fft log2(n_fft) for the FFT, the frame's samples times its bins for the direct
 * DFT, and VKW_FF_WORK times that in float-float (ACO's instructions a Whisper frame: 8,658
 * against 1,814 in float64). At least one workgroup's frames. */
uint32_t wmel__vk_dispatch_cap(int algo, int arith, int n_fft, int fl, int bins, int fpg)
{
    const double whisper = 400.0 * log2(400.0);
    double work = algo == VKW_ALGO_FFT ? (double)n_fft * log2((double)(n_fft > 1 ? n_fft : 2)) : (double)fl * bins;
    if (arith == VKW_ARITH_FF) work *= VKW_FF_WORK;
    if (work < whisper) work = whisper;
    double cap = (double)VKW_DISPATCH_FRAMES * whisper / work;
    if (cap < fpg) cap = fpg;
    if (cap > VKW_DISPATCH_FRAMES) cap = VKW_DISPATCH_FRAMES;
    return (uint32_t)cap;
}

/* 1 when w->phys lists the device extension `name` (EnumerateDeviceExtensionProperties). */
static int has_extension(vkw *w, const char *name)
{
    vk_fns *f = &w->f;
    if (!f->EnumerateDeviceExtensionProperties) return 0;
    VkExtensionProperties ext[256];
    uint32_t n = 256;
    const VkResult r = f->EnumerateDeviceExtensionProperties(w->phys, NULL, &n, ext);
    for (uint32_t i = 0; (r == VK_SUCCESS || r == VK_INCOMPLETE) && i < n; i++)
        if (!strcmp(ext[i].extensionName, name)) return 1;
    return 0;
}

/* w->phys's properties of the structure `chain` (its sType set; GetPhysicalDeviceProperties2
 * present). */
static void properties2(vkw *w, void *chain)
{
    VkPhysicalDeviceProperties2 p2;
    memset(&p2, 0, sizeof p2);
    p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    p2.pNext = chain;
    w->f.GetPhysicalDeviceProperties2(w->phys, &p2);
}

/* The float controls the float-float shaders declare on w->phys (VKW_FC_* bits):
 * SignedZeroInfNanPreserve where shaderSignedZeroInfNanPreserveFloat32, and DenormPreserve
 * too where shaderDenormPreserveFloat32 and float32's denormal mode may be set alone
 * (denormBehaviorIndependence not NONE); through Vulkan 1.2, or VK_KHR_shader_float_controls
 * (VKW_FC_KHR: the device enables it); 0 without either, or with WMEL_VULKAN_FLOAT_CONTROLS=0
 * (a testing switch). */
static int float_controls(vkw *w, uint32_t api)
{
    vk_fns *f = &w->f;
    const char *env = wmel__test_env(WMEL__CFG_VULKAN_FLOAT_CONTROLS);
    if ((env && !strcmp(env, "0")) || !f->GetPhysicalDeviceProperties2) return 0;
    int how = 0;
    if (VK_API_VERSION_MAJOR(api) > 1 || VK_API_VERSION_MINOR(api) >= 2) {
        how = 1;
    } else if (has_extension(w, VK_KHR_SHADER_FLOAT_CONTROLS_EXTENSION_NAME)) {
        how = VKW_FC_KHR;
    }
    if (!how) return 0;
    how = how == VKW_FC_KHR ? VKW_FC_KHR : 0;
    VkPhysicalDeviceFloatControlsProperties fc;
    memset(&fc, 0, sizeof fc);
    fc.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FLOAT_CONTROLS_PROPERTIES;
    properties2(w, &fc);
    if (!fc.shaderSignedZeroInfNanPreserveFloat32) return 0;
    if (fc.shaderDenormPreserveFloat32 && fc.denormBehaviorIndependence != VK_SHADER_FLOAT_CONTROLS_INDEPENDENCE_NONE)
        return how | VKW_FC_SZ | VKW_FC_DENORM;
    return how | VKW_FC_SZ;
}

/* 1 when w->phys is a Vulkan 1.1 device with extension `name`, and the loader has the entry
 * points that query it (vkGetPhysicalDeviceProperties2, the extensions' list). */
static int ext_11(vkw *w, uint32_t api, const char *name)
{
    if (!w->f.GetPhysicalDeviceProperties2 || !w->f.EnumerateDeviceExtensionProperties ||
        (VK_API_VERSION_MAJOR(api) == 1 && VK_API_VERSION_MINOR(api) < 1))
        return 0;
    return has_extension(w, name);
}

/* 1 when w->phys can read host memory in place (VK_EXT_external_memory_host, on a device of
 * Vulkan 1.1 or later), with its pointers' alignment in w->import_align; 0 without it, or
 * with WMEL_VULKAN_HOST_IMPORT=0 (a testing switch: the samples copied, the same bytes). */
static int host_import(vkw *w, uint32_t api)
{
    const char *env = wmel__test_env(WMEL__CFG_VULKAN_HOST_IMPORT);
    if ((env && !strcmp(env, "0")) || !ext_11(w, api, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) return 0;
    VkPhysicalDeviceExternalMemoryHostPropertiesEXT hp;
    memset(&hp, 0, sizeof hp);
    hp.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT;
    properties2(w, &hp);
    const VkDeviceSize a = hp.minImportedHostPointerAlignment;
    if (a < 4 || (a & (a - 1)) || a > ((VkDeviceSize)1 << 24)) return 0; /* a power of two we can meet */
    w->import_align = (size_t)a;
    return 1;
}

/* 1 when w->phys can import another device's memory from an opaque file descriptor
 * (VK_KHR_external_memory_fd, Vulkan 1.1 or later, where the platform has file descriptors),
 * with the device's and driver's UUIDs in w (which the memory's must equal); else 0. */
static int fd_import(vkw *w, uint32_t api)
{
#if defined(_WIN32)
    (void)w;
    (void)api;
    return 0;
#else
    if (!w->f.GetPhysicalDeviceExternalBufferProperties || !ext_11(w, api, VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME))
        return 0;
    VkPhysicalDeviceIDProperties id;
    memset(&id, 0, sizeof id);
    id.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES;
    properties2(w, &id);
    memcpy(w->dev_uuid, id.deviceUUID, VK_UUID_SIZE);
    memcpy(w->drv_uuid, id.driverUUID, VK_UUID_SIZE);
    return 1;
#endif
}

/* The device for w->phys with one compute queue of `family`, shaderFloat64 when f64,
 * shaderInt64 when i64, the float controls' extension when w->fc says so, the host
 * pointers' one when w->host_import. */
static int create_device(vkw *w, int family, int f64, int i64)
{
    vk_fns *f = &w->f;
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qi = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, NULL, 0, (uint32_t)family, 1, &prio};
    VkPhysicalDeviceFeatures want;
    memset(&want, 0, sizeof want);
    want.shaderFloat64 = f64 ? VK_TRUE : VK_FALSE;
    want.shaderInt64 = i64 ? VK_TRUE : VK_FALSE;
    const char *ext[3];
    uint32_t n_ext = 0;
    if (w->fc & VKW_FC_KHR) ext[n_ext++] = VK_KHR_SHADER_FLOAT_CONTROLS_EXTENSION_NAME;
    if (w->host_import) ext[n_ext++] = VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME;
    if (w->fd_import) ext[n_ext++] = VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME;
    VkDeviceCreateInfo di = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, NULL, 0, 1, &qi, 0, NULL, n_ext, n_ext ? ext : NULL,
                             &want};
    VkResult r = VK(f->CreateDevice(w->phys, &di, NULL, &w->dev));
    if (r != VK_SUCCESS) {
        w->dev = VK_NULL_HANDLE;
        return vk_fail(r, "creating the device (vkCreateDevice)");
    }
    if (!load_device_fns(w)) {
        /* DestroyDevice may be missing too: without it the device cannot be released */
        if (!f->DestroyDevice) w->dev = VK_NULL_HANDLE;
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s lacks a device entry point", w->name);
    }
    f->GetDeviceQueue(w->dev, (uint32_t)family, 0, &w->queue);
    return WMEL_OK;
}

/* The command pool, its one primary command buffer and the fence of w's queue family; what
 * names the context in the messages (the frames' ctx: "", the self-test's: "the self-test's "). */
/* The command pool, buffer and fence of each of the w->slots_max slots (at least one). */
static int make_commands(vkw *w, uint32_t family, const char *whose)
{
    vk_fns *f = &w->f;
    char m[96];
    for (int k = 0; k < (w->slots_max > 1 ? w->slots_max : 1); k++) {
        VkCommandPoolCreateInfo cpi = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, NULL, 0, family};
        VkResult r = VK(f->CreateCommandPool(w->dev, &cpi, NULL, &w->cpool[k]));
        if (r != VK_SUCCESS) {
            w->cpool[k] = VK_NULL_HANDLE;
            snprintf(m, sizeof m, "creating %scommand pool", *whose ? whose : "the ");
            return vk_fail(r, m);
        }
        VkCommandBufferAllocateInfo cai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, NULL, w->cpool[k],
                                           VK_COMMAND_BUFFER_LEVEL_PRIMARY, 1};
        r = VK(f->AllocateCommandBuffers(w->dev, &cai, &w->cmd[k]));
        if (r != VK_SUCCESS) {
            snprintf(m, sizeof m, "allocating %scommand buffer", *whose ? whose : "the ");
            return vk_fail(r, m);
        }
        VkFenceCreateInfo fi = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO, NULL, 0};
        r = VK(f->CreateFence(w->dev, &fi, NULL, &w->fence[k]));
        if (r != VK_SUCCESS) {
            w->fence[k] = VK_NULL_HANDLE;
            snprintf(m, sizeof m, "creating %sfence", *whose ? whose : "a ");
            return vk_fail(r, m);
        }
    }
    return WMEL_OK;
}

/* The rounds' slots: WMEL_VULKAN_ROUNDS=1 (one round at a time: a testing switch, the bytes
 * are the same) or 2 (the default); 0 with the reason in the detail for another value. */
static int rounds_env(void)
{
    const char *e = wmel__test_env(WMEL__CFG_VULKAN_ROUNDS);
    if (!e || !*e) return N_SLOTS;
    if (!strcmp(e, "1")) return 1;
    if (!strcmp(e, "2")) return 2;
    wmel__vk_detail(WMEL_ERR_INVALID_ARG, "WMEL_VULKAN_ROUNDS=%s: expected 1 (one round at a time) or 2 (the next "
                    "round filled while the device computes one)", e);
    return 0;
}

/* Buffer i (bix's numbering) of w->bytes[i]: mapped, or device-local with its staging copy.
 * The output is a transfer's destination too: the segments' maxima are zeroed on the device
 * (wmel__vk_submit's n_keys). */
static int slot_buffer(vkw *w, int i)
{
    const int out = i == B_OUT || i == bix(1, B_OUT);
    if (!w->staged)
        return make_buffer(w, &w->buf[i], &w->mem[i], &w->map[i], w->bytes[i],
                           VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | (out ? VK_BUFFER_USAGE_TRANSFER_DST_BIT : 0),
                           MEM_MAPPED, &w->mp);
    void *none = NULL;
    int rc = make_buffer(w, &w->buf[i], &w->mem[i], &none, w->bytes[i],
                         VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                             (out ? VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT
                                  : VK_BUFFER_USAGE_TRANSFER_DST_BIT),
                         MEM_DEVICE, &w->mp);
    if (rc == WMEL_OK)
        rc = make_buffer(w, &w->stg[i], &w->stg_mem[i], &w->map[i], w->bytes[i],
                         out ? VK_BUFFER_USAGE_TRANSFER_DST_BIT : VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                         out ? MEM_READBACK : MEM_UPLOAD, &w->mp);
    return rc;
}

/* Slot k's descriptor set: the shared tables, the slot's signal, segments and output. */
static int slot_dset(vkw *w, int k)
{
    VkDescriptorSetAllocateInfo dai = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO, NULL, w->dpool, 1, &w->dsl};
    VkResult r = VK(w->f.AllocateDescriptorSets(w->dev, &dai, &w->dset[k]));
    if (r != VK_SUCCESS) return vk_fail(r, "allocating the descriptor set");
    VkDescriptorBufferInfo bi[N_BUF];
    VkWriteDescriptorSet wr[N_BUF];
    for (int i = 0; i < N_BUF; i++) {
        VkDescriptorBufferInfo x = {w->buf[bix(k, i)], 0, VK_WHOLE_SIZE};
        bi[i] = x;
        VkWriteDescriptorSet y = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, NULL, w->dset[k], (uint32_t)i, 0, 1,
                                  VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, NULL, &bi[i], NULL};
        wr[i] = y;
    }
    w->f.UpdateDescriptorSets(w->dev, N_BUF, wr, 0, NULL);
    return WMEL_OK;
}

int wmel__vk_want_slots(vkw *w, int want)
{
    if (want > w->slots_max) want = w->slots_max;
    if (w->slots >= want || w->lost || w->timed_out) return w->slots;
    /* slot 1's signal, segments and output, made the first time a call has more than one
       round (a ctx of short calls never holds them); where they cannot be made, one slot */
    int rc = WMEL_OK;
    w->bytes[bix(1, B_SIG)] = w->bytes[B_SIG], w->bytes[bix(1, B_OUT)] = w->bytes[B_OUT]; /* as slot 0's now */
    for (int i = N_BUF; i < N_ALL && rc == WMEL_OK; i++) rc = slot_buffer(w, i);
    if (rc == WMEL_OK) rc = slot_dset(w, 1);
    if (rc == WMEL_OK) w->slots = 2;
    else w->slots_max = 1; /* not tried again; what was made is freed with the ctx */
    return w->slots;
}

static int refused(vkw *w);

/* Buffer i (bix's numbering) made again with `bytes`: the new one made first, the old one
 * freed once it is (on a failure the old one stays, with its size). Nothing may use it. */
static int remake_buffer(vkw *w, int i, size_t bytes)
{
    const VkBuffer ob = w->buf[i], os = w->stg[i];
    const VkDeviceMemory om = w->mem[i], osm = w->stg_mem[i];
    void *const omap = w->map[i];
    const size_t obytes = w->bytes[i];
    w->buf[i] = w->stg[i] = VK_NULL_HANDLE;
    w->mem[i] = w->stg_mem[i] = VK_NULL_HANDLE;
    w->map[i] = NULL;
    w->bytes[i] = bytes;
    const int rc = slot_buffer(w, i);
    const VkBuffer fb[2] = {rc == WMEL_OK ? ob : w->buf[i], rc == WMEL_OK ? os : w->stg[i]};
    const VkDeviceMemory fm[2] = {rc == WMEL_OK ? om : w->mem[i], rc == WMEL_OK ? osm : w->stg_mem[i]};
    for (int k = 0; k < 2; k++) {
        if (fb[k]) w->f.DestroyBuffer(w->dev, fb[k], NULL);
        if (fm[k]) w->f.FreeMemory(w->dev, fm[k], NULL); /* unmaps */
    }
    if (rc != WMEL_OK) { /* the old one kept */
        w->buf[i] = ob, w->stg[i] = os, w->mem[i] = om, w->stg_mem[i] = osm, w->map[i] = omap;
        w->bytes[i] = obytes;
    }
    return rc;
}

int wmel__vk_in_place(const vkw *w) { return w->host_import && !w->staged; }
int wmel__vk_host_imports(const vkw *w) { return w->host_import; }

size_t wmel__vk_reserve_max(const vkw *w) { return w->range < VKW_GROW_BYTES ? w->range & ~(size_t)7 : VKW_GROW_BYTES; }

int wmel__vk_reserve(vkw *w, size_t sig_bytes, size_t out_bytes)
{
    int rc = refused(w);
    if (rc != WMEL_OK) return rc;
    const size_t top = wmel__vk_reserve_max(w);
    if (sig_bytes > top || out_bytes > top) return VKW_DECLINE;
    /* a host import binds or copies into the buffers it would remake; another device's memory
       (imp_direct) keeps slot 0's signal binding, which is not remade below */
    if (((w->imp_buf || w->iout_buf) && !w->imp_direct) || w->pending[0] || w->pending[1]) return VKW_DECLINE;
    const size_t want[2] = {sig_bytes > w->base_bytes[0] ? (sig_bytes + 7) & ~(size_t)7 : w->base_bytes[0],
                            out_bytes > w->base_bytes[1] ? (out_bytes + 7) & ~(size_t)7 : w->base_bytes[1]};
    for (int k = 0; k < w->slots && rc == WMEL_OK; k++) {
        int changed = 0;
        for (int b = 0; b < 2 && rc == WMEL_OK; b++) {
            const int i = bix(k, b ? B_OUT : B_SIG);
            if (w->bytes[i] == want[b]) continue;
            if ((rc = remake_buffer(w, i, want[b])) == WMEL_OK) changed = 1;
        }
        if (changed) { /* the slot's descriptor set: its new buffers */
            VkDescriptorBufferInfo bi[2] = {{w->buf[bix(k, B_SIG)], 0, VK_WHOLE_SIZE},
                                            {w->buf[bix(k, B_OUT)], 0, VK_WHOLE_SIZE}};
            VkWriteDescriptorSet wr[2] = {{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, NULL, w->dset[k], (uint32_t)B_SIG, 0,
                                           1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, NULL, &bi[0], NULL},
                                          {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, NULL, w->dset[k], (uint32_t)B_OUT, 0,
                                           1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, NULL, &bi[1], NULL}};
            const int keep_sig = k == 0 && w->imp_direct; /* the import's binding stays */
            w->f.UpdateDescriptorSets(w->dev, keep_sig ? 1 : 2, keep_sig ? &wr[1] : wr, 0, NULL);
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- float controls */

/* SPIR-V's numbers for the float controls (SPV_KHR_float_controls) */
enum {
    SPV_MAGIC = 0x07230203,
    SPV_OP_EXTENSION = 10,
    SPV_OP_ENTRY_POINT = 15,
    SPV_OP_EXECUTION_MODE = 16,
    SPV_OP_CAPABILITY = 17,
    SPV_DENORM_PRESERVE_MODE = 4459,
    SPV_SZ_MODE = 4461,
    SPV_DENORM_PRESERVE_CAP = 4464,
    SPV_SZ_CAP = 4466,
    SPV_MAX_ENTRIES = 8
};

/* The module `code` (words) with float32's float controls fc declared (VKW_FC_SZ:
 * SignedZeroInfNanPreserve, with VKW_FC_DENORM DenormPreserve too): their capabilities after
 * the module's, the extension SPV_KHR_float_controls, and each entry point's execution
 * modes after the entry points, the rest of the module word for word. The shaders are
 * compiled once, without them, and optimised (glslc -O); arith_ff.glsl's precise operations
 * keep their order through the optimiser, which does not fold them (NoContraction). *out:
 * a new array (free()) of *n_out words; WMEL_ERR_NO_MEMORY, or WMEL_ERR_VULKAN for a
 * module it cannot read. */
int wmel__vk_spv_fc(const uint32_t *code, size_t words, int fc, uint32_t **out, size_t *n_out)
{
    static const char ext[] = "SPV_KHR_float_controls";
    const size_t ext_words = (sizeof ext + 3) / 4; /* the string with its NUL, padded */
    *out = NULL;
    *n_out = 0;
    if (words < 5 || code[0] != SPV_MAGIC)
        return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: a built-in shader is not a SPIR-V module");
    size_t cap_end = 5, ep_end = 0;
    uint32_t entries[SPV_MAX_ENTRIES];
    int n_entries = 0;
    for (size_t i = 5; i < words;) {
        const uint32_t op = code[i] & 0xffffu, wc = code[i] >> 16;
        if (wc == 0 || wc > words - i)
            return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: a built-in shader's SPIR-V is cut at word %zu", i);
        if (op == SPV_OP_CAPABILITY && wc == 2) {
            if (code[i + 1] == SPV_SZ_CAP || code[i + 1] == SPV_DENORM_PRESERVE_CAP)
                return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: a built-in shader declares float controls already");
            cap_end = i + wc;
        }
        if (op == SPV_OP_ENTRY_POINT && wc >= 3) {
            if (n_entries == SPV_MAX_ENTRIES)
                return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: a built-in shader has too many entry points");
            entries[n_entries++] = code[i + 2];
            ep_end = i + wc;
        }
        i += wc;
    }
    if (n_entries == 0 || ep_end < cap_end)
        return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: a built-in shader has no entry point");
    const int n_modes = (fc & VKW_FC_DENORM) ? 2 : 1;
    const size_t add = (size_t)n_modes * 2 + 1 + ext_words + (size_t)n_entries * (size_t)n_modes * 4;
    uint32_t *m = malloc((words + add) * sizeof *m);
    if (!m) return wmel__vk_detail(WMEL_ERR_NO_MEMORY, "Vulkan: out of memory for a shader's %zu words", words + add);
    size_t at = 0;
    memcpy(m, code, cap_end * sizeof *m);
    at = cap_end;
    const uint32_t caps[2] = {SPV_SZ_CAP, SPV_DENORM_PRESERVE_CAP}, modes[2] = {SPV_SZ_MODE, SPV_DENORM_PRESERVE_MODE};
    for (int k = 0; k < n_modes; k++) {
        m[at++] = (2u << 16) | SPV_OP_CAPABILITY;
        m[at++] = caps[k];
    }
    m[at++] = ((uint32_t)(1 + ext_words) << 16) | SPV_OP_EXTENSION;
    memset(m + at, 0, ext_words * sizeof *m);
    for (size_t c = 0; c < sizeof ext - 1; c++) m[at + c / 4] |= (uint32_t)(unsigned char)ext[c] << (8 * (c % 4));
    at += ext_words;
    memcpy(m + at, code + cap_end, (ep_end - cap_end) * sizeof *m);
    at += ep_end - cap_end;
    for (int e = 0; e < n_entries; e++)
        for (int k = 0; k < n_modes; k++) {
            m[at++] = (4u << 16) | SPV_OP_EXECUTION_MODE;
            m[at++] = entries[e];
            m[at++] = modes[k];
            m[at++] = 32; /* float32 */
        }
    memcpy(m + at, code + ep_end, (words - ep_end) * sizeof *m);
    at += words - ep_end;
    *out = m;
    *n_out = at;
    return WMEL_OK;
}

/* A shader module of `code` with the float controls fc (wmel__vk_spv_fc; 0: as it is). */
static int make_module(vkw *w, const uint32_t *code, size_t words, int fc, VkShaderModule *mod, const char *what)
{
    uint32_t *patched = NULL;
    if (fc & VKW_FC_SZ) {
        const int rc = wmel__vk_spv_fc(code, words, fc, &patched, &words);
        if (rc != WMEL_OK) return rc;
        code = patched;
    }
    VkShaderModuleCreateInfo si = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, NULL, 0, words * 4, code};
    const VkResult r = VK(w->f.CreateShaderModule(w->dev, &si, NULL, mod));
    free(patched);
    if (r != VK_SUCCESS) {
        *mod = VK_NULL_HANDLE;
        return vk_fail(r, what);
    }
    return WMEL_OK;
}

/* The finish pipeline (finish.comp) in the arithmetic's variant, on the frames' pipeline
 * layout (its bindings 0 and 4; its push constants a vkw_finish), with the shape's
 * specialisation constants (FF_FMA; float64's F64_FIX and F64_FIN_BREAK). */
static int finish_pipeline(vkw *w, int arith, const vkw_shape *shape)
{
    vk_fns *f = &w->f;
    const uint32_t *code = wmel__spv_finish_f64;
    size_t words = wmel__spv_finish_f64_words;
#ifdef WMEL_HAVE_VULKAN_FF
    if (arith == VKW_ARITH_FF) {
        code = wmel__spv_finish_ff;
        words = wmel__spv_finish_ff_words;
    }
#else
    (void)arith;
#endif
    int rc = make_module(w, code, words, arith == VKW_ARITH_FF ? w->fc : 0, &w->fshader,
                         "building the finish's shader (vkCreateShaderModule)");
    if (rc != WMEL_OK) return rc;
    VkResult r;
    /* arith_ff.glsl's FF_FMA, as the frames'; float64's F64_FIX and F64_FIN_BREAK */
    const int32_t sv[3] = {shape->ff_fma != 0, shape->f64_fix != 0, shape->f64_fin_break != 0};
    const VkSpecializationMapEntry se[3] = {{VKW_SPEC_FF_FMA, 0, 4}, {VKW_SPEC_F64_FIX, 4, 4}, {VKW_SPEC_F64_FIN_BREAK, 8, 4}};
    VkSpecializationInfo spec = {3, se, sizeof sv, sv};
    VkPipelineShaderStageCreateInfo st = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, NULL, 0,
                                          VK_SHADER_STAGE_COMPUTE_BIT, w->fshader, "main", &spec};
    VkComputePipelineCreateInfo ci = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO, NULL, 0, st, w->layout,
                                      VK_NULL_HANDLE, -1};
    r = VK(f->CreateComputePipelines(w->dev, VK_NULL_HANDLE, 1, &ci, NULL, &w->fpipe));
    if (r != VK_SUCCESS) {
        w->fpipe = VK_NULL_HANDLE;
        return vk_fail(r, "building the finish's pipeline (vkCreateComputePipelines)");
    }
    return WMEL_OK;
}

/* The device's way to the spectrum (the FFT where the shape asks for it and the frame fits the
 * shared memory: n_fft words; else the DFT: the frame and its spectrum; then the reductions'
 * words where the frame has reductions: DC removal, an energy) and the frames a workgroup: as
 * many as the shared memory holds (each its words, its reductions' among them), at most
 * VKW_MAX_FPG and the device's invocations a workgroup; the wait's limit. WMEL_OK;
 * VKW_DECLINE where no frame fits; WMEL_ERR_BACKEND_UNAVAILABLE (the reason in the
 * detail). */
static int pick_algo(vkw *w, const VkPhysicalDeviceProperties *pr, const vkw_shape *shape)
{
    const int max_fl = shape->fl, max_bins = shape->bins;
    const size_t limit = shared_limit(pr);
    if (!limit) return WMEL_ERR_BACKEND_UNAVAILABLE; /* the reason is in the detail */
    /* the device plan's words (devplan.c): its spectrum's, and the direct DFT's */
    const size_t words = (size_t)shape->sh_words, dft_words = (size_t)shape->dft_words;
    if (shape->fft && words * 8 <= limit) {
        w->algo = VKW_ALGO_FFT;
        w->sh_words = words;
    } else if (dft_words * 8 <= limit) {
        w->algo = VKW_ALGO_DFT;
        w->sh_words = dft_words;
    } else {
        return wmel__vk_detail(VKW_DECLINE,
                               "Vulkan: a frame of %d samples and %d bins needs %zu bytes of shared memory; "
                               "%s has %zu", max_fl, max_bins, words * 8, w->name,
                               limit);
    }
    size_t fpg = limit / (w->sh_words * 8);
    const uint32_t inv = pr->limits.maxComputeWorkGroupInvocations < pr->limits.maxComputeWorkGroupSize[0]
                             ? pr->limits.maxComputeWorkGroupInvocations
                             : pr->limits.maxComputeWorkGroupSize[0];
    if (fpg > inv / VKW_WG) fpg = inv / VKW_WG;
    const long long ms = timeout_env();
    if (ms < 0) return WMEL_ERR_BACKEND_UNAVAILABLE; /* the reason is in the detail */
    w->timeout_ns = (uint64_t)ms * 1000000u;
    const int asked = frames_per_group_env();
    if (asked < 0) return WMEL_ERR_BACKEND_UNAVAILABLE; /* the reason is in the detail */
    if (fpg > (size_t)(asked ? asked : VKW_MAX_FPG)) fpg = (size_t)(asked ? asked : VKW_MAX_FPG);
    w->fpg = fpg ? (int)fpg : 1;
    return WMEL_OK;
}

/* The storage buffers' sizes a device is opened with. */
typedef struct dev_sizes {
    size_t range;                /* maxStorageBufferRange */
    size_t sig_bytes, out_bytes; /* a slot's signal and output */
    size_t tab_words, int_words; /* the tables' */
    uint32_t groups;             /* the workgroups a dispatch may take */
} dev_sizes;

/* The signal's and the output's bytes into z (SIG_BYTES and OUT_BYTES, or less: the device's
 * range, WMEL_VULKAN_ROUND_BYTES) and the workgroups a dispatch may take; where the tables or
 * a frame's samples do not fit the buffers, WMEL_ERR_BACKEND_UNAVAILABLE (the reason in the
 * detail). */
static int buffer_sizes(const vkw *w, const VkPhysicalDeviceProperties *pr, int max_fl, dev_sizes *z)
{
    const size_t range = pr->limits.maxStorageBufferRange;
    size_t sig_bytes = SIG_BYTES < range ? SIG_BYTES : range & ~(size_t)7;
    size_t out_bytes = OUT_BYTES < range ? OUT_BYTES : range & ~(size_t)7;
    const long long rb = round_bytes_env();
    if (rb < 0) return WMEL_ERR_BACKEND_UNAVAILABLE; /* the reason is in the detail */
    if (rb && (size_t)rb < sig_bytes) sig_bytes = (size_t)rb & ~(size_t)7;
    if (rb && (size_t)rb < out_bytes) out_bytes = (size_t)rb & ~(size_t)7;
    if (z->tab_words * 8 > range || z->int_words * 4 > range || sig_bytes < (size_t)max_fl * 4)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s's storage buffers are too small (%zu bytes)",
                               w->name, range);
    z->range = range, z->sig_bytes = sig_bytes, z->out_bytes = out_bytes;
    z->groups = pr->limits.maxComputeWorkGroupCount[0] < MAX_GROUPS ? pr->limits.maxComputeWorkGroupCount[0]
                                                                    : MAX_GROUPS;
    return WMEL_OK;
}

/* The first queue family with compute, or -1. */
static int compute_family(const vkw *w)
{
    uint32_t nq = 16;
    VkQueueFamilyProperties qf[16];
    w->f.GetPhysicalDeviceQueueFamilyProperties(w->phys, &nq, qf);
    int family = -1;
    for (uint32_t i = 0; i < nq && family < 0; i++)
        if (qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT) family = (int)i;
    return family;
}

/* The device's memory (staged where want_staging() says: each storage buffer device-local
 * and a staging buffer of the same size, the inputs' written by the host, the output's read
 * back, the same caps as unstaged), the slots' sizes, a dispatch's frames, and the first
 * slot's buffers. WMEL_OK, or the failure (the reason in the detail). */
static int open_buffers(vkw *w, int arith, const vkw_shape *shape, VkPhysicalDeviceType type, const dev_sizes *z,
                        int *staged)
{
    VkPhysicalDeviceMemoryProperties mp;
    w->f.GetPhysicalDeviceMemoryProperties(w->phys, &mp);
    *staged = want_staging(type, &mp);
    if (*staged < 0) return WMEL_ERR_BACKEND_UNAVAILABLE; /* the reason is in the detail */
    w->staged = *staged;
    w->slots_max = rounds_env();
    if (!w->slots_max) return WMEL_ERR_BACKEND_UNAVAILABLE; /* the reason is in the detail */
    w->slots = 1;
    w->mp = mp;
    const size_t want_bytes[N_ALL] = {z->tab_words * 8, z->int_words * 4, z->sig_bytes, (size_t)VKW_SEG_WORDS * 4,
                                      z->out_bytes, z->sig_bytes, (size_t)VKW_SEG_WORDS * 4, z->out_bytes};
    for (int i = 0; i < N_ALL; i++) w->bytes[i] = want_bytes[i] ? want_bytes[i] : 8;
    w->groups = z->groups;
    w->range = z->range;
    w->base_bytes[0] = w->bytes[B_SIG], w->base_bytes[1] = w->bytes[B_OUT];
    const long asked = dispatch_env();
    if (asked < 0) return WMEL_ERR_BACKEND_UNAVAILABLE; /* the reason is in the detail */
    uint32_t cap = wmel__vk_dispatch_cap(w->algo, arith, shape->n_fft, shape->fl, shape->bins, w->fpg);
    if (asked && (uint32_t)asked < cap) cap = (uint32_t)asked;
    const uint64_t gcap = (uint64_t)z->groups * (uint64_t)w->fpg;
    w->disp_frames = gcap < cap ? (uint32_t)gcap : cap;
    int rc = WMEL_OK;
    for (int i = 0; i < N_BUF && rc == WMEL_OK; i++) rc = slot_buffer(w, i);
    return rc;
}

/* The descriptor set layout (N_BUF storage buffers) and the pipeline layout, with the push
 * constants: frames.comp's PC (24 bytes), finish.comp's (VKW_FIN_PC_BYTES). */
static int pipeline_layout(vkw *w)
{
    vk_fns *f = &w->f;
    VkDescriptorSetLayoutBinding b[N_BUF];
    for (int i = 0; i < N_BUF; i++) {
        VkDescriptorSetLayoutBinding x = {(uint32_t)i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT,
                                          NULL};
        b[i] = x;
    }
    VkDescriptorSetLayoutCreateInfo li = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, NULL, 0, N_BUF, b};
    VkResult r = VK(f->CreateDescriptorSetLayout(w->dev, &li, NULL, &w->dsl));
    if (r != VK_SUCCESS) {
        w->dsl = VK_NULL_HANDLE;
        return vk_fail(r, "creating the descriptor set layout");
    }
    VkPushConstantRange pcr = {VK_SHADER_STAGE_COMPUTE_BIT, 0, 24}; /* frames.comp's PC (24 bytes), finish.comp's
                                                                       (VKW_FIN_PC_BYTES) */
    VkPipelineLayoutCreateInfo pli = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO, NULL, 0, 1, &w->dsl, 1, &pcr};
    r = VK(f->CreatePipelineLayout(w->dev, &pli, NULL, &w->layout));
    if (r != VK_SUCCESS) {
        w->layout = VK_NULL_HANDLE;
        return vk_fail(r, "creating the pipeline layout");
    }
    return WMEL_OK;
}

/* frames.comp's shader module (the arithmetic's SPIR-V), the layouts, and its pipeline with
 * its constants: MAX_FL, MAX_BINS, FFT, SH_WORDS, FPG, the workgroup's size, then the
 * framing's rules, then the FFT's radices, then CEPS, and float-float's FF_FMA. */
static int frames_pipeline(vkw *w, int arith, const vkw_shape *shape)
{
    vk_fns *f = &w->f;
    const uint32_t *code = shape->noise ? wmel__spv_frames_noise_f64 : wmel__spv_frames_f64;
    size_t words = shape->noise ? wmel__spv_frames_noise_f64_words : wmel__spv_frames_f64_words;
#ifdef WMEL_HAVE_VULKAN_FF
    if (arith == VKW_ARITH_FF) {
        code = wmel__spv_frames_ff;
        words = wmel__spv_frames_ff_words;
    }
#endif
    int rc;
    if ((rc = make_module(w, code, words, arith == VKW_ARITH_FF ? w->fc : 0, &w->shader,
                          "building the shader (vkCreateShaderModule)")) != WMEL_OK)
        return rc;
    if ((rc = pipeline_layout(w)) != WMEL_OK) return rc;
    enum { N_SPEC = 7 + VKW_N_FRAMING + VKW_MAX_STAGES };
    _Static_assert(N_SPEC - 1 == 21, "frames.comp's CEPS constant_id");
    int32_t spec_vals[N_SPEC + 1] = {shape->fl, shape->bins, w->algo == VKW_ALGO_FFT, (int32_t)w->sh_words, w->fpg,
                                 w->fpg * VKW_WG};
    VkSpecializationMapEntry se[N_SPEC + 1];
    for (uint32_t i = 0; i < N_SPEC; i++) {
        if (i == N_SPEC - 1) spec_vals[i] = shape->ceps != 0;
        else if (i >= 6 + VKW_N_FRAMING) spec_vals[i] = shape->radix[i - 6 - VKW_N_FRAMING];
        else if (i >= 6) spec_vals[i] = shape->framing[i - 6];
        VkSpecializationMapEntry e = {i, 4 * i, 4};
        se[i] = e;
    }
    /* float-float's two-product by fma (arith_ff.glsl's FF_FMA), where ffcheck.c found it exact */
    spec_vals[N_SPEC] = shape->ff_fma != 0;
    VkSpecializationMapEntry efma = {VKW_SPEC_FF_FMA, 4 * N_SPEC, 4};
    se[N_SPEC] = efma;
    VkSpecializationInfo spec = {N_SPEC + 1, se, sizeof spec_vals, spec_vals};
    VkPipelineShaderStageCreateInfo st = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, NULL, 0,
                                          VK_SHADER_STAGE_COMPUTE_BIT, w->shader, "main", &spec};
    VkComputePipelineCreateInfo ci = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO, NULL, 0, st, w->layout,
                                      VK_NULL_HANDLE, -1};
    VkResult r = VK(f->CreateComputePipelines(w->dev, VK_NULL_HANDLE, 1, &ci, NULL, &w->pipe));
    if (r != VK_SUCCESS) {
        w->pipe = VK_NULL_HANDLE;
        return vk_fail(r, "building the compute pipeline (vkCreateComputePipelines)");
    }
    return WMEL_OK;
}

/* The descriptor pool: a set of N_BUF storage buffers for each slot the device may take. */
static int descriptor_pool(vkw *w)
{
    VkDescriptorPoolSize ps = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, (uint32_t)(N_BUF * w->slots_max)};
    VkDescriptorPoolCreateInfo dpi = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, NULL, 0,
                                      (uint32_t)w->slots_max, 1, &ps};
    VkResult r = VK(w->f.CreateDescriptorPool(w->dev, &dpi, NULL, &w->dpool));
    if (r != VK_SUCCESS) {
        w->dpool = VK_NULL_HANDLE;
        return vk_fail(r, "creating the descriptor pool");
    }
    return WMEL_OK;
}

static int open_device(vkw *w, int index, int arith, const vkw_shape *shape, size_t tab_words, size_t int_words)
{
    vk_fns *f = &w->f;
    int rc = open_instance(&w->lib, f, &w->inst);
    if (rc != WMEL_OK) return rc;
    VkPhysicalDevice pd[VKW_MAX_DEVS];
    uint32_t n = 0;
    if ((rc = physical_devices(f, w->inst, pd, &n)) != WMEL_OK) return rc;
    if (index < 0 || (uint32_t)index >= n)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: no device %d (%u listed)", index, n);
    w->phys = pd[index];
    VkPhysicalDeviceProperties pr;
    f->GetPhysicalDeviceProperties(w->phys, &pr);
    snprintf(w->name, sizeof w->name, "%s", pr.deviceName);
    /* the plan's frame in shared memory, and its buffers under the limits */
    if ((rc = pick_algo(w, &pr, shape)) != WMEL_OK) return rc;
    dev_sizes z = {0, 0, 0, tab_words, int_words, 0};
    if ((rc = buffer_sizes(w, &pr, shape->fl, &z)) != WMEL_OK) return rc;
    VkPhysicalDeviceFeatures feat;
    f->GetPhysicalDeviceFeatures(w->phys, &feat);
    /* the dither's noise (frames_noise_f64): float64 with 64-bit integers */
    if (shape->noise && (arith != VKW_ARITH_F64 || feat.shaderFloat64 != VK_TRUE || feat.shaderInt64 != VK_TRUE))
        return wmel__vk_detail(VKW_DECLINE, "Vulkan: %s %s, which the dither's noise needs: a dithered plan's frames "
                               "run on the CPU", w->name, arith != VKW_ARITH_F64 ? "computes in float-float, not float64"
                               : feat.shaderFloat64 != VK_TRUE ? "has no shaderFloat64" : "has no shaderInt64");
    const int family = compute_family(w);
    if (family < 0) return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s has no compute queue", w->name);
    w->fc = arith == VKW_ARITH_FF ? float_controls(w, pr.apiVersion) : 0;
    w->host_import = host_import(w, pr.apiVersion);
    w->fd_import = fd_import(w, pr.apiVersion);
    w->sb_align = pr.limits.minStorageBufferOffsetAlignment ? (size_t)pr.limits.minStorageBufferOffsetAlignment : 1;
    if ((rc = create_device(w, family, arith == VKW_ARITH_F64, shape->noise)) != WMEL_OK) return rc;
    int staged = 0;
    if ((rc = open_buffers(w, arith, shape, pr.deviceType, &z, &staged)) != WMEL_OK) return rc;
    if ((rc = frames_pipeline(w, arith, shape)) != WMEL_OK) return rc;
    if (shape->finish && (rc = finish_pipeline(w, arith, shape)) != WMEL_OK) return rc;
    if ((rc = descriptor_pool(w)) != WMEL_OK) return rc;
    if ((rc = slot_dset(w, 0)) != WMEL_OK) return rc;
    if ((rc = make_commands(w, (uint32_t)family, "")) != WMEL_OK) return rc;
    if (staged) atomic_fetch_add(&g_staged_opens, 1);
    return WMEL_OK;
}

int wmel__vk_open(vkw **out, int index, int arith, const vkw_shape *shape, size_t tab_words, size_t int_words)
{
    *out = NULL;
    vkw *w = calloc(1, sizeof *w);
    if (!w) return WMEL_ERR_NO_MEMORY;
    int rc = open_device(w, index, arith, shape, tab_words, int_words);
    if (rc != WMEL_OK) {
        wmel__vk_close(w);
        return rc;
    }
    *out = w;
    return WMEL_OK;
}

void *wmel__vk_tab(vkw *w) { return w->map[B_TAB]; }
int *wmel__vk_ints(vkw *w) { return w->map[B_INTS]; }
int wmel__vk_slots(const vkw *w) { return w->slots; }
float *wmel__vk_sig(vkw *w, int slot, size_t *cap_samples)
{
    *cap_samples = w->bytes[bix(slot, B_SIG)] / 4;
    return w->map[bix(slot, B_SIG)];
}
int32_t *wmel__vk_segs(vkw *w, int slot) { return w->map[bix(slot, B_SEGS)]; }
size_t wmel__vk_frame_cap(const vkw *w) { return w->disp_frames; }
const void *wmel__vk_out(vkw *w, int slot, size_t *cap_words)
{
    *cap_words = w->bytes[bix(slot, B_OUT)] / 8;
    return w->map[bix(slot, B_OUT)];
}
const char *wmel__vk_device_name(const vkw *w) { return w->name; }
int wmel__vk_algo(const vkw *w) { return w->algo; }
int wmel__vk_float_controls(const vkw *w) { return w->fc; }

/* A copy of the first `bytes` of one buffer into another (none when 0). */
static void copy_buffer(vkw *w, VkCommandBuffer cmd, VkBuffer from, VkBuffer to, size_t bytes)
{
    if (!bytes) return;
    VkBufferCopy c = {0, 0, (VkDeviceSize)bytes};
    w->f.CmdCopyBuffer(cmd, from, to, 1, &c);
}

static void barrier(vkw *w, VkCommandBuffer cmd, VkPipelineStageFlags from, VkAccessFlags wrote,
                    VkPipelineStageFlags to, VkAccessFlags reads)
{
    VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER, NULL, wrote, reads};
    w->f.CmdPipelineBarrier(cmd, from, to, 0, 1, &mb, 0, NULL, 0, NULL);
}

static int refused(vkw *w)
{
    if (w->timed_out)
        return wmel__vk_detail(WMEL_ERR_VULKAN,
                               "Vulkan: an earlier round on %s passed the timeout (%llu ms) and may still run; "
                               "create a new context", w->name, (unsigned long long)(w->timeout_ns / 1000000u));
    if (w->lost)
        return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: %s was lost earlier; create a new context", w->name);
    return WMEL_OK;
}

_Static_assert(VKW_F_HEAD == 520 && VKW_F_WORDS == 12, "finish.comp's F_HEAD and F_WORDS");
_Static_assert(VKW_I_POST_M == 38 && VKW_I_POST_COLS == 45 && VKW_T_POST_DENOM == 15,
               "finish.comp's I_POST_M .. I_POST_COLS and T_POST_DENOM");
_Static_assert(VKW_I_NCEPS == 46 && VKW_I_DCT == 47 && VKW_I_CEPS_HTK == 48 && VKW_T_SQRT2 == 16,
               "frames.comp's cepstra's ints and table entry");

/* A round's finish (vkw_finish, its clips in slot's segment table) inside the output buffer:
 * each clip's values within the round's, its output and flag inside the buffer, the flags,
 * the read-back ranges too; WMEL_OK, or WMEL_ERR_VULKAN with the reason. */
static int fin_check(vkw *w, int slot, uint32_t n_frames, int out_f32, const vkw_finish *fin)
{
    const uint64_t words = w->bytes[bix(slot, B_OUT)] / 4, vals = (uint64_t)n_frames * fin->n_cols;
    const int32_t *sg = w->map[bix(slot, B_SEGS)];
    const int layout_ok = (fin->mode & VKW_FM_CMAJ) ? out_f32 == 1 && !fin->fmaj : out_f32 == 3; /* Whisper's blocks */
    int ok = w->fpipe != VK_NULL_HANDLE && layout_ok && fin->n_clips >= 1 && fin->n_clips <= VKW_MAX_SEGS &&
             (uint64_t)fin->flags_at + VKW_FIN_CLIP_WORDS * (uint64_t)fin->n_clips <= words && fin->lo <= fin->hi &&
             fin->hi <= words &&
             fin->vlo <= fin->vhi && fin->vhi <= vals &&
             (!fin->iout_at || !w->iout_buf ||
              (fin->iout_at >= vals && (uint64_t)fin->iout_at + w->iout_bytes / 4 <= words && w->iout_bytes % 4 == 0));
    for (uint32_t k = 0; ok && k < fin->n_clips; k++) {
        const int32_t *d = sg + VKW_F_HEAD + (size_t)k * VKW_F_WORDS;
        const uint64_t nv = (uint32_t)d[VKW_F_NV], nc = (uint32_t)d[VKW_F_NC], in = (uint32_t)d[VKW_F_IN];
        const uint64_t rows = (uint32_t)d[VKW_F_ROWS], cols = (uint32_t)d[VKW_F_COLS], out = (uint32_t)d[VKW_F_OUT];
        const uint64_t fl = (uint32_t)d[VKW_F_FLAG], total = rows * cols;
        ok = nv <= nc && nc >= 1 && in + nc * fin->n_cols <= vals && out >= vals && out + total <= words &&
             total >= nc * fin->n_cols && fl >= fin->flags_at && fl < (uint64_t)fin->flags_at + fin->n_clips;
        if (ok && (fin->mode & (VKW_FM_POST | VKW_FM_SMOOTH))) { /* the pass's rows from the finish's output */
            const uint64_t pout = (uint32_t)d[VKW_F_POUT], pt = (uint32_t)d[VKW_F_PT];
            const uint64_t prows = (uint32_t)d[VKW_F_PROWS], pcols = (uint32_t)d[VKW_F_PCOLS], ptotal = prows * pcols;
            ok = pout >= vals && pout + ptotal <= words && (pout + ptotal <= out || pout >= out + total) &&
                 ((fin->mode & VKW_FM_SMOOTH) ? prows == rows && pcols == cols /* the average: the same shape */
                                              : fin->fmaj && cols == fin->n_cols && pt >= 1 && pt <= rows);
        }
    }
    return ok ? WMEL_OK
              : wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: a finish's clip (of %u) does not fit the round's output "
                                "buffer (%zu bytes), or there is no finish pipeline", fin->n_clips,
                                w->bytes[bix(slot, B_OUT)]);
}

/* A round's inputs recorded into cmd: where staged, the host's writes (made available by the
 * submission) to the device, the barrier after them also ordering an earlier round's copies of
 * the tables (the tables once, the samples or the caller's imported ones, the segments); then
 * a batch's clips' windows, from their imports (cp). WMEL_OK, or WMEL_ERR_VULKAN where a
 * window does not fit the signal. */
static int record_inputs(vkw *w, VkCommandBuffer cmd, int slot, size_t sig_bytes, size_t seg_bytes, const vkw_copy *cp,
                         size_t n_cp)
{
    vk_fns *f = &w->f;
    const int bs = bix(slot, B_SIG), bg = bix(slot, B_SEGS);
    if (w->staged) {
        if (!w->tables_sent) {
            copy_buffer(w, cmd, w->stg[B_TAB], w->buf[B_TAB], w->bytes[B_TAB]);
            copy_buffer(w, cmd, w->stg[B_INTS], w->buf[B_INTS], w->bytes[B_INTS]);
        }
        if (slot == 0 && w->imp_buf && !w->imp_direct) { /* the caller's samples, copied by the device */
            VkBufferCopy c = {(VkDeviceSize)w->imp_off, (VkDeviceSize)w->imp_off, (VkDeviceSize)w->imp_bytes};
            f->CmdCopyBuffer(cmd, w->imp_buf, w->buf[bs], 1, &c);
        } else
            copy_buffer(w, cmd, w->stg[bs], w->buf[bs], sig_bytes);
        copy_buffer(w, cmd, w->stg[bg], w->buf[bg], seg_bytes);
    }
    for (size_t k = 0; k < n_cp; k++) { /* a batch's clips' windows, from their imports */
        if (cp[k].imp < 0 || cp[k].imp >= w->n_bimp || !cp[k].bytes || cp[k].dst > w->bytes[bs] ||
            cp[k].bytes > w->bytes[bs] - cp[k].dst)
            return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: a clip's window (%zu bytes at %zu) does not fit the "
                                   "round's signal (%zu bytes)", cp[k].bytes, cp[k].dst, w->bytes[bs]);
        VkBufferCopy c = {(VkDeviceSize)cp[k].src, (VkDeviceSize)cp[k].dst, (VkDeviceSize)cp[k].bytes};
        f->CmdCopyBuffer(cmd, w->bimp_buf[cp[k].imp], w->buf[bs], 1, &c);
    }
    return WMEL_OK;
}

/* The output buffer's words the shaders count from, zeroed in cmd: the segments' maxima
 * (keys: n_keys from keys_at; 0 is below every value's key, frames.comp's OutK),
 * finish.comp's flags, frames.comp's samples' range flag (flag_at; 0: none). WMEL_OK, or
 * WMEL_ERR_VULKAN where one passes the buffer. */
static int record_fills(vkw *w, VkCommandBuffer cmd, int slot, int keys, size_t keys_at, size_t n_keys,
                        const vkw_finish *fin, size_t flag_at)
{
    vk_fns *f = &w->f;
    const int bo = bix(slot, B_OUT);
    if (keys && (keys_at + n_keys) * 4 > w->bytes[bo])
        return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: the segments' maxima (words %zu to %zu) pass the output "
                               "buffer (%zu bytes)", keys_at, keys_at + n_keys, w->bytes[bo]);
    if (keys) f->CmdFillBuffer(cmd, w->buf[bo], (VkDeviceSize)keys_at * 4, (VkDeviceSize)n_keys * 4, 0u);
    if (fin) /* finish.comp's flags */
        f->CmdFillBuffer(cmd, w->buf[bo], (VkDeviceSize)fin->flags_at * 4, (VkDeviceSize)fin->n_clips * 8, 0u);
    if (flag_at && ((flag_at + 1) * 4 > w->bytes[bo] || flag_at >= UINT32_MAX))
        return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: the samples' flag (word %zu) does not fit the output buffer",
                               flag_at);
    if (flag_at) f->CmdFillBuffer(cmd, w->buf[bo], (VkDeviceSize)flag_at * 4, 4, 0u); /* frames.comp's range flag */
    return WMEL_OK;
}

/* frames.comp over n_frames frames recorded into cmd, pc its push constants (pc[5]: each
 * dispatch's first frame): in dispatches of at most disp_frames (each a bounded amount of
 * work: an operating system's watchdog times a dispatch, and the wait's timeout is one a
 * dispatch); they write disjoint frames, so no barrier between them. Returns the dispatches. */
static uint32_t record_frames(vkw *w, VkCommandBuffer cmd, int slot, uint32_t n_frames, uint32_t pc[6])
{
    vk_fns *f = &w->f;
    f->CmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, w->pipe);
    f->CmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, w->layout, 0, 1, &w->dset[slot], 0, NULL);
    uint32_t n_disp = 0;
    for (uint32_t base = 0; base < n_frames; n_disp++) {
        const uint32_t k = n_frames - base < w->disp_frames ? n_frames - base : w->disp_frames;
        pc[5] = base;
        f->CmdPushConstants(cmd, w->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, 6 * sizeof *pc, pc);
        f->CmdDispatch(cmd, (k + (uint32_t)w->fpg - 1) / (uint32_t)w->fpg, 1, 1);
        base += k;
    }
    return n_disp;
}

/* A barrier from the shader's writes to the next shader's reads and writes. */
static void shader_barrier(vkw *w, VkCommandBuffer cmd)
{
    barrier(w, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

/* finish.comp on the frames' values recorded into cmd: one workgroup a column and a clip;
 * before it each clip's one mean and denominator (VKW_FM_ALL) or its max (the clamp without
 * a fixed max), after it the post stage or the 3x3 average over the clips' rows. */
static void record_finish(vkw *w, VkCommandBuffer cmd, const vkw_finish *fin)
{
    vk_fns *f = &w->f;
    shader_barrier(w, cmd);
    f->CmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, w->fpipe);
    if (fin->mode & VKW_FM_ALL) { /* each clip's one mean and denominator first */
        vkw_finish ap = *fin;
        ap.mode |= VKW_FM_ALLPASS;
        f->CmdPushConstants(cmd, w->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, VKW_FIN_PC_BYTES, &ap);
        f->CmdDispatch(cmd, 1, fin->n_clips, 1);
        shader_barrier(w, cmd);
    }
    if ((fin->mode & VKW_FM_MV) == 3 && !(fin->mode & VKW_FM_FIXED_MAX)) { /* each clip's max first */
        vkw_finish mp = *fin;
        mp.mode |= VKW_FM_MAXPASS;
        f->CmdPushConstants(cmd, w->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, VKW_FIN_PC_BYTES, &mp);
        f->CmdDispatch(cmd, fin->n_cols, fin->n_clips, 1);
        shader_barrier(w, cmd);
    }
    f->CmdPushConstants(cmd, w->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, VKW_FIN_PC_BYTES, fin);
    f->CmdDispatch(cmd, fin->n_cols, fin->n_clips, 1);
    if (fin->mode & (VKW_FM_POST | VKW_FM_SMOOTH)) { /* the post stage or the 3x3 average: the clips' rows */
        vkw_finish pp = *fin;
        pp.mode |= VKW_FM_POSTPASS;
        shader_barrier(w, cmd);
        f->CmdPushConstants(cmd, w->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, VKW_FIN_PC_BYTES, &pp);
        f->CmdDispatch(cmd, fin->n_cols, fin->n_clips, 1);
    }
}

/* A round's outputs recorded into cmd: the finished clips' outputs into the caller's own
 * memory (imported: iout, ocp), then, where staged, the frames' values (or the finish's
 * output and flags and the values the host still needs; else out_bytes) back to the host's
 * copy, and the barrier that makes them visible to the host. WMEL_OK, or WMEL_ERR_VULKAN
 * where a copy is not inside the output buffer. */
static int record_outputs(vkw *w, VkCommandBuffer cmd, int slot, const vkw_finish *fin, const vkw_copy *ocp,
                          size_t n_ocp, size_t out_bytes)
{
    vk_fns *f = &w->f;
    const int bo = bix(slot, B_OUT);
    const int iout = fin && fin->iout_at && w->iout_buf;
    if (iout || (fin && n_ocp)) { /* the finished clips' outputs into the caller's own memory (imported) */
        barrier(w, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
        if (iout) {
            VkBufferCopy c = {(VkDeviceSize)fin->iout_at * 4, (VkDeviceSize)w->iout_off, (VkDeviceSize)w->iout_bytes};
            f->CmdCopyBuffer(cmd, w->buf[bo], w->iout_buf, 1, &c);
        }
        for (size_t k = 0; k < n_ocp; k++) {
            if (ocp[k].imp < 0 || ocp[k].imp >= w->n_bimp || !ocp[k].bytes || ocp[k].src > w->bytes[bo] ||
                ocp[k].bytes > w->bytes[bo] - ocp[k].src)
                return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: a finished clip's output (%zu bytes at %zu) is not "
                                       "in the round's output buffer (%zu bytes)", ocp[k].bytes, ocp[k].src,
                                       w->bytes[bo]);
            VkBufferCopy c = {(VkDeviceSize)ocp[k].src, (VkDeviceSize)ocp[k].dst, (VkDeviceSize)ocp[k].bytes};
            f->CmdCopyBuffer(cmd, w->buf[bo], w->bimp_buf[ocp[k].imp], 1, &c);
        }
        if (!w->staged)
            barrier(w, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                    VK_ACCESS_HOST_READ_BIT);
    }
    if (!w->staged) {
        barrier(w, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                VK_ACCESS_HOST_READ_BIT);
        return WMEL_OK;
    }
    barrier(w, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    if (fin) { /* the outputs and flags (and the samples' flag), and the values the host still needs */
        VkBufferCopy c[2] = {{(VkDeviceSize)fin->lo * 4, (VkDeviceSize)fin->lo * 4,
                              ((VkDeviceSize)fin->hi - fin->lo) * 4},
                             {(VkDeviceSize)fin->vlo * 4, (VkDeviceSize)fin->vlo * 4,
                              ((VkDeviceSize)fin->vhi - fin->vlo) * 4}};
        f->CmdCopyBuffer(cmd, w->buf[bo], w->stg[bo], fin->vhi > fin->vlo ? 2 : 1, c);
    } else {
        copy_buffer(w, cmd, w->buf[bo], w->stg[bo], out_bytes);
    }
    barrier(w, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
            VK_ACCESS_HOST_READ_BIT);
    return WMEL_OK;
}

/* cmd's recording ended and submitted on slot's fence. WMEL_OK, or the failure (a lost
 * device remembered). */
static int submit_commands(vkw *w, int slot, VkCommandBuffer cmd)
{
    vk_fns *f = &w->f;
    VkResult r = VK(f->EndCommandBuffer(cmd));
    if (r != VK_SUCCESS) return vk_fail(r, "recording commands (vkEndCommandBuffer)");
    r = VK(f->ResetFences(w->dev, 1, &w->fence[slot]));
    if (r != VK_SUCCESS) return vk_fail(r, "resetting a fence (vkResetFences)");
    VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO, NULL, 0, NULL, NULL, 1, &cmd, 0, NULL};
    r = VK(f->QueueSubmit(w->queue, 1, &si, w->fence[slot]));
    if (r != VK_SUCCESS) {
        if (r == VK_ERROR_DEVICE_LOST) w->lost = 1;
        return vk_fail(r, "submitting the frames (vkQueueSubmit)");
    }
    return WMEL_OK;
}

int wmel__vk_submit(vkw *w, int slot, uint32_t n_frames, size_t sig_samples, size_t seg_words, size_t out_words,
                    int out_f32, size_t keys_at, size_t n_keys, int sig_s16, const vkw_finish *fin, size_t flag_at,
                    float lim, const vkw_copy *cp, size_t n_cp, const vkw_copy *ocp, size_t n_ocp)
{
    vk_fns *f = &w->f;
    int rc = refused(w);
    if (rc != WMEL_OK) return rc;
    if (slot < 0 || slot >= w->slots || w->pending[slot])
        return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: slot %d is not free", slot);
    if (n_frames == 0) return WMEL_OK;
    if (fin && (rc = fin_check(w, slot, n_frames, out_f32, fin)) != WMEL_OK) return rc;
    VkCommandBuffer cmd = w->cmd[slot];
    VkResult r = VK(f->ResetCommandPool(w->dev, w->cpool[slot], 0));
    if (r != VK_SUCCESS) return vk_fail(r, "resetting the command pool");
    VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO, NULL,
                                   VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT, NULL};
    r = VK(f->BeginCommandBuffer(cmd, &bi));
    if (r != VK_SUCCESS) return vk_fail(r, "recording commands (vkBeginCommandBuffer)");
    const int bs = bix(slot, B_SIG), bg = bix(slot, B_SEGS), bo = bix(slot, B_OUT);
    size_t sig_bytes = sig_samples * (sig_s16 ? 2 : 4), seg_bytes = seg_words * 4, out_bytes = out_words * 8;
    if (sig_bytes > w->bytes[bs]) sig_bytes = w->bytes[bs];
    if (seg_bytes > w->bytes[bg]) seg_bytes = w->bytes[bg];
    if (out_bytes > w->bytes[bo]) out_bytes = w->bytes[bo];
    if ((rc = record_inputs(w, cmd, slot, sig_bytes, seg_bytes, cp, n_cp)) != WMEL_OK) return rc;
    const int keys = out_f32 && n_keys;
    if ((rc = record_fills(w, cmd, slot, keys, keys_at, n_keys, fin, flag_at)) != WMEL_OK) return rc;
    if (w->staged || keys || fin || flag_at || n_cp) /* the transfers' writes before the shader's reads (and its atomics) */
        barrier(w, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    /* frames.comp's PC: the frames, the output's form, int16 samples, the range flag's word
       (0: none) and the largest |sample| it passes */
    uint32_t pcv[6] = {n_frames, keys ? 2u : out_f32 == 3 ? 3u : out_f32 ? 1u : 0u, sig_s16 ? 1u : 0u,
                       (uint32_t)flag_at, 0u, 0u};
    memcpy(&pcv[4], &lim, sizeof lim);
    const uint32_t n_disp = record_frames(w, cmd, slot, n_frames, pcv);
    if (fin) record_finish(w, cmd, fin); /* the finish on the frames' values */
    if ((rc = record_outputs(w, cmd, slot, fin, ocp, n_ocp, out_bytes)) != WMEL_OK) return rc;
    if ((rc = submit_commands(w, slot, cmd)) != WMEL_OK) return rc;
    /* a later round's commands come after these in the queue: the tables are not copied
       again (a copy while this round's shader reads them would race) */
    w->tables_sent = 1;
    w->pending[slot] = 1;
    w->pending_frames[slot] = n_frames;
    w->pending_disp[slot] = n_disp + (fin ? 1u : 0u);
    return WMEL_OK;
}

int wmel__vk_wait(vkw *w, int slot)
{
    vk_fns *f = &w->f;
    if (slot < 0 || slot >= w->slots || !w->pending[slot]) return refused(w);
    if (w->timed_out || w->lost) return refused(w); /* the slot stays pending: its round may run */
    /* the timeout is a dispatch's: a round of several waits for as many */
    const uint64_t nd = w->pending_disp[slot] ? w->pending_disp[slot] : 1u;
    const uint64_t tmo = w->timeout_ns > UINT64_MAX / nd ? UINT64_MAX : w->timeout_ns * nd;
    VkResult r = VK(f->WaitForFences(w->dev, 1, &w->fence[slot], VK_TRUE, tmo));
    if (r == VK_TIMEOUT) { /* the round may still run: its buffers stay until the ctx's end */
        w->timed_out = 1;
        return wmel__vk_detail(WMEL_ERR_VULKAN,
                               "Vulkan: %u frames on %s took longer than the timeout (%llu ms a dispatch, %llu "
                               "dispatches; WMEL_VULKAN_TIMEOUT_MS); the ctx takes no more calls: create a new "
                               "one, or use the CPU backend", w->pending_frames[slot], w->name,
                               (unsigned long long)(w->timeout_ns / 1000000u), (unsigned long long)nd);
    }
    if (r != VK_SUCCESS) {
        w->lost = 1; /* the fence's state is unknown: the device may still write */
        f->DeviceWaitIdle(w->dev);
        return vk_fail(r, "waiting for the frames (vkWaitForFences)");
    }
    w->pending[slot] = 0;
    return WMEL_OK;
}

void wmel__vk_drain(vkw *w)
{
    /* past a timeout or a lost device every later call is refused and wmel__vk_close waits
       for the device: the failure's own message stays the detail */
    if (w->timed_out || w->lost) return;
    for (int k = 0; k < w->slots; k++)
        if (w->pending[k]) (void)wmel__vk_wait(w, k);
}

int wmel__vk_run(vkw *w, uint32_t n_frames, size_t sig_samples, size_t seg_words, size_t out_words)
{
    int rc = wmel__vk_submit(w, 0, n_frames, sig_samples, seg_words, out_words, 0, 0, 0, 0, NULL, 0, 0.0f, NULL, 0,
                             NULL, 0);
    return rc == WMEL_OK ? wmel__vk_wait(w, 0) : rc;
}

/* ---------------------------------------------------------------- the caller's samples in place */

/* Slot 0's signal binding to buffer b (the import's, or the slot's own). */
static void bind_sig(vkw *w, VkBuffer b)
{
    VkDescriptorBufferInfo bi = {b, 0, VK_WHOLE_SIZE};
    VkWriteDescriptorSet y = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, NULL, w->dset[0], (uint32_t)B_SIG, 0, 1,
                              VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, NULL, &bi, NULL};
    w->f.UpdateDescriptorSets(w->dev, 1, &y, 0, NULL);
}

/* The pages around [p, p + bytes) imported as a host-coherent buffer of `usage` (at the
 * device's alignment): *buf and *mem, and p's byte offset in them (*off). WMEL_OK, or
 * VKW_DECLINE (a pointer or memory the driver refuses, any call failing; nothing kept). */
static int import_pages(vkw *w, const void *p, size_t bytes, VkBufferUsageFlags usage, VkBuffer *buf,
                        VkDeviceMemory *mem, size_t *off)
{
    vk_fns *f = &w->f;
    *buf = VK_NULL_HANDLE;
    *mem = VK_NULL_HANDLE;
    const uintptr_t a = (uintptr_t)p & ~(uintptr_t)(w->import_align - 1);
    *off = (size_t)((uintptr_t)p - a);
    if (bytes > SIZE_MAX - *off - w->import_align) return VKW_DECLINE;
    const size_t size = (*off + bytes + w->import_align - 1) & ~(w->import_align - 1);
    VkMemoryHostPointerPropertiesEXT hp;
    memset(&hp, 0, sizeof hp);
    hp.sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT;
    VkResult r = VK(f->GetMemoryHostPointerPropertiesEXT(w->dev, VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
                                                        (const void *)a, &hp));
    if (r != VK_SUCCESS) return VKW_DECLINE;
    VkExternalMemoryBufferCreateInfo ebi = {VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO, NULL,
                                            VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT};
    VkBufferCreateInfo bci = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, &ebi, 0, (VkDeviceSize)size, usage,
                              VK_SHARING_MODE_EXCLUSIVE, 0, NULL};
    r = VK(f->CreateBuffer(w->dev, &bci, NULL, buf));
    if (r != VK_SUCCESS) {
        *buf = VK_NULL_HANDLE;
        return VKW_DECLINE;
    }
    VkMemoryRequirements req;
    f->GetBufferMemoryRequirements(w->dev, *buf, &req);
    /* a memory type the pointer can be imported as, host-coherent (the host's writes before
       the call are the device's, and the device's the host's after the wait, without a flush) */
    uint32_t type = UINT32_MAX;
    for (uint32_t i = 0; i < w->mp.memoryTypeCount && type == UINT32_MAX; i++)
        if ((hp.memoryTypeBits & req.memoryTypeBits & (1u << i)) &&
            (w->mp.memoryTypes[i].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT))
            type = i;
    if (type != UINT32_MAX && req.size <= size) {
        VkImportMemoryHostPointerInfoEXT imp = {VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT, NULL,
                                                VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT, (void *)a};
        VkMemoryAllocateInfo mai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, &imp, (VkDeviceSize)size, type};
        r = VK(f->AllocateMemory(w->dev, &mai, NULL, mem));
        if (r != VK_SUCCESS) *mem = VK_NULL_HANDLE;
        else if ((r = VK(f->BindBufferMemory(w->dev, *buf, *mem, 0))) == VK_SUCCESS) return WMEL_OK;
    }
    if (*buf) f->DestroyBuffer(w->dev, *buf, NULL);
    if (*mem) f->FreeMemory(w->dev, *mem, NULL);
    *buf = VK_NULL_HANDLE;
    *mem = VK_NULL_HANDLE;
    return VKW_DECLINE;
}

int wmel__vk_import(vkw *w, const void *p, size_t bytes, size_t *skip)
{
    *skip = 0;
    if (!w->host_import || w->imp_buf || w->pending[0] || !p || !bytes || ((uintptr_t)p & 1u)) return VKW_DECLINE;
    size_t off = 0;
    /* staged (a discrete GPU): the samples' pages copied by the device into its own signal
       buffer, which they must fit */
    if (w->staged) {
        const size_t at = (size_t)((uintptr_t)p & (uintptr_t)(w->import_align - 1));
        if (bytes > w->bytes[B_SIG] || at + bytes > w->bytes[B_SIG] ||
            ((at + bytes + w->import_align - 1) & ~(w->import_align - 1)) > w->bytes[B_SIG])
            return VKW_DECLINE;
    }
    if (import_pages(w, p, bytes, w->staged ? VK_BUFFER_USAGE_TRANSFER_SRC_BIT : VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                     &w->imp_buf, &w->imp_mem, &off) != WMEL_OK)
        return VKW_DECLINE;
    if (!w->staged) bind_sig(w, w->imp_buf);
    w->imp_off = off;
    w->imp_bytes = bytes;
    *skip = off;
    return WMEL_OK;
}

/* A round past the timeout (or on a lost device) may still run: the caller's memory an import
 * holds must not be read or written by the device after the call returns, nor the import
 * released under it, so the device is waited for first (a lost device returns at once; a
 * hung GPU is reset by its kernel driver). */
static void import_quiet(vkw *w)
{
    int pending = 0;
    for (int k = 0; k < w->slots; k++) pending |= w->pending[k];
    if ((w->timed_out || w->lost) && pending) w->f.DeviceWaitIdle(w->dev);
}

void wmel__vk_import_end(vkw *w)
{
    if (!w || (!w->imp_buf && !w->imp_mem)) return;
    import_quiet(w);
    if (w->imp_buf) {
        if (!w->staged || w->imp_direct) bind_sig(w, w->buf[B_SIG]);
        w->f.DestroyBuffer(w->dev, w->imp_buf, NULL);
    }
    w->imp_off = w->imp_bytes = w->imp_size = 0;
    w->imp_direct = 0;
    if (w->imp_mem) w->f.FreeMemory(w->dev, w->imp_mem, NULL);
    w->imp_buf = VK_NULL_HANDLE;
    w->imp_mem = VK_NULL_HANDLE;
}

int wmel__vk_bimport(vkw *w, const void *p, size_t bytes, size_t *skip, int out)
{
    *skip = 0;
    if (!w->host_import || w->n_bimp >= VKW_BATCH_IMPORTS || !p || !bytes || ((uintptr_t)p & (out ? 3u : 1u)))
        return -1;
    size_t off = 0;
    const int k = w->n_bimp;
    if (import_pages(w, p, bytes, out ? VK_BUFFER_USAGE_TRANSFER_DST_BIT : VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                     &w->bimp_buf[k], &w->bimp_mem[k], &off) != WMEL_OK)
        return -1;
    w->n_bimp++;
    *skip = off;
    return k;
}

void wmel__vk_bimport_end(vkw *w)
{
    if (!w || !w->n_bimp) return;
    import_quiet(w);
    release_bimports(w);
}

int wmel__vk_import_out(vkw *w, void *p, size_t bytes)
{
    if (!w->host_import || w->iout_buf || !p || !bytes || ((uintptr_t)p & 3u)) return VKW_DECLINE;
    size_t off = 0;
    if (import_pages(w, p, bytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT, &w->iout_buf, &w->iout_mem, &off) != WMEL_OK)
        return VKW_DECLINE;
    w->iout_off = off;
    w->iout_bytes = bytes;
    return WMEL_OK;
}

void wmel__vk_import_out_end(vkw *w)
{
    if (!w || (!w->iout_buf && !w->iout_mem)) return;
    import_quiet(w);
    if (w->iout_buf) w->f.DestroyBuffer(w->dev, w->iout_buf, NULL);
    if (w->iout_mem) w->f.FreeMemory(w->dev, w->iout_mem, NULL);
    w->iout_buf = VK_NULL_HANDLE;
    w->iout_mem = VK_NULL_HANDLE;
    w->iout_off = w->iout_bytes = 0;
}

/* ---------------------------------------------------------------- another device's memory */

int wmel__vk_fd_ids(const vkw *w, unsigned char dev_uuid[16], unsigned char drv_uuid[16])
{
    if (!w->fd_import) return 0;
    memcpy(dev_uuid, w->dev_uuid, 16);
    memcpy(drv_uuid, w->drv_uuid, 16);
    return 1;
}

#if !defined(_WIN32)
/* nfd, a dup of fd that a failed import left with us: closed, unless the driver closed it
   already (some take the descriptor on failure too) and the number now names another file */
static void close_if_ours(int nfd, int fd)
{
    struct stat a, b;
    if (fstat(nfd, &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) close(nfd);
}
#endif

#if !defined(_WIN32)
/* The allocation behind fd imported as a buffer of `usage` (*buf, *mem; a duplicate of fd given
 * to the driver); what: "the samples'" or "the output's", for the messages. */
static int fd_buffer(vkw *w, const char *what, VkBufferUsageFlags usage, int fd, uint32_t type, uint64_t size,
                     int dedicated, VkBuffer *buf_out, VkDeviceMemory *mem_out)
{
    vk_fns *f = &w->f;
    if (type >= w->mp.memoryTypeCount)
        return wmel__vk_detail(WMEL_ERR_INVALID_ARG, "Vulkan: %s memory_type %u: %s has %u memory types", what,
                               (unsigned)type, w->name, (unsigned)w->mp.memoryTypeCount);
    const int out = (usage & VK_BUFFER_USAGE_TRANSFER_DST_BIT) != 0;
    const VkExternalMemoryHandleTypeFlagBits ht = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
    VkPhysicalDeviceExternalBufferInfo ebi0 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO, NULL, 0, usage,
                                               ht};
    VkExternalBufferProperties ep;
    memset(&ep, 0, sizeof ep);
    ep.sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES;
    f->GetPhysicalDeviceExternalBufferProperties(w->phys, &ebi0, &ep);
    const VkExternalMemoryFeatureFlags ft = ep.externalMemoryProperties.externalMemoryFeatures;
    if (!(ft & VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT))
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s does not import a %s buffer's memory from "
                               "an opaque file descriptor", w->name,
                               out ? "transfer destination" : usage & VK_BUFFER_USAGE_STORAGE_BUFFER_BIT ? "storage"
                                                                                           : "transfer source");
    if ((ft & VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT) && !dedicated)
        return wmel__vk_detail(WMEL_ERR_INVALID_ARG, "Vulkan: %s imports such memory only as a dedicated "
                               "allocation: allocate %s memory with VkMemoryDedicatedAllocateInfo and set "
                               "`dedicated`", w->name, what);
    VkExternalMemoryBufferCreateInfo ebi = {VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO, NULL,
                                            (VkExternalMemoryHandleTypeFlags)ht};
    VkBufferCreateInfo bci = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, &ebi, 0, (VkDeviceSize)size, usage,
                              VK_SHARING_MODE_EXCLUSIVE, 0, NULL};
    VkBuffer buf = VK_NULL_HANDLE;
    VkResult r = VK(f->CreateBuffer(w->dev, &bci, NULL, &buf));
    if (r != VK_SUCCESS) return vk_fail(r, "creating a buffer over the imported memory");
    VkMemoryRequirements req;
    f->GetBufferMemoryRequirements(w->dev, buf, &req);
    if (!(req.memoryTypeBits & (1u << type)) || req.size > size) {
        f->DestroyBuffer(w->dev, buf, NULL);
        return wmel__vk_detail(WMEL_ERR_INVALID_ARG, "Vulkan: %s memory: a buffer of its %llu bytes needs %llu "
                               "bytes of a memory type in 0x%x; memory_type %u is not one", what,
                               (unsigned long long)size, (unsigned long long)req.size,
                               (unsigned)req.memoryTypeBits, (unsigned)type);
    }
    /* a descriptor whose size the system knows (a memfd, lavapipe's): a size past it is the
       argument's fault, not the memory's */
    struct stat fst;
    if (fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode) && fst.st_size > 0 && (uint64_t)fst.st_size < size) {
        f->DestroyBuffer(w->dev, buf, NULL);
        return wmel__vk_detail(WMEL_ERR_INVALID_ARG, "Vulkan: %s memory: size %llu is past the exported allocation "
                               "(file descriptor %d holds %llu bytes): give the allocationSize it was allocated with",
                               what, (unsigned long long)size, fd, (unsigned long long)fst.st_size);
    }
    const int nfd = dup(fd);
    if (nfd < 0) {
        const int e = errno;
        f->DestroyBuffer(w->dev, buf, NULL);
        return wmel__vk_detail(WMEL_ERR_INVALID_ARG, "Vulkan: %s file descriptor %d: %s", what, fd, strerror(e));
    }
    VkMemoryDedicatedAllocateInfo ded = {VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO, NULL, VK_NULL_HANDLE, buf};
    VkImportMemoryFdInfoKHR imp = {VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR, dedicated ? &ded : NULL, ht, nfd};
    VkMemoryAllocateInfo mai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, &imp, (VkDeviceSize)size, type};
    VkDeviceMemory mem = VK_NULL_HANDLE;
    r = VK(f->AllocateMemory(w->dev, &mai, NULL, &mem));
    if (r != VK_SUCCESS) { /* the descriptor stays ours: closed, unless the driver took it anyway */
        close_if_ours(nfd, fd);
        f->DestroyBuffer(w->dev, buf, NULL);
        if (r == VK_ERROR_INVALID_EXTERNAL_HANDLE)
            return wmel__vk_detail(WMEL_ERR_INVALID_ARG, "Vulkan: %s refused %s file descriptor %d "
                                   "(VK_ERROR_INVALID_EXTERNAL_HANDLE): it takes an opaque descriptor "
                                   "(vkGetMemoryFdKHR) of memory of this device, with its size and memory type as "
                                   "allocated", w->name, what, fd);
        if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
            return wmel__vk_detail(WMEL_ERR_NO_MEMORY, "Vulkan: importing %s memory (vkAllocateMemory) failed: %s (%d): "
                                   "the descriptor must be an export (vkGetMemoryFdKHR) of this device's memory, "
                                   "its size (%llu bytes) the allocationSize the memory was allocated with (NVIDIA's "
                                   "driver answers another descriptor so, and then refuses every import on this ctx's "
                                   "device: a new ctx imports)",
                                   what, vk_result_name(r), (int)r, (unsigned long long)size);
        return vk_fail(r, "importing the memory (vkAllocateMemory)");
    }
    /* the driver owns nfd now (vkFreeMemory closes it) */
    r = VK(f->BindBufferMemory(w->dev, buf, mem, 0));
    if (r != VK_SUCCESS) {
        f->DestroyBuffer(w->dev, buf, NULL);
        f->FreeMemory(w->dev, mem, NULL);
        return vk_fail(r, "binding the imported memory (vkBindBufferMemory)");
    }
    *buf_out = buf, *mem_out = mem;
    return WMEL_OK;
}
#endif

int wmel__vk_import_fd(vkw *w, int out, int fd, uint32_t type, uint64_t size, int dedicated)
{
#if defined(_WIN32)
    (void)out, (void)fd, (void)type, (void)size, (void)dedicated;
    return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s: memory from a file descriptor is not "
                           "taken on Windows", w->name);
#else
    int rc = refused(w);
    if (rc != WMEL_OK) return rc;
    const char *what = out ? "the output's" : "the samples'";
    if (!w->fd_import)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s cannot import memory from a file "
                               "descriptor (no VK_KHR_external_memory_fd)", w->name);
    if ((out ? (w->iout_buf || w->iout_mem) : (w->imp_buf || w->imp_mem)) || w->pending[0] || w->pending[1])
        return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: %s import is already held", what);
    VkBuffer buf = VK_NULL_HANDLE;
    VkDeviceMemory mem = VK_NULL_HANDLE;
    rc = fd_buffer(w, what, out ? VK_BUFFER_USAGE_TRANSFER_DST_BIT : VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, fd, type,
                   size, dedicated, &buf, &mem);
    if (rc != WMEL_OK) return rc;
    if (out) {
        w->iout_buf = buf, w->iout_mem = mem;
        w->iout_off = w->iout_bytes = 0;
    } else {
        w->imp_buf = buf, w->imp_mem = mem;
        w->imp_direct = 1;
        w->imp_size = (size_t)size;
        w->imp_off = w->imp_bytes = 0;
    }
    return WMEL_OK;
#endif
}

int wmel__vk_bimport_fd(vkw *w, int out, int fd, uint32_t type, uint64_t size, int dedicated, int *k)
{
    *k = -1;
#if defined(_WIN32)
    (void)out, (void)fd, (void)type, (void)size, (void)dedicated;
    return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s: memory from a file descriptor is not "
                           "taken on Windows", w->name);
#else
    int rc = refused(w);
    if (rc != WMEL_OK) return rc;
    if (!w->fd_import)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s cannot import memory from a file "
                               "descriptor (no VK_KHR_external_memory_fd)", w->name);
    if (w->n_bimp >= VKW_BATCH_IMPORTS || w->pending[0] || w->pending[1])
        return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: no room for another import, or a round is pending");
    const int i = w->n_bimp;
    rc = fd_buffer(w, out ? "the output's" : "the samples'",
                   out ? VK_BUFFER_USAGE_TRANSFER_DST_BIT : VK_BUFFER_USAGE_TRANSFER_SRC_BIT, fd, type, size,
                   dedicated, &w->bimp_buf[i], &w->bimp_mem[i]);
    if (rc != WMEL_OK) return rc;
    w->n_bimp++;
    *k = i;
    return WMEL_OK;
#endif
}

int wmel__vk_bind_in(vkw *w, size_t at, size_t bytes, size_t *skip)
{
    *skip = 0;
    if (!w->imp_direct || at > w->imp_size || bytes > w->imp_size - at)
        return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: the samples' bytes %zu to %zu are not in the import", at,
                               at + bytes);
    const size_t a = at - at % w->sb_align;
    size_t range = w->imp_size - a;
    if (range > w->range) range = w->range & ~(size_t)7;
    if (at - a + bytes > range)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: a clip's %zu bytes of samples pass %s's "
                               "storage buffer range (%zu bytes)", bytes, w->name, w->range);
    VkDescriptorBufferInfo bi = {w->imp_buf, (VkDeviceSize)a, (VkDeviceSize)range};
    VkWriteDescriptorSet y = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, NULL, w->dset[0], (uint32_t)B_SIG, 0, 1,
                              VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, NULL, &bi, NULL};
    w->f.UpdateDescriptorSets(w->dev, 1, &y, 0, NULL);
    *skip = at - a;
    return WMEL_OK;
}

int wmel__vk_out_at(vkw *w, size_t at, size_t bytes)
{
    if (!w->iout_buf || bytes % 4 || !bytes)
        return wmel__vk_detail(WMEL_ERR_VULKAN, "Vulkan: no output import for %zu bytes", bytes);
    w->iout_off = at;
    w->iout_bytes = bytes;
    return WMEL_OK;
}

/* ---------------------------------------------------------------- one small dispatch */

static int oneshot(vkw *w, int index, const uint32_t *code, size_t words, const int32_t spec0[2], const void *in, size_t in_bytes, void *out, size_t out_bytes, uint32_t n,
                   uint32_t groups)
{
    vk_fns *f = &w->f;
    int rc = open_instance(&w->lib, f, &w->inst);
    if (rc != WMEL_OK) return rc;
    VkPhysicalDevice pd[VKW_MAX_DEVS];
    uint32_t nd = 0;
    if ((rc = physical_devices(f, w->inst, pd, &nd)) != WMEL_OK) return rc;
    if (index < 0 || (uint32_t)index >= nd)
        return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: no device %d (%u listed)", index, nd);
    w->phys = pd[index];
    VkPhysicalDeviceProperties pr;
    f->GetPhysicalDeviceProperties(w->phys, &pr);
    snprintf(w->name, sizeof w->name, "%s", pr.deviceName);
    uint32_t nq = 16;
    VkQueueFamilyProperties qf[16];
    f->GetPhysicalDeviceQueueFamilyProperties(w->phys, &nq, qf);
    int family = -1;
    for (uint32_t i = 0; i < nq && family < 0; i++)
        if (qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT) family = (int)i;
    if (family < 0) return wmel__vk_detail(WMEL_ERR_BACKEND_UNAVAILABLE, "Vulkan: %s has no compute queue", w->name);
    w->fc = float_controls(w, pr.apiVersion);
    /* the features the device has: float64 (the float64 self-test), 64-bit integers (a test's
       shader of the dither's noise) */
    VkPhysicalDeviceFeatures feat;
    f->GetPhysicalDeviceFeatures(w->phys, &feat);
    if ((rc = create_device(w, family, feat.shaderFloat64 == VK_TRUE, feat.shaderInt64 == VK_TRUE)) != WMEL_OK) return rc;
    VkPhysicalDeviceMemoryProperties mp;
    f->GetPhysicalDeviceMemoryProperties(w->phys, &mp);
    const size_t bytes[2] = {in_bytes, out_bytes};
    for (int i = 0; i < 2; i++) {
        if ((rc = make_buffer(w, &w->buf[i], &w->mem[i], &w->map[i], bytes[i], VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                              MEM_MAPPED, &mp)) != WMEL_OK)
            return rc;
        w->bytes[i] = bytes[i];
    }
    memcpy(w->map[0], in, in_bytes);
    if ((rc = make_module(w, code, words, w->fc, &w->shader, "building the self-test's shader (vkCreateShaderModule)")) !=
        WMEL_OK)
        return rc;
    VkResult r;
    VkDescriptorSetLayoutBinding b[2];
    for (int i = 0; i < 2; i++) {
        VkDescriptorSetLayoutBinding x = {(uint32_t)i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT,
                                          NULL};
        b[i] = x;
    }
    VkDescriptorSetLayoutCreateInfo li = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, NULL, 0, 2, b};
    r = VK(f->CreateDescriptorSetLayout(w->dev, &li, NULL, &w->dsl));
    if (r != VK_SUCCESS) {
        w->dsl = VK_NULL_HANDLE;
        return vk_fail(r, "creating the self-test's descriptor set layout");
    }
    VkPushConstantRange pcr = {VK_SHADER_STAGE_COMPUTE_BIT, 0, 4};
    VkPipelineLayoutCreateInfo pli = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO, NULL, 0, 1, &w->dsl, 1, &pcr};
    r = VK(f->CreatePipelineLayout(w->dev, &pli, NULL, &w->layout));
    if (r != VK_SUCCESS) {
        w->layout = VK_NULL_HANDLE;
        return vk_fail(r, "creating the self-test's pipeline layout");
    }
    /* constant 0 (the shader's own), constant 40 (arith_ff.glsl's FF_FMA) */
    const VkSpecializationMapEntry se[2] = {{0, 0, 4}, {VKW_SPEC_FF_FMA, 4, 4}};
    VkSpecializationInfo spec = {2, se, 2 * sizeof spec0[0], spec0};
    VkPipelineShaderStageCreateInfo st = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, NULL, 0,
                                          VK_SHADER_STAGE_COMPUTE_BIT, w->shader, "main", &spec};
    VkComputePipelineCreateInfo ci = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO, NULL, 0, st, w->layout,
                                      VK_NULL_HANDLE, -1};
    r = VK(f->CreateComputePipelines(w->dev, VK_NULL_HANDLE, 1, &ci, NULL, &w->pipe));
    if (r != VK_SUCCESS) {
        w->pipe = VK_NULL_HANDLE;
        return vk_fail(r, "building the self-test's pipeline (vkCreateComputePipelines)");
    }
    VkDescriptorPoolSize ps = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 2};
    VkDescriptorPoolCreateInfo dpi = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, NULL, 0, 1, 1, &ps};
    r = VK(f->CreateDescriptorPool(w->dev, &dpi, NULL, &w->dpool));
    if (r != VK_SUCCESS) {
        w->dpool = VK_NULL_HANDLE;
        return vk_fail(r, "creating the self-test's descriptor pool");
    }
    VkDescriptorSetAllocateInfo dai = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO, NULL, w->dpool, 1, &w->dsl};
    r = VK(f->AllocateDescriptorSets(w->dev, &dai, &w->dset[0]));
    if (r != VK_SUCCESS) return vk_fail(r, "allocating the self-test's descriptor set");
    VkDescriptorBufferInfo bi[2];
    VkWriteDescriptorSet wr[2];
    for (int i = 0; i < 2; i++) {
        VkDescriptorBufferInfo x = {w->buf[i], 0, VK_WHOLE_SIZE};
        bi[i] = x;
        VkWriteDescriptorSet y = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, NULL, w->dset[0], (uint32_t)i, 0, 1,
                                  VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, NULL, &bi[i], NULL};
        wr[i] = y;
    }
    f->UpdateDescriptorSets(w->dev, 2, wr, 0, NULL);
    if ((rc = make_commands(w, (uint32_t)family, "the self-test's ")) != WMEL_OK) return rc;
    VkCommandBufferBeginInfo cbi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO, NULL,
                                    VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT, NULL};
    r = VK(f->BeginCommandBuffer(w->cmd[0], &cbi));
    if (r != VK_SUCCESS) return vk_fail(r, "recording the self-test (vkBeginCommandBuffer)");
    f->CmdBindPipeline(w->cmd[0], VK_PIPELINE_BIND_POINT_COMPUTE, w->pipe);
    f->CmdBindDescriptorSets(w->cmd[0], VK_PIPELINE_BIND_POINT_COMPUTE, w->layout, 0, 1, &w->dset[0], 0, NULL);
    f->CmdPushConstants(w->cmd[0], w->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, 4, &n);
    f->CmdDispatch(w->cmd[0], groups, 1, 1);
    barrier(w, w->cmd[0], VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
            VK_ACCESS_HOST_READ_BIT);
    r = VK(f->EndCommandBuffer(w->cmd[0]));
    if (r != VK_SUCCESS) return vk_fail(r, "recording the self-test (vkEndCommandBuffer)");
    VkSubmitInfo sub = {VK_STRUCTURE_TYPE_SUBMIT_INFO, NULL, 0, NULL, NULL, 1, &w->cmd[0], 0, NULL};
    r = VK(f->QueueSubmit(w->queue, 1, &sub, w->fence[0]));
    if (r != VK_SUCCESS) return vk_fail(r, "submitting the self-test (vkQueueSubmit)");
    r = VK(f->WaitForFences(w->dev, 1, &w->fence[0], VK_TRUE, (uint64_t)VKW_TIMEOUT_MS * 1000000u));
    if (r != VK_SUCCESS) return vk_fail(r, "waiting for the self-test (vkWaitForFences)");
    memcpy(out, w->map[1], out_bytes);
    return WMEL_OK;
}

int wmel__vk_oneshot(int index, const uint32_t *code, size_t words, const int32_t spec0[2], const void *in,
                     size_t in_bytes, void *out, size_t out_bytes, uint32_t n, uint32_t groups, int *fc)
{
    *fc = 0;
    vkw *w = calloc(1, sizeof *w);
    if (!w) return WMEL_ERR_NO_MEMORY;
    const int rc = oneshot(w, index, code, words, spec0, in, in_bytes, out, out_bytes, n, groups);
    *fc = w->fc;
    wmel__vk_close(w); /* waits for the device first */
    return rc;
}
