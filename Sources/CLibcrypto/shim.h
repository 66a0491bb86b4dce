// OpenSSL's libcrypto (3.x on Debian 12): the one-shot digest and HMAC calls, nothing more.
#include <openssl/evp.h>
#include <openssl/hmac.h>
