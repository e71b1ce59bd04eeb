/* Float-float arithmetic (src/vulkan/shaders/arith_ff.glsl) run on a real Vulkan driver.
 *
 * Each op of the float-float file runs in a compute shader (tests/vulkan/arith_ff_test.comp,
 * compiled to SPIR-V at build time) over 100,000 inputs in four classes: random values of
 * moderate size, powers of two, values near 1, and tiny or huge values.  The results are
 * compared with long double results on the host (64-bit significand on x86; double elsewhere,
 * still 2^-53, far below the bounds) computed from the exact inputs hi + lo.
 *
 * Bounds asserted (u = 2^-24, so u^2 = 2^-48; the float-float results carry about 48 bits):
 *   add, sub, add_f           relative error <= 2^-45 (proved: 3 u^2 for the accurate sum)
 *   mul, mul_f, div, sqrt     relative error <= 2^-44
 *   log                       absolute error <= 1e-12 for x in [1e-10, 1e10], <= 2^-44 *
 *                             max(1, |log x|) anywhere, and relative <= 2^-44 near 1
 *   neg, max, lt, to_f, from_f exact
 * and every float-float result normalised: hi == fl(hi + lo).
 * Values whose lo part would be a float32 denormal (|x| < 2^-102) are outside these bounds:
 * Vulkan may flush denormals.  The product with TwoProd by fma() is measured and printed
 * but not asserted: it is exact only where the driver fuses fma(), which lavapipe does not.
 *
 * Exit status: 0 pass, 1 fail, 77 skip (no Vulkan loader, no device; a SKIP line says why).
 * The Vulkan loader is opened with dlopen and every function comes from
 * vkGetInstanceProcAddr / vkGetDeviceProcAddr: no link-time dependency on Vulkan.
 */
#define _GNU_SOURCE /* dl_iterate_phdr, RTLD_NOLOAD */
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <dlfcn.h>
#ifdef __linux__
#include <link.h>
#endif
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The test shader as glslc (or glslangValidator) compiles it, and where glslc is the
 * compiler also through its optimiser (-O): the arithmetic must survive both; and, measured
 * but not asserted, with `precise` defined away: what the driver's compiler does to
 * float-float when nothing forbids it. Each module is embedded at build time as the
 * backend's shaders are (cmake/embed_spirv.cmake: NAME[], NAME_words). */
extern const uint32_t arith_ff_test_spv[], arith_ff_test_imprecise_spv[];
extern const size_t arith_ff_test_spv_words, arith_ff_test_imprecise_spv_words;
#ifdef WMEL_TEST_OPT_SPV
extern const uint32_t arith_ff_test_opt_spv[];
extern const size_t arith_ff_test_opt_spv_words;
#endif
static const struct module {
    const char *name;
    const uint32_t *code;
    const size_t *words;
    int asserted;
} modules[] = {
    { "SPIR-V unoptimised", arith_ff_test_spv, &arith_ff_test_spv_words, 1 },
#ifdef WMEL_TEST_OPT_SPV
    { "SPIR-V from glslc -O", arith_ff_test_opt_spv, &arith_ff_test_opt_spv_words, 1 },
#endif
    { "without precise (not asserted)", arith_ff_test_imprecise_spv, &arith_ff_test_imprecise_spv_words, 0 },
};
#define N_MODULES (sizeof modules / sizeof modules[0])

#define N_PER_OP 100000u
#define LOCAL_SIZE 64u

enum op {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_LOG, OP_MUL_F, OP_ADD_F,
    OP_NEG, OP_MAX, OP_LT, OP_TO_F, OP_FROM_F, OP_MUL_FMA, N_OPS
};
static const char *const op_name[N_OPS] = {
    "add", "sub", "mul", "div", "sqrt", "log", "mul_f", "add_f",
    "neg", "max", "lt", "to_f", "from_f", "mul (TwoProd by fma)"
};
enum cls { C_RANDOM, C_POW2, C_NEAR1, C_EXTREME, N_CLS };
static const char *const cls_name[N_CLS] = { "random", "pow2", "near 1", "tiny/huge" };

