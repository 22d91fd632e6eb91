/* A C-only program linked with the STATIC libtsign (libtsign.a): signs a payment order held in
 * memory and verifies it with tsign_verify_buffer(), then shows that a changed amount does not
 * verify. Built two ways by examples/run.sh:
 *   cc sign_verify_buffer.c $(pkg-config --static --cflags --libs tsign)     (a static-only install)
 *   cmake with find_package(tsign) and tsign::tsign_static in a project with LANGUAGES C only.
 * Usage: sign_verify_buffer KEY CERT CHAIN ROOT   (the key's passphrase in $TSIGN_EXAMPLE_PASS) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tsign/tsign.h>

static int passphrase(void* user, const char* prompt, char* buf, size_t size) {
    (void)user;
    (void)prompt;
    const char* p = getenv("TSIGN_EXAMPLE_PASS");
    if (p == NULL || strlen(p) + 1 > size) return 1;
    strcpy(buf, p);
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s KEY CERT CHAIN ROOT\n", argv[0]);
        return 2;
    }
    printf("libtsign %s (static)\n", tsign_version());
    tsign_key* key = NULL;
    int rc = tsign_key_open(argv[1], argv[2], NULL, passphrase, NULL, &key);
    if (rc != TSIGN_OK) {
        fprintf(stderr, "open: %d %s\n", rc, tsign_last_error());
        return rc;
    }
    const char* order = "payment order 4711: 120 000 000 rials to the contractor";
    const char* chain[1] = {argv[3]};
    tsign_sign_options so;
    memset(&so, 0, sizeof so);
    so.struct_size = sizeof so;
    so.chain_files = chain;
    so.chain_count = 1;
    uint8_t* sig = NULL;
    size_t sig_len = 0;
    rc = tsign_sign_buffer(key, (const uint8_t*)order, strlen(order), &so, &sig, &sig_len);
    tsign_key_free(key);
    if (rc != TSIGN_OK) {
        fprintf(stderr, "sign: %d %s\n", rc, tsign_last_error());
        return rc;
    }
    printf("signed %zu bytes: a %zu-byte detached signature\n", strlen(order), sig_len);

    const char* trust[1] = {argv[4]};
    tsign_verify_options vo;
    memset(&vo, 0, sizeof vo);
    vo.struct_size = sizeof vo;
    vo.trust_files = trust;
    vo.trust_count = 1;
    vo.offline = 1;
    char* report = NULL;
    rc = tsign_verify_buffer(sig, sig_len, (const uint8_t*)order, strlen(order), &vo, &report);
    printf("verify the order as signed: status %d\n", rc);
    tsign_free(report);
    if (rc != TSIGN_OK) {
        fprintf(stderr, "verify: %s\n", tsign_last_error());
        tsign_free(sig);
        return 1;
    }
    const char* forged = "payment order 4711: 920 000 000 rials to the contractor";
    report = NULL;
    const int forged_rc = tsign_verify_buffer(sig, sig_len, (const uint8_t*)forged, strlen(forged), &vo, &report);
    printf("verify a changed amount: status %d (%s)\n", forged_rc,
           forged_rc == TSIGN_INVALID ? "not valid, as it must be" : "WRONG");
    tsign_free(report);
    tsign_free(sig);
    return forged_rc == TSIGN_INVALID ? 0 : 1;
}
