/*
 * vk_test.h -- what the Vulkan backend's tests share before their checks: lavapipe kept
 * mapped for the process (the loader unloads the driver at vkDestroyInstance; what Mesa
 * keeps for the process's life would then look leaked from a module no LeakSanitizer
 * suppression can name: tests/vulkan/lsan_mesa.supp names the driver's libraries), and the
 * device list, or the exit status 77 (skipped) without a device or the backend.
 * A test including it defines _GNU_SOURCE first (RTLD_NODELETE).
 */
#ifndef WMEL_VK_TEST_H
#define WMEL_VK_TEST_H

#include "wmel.h"

#include <stdio.h>
#include <string.h>
#if defined(__linux__)
#include <dlfcn.h>
#endif

/* The devices' list into devs (len bytes): 0, or 77 with the reason printed. */
static inline int t_vk_devices(char *devs, size_t len)
{
#if defined(__linux__)
    (void)dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE);
#endif
    const int rc = wmel_vulkan_devices(devs, len);
    if (rc != WMEL_OK || !strncmp(devs, "no Vulkan device", 16)) {
        printf("skipped: no Vulkan device or backend (%d)\n", rc);
        return 77;
    }
    return 0;
}

#endif