/* ---- the few Vulkan entry points used ---- */
static PFN_vkGetInstanceProcAddr gipa;
static PFN_vkGetDeviceProcAddr gdpa;
#define VKFN(name) static PFN_##name name
VKFN(vkCreateInstance); VKFN(vkDestroyInstance); VKFN(vkEnumeratePhysicalDevices);
VKFN(vkGetPhysicalDeviceProperties); VKFN(vkGetPhysicalDeviceQueueFamilyProperties);
VKFN(vkGetPhysicalDeviceMemoryProperties); VKFN(vkCreateDevice); VKFN(vkDestroyDevice);
VKFN(vkGetDeviceQueue); VKFN(vkCreateBuffer); VKFN(vkDestroyBuffer);
VKFN(vkGetBufferMemoryRequirements); VKFN(vkAllocateMemory); VKFN(vkFreeMemory);
VKFN(vkBindBufferMemory); VKFN(vkMapMemory); VKFN(vkCreateShaderModule);
VKFN(vkDestroyShaderModule); VKFN(vkCreateDescriptorSetLayout);
VKFN(vkDestroyDescriptorSetLayout); VKFN(vkCreatePipelineLayout); VKFN(vkDestroyPipelineLayout);
VKFN(vkCreateComputePipelines); VKFN(vkDestroyPipeline); VKFN(vkCreateDescriptorPool);
VKFN(vkDestroyDescriptorPool); VKFN(vkAllocateDescriptorSets); VKFN(vkUpdateDescriptorSets);
VKFN(vkCreateCommandPool); VKFN(vkDestroyCommandPool); VKFN(vkAllocateCommandBuffers);
VKFN(vkBeginCommandBuffer); VKFN(vkEndCommandBuffer); VKFN(vkCmdBindPipeline);
VKFN(vkCmdBindDescriptorSets); VKFN(vkCmdPushConstants); VKFN(vkCmdDispatch);
VKFN(vkCreateFence); VKFN(vkDestroyFence); VKFN(vkResetFences); VKFN(vkWaitForFences);
VKFN(vkQueueSubmit); VKFN(vkResetCommandBuffer);

struct gpu {
    void *lib;
    VkInstance inst;
    VkPhysicalDevice phys;
    VkDevice dev;
    VkQueue queue;
    VkBuffer buf[3];
    VkDeviceMemory mem[3];
    float *map[3];
    VkShaderModule shader[N_MODULES];
    VkDescriptorSetLayout dsl;
    VkPipelineLayout layout;
    VkPipeline pipe[N_MODULES];
    VkDescriptorPool dpool;
    VkDescriptorSet dset;
    VkCommandPool cpool;
    VkCommandBuffer cmd;
    VkFence fence;
    char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
};

/* The loader unloads the driver at vkDestroyInstance; memory the driver keeps for the
 * process's life (lavapipe: 128 bytes) then looks leaked to LeakSanitizer, from an unknown
 * module that no suppression can name.  Keeping every library the instance loaded mapped
 * (one more reference, never dropped) keeps those roots visible: only real leaks remain. */
#ifdef __linux__
#define MAX_LIBS 512
struct libs { int n; char name[MAX_LIBS][256]; };
static int note_lib(struct dl_phdr_info *info, size_t size, void *data)
{
    struct libs *l = data;
    (void)size;
    if (l->n < MAX_LIBS && info->dlpi_name && info->dlpi_name[0])
        snprintf(l->name[l->n++], sizeof l->name[0], "%s", info->dlpi_name);
    return 0;
}
static struct libs libs_before, libs_after;
static void pin_new_libs(void)
{
    libs_after.n = 0;
    dl_iterate_phdr(note_lib, &libs_after);
    for (int i = 0; i < libs_after.n; i++) {
        int old = 0;
        for (int j = 0; j < libs_before.n && !old; j++)
            old = strcmp(libs_after.name[i], libs_before.name[j]) == 0;
        if (!old)
            (void)dlopen(libs_after.name[i], RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    }
}
#endif

/* 0 ok, 77 skip (reason in why), 1 failure (reason in why) */
static int gpu_open(struct gpu *g, char *why, size_t why_len)
{
    static const char *const libs[] = { "libvulkan.so.1", "libvulkan.so" };
    memset(g, 0, sizeof *g);
    for (size_t i = 0; i < sizeof libs / sizeof libs[0] && !g->lib; i++)
        g->lib = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
    if (!g->lib) {
        snprintf(why, why_len, "no Vulkan loader (dlopen libvulkan.so.1: %s)", dlerror());
        return 77;
    }
    *(void **)&gipa = dlsym(g->lib, "vkGetInstanceProcAddr");
    if (!gipa) {
        snprintf(why, why_len, "the Vulkan loader has no vkGetInstanceProcAddr");
        return 77;
    }
#define LOADI(name) (name = (PFN_##name)gipa(g->inst, #name))
    if (!LOADI(vkCreateInstance)) {
        snprintf(why, why_len, "vkCreateInstance not found");
        return 77;
    }
    VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                              .pApplicationName = "wmel test_arith_ff",
                              .apiVersion = VK_API_VERSION_1_1 };
    VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                 .pApplicationInfo = &app };
