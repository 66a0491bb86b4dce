#ifndef VIRTLAB_CHOSTSYSTEM_H
#define VIRTLAB_CHOSTSYSTEM_H
// What Swift cannot import from glibc or the processor directly. Every symbol is prefixed vl_.
#include <spawn.h>

// pipe2 and posix_spawn_file_actions_addclosefrom_np are declared only under _GNU_SOURCE, which Swift's
// Glibc module does not define. Both exist since glibc 2.34 (Debian 12 has 2.36).
int vl_pipe_cloexec(int fds[2]);
int vl_spawn_closefrom(posix_spawn_file_actions_t *actions, int lowest);

// The processor's own word on virtualization: CPUID leaf 1, ECX bit 31 ("a hypervisor is present"), and the
// 12-byte vendor signature of leaf 0x40000000 ("KVMKVMKVM", "Microsoft Hv", ...), which is how
// systemd-detect-virt names a hypervisor when the firmware (DMI) says nothing. Returns 1 with the signature
// written (NUL-terminated), 0 when the bit is clear, -1 on a processor without CPUID.
int vl_cpuid_hypervisor(char signature[13]);

#endif
