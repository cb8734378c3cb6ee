/*
 * Wasm-only link-time compat for usrsctp 0.9.5 on Emscripten 3.1.6. Link it into every Wasm
 * executable that contains usrsctp (the Embind module and the Wasm unit tests); never
 * native.
 *
 * usrsctp_register_address() -> sctp_add_addr_to_vrf() -> sctp_userspace_get_mtu_from_ifn()
 * calls if_indextoname(0xffffffff). musl implements it with socket(AF_UNIX) + ioctl(SIOCGIFNAME),
 * and Emscripten aborts on that ioctl ("Aborted(bad ioctl syscall 35088)"). Natively the call
 * simply fails (no such interface) and usrsctp uses MTU 0; returning NULL here reproduces that.
 * This strong definition takes precedence over musl's archive member.
 */
#include <errno.h>
#include <net/if.h>
#include <stddef.h>

char *if_indextoname(unsigned int index, char *name) {
    (void)index;
    (void)name;
    errno = ENXIO;
    return NULL;
}