#ifdef __linux__
    libs_before.n = 0;
    dl_iterate_phdr(note_lib, &libs_before);
#endif
    VkResult vr = vkCreateInstance(&ici, NULL, &g->inst);
#ifdef __linux__
    pin_new_libs();
#endif
    if (vr != VK_SUCCESS) {
        snprintf(why, why_len, "vkCreateInstance failed (VkResult %d): no Vulkan driver", (int)vr);
        g->inst = VK_NULL_HANDLE;
        return 77;
    }
    LOADI(vkDestroyInstance); LOADI(vkEnumeratePhysicalDevices);
    LOADI(vkGetPhysicalDeviceProperties); LOADI(vkGetPhysicalDeviceQueueFamilyProperties);
    LOADI(vkGetPhysicalDeviceMemoryProperties); LOADI(vkCreateDevice);
    if (!(gdpa = (PFN_vkGetDeviceProcAddr)gipa(g->inst, "vkGetDeviceProcAddr"))) {
        snprintf(why, why_len, "vkGetDeviceProcAddr not found");
        return 1;
    }
#undef LOADI

    VkPhysicalDevice devs[16];
    uint32_t n_dev = 16;
    vr = vkEnumeratePhysicalDevices(g->inst, &n_dev, devs);
    if ((vr != VK_SUCCESS && vr != VK_INCOMPLETE) || n_dev == 0) {
        snprintf(why, why_len, "no Vulkan device");
        return 77;
    }
    uint32_t qfam = UINT32_MAX;
    for (uint32_t d = 0; d < n_dev && qfam == UINT32_MAX; d++) {
        VkQueueFamilyProperties qf[16];
        uint32_t n_qf = 16;
        vkGetPhysicalDeviceQueueFamilyProperties(devs[d], &n_qf, qf);
        for (uint32_t q = 0; q < n_qf; q++) {
            if (qf[q].queueFlags & VK_QUEUE_COMPUTE_BIT) {
                g->phys = devs[d];
                qfam = q;
                break;
            }
        }
    }
    if (qfam == UINT32_MAX) {
        snprintf(why, why_len, "no Vulkan device with a compute queue");
        return 77;
    }
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(g->phys, &props);
    snprintf(g->name, sizeof g->name, "%s", props.deviceName);

    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                    .queueFamilyIndex = qfam, .queueCount = 1,
                                    .pQueuePriorities = &prio };
    VkDeviceCreateInfo dci = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                               .queueCreateInfoCount = 1, .pQueueCreateInfos = &qci };
    if ((vr = vkCreateDevice(g->phys, &dci, NULL, &g->dev)) != VK_SUCCESS) {
        snprintf(why, why_len, "vkCreateDevice failed (VkResult %d)", (int)vr);
        g->dev = VK_NULL_HANDLE;
        return 1;
    }
