/*
 * vk_export.h -- a Vulkan device of the caller's own (libvulkan.so.1 opened at run time) on
 * the physical device of a wmel ctx (its UUIDs, wmel_vulkan_device_uuids), with host-visible
 * allocations exported as opaque file descriptors: what test_vulkan_devmem and
 * wmel-vk-devmem-bench hand wmel_vulkan_features_device, as a caller holding device memory
 * would. Linux; needs the Vulkan headers. A file including it defines _GNU_SOURCE first.
 */
#ifndef WMEL_VK_EXPORT_H
#define WMEL_VK_EXPORT_H

#include "wmel.h"

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <vulkan/vulkan.h>

static struct {
    void *lib;
    PFN_vkGetInstanceProcAddr gipa;
    VkInstance inst;
    VkPhysicalDevice phys;
    VkDevice dev;
    PFN_vkGetDeviceProcAddr gdpa;
    PFN_vkAllocateMemory alloc;
    PFN_vkFreeMemory free_mem;
    PFN_vkMapMemory map;
    PFN_vkCreateBuffer mkbuf;
    PFN_vkDestroyBuffer rmbuf;
    PFN_vkGetBufferMemoryRequirements req;
    PFN_vkGetMemoryFdKHR get_fd;
    PFN_vkDestroyDevice rmdev;
    PFN_vkDestroyInstance rminst;
    VkPhysicalDeviceMemoryProperties mp;
    unsigned char dev_uuid[16], drv_uuid[16];
} vkx;

/* the device whose UUIDs are the ctx's, with VK_KHR_external_memory_fd: 1, else 0 */
static inline int vk_open(const unsigned char dev_uuid[16], const unsigned char drv_uuid[16])
{
    vkx.lib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!vkx.lib) return 0;
    vkx.gipa = (PFN_vkGetInstanceProcAddr)dlsym(vkx.lib, "vkGetInstanceProcAddr");
    PFN_vkCreateInstance mkinst = (PFN_vkCreateInstance)vkx.gipa(NULL, "vkCreateInstance");
    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO, NULL, "t", 1, "t", 1, VK_API_VERSION_1_1};
    VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, NULL, 0, &app, 0, NULL, 0, NULL};
    if (mkinst(&ci, NULL, &vkx.inst) != VK_SUCCESS) return 0;
#define IP(T, n) ((T)vkx.gipa(vkx.inst, n))
    vkx.rminst = IP(PFN_vkDestroyInstance, "vkDestroyInstance");
    uint32_t nd = 8;
    VkPhysicalDevice pd[8];
    IP(PFN_vkEnumeratePhysicalDevices, "vkEnumeratePhysicalDevices")(vkx.inst, &nd, pd);
    PFN_vkGetPhysicalDeviceProperties2 props2 = IP(PFN_vkGetPhysicalDeviceProperties2, "vkGetPhysicalDeviceProperties2");
    for (uint32_t i = 0; i < nd && !vkx.phys; i++) {
        VkPhysicalDeviceIDProperties id;
        memset(&id, 0, sizeof id);
        id.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES;
        VkPhysicalDeviceProperties2 p2;
        memset(&p2, 0, sizeof p2);
        p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
        p2.pNext = &id;
        props2(pd[i], &p2);
        if (!memcmp(id.deviceUUID, dev_uuid, 16) && !memcmp(id.driverUUID, drv_uuid, 16)) vkx.phys = pd[i];
    }
    if (!vkx.phys) return 0;
    memcpy(vkx.dev_uuid, dev_uuid, 16);
    memcpy(vkx.drv_uuid, drv_uuid, 16);
    IP(PFN_vkGetPhysicalDeviceMemoryProperties, "vkGetPhysicalDeviceMemoryProperties")(vkx.phys, &vkx.mp);
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qi = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, NULL, 0, 0, 1, &prio};
    const char *ext[1] = {VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME};
    VkDeviceCreateInfo di = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, NULL, 0, 1, &qi, 0, NULL, 1, ext, NULL};
    if (IP(PFN_vkCreateDevice, "vkCreateDevice")(vkx.phys, &di, NULL, &vkx.dev) != VK_SUCCESS) return 0;
    vkx.gdpa = IP(PFN_vkGetDeviceProcAddr, "vkGetDeviceProcAddr");
