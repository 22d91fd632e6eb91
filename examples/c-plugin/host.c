/* A host system that loads a signing plugin with dlopen() and signs and verifies through its table.
 * Usage: host PLUGIN.so KEY CERT CHAIN ROOT DOC OUT.p7s   (the key's passphrase in $TSIGN_EXAMPLE_PASS) */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

int main(int argc, char** argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: %s PLUGIN.so KEY CERT CHAIN ROOT DOC OUT\n", argv[0]);
        return 2;
    }
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
        return 3;
    }
    signing_plugin_entry_fn entry = (signing_plugin_entry_fn)dlsym(lib, "signing_plugin_entry");
    const struct signing_plugin_v1* p = entry ? entry() : NULL;
    if (p == NULL || p->abi != SIGNING_PLUGIN_ABI) {
        fprintf(stderr, "%s is not a version %d signing plugin\n", argv[1], SIGNING_PLUGIN_ABI);
        return 3;
    }
    printf("plugin: %s\n", p->name);
    void* key = NULL;
    int rc = p->open(argv[2], argv[3], getenv("TSIGN_EXAMPLE_PASS"), &key);
    if (rc != 0) {
        fprintf(stderr, "open: %d %s\n", rc, p->last_error());
        return rc;
    }
    /* a wrong path is an error with a code and a message, not a crash */
    unsigned char* sig = NULL;
    size_t len = 0;
    rc = p->sign(key, "/nonexistent/minute.txt", argv[4], &sig, &len);
    printf("signing a missing file: status %d (%s)\n", rc, p->last_error());
    if (rc != 3) return 1;
    rc = p->sign(key, argv[6], argv[4], &sig, &len);
    if (rc != 0) {
        fprintf(stderr, "sign: %d %s\n", rc, p->last_error());
        return rc;
    }
    FILE* f = fopen(argv[7], "wb");
    if (f == NULL || fwrite(sig, 1, len, f) != len) return 3;
    fclose(f);
    printf("signed %s: %zu bytes -> %s\n", argv[6], len, argv[7]);
    char* report = NULL;
    rc = p->verify(sig, len, argv[6], argv[5], &report);
    printf("verify: status %d\n%s\n", rc, report ? report : "");
    p->release(report);
    p->release(sig);
    p->close(key);
    dlclose(lib);
    return rc;
}
