// libvirt's QEMU-specific API, for the guest agent (virDomainQemuAgentCommand). A separate library: libvirt-qemu.
#include <libvirt/libvirt-qemu.h>