#undef IP
#define DP(T, n) ((T)vkx.gdpa(vkx.dev, n))
    vkx.alloc = DP(PFN_vkAllocateMemory, "vkAllocateMemory");
    vkx.free_mem = DP(PFN_vkFreeMemory, "vkFreeMemory");
    vkx.map = DP(PFN_vkMapMemory, "vkMapMemory");
    vkx.mkbuf = DP(PFN_vkCreateBuffer, "vkCreateBuffer");
    vkx.rmbuf = DP(PFN_vkDestroyBuffer, "vkDestroyBuffer");
    vkx.req = DP(PFN_vkGetBufferMemoryRequirements, "vkGetBufferMemoryRequirements");
    vkx.get_fd = DP(PFN_vkGetMemoryFdKHR, "vkGetMemoryFdKHR");
    vkx.rmdev = DP(PFN_vkDestroyDevice, "vkDestroyDevice");
#undef DP
    return vkx.get_fd != NULL;
}

/* An exportable, host-visible allocation of `size` bytes: its memory, mapping and the
   wmel_vulkan_memory of its descriptor (offset 0) */
typedef struct {
    VkDeviceMemory mem;
    void *p;
    wmel_vulkan_memory m;
} vkx_mem;

static inline int mem_new(vkx_mem *t, size_t size)
{
    memset(t, 0, sizeof *t);
    VkExternalMemoryBufferCreateInfo ebi = {VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO, NULL,
                                            VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT};
    VkBufferCreateInfo bci = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, &ebi, 0, size,
                              VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                              VK_SHARING_MODE_EXCLUSIVE, 0, NULL};
    VkBuffer b;
    if (vkx.mkbuf(vkx.dev, &bci, NULL, &b) != VK_SUCCESS) return 0;
    VkMemoryRequirements rq;
    vkx.req(vkx.dev, b, &rq);
    vkx.rmbuf(vkx.dev, b, NULL);
    uint32_t type = UINT32_MAX;
    const VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (uint32_t i = 0; i < vkx.mp.memoryTypeCount && type == UINT32_MAX; i++)
        if ((rq.memoryTypeBits & (1u << i)) && (vkx.mp.memoryTypes[i].propertyFlags & want) == want) type = i;
    if (type == UINT32_MAX) return 0;
    const VkDeviceSize sz = rq.size > size ? rq.size : size;
    VkExportMemoryAllocateInfo ex = {VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO, NULL,
                                     VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT};
    VkMemoryAllocateInfo mai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, &ex, sz, type};
    if (vkx.alloc(vkx.dev, &mai, NULL, &t->mem) != VK_SUCCESS) return 0;
    if (vkx.map(vkx.dev, t->mem, 0, VK_WHOLE_SIZE, 0, &t->p) != VK_SUCCESS) return 0;
    VkMemoryGetFdInfoKHR gi = {VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR, NULL, t->mem,
                               VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT};
    int fd = -1;
    if (vkx.get_fd(vkx.dev, &gi, &fd) != VK_SUCCESS) return 0;
    t->m.fd = fd;
    t->m.memory_type = type;
    t->m.size = sz;
    memcpy(t->m.device_uuid, vkx.dev_uuid, 16);
    memcpy(t->m.driver_uuid, vkx.drv_uuid, 16);
    return 1;
}

static inline void mem_free(vkx_mem *t)
{
    if (t->m.fd >= 0) close(t->m.fd);
    if (t->mem) vkx.free_mem(vkx.dev, t->mem, NULL); /* unmapped with it */
    memset(t, 0, sizeof *t);
}

static inline void vk_close(void)
{
    if (vkx.dev) vkx.rmdev(vkx.dev, NULL);
    if (vkx.inst) vkx.rminst(vkx.inst, NULL);
    vkx.dev = NULL;
    vkx.inst = NULL;
}

#endif