#define LOADD(name) \
    if (!(name = (PFN_##name)gdpa(g->dev, #name))) { \
        snprintf(why, why_len, "device function %s not found", #name); \
        return 1; \
    }
    LOADD(vkDestroyDevice); LOADD(vkGetDeviceQueue); LOADD(vkCreateBuffer);
    LOADD(vkDestroyBuffer); LOADD(vkGetBufferMemoryRequirements); LOADD(vkAllocateMemory);
    LOADD(vkFreeMemory); LOADD(vkBindBufferMemory); LOADD(vkMapMemory);
    LOADD(vkCreateShaderModule); LOADD(vkDestroyShaderModule);
    LOADD(vkCreateDescriptorSetLayout); LOADD(vkDestroyDescriptorSetLayout);
    LOADD(vkCreatePipelineLayout); LOADD(vkDestroyPipelineLayout);
    LOADD(vkCreateComputePipelines); LOADD(vkDestroyPipeline); LOADD(vkCreateDescriptorPool);
    LOADD(vkDestroyDescriptorPool); LOADD(vkAllocateDescriptorSets);
    LOADD(vkUpdateDescriptorSets); LOADD(vkCreateCommandPool); LOADD(vkDestroyCommandPool);
    LOADD(vkAllocateCommandBuffers); LOADD(vkBeginCommandBuffer); LOADD(vkEndCommandBuffer);
    LOADD(vkCmdBindPipeline); LOADD(vkCmdBindDescriptorSets); LOADD(vkCmdPushConstants);
    LOADD(vkCmdDispatch); LOADD(vkCreateFence); LOADD(vkDestroyFence); LOADD(vkResetFences);
    LOADD(vkWaitForFences); LOADD(vkQueueSubmit); LOADD(vkResetCommandBuffer);
#undef LOADD
    vkGetDeviceQueue(g->dev, qfam, 0, &g->queue);

    /* three host-visible, coherent storage buffers of N_PER_OP vec2 */
    VkPhysicalDeviceMemoryProperties mp;
    vkGetPhysicalDeviceMemoryProperties(g->phys, &mp);
    const VkMemoryPropertyFlags want =
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (int b = 0; b < 3; b++) {
        VkBufferCreateInfo bci = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                                   .size = (VkDeviceSize)N_PER_OP * 2 * sizeof(float),
                                   .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                                   .sharingMode = VK_SHARING_MODE_EXCLUSIVE };
        if (vkCreateBuffer(g->dev, &bci, NULL, &g->buf[b]) != VK_SUCCESS) {
            snprintf(why, why_len, "vkCreateBuffer failed");
            return 1;
        }
        VkMemoryRequirements mr;
        vkGetBufferMemoryRequirements(g->dev, g->buf[b], &mr);
        uint32_t type = UINT32_MAX;
        for (uint32_t t = 0; t < mp.memoryTypeCount; t++)
            if ((mr.memoryTypeBits & (1u << t)) && (mp.memoryTypes[t].propertyFlags & want) == want) {
                type = t;
                break;
            }
        if (type == UINT32_MAX) {
            snprintf(why, why_len, "no host-visible coherent memory type");
            return 1;
        }
        VkMemoryAllocateInfo mai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                     .allocationSize = mr.size, .memoryTypeIndex = type };
        if (vkAllocateMemory(g->dev, &mai, NULL, &g->mem[b]) != VK_SUCCESS ||
            vkBindBufferMemory(g->dev, g->buf[b], g->mem[b], 0) != VK_SUCCESS ||
            vkMapMemory(g->dev, g->mem[b], 0, VK_WHOLE_SIZE, 0, (void **)&g->map[b]) != VK_SUCCESS) {
            snprintf(why, why_len, "device memory allocation or mapping failed");
            return 1;
        }
    }

    VkDescriptorSetLayoutBinding bind[3];
    for (uint32_t b = 0; b < 3; b++)
        bind[b] = (VkDescriptorSetLayoutBinding){ .binding = b,
                                                  .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                                  .descriptorCount = 1,
                                                  .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT };
    VkDescriptorSetLayoutCreateInfo dslci = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                              .bindingCount = 3, .pBindings = bind };
    VkPushConstantRange pcr = { .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0,
                                .size = 2 * sizeof(uint32_t) };
    if (vkCreateDescriptorSetLayout(g->dev, &dslci, NULL, &g->dsl) != VK_SUCCESS) {
        snprintf(why, why_len, "vkCreateDescriptorSetLayout failed");
        return 1;
    }
    VkPipelineLayoutCreateInfo plci = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                        .setLayoutCount = 1, .pSetLayouts = &g->dsl,
                                        .pushConstantRangeCount = 1, .pPushConstantRanges = &pcr };
    if (vkCreatePipelineLayout(g->dev, &plci, NULL, &g->layout) != VK_SUCCESS) {
        snprintf(why, why_len, "vkCreatePipelineLayout failed");
        return 1;
    }
    for (size_t m = 0; m < N_MODULES; m++) {
        VkShaderModuleCreateInfo smci = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                          .codeSize = *modules[m].words * sizeof(uint32_t), .pCode = modules[m].code };
        if (vkCreateShaderModule(g->dev, &smci, NULL, &g->shader[m]) != VK_SUCCESS) {
            snprintf(why, why_len, "vkCreateShaderModule failed (%s)", modules[m].name);
            return 1;
        }
        VkComputePipelineCreateInfo cpci = {
            .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
            .stage = { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                       .stage = VK_SHADER_STAGE_COMPUTE_BIT, .module = g->shader[m], .pName = "main" },
            .layout = g->layout };
        vr = vkCreateComputePipelines(g->dev, VK_NULL_HANDLE, 1, &cpci, NULL, &g->pipe[m]);
        if (vr != VK_SUCCESS) {
            snprintf(why, why_len, "vkCreateComputePipelines failed (%s, VkResult %d)", modules[m].name, (int)vr);
            return 1;
        }
    }
    VkDescriptorPoolSize ps = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 3 };
    VkDescriptorPoolCreateInfo dpci = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                        .maxSets = 1, .poolSizeCount = 1, .pPoolSizes = &ps };
    VkDescriptorSetAllocateInfo dsai = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                         .descriptorSetCount = 1, .pSetLayouts = &g->dsl };
    if (vkCreateDescriptorPool(g->dev, &dpci, NULL, &g->dpool) != VK_SUCCESS ||
        (dsai.descriptorPool = g->dpool, vkAllocateDescriptorSets(g->dev, &dsai, &g->dset)) != VK_SUCCESS) {
        snprintf(why, why_len, "descriptor pool or set allocation failed");
        return 1;
    }
    VkDescriptorBufferInfo dbi[3];
    VkWriteDescriptorSet w[3];
    for (uint32_t b = 0; b < 3; b++) {
        dbi[b] = (VkDescriptorBufferInfo){ g->buf[b], 0, VK_WHOLE_SIZE };
        w[b] = (VkWriteDescriptorSet){ .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                       .dstSet = g->dset, .dstBinding = b, .descriptorCount = 1,
                                       .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                       .pBufferInfo = &dbi[b] };
    }
    vkUpdateDescriptorSets(g->dev, 3, w, 0, NULL);
    VkCommandPoolCreateInfo cpoci = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                      .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                      .queueFamilyIndex = qfam };
    VkCommandBufferAllocateInfo cbai = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                         .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                         .commandBufferCount = 1 };
    VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
    if (vkCreateCommandPool(g->dev, &cpoci, NULL, &g->cpool) != VK_SUCCESS ||
        (cbai.commandPool = g->cpool, vkAllocateCommandBuffers(g->dev, &cbai, &g->cmd)) != VK_SUCCESS ||
        vkCreateFence(g->dev, &fci, NULL, &g->fence) != VK_SUCCESS) {
        snprintf(why, why_len, "command pool, buffer or fence creation failed");
        return 1;
    }
    return 0;
}

