/* A "signing plugin" in C: the shape host systems (procurement portal, finance system, archive)
 * load with dlopen(). The host sees only the function table below; the plugin uses libtsign's C ABI.
 * Build: cc -shared -fPIC plugin.c $(pkg-config --cflags --libs tsign) -o libtsign_plugin.so */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdlib.h>
#include <string.h>

#include <tsign/tsign.h>

#include "plugin.h"

struct plugin_key {
    tsign_key* key;
    char* passphrase;
};

static int give_passphrase(void* user, const char* prompt, char* buffer, size_t size) {
    (void)prompt;
    const char* p = ((struct plugin_key*)user)->passphrase;
    if (p == NULL || strlen(p) + 1 > size) return 1;
    memcpy(buffer, p, strlen(p) + 1);
    return 0;
}

static int plugin_open(const char* key_spec, const char* cert_file, const char* passphrase, void** handle) {
    struct plugin_key* k = calloc(1, sizeof *k);
    if (k == NULL) return TSIGN_INTERNAL;
    k->passphrase = passphrase ? strdup(passphrase) : NULL;
    int rc = tsign_key_open(key_spec, cert_file, NULL, give_passphrase, k, &k->key);
    if (k->passphrase) {
        memset(k->passphrase, 0, strlen(k->passphrase)); /* the library keeps no copy */
        free(k->passphrase);
        k->passphrase = NULL;
    }
    if (rc != TSIGN_OK) {
        free(k);
        return rc;
    }
    *handle = k;
    return TSIGN_OK;
}

static int plugin_sign(void* handle, const char* path, const char* chain_file, unsigned char** sig, size_t* len) {
    tsign_sign_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    const char* chain[1] = {chain_file};
    if (chain_file) {
        o.chain_files = chain;
        o.chain_count = 1;
    }
    return tsign_sign_file(((struct plugin_key*)handle)->key, path, &o, sig, len);
}

static int plugin_verify(const unsigned char* sig, size_t len, const char* doc, const char* trust_file, char** report) {
    tsign_verify_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    const char* trust[1] = {trust_file};
    o.trust_files = trust;
    o.trust_count = 1;
    o.offline = 1;
    return tsign_verify(sig, len, doc, &o, report);
}

static void plugin_close(void* handle) {
    struct plugin_key* k = handle;
    if (k == NULL) return;
    tsign_key_free(k->key);
    free(k);
}

static const struct signing_plugin_v1 table = {
    SIGNING_PLUGIN_ABI, "tsign CAdES signer", plugin_open, plugin_sign, plugin_verify, tsign_free, plugin_close, tsign_last_error,
};

__attribute__((visibility("default"))) const struct signing_plugin_v1* signing_plugin_entry(void) { return &table; }
