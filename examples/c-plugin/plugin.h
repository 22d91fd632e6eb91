/* The function table a host system expects from a signing plugin (version 1). */
#ifndef SIGNING_PLUGIN_H
#define SIGNING_PLUGIN_H
#include <stddef.h>

#define SIGNING_PLUGIN_ABI 1

struct signing_plugin_v1 {
    int abi;           /* SIGNING_PLUGIN_ABI */
    const char* name;
    int (*open)(const char* key_spec, const char* cert_file, const char* passphrase, void** handle);
    int (*sign)(void* handle, const char* path, const char* chain_file, unsigned char** signature, size_t* length);
    int (*verify)(const unsigned char* signature, size_t length, const char* document, const char* trust_file, char** report_json);
    void (*release)(void* memory);
    void (*close)(void* handle);
    const char* (*last_error)(void);
};

/* The one symbol a plugin exports. */
typedef const struct signing_plugin_v1* (*signing_plugin_entry_fn)(void);

#endif