static void gpu_close(struct gpu *g)
{
    if (g->dev) {
        if (g->fence) vkDestroyFence(g->dev, g->fence, NULL);
        if (g->cpool) vkDestroyCommandPool(g->dev, g->cpool, NULL);
        if (g->dpool) vkDestroyDescriptorPool(g->dev, g->dpool, NULL);
        for (size_t m = 0; m < N_MODULES; m++) {
            if (g->pipe[m]) vkDestroyPipeline(g->dev, g->pipe[m], NULL);
            if (g->shader[m]) vkDestroyShaderModule(g->dev, g->shader[m], NULL);
        }
        if (g->layout) vkDestroyPipelineLayout(g->dev, g->layout, NULL);
        if (g->dsl) vkDestroyDescriptorSetLayout(g->dev, g->dsl, NULL);
        for (int b = 0; b < 3; b++) {
            if (g->buf[b]) vkDestroyBuffer(g->dev, g->buf[b], NULL);
            if (g->mem[b]) vkFreeMemory(g->dev, g->mem[b], NULL);
        }
        vkDestroyDevice(g->dev, NULL);
    }
    if (g->inst) vkDestroyInstance(g->inst, NULL);
    if (g->lib) dlclose(g->lib);
}

/* out = op(a, b) on the device for n elements (inputs already in map[0], map[1]) */
static int gpu_run(struct gpu *g, size_t module, uint32_t op, uint32_t n)
{
    uint32_t pc[2] = { op, n };
    VkCommandBufferBeginInfo cbbi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                      .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT };
    if (vkResetCommandBuffer(g->cmd, 0) != VK_SUCCESS ||
        vkBeginCommandBuffer(g->cmd, &cbbi) != VK_SUCCESS)
        return -1;
    vkCmdBindPipeline(g->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, g->pipe[module]);
    vkCmdBindDescriptorSets(g->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, g->layout, 0, 1, &g->dset, 0, NULL);
    vkCmdPushConstants(g->cmd, g->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof pc, pc);
    vkCmdDispatch(g->cmd, (n + LOCAL_SIZE - 1) / LOCAL_SIZE, 1, 1);
    if (vkEndCommandBuffer(g->cmd) != VK_SUCCESS)
        return -1;
    VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                        .pCommandBuffers = &g->cmd };
    if (vkResetFences(g->dev, 1, &g->fence) != VK_SUCCESS ||
        vkQueueSubmit(g->queue, 1, &si, g->fence) != VK_SUCCESS ||
        vkWaitForFences(g->dev, 1, &g->fence, VK_TRUE, UINT64_C(60000000000)) != VK_SUCCESS)
        return -1;
    return 0;
}

/* ---- inputs ---- */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);
static uint64_t rng(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}
static double unif(void) { return (double)(rng() >> 11) * 0x1p-53; } /* [0, 1) */
static int irange(int lo, int hi) { return lo + (int)(rng() % (uint64_t)(hi - lo + 1)); }

/* a float-float value near d: hi = (float)d, lo = (float)(d - hi) */
static void ff_from_double(double d, float *hi, float *lo)
{
    *hi = (float)d;
    *lo = (float)(d - (double)*hi);
}

/* random full-precision value with binary exponent e, random sign */
static double rand_exp(int e)
{
    double m = 1.0 + unif();
    return ((rng() & 1) ? -1.0 : 1.0) * ldexp(m, e);
}

typedef long double ld;
static ld ffv(const float *p, uint32_t i) { return (ld)p[2 * i] + (ld)p[2 * i + 1]; }

/* fill a[i] (and b[i]) for op, class of element i */
static void make_input(int op, int c, float *a, float *b)
{
    double x = 1.0, y = 1.0;
    switch (c) {
    case C_RANDOM:
        if (op == OP_LOG) {
            x = pow(10.0, -10.0 + 20.0 * unif());
        } else {
            x = rand_exp(irange(-30, 30));
            y = rand_exp(irange(-30, 30));
        }
        break;
    case C_POW2:
        if (op == OP_LOG) {
            x = ldexp(1.0, irange(-126, 127));
        } else {
            x = ((rng() & 1) ? -1.0 : 1.0) * ldexp(1.0, irange(-30, 30));
            y = ((rng() & 1) ? -1.0 : 1.0) * ldexp(1.0, irange(-30, 30));
        }
        break;
    case C_NEAR1:
        x = 1.0 + ((rng() & 1) ? -1.0 : 1.0) * ldexp(1.0 + unif(), -irange(1, 45));
        y = (rng() & 1) ? 1.0 : 1.0 + ((rng() & 1) ? -1.0 : 1.0) * ldexp(1.0 + unif(), -irange(1, 45));
        break;
    case C_EXTREME: {
        /* every value and every result at least 2^-78 in size (lo parts stay normal) and
         * below 2^126 */
        int ea = (rng() & 1) ? irange(-76, -40) : irange(40, 124);
        int eb;
        switch (op) {
        case OP_MUL: case OP_MUL_F: case OP_MUL_FMA:
            eb = ea > 0 ? irange(-76, 124 - ea - 1) : irange(-76 - ea, 124);
            break;
        case OP_DIV:
            eb = ea > 0 ? irange(ea - 124, 124) : irange(-76, ea + 76);
            break;
        case OP_SQRT: case OP_LOG:
            ea = (rng() & 1) ? irange(-100, -34) : irange(34, 126);
            eb = 0;
            break;
        default:
            eb = ea > 0 ? irange(ea - 20, ea + 20 < 124 ? ea + 20 : 124)
                        : irange(ea - 20 > -76 ? ea - 20 : -76, ea + 20);
            break;
        }
        x = rand_exp(ea);
        y = rand_exp(eb);
        break;
    }
    default:
        break;
    }
    if (op == OP_SQRT || op == OP_LOG)
        x = fabs(x);
    if (op == OP_DIV && y == 0.0)
        y = 1.0;
    ff_from_double(x, &a[0], &a[1]);
    ff_from_double(y, &b[0], &b[1]);
    if (op == OP_MUL_F || op == OP_ADD_F)
        b[1] = 0.0f;
    if ((op == OP_MAX || op == OP_LT) && (rng() & 3) == 0) {
        /* same hi, different lo: the comparison must look at lo */
        b[0] = a[0];
        b[1] = a[1] != 0.0f ? 0.5f * a[1] : ((rng() & 1) ? 1.0f : -1.0f) * ldexpf(1.0f, ilogbf(a[0]) - 40);
    }
}

static ld reference(int op, ld x, ld y)
{
    switch (op) {
    case OP_ADD: case OP_ADD_F: return x + y;
    case OP_SUB: return x - y;
    case OP_MUL: case OP_MUL_F: case OP_MUL_FMA: return x * y;
    case OP_DIV: return x / y;
    case OP_SQRT: return sqrtl(x);
    case OP_LOG: return logl(x);
    case OP_NEG: return -x;
    case OP_MAX: return x < y ? y : x;
    case OP_LT: return x < y ? 1.0L : 0.0L;
    default: return x;
    }
}

struct stat_ {
    double max_err[N_CLS];
    double max_abs_log; /* log only: absolute error over [1e-10, 1e10] */
    double worst_x[N_CLS];
    unsigned long unnormalised;
    unsigned long wrong; /* exact ops: results that differ */
};

/* every op through one module; returns the number of ops out of bounds (-1: the device failed) */
static int test_module(struct gpu *g, size_t module, double *fma_err)
{
    const double u2 = 0x1p-48;
    int failures = 0;
    float *a = g->map[0], *b = g->map[1], *o = g->map[2];
    const int verbose = modules[module].asserted;
    rng_state = UINT64_C(0x9e3779b97f4a7c15); /* the same inputs for every module */
    printf("%s:\n  %-22s %-10s %14s %11s %s\n", modules[module].name, "op", "class", "max error",
           "x 2^-48", "(worst input)");
    for (int op = 0; op < N_OPS; op++) {
        for (uint32_t i = 0; i < N_PER_OP; i++)
            make_input(op, (int)(i % N_CLS), &a[2 * i], &b[2 * i]);
        /* special values for log, in the first (random) slots */
        uint32_t n_special = 0;
        if (op == OP_LOG) {
            static const float sp[] = { 0.0f, -0.0f, -1.0f, INFINITY, 1.0f, 2.0f, 0.5f,
                                        FLT_MAX, FLT_MIN, 1e-10f, 1e10f, NAN, 1e-40f };
            n_special = sizeof sp / sizeof sp[0];
            for (uint32_t s = 0; s < n_special; s++) {
                a[2 * s * N_CLS] = sp[s];
                a[2 * s * N_CLS + 1] = 0.0f;
            }
        }
        if (gpu_run(g, module, (uint32_t)op, N_PER_OP) != 0) {
            printf("  dispatch of %s failed\n", op_name[op]);
            return -1;
        }
        struct stat_ st;
        memset(&st, 0, sizeof st);
        for (uint32_t i = 0; i < N_PER_OP; i++) {
            int c = (int)(i % N_CLS);
            ld x = ffv(a, i), y = op == OP_MUL_F || op == OP_ADD_F ? (ld)b[2 * i] : ffv(b, i);
            float rh = o[2 * i], rl = o[2 * i + 1];
            ld got = (ld)rh + (ld)rl;
            if (op == OP_LOG && i % N_CLS == 0 && i / N_CLS < n_special) {
                float xs = a[2 * i];
                int ok;
                if (isnan(xs)) {
                    ok = isnan(rh);
                } else if (xs <= 0.0f) {
                    ok = isinf(rh) && rh < 0 && rl == 0.0f;
                } else if (isinf(xs)) {
                    ok = isinf(rh) && rh > 0;
                } else if (xs < FLT_MIN) {
                    /* a denormal: the log, or -inf where the device flushes denormals */
                    ok = (isinf(rh) && rh < 0) || fabsl(got - logl(x)) <= 0x1p-44L * fabsl(logl(x));
                    if (verbose)
                        printf("  log(%g) (a denormal) = %.17g%s\n", (double)xs, (double)got,
                           isinf(rh) ? ": the device flushed it to 0" : ": denormals kept");
                } else {
                    ok = fabsl(got - logl(x)) <= 1e-12L * fmaxl(1.0L, fabsl(logl(x)));
                }
                if (!ok) {
                    if (verbose)
                        printf("  log(%g) = (%g, %g): wrong special value\n", (double)xs, (double)rh, (double)rl);
                    st.wrong++;
                }
                continue;
            }
            if (op == OP_LT || op == OP_NEG || op == OP_MAX || op == OP_TO_F || op == OP_FROM_F) {
                int ok;
                if (op == OP_LT)
                    ok = rh == (x < y ? 1.0f : 0.0f) && rl == 0.0f;
                else if (op == OP_NEG)
                    ok = rh == -a[2 * i] && rl == -a[2 * i + 1];
                else if (op == OP_MAX)
                    ok = x < y ? (rh == b[2 * i] && rl == b[2 * i + 1])
                               : (rh == a[2 * i] && rl == a[2 * i + 1]);
                else if (op == OP_TO_F)
                    ok = rh == (float)((double)a[2 * i] + (double)a[2 * i + 1]) && rl == 0.0f;
                else
                    ok = rh == a[2 * i] && rl == 0.0f;
                if (!ok && st.wrong++ < 3 && verbose)
                    printf("  %s: x = (%.9g, %.9g), y = (%.9g, %.9g) gave (%.9g, %.9g)\n", op_name[op],
                           (double)a[2 * i], (double)a[2 * i + 1], (double)b[2 * i], (double)b[2 * i + 1],
                           (double)rh, (double)rl);
                continue;
            }
            if ((float)((double)rh + (double)rl) != rh)
                st.unnormalised++;
            ld ref = reference(op, x, y);
            double err;
            if (op == OP_LOG) {
                double ae = (double)fabsl(got - ref);
                if (x >= 1e-10L && x <= 1e10L && ae > st.max_abs_log)
                    st.max_abs_log = ae;
                /* near 1 relative, elsewhere relative to max(1, |log x|) */
                err = c == C_NEAR1 ? (double)(fabsl(got - ref) / fabsl(ref))
                                   : ae / fmax(1.0, (double)fabsl(ref));
            } else {
                err = ref == 0.0L ? (got == 0.0L ? 0.0 : INFINITY) : (double)(fabsl(got - ref) / fabsl(ref));
            }
            if (!(err <= st.max_err[c])) { /* also catches NaN */
                st.max_err[c] = isnan(err) ? INFINITY : err;
                st.worst_x[c] = (double)x;
            }
        }
        double bound = op == OP_ADD || op == OP_SUB || op == OP_ADD_F ? 0x1p-45 : 0x1p-44;
        int op_fail = st.wrong != 0 || st.unnormalised != 0;
        double op_max = 0.0;
        for (int c = 0; c < N_CLS; c++) {
            int bad = op != OP_MUL_FMA && !(st.max_err[c] <= bound);
            op_fail |= bad;
            op_max = fmax(op_max, st.max_err[c]);
            if (verbose && !(op >= OP_NEG && op <= OP_FROM_F))
                printf("  %-22s %-10s %14.3e %11.2f (%.9g)%s\n", op_name[op], cls_name[c], st.max_err[c],
                       st.max_err[c] / u2, st.worst_x[c], bad ? "  FAIL" : "");
        }
        if (op == OP_MUL_FMA && verbose)
            *fma_err = op_max;
        if (op == OP_LOG) {
            int bad = !(st.max_abs_log <= 1e-12);
            op_fail |= bad;
            if (verbose)
                printf("  %-22s %-10s %14.3e %11s absolute, x in [1e-10, 1e10]%s\n", "log", "", st.max_abs_log,
                       "", bad ? "  FAIL" : "");
        }
        if (op >= OP_NEG && op <= OP_FROM_F)
            printf("  %-22s %-10s %14s %11s %s\n", op_name[op], "all", st.wrong ? "WRONG" : "exact", "",
                   st.wrong && verbose ? "FAIL" : "");
        else if (!verbose)
            printf("  %-22s %-10s %14.3e %11.2f %s\n", op_name[op], "all", op_max, op_max / u2,
                   op_fail && op != OP_MUL_FMA ? "(over the bound)" : "");
        if (st.unnormalised && verbose)
            printf("  %s: %lu results not normalised (hi != fl(hi + lo))  FAIL\n", op_name[op], st.unnormalised);
        if (op_fail && op != OP_MUL_FMA)
            failures++;
    }
    return failures;
}

int main(void)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct gpu g;
    char why[256] = "";
    int rc = gpu_open(&g, why, sizeof why);
    if (rc != 0) {
        printf("%s test_arith_ff: %s\n", rc == 77 ? "SKIP" : "FAIL", why);
        gpu_close(&g);
        return rc;
    }
    printf("test_arith_ff: device \"%s\", %u inputs per op\n", g.name, N_PER_OP);
    int failures = 0;
    double fma_err = 0.0;
    for (size_t m = 0; m < N_MODULES; m++) {
        int f = test_module(&g, m, &fma_err);
        if (f < 0) {
            printf("FAIL test_arith_ff: the device failed a dispatch\n");
            gpu_close(&g);
            return 1;
        }
        if (modules[m].asserted)
            failures += f;
        else
            printf("  %d of %d ops over their bounds without precise%s\n", f, (int)OP_MUL_FMA,
                   f ? ": the driver's compiler rewrites unprotected float-float" : "");
    }
    printf("  float-float product with TwoProd by fma(): max relative error %.3e (%s)\n", fma_err,
           fma_err > 0x1p-40 ? "fma() is not fused on this device: Dekker's split is needed"
                             : "fma() is fused on this device");
    gpu_close(&g);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    int n_asserted = 0;
    for (size_t m = 0; m < N_MODULES; m++)
        n_asserted += modules[m].asserted;
    printf("%s test_arith_ff: %d ops x %u inputs x %d SPIR-V module(s), %d failing, %.2f s\n",
           failures ? "FAIL" : "PASS", (int)OP_MUL_FMA, N_PER_OP, n_asserted, failures, secs);
    return failures ? 1 : 0;
}
