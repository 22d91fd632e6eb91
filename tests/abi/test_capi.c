/* The C ABI under load and on every error path: several threads sign and verify at once with one
 * shared key handle; each error returns its status and a message. Run under ASan (sanitizer build)
 * and valgrind (tests/abi/valgrind.sh): no leaks, no invalid accesses.
 * Usage: test_capi CERTS_SAMPLE_DIR DOC [TSIGN]   (with the tsign command: a local TSA for tsign_extend) */
#define _POSIX_C_SOURCE 200809L  // NOLINT(bugprone-reserved-identifier): the feature-test macro POSIX names
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tsign/tsign.h>

static const char* S;
static const char* DOC;
static int failures;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define CHECK(cond, ...)                                         \
    do {                                                         \
        if (!(cond)) {                                           \
            pthread_mutex_lock(&lock);                           \
            ++failures;                                          \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                        \
            fprintf(stderr, "\n");                               \
            pthread_mutex_unlock(&lock);                         \
        }                                                        \
    } while (0)

static char* path(const char* name) {
    char* p = malloc(strlen(S) + strlen(name) + 2);
    sprintf(p, "%s/%s", S, name);
    return p;
}

static int pass(void* user, const char* prompt, char* buf, size_t size) {
    (void)prompt;
    const char* p = user;
    if (strlen(p) + 1 > size) return 1;
    strcpy(buf, p);
    return 0;
}

static tsign_verify_options verify_options(const char** trust) {
    tsign_verify_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.trust_files = trust;
    o.trust_count = 1;
    o.offline = 1;
    return o;
}

struct job {
    tsign_key* key;
    int rounds;
};

static void* worker(void* arg) {
    struct job* j = arg;
    char* root = path("root.crt.pem");
    char* inter = path("intermediate.crt.pem");
    const char* trust[1] = {root};
    const char* chain[1] = {inter};
    for (int i = 0; i < j->rounds; ++i) {
        tsign_sign_options so;
        memset(&so, 0, sizeof so);
        so.struct_size = sizeof so;
        so.chain_files = chain;
        so.chain_count = 1;
        so.attached = i % 2;
        uint8_t* sig = NULL;
        size_t len = 0;
        char msg[64];
        snprintf(msg, sizeof msg, "voucher %d from thread %lu", i, (unsigned long)pthread_self());
        int rc = tsign_sign_buffer(j->key, (const uint8_t*)msg, strlen(msg), &so, &sig, &len);
        CHECK(rc == TSIGN_OK, "sign_buffer: %d %s", rc, tsign_last_error());
        if (rc == TSIGN_OK && so.attached) {
            tsign_verify_options vo = verify_options(trust);
            char* report = NULL;
            rc = tsign_verify(sig, len, NULL, &vo, &report);
            CHECK(rc == TSIGN_OK, "verify attached: %d %s", rc, tsign_last_error());
            CHECK(report && strstr(report, "\"valid\": true"), "report says valid");
            tsign_free(report);
        }
        tsign_free(sig);
        rc = tsign_sign_file(j->key, DOC, NULL, &sig, &len);
        CHECK(rc == TSIGN_OK, "sign_file: %d %s", rc, tsign_last_error());
        tsign_verify_options vo = verify_options(trust);
        char* report = NULL;
        const char* untrusted[1] = {inter};
        vo.untrusted_files = untrusted;
        vo.untrusted_count = 1;
        rc = tsign_verify(sig, len, DOC, &vo, &report);
        CHECK(rc == TSIGN_OK, "verify detached: %d %s", rc, tsign_last_error());
        tsign_free(report);
        tsign_free(sig);
    }
    free(root);
    free(inter);
    return NULL;
}

/* A free TCP port on 127.0.0.1 (the kernel's choice). */
static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr*)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr*)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

static int port_open(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    const int ok = fd >= 0 && connect(fd, (struct sockaddr*)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

/* Starts `tsign tsa serve` with the sample TSA key on a free port; its URL in url. */
static pid_t start_tsa(const char* tsign, char* state_dir, char* url, size_t url_size) {
    const int port = free_port();
    if (port <= 0 || mkdtemp(state_dir) == NULL) return -1;
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(url, url_size, "http://%s/", listen);
    char* key = path("tsa.key.pem");
    char* cert = path("tsa.crt.pem");
    const pid_t pid = fork();
    if (pid == 0) {
        setenv("TSIGN_SAMPLE_PASS", "tsign-sample", 1);
        FILE* devnull = freopen("/dev/null", "w", stderr);
        (void)devnull;
        execl(tsign, "tsign", "tsa", "serve", "--key", key, "--pin-source", "env:TSIGN_SAMPLE_PASS", "--cert", cert, "--listen",
              listen, "--state", state_dir, (char*)NULL);
        _exit(127);
    }
    free(key);
    free(cert);
    for (int i = 0; i < 100 && pid > 0; ++i) {
        if (port_open(port)) return pid;
        struct timespec ts = {0, 50L * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return pid;
}

static void stop_tsa(pid_t pid, const char* state_dir) {
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", state_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", state_dir);
}

/* tsign_verify_buffer() and tsign_extend(): content in memory, raising a CMS signature's level. */
static void buffer_and_extend(tsign_key* k, const char* tsign) {
    char* root = path("root.crt.pem");
    char* inter = path("intermediate.crt.pem");
    const char* trust[1] = {root};
    const char* untrusted[1] = {inter};
    const char* chain[1] = {inter};
    tsign_sign_options so;
    memset(&so, 0, sizeof so);
    so.struct_size = sizeof so;
    so.chain_files = chain;
    so.chain_count = 1;
    const char* text = "payment order 4711: 120 000 000 rials";
    uint8_t* sig = NULL;
    size_t len = 0;
    int rc = tsign_sign_buffer(k, (const uint8_t*)text, strlen(text), &so, &sig, &len);
    CHECK(rc == TSIGN_OK, "sign for verify_buffer: %d %s", rc, tsign_last_error());
    tsign_verify_options vo = verify_options(trust);
    char* report = NULL;
    rc = tsign_verify_buffer(sig, len, (const uint8_t*)text, strlen(text), &vo, &report);
    CHECK(rc == TSIGN_OK && report && strstr(report, "\"valid\": true"), "verify_buffer, the signed bytes: %d %s", rc,
          tsign_last_error());
    tsign_free(report);
    report = NULL;
    const char* other = "payment order 4711: 920 000 000 rials";
    rc = tsign_verify_buffer(sig, len, (const uint8_t*)other, strlen(other), &vo, &report);
    CHECK(rc == TSIGN_INVALID && report && strstr(report, "\"code\": \"hash_mismatch\""), "verify_buffer, other bytes: %d", rc);
    tsign_free(report);
    report = NULL;
    rc = tsign_verify_buffer(sig, len, NULL, 0, &vo, &report);
    CHECK(rc == TSIGN_INVALID && report, "verify_buffer, empty content: %d", rc);
    tsign_free(report);
    report = NULL;
    rc = tsign_verify_buffer(NULL, len, (const uint8_t*)text, strlen(text), &vo, &report);
    CHECK(rc == TSIGN_USAGE && report == NULL && strlen(tsign_last_error()) > 0, "verify_buffer, NULL signature: %d", rc);
    rc = tsign_verify_buffer(sig, len, NULL, 5, &vo, &report);
    CHECK(rc == TSIGN_USAGE && report == NULL, "verify_buffer, NULL content with a length: %d", rc);
    rc = tsign_verify_buffer(sig, len, (const uint8_t*)text, strlen(text), NULL, &report);
    CHECK(rc == TSIGN_USAGE, "verify_buffer, NULL options: %d", rc);
    rc = tsign_verify_buffer(sig, len, (const uint8_t*)text, strlen(text), &vo, NULL);
    CHECK(rc == TSIGN_USAGE, "verify_buffer, NULL report: %d", rc);
    vo.struct_size = 4;
    rc = tsign_verify_buffer(sig, len, (const uint8_t*)text, strlen(text), &vo, &report);
    CHECK(rc == TSIGN_USAGE && report == NULL, "verify_buffer, too small struct_size: %d", rc);
    vo = verify_options(trust);
    const uint8_t garbage[] = {0x30, 0x82, 0x01, 0x00, 0x02};
    rc = tsign_verify_buffer(garbage, sizeof garbage, (const uint8_t*)text, strlen(text), &vo, &report);
    CHECK(rc == TSIGN_INPUT && report == NULL, "verify_buffer, truncated DER: %d %s", rc, tsign_last_error());
    so.attached = 1;
    uint8_t* att = NULL;
    size_t att_len = 0;
    rc = tsign_sign_buffer(k, (const uint8_t*)text, strlen(text), &so, &att, &att_len);
    CHECK(rc == TSIGN_OK, "attached sign: %d", rc);
    rc = tsign_verify_buffer(att, att_len, (const uint8_t*)text, strlen(text), &vo, &report);
    CHECK(rc == TSIGN_INPUT && report == NULL, "verify_buffer of an attached signature refused: %d %s", rc, tsign_last_error());
    tsign_free(att);

    /* tsign_extend: argument errors */
    uint8_t* ext = NULL;
    size_t ext_len = 0;
    const char* nowhere[1] = {"http://127.0.0.1:9/"};
    rc = tsign_extend(NULL, len, NULL, TSIGN_LEVEL_T, nowhere, 1, 2, NULL, &ext, &ext_len);
    CHECK(rc == TSIGN_USAGE && ext == NULL, "extend, NULL signature: %d", rc);
    rc = tsign_extend(sig, len, NULL, 9, nowhere, 1, 2, &vo, &ext, &ext_len);
    CHECK(rc == TSIGN_USAGE && ext == NULL, "extend, unknown level: %d", rc);
    rc = tsign_extend(sig, len, NULL, TSIGN_LEVEL_LT, NULL, 0, 0, NULL, &ext, &ext_len);
    CHECK(rc == TSIGN_USAGE && ext == NULL, "extend to LT without options (trust anchors): %d", rc);
    rc = tsign_extend(sig, len, NULL, TSIGN_LEVEL_T, NULL, 0, 0, NULL, &ext, &ext_len);
    CHECK(rc == TSIGN_USAGE && ext == NULL, "extend to T without a TSA: %d", rc);
    rc = tsign_extend(sig, len, NULL, TSIGN_LEVEL_T, nowhere, 1, 2, NULL, NULL, &ext_len);
    CHECK(rc == TSIGN_USAGE, "extend, NULL out: %d", rc);
    rc = tsign_extend(sig, len, NULL, TSIGN_LEVEL_T, nowhere, 1, 2, NULL, &ext, &ext_len);
    CHECK(rc == TSIGN_NETWORK && ext == NULL, "extend to T, TSA unreachable: %d %s", rc, tsign_last_error());
    rc = tsign_extend(garbage, sizeof garbage, NULL, TSIGN_LEVEL_T, nowhere, 1, 2, NULL, &ext, &ext_len);
    CHECK(rc == TSIGN_INPUT && ext == NULL, "extend, truncated DER: %d", rc);

    if (tsign != NULL) {
        char state[] = "/tmp/tsign-capi-tsa-XXXXXX";
        char url[64];
        const pid_t tsa = start_tsa(tsign, state, url, sizeof url);
        CHECK(tsa > 0, "start the TSA");
        const char* tsas[1] = {url};
        /* a signature over a file, extended to B-T through the ABI */
        uint8_t* dsig = NULL;
        size_t dlen = 0;
        so.attached = 0;
        rc = tsign_sign_file(k, DOC, &so, &dsig, &dlen);
        CHECK(rc == TSIGN_OK, "sign_file for extend: %d", rc);
        vo = verify_options(trust);
        vo.untrusted_files = untrusted;
        vo.untrusted_count = 1;
        rc = tsign_extend(dsig, dlen, DOC, TSIGN_LEVEL_T, tsas, 1, 10, &vo, &ext, &ext_len);
        CHECK(rc == TSIGN_OK && ext != NULL && ext_len > dlen, "extend to T with the local TSA: %d %s", rc, tsign_last_error());
        if (rc == TSIGN_OK) {
            report = NULL;
            rc = tsign_verify(ext, ext_len, DOC, &vo, &report);
            CHECK(rc == TSIGN_OK && report && strstr(report, "\"level\": \"B-T\"") &&
                      strstr(report, "\"validation_time_source\": \"signature-timestamp\""),
                  "the extended signature is B-T: %d %s", rc, report ? report : tsign_last_error());
            tsign_free(report);
            /* LT needs revocation data: offline and none given, it cannot be had */
            uint8_t* lt = NULL;
            size_t lt_len = 0;
            rc = tsign_extend(ext, ext_len, DOC, TSIGN_LEVEL_LT, NULL, 0, 0, &vo, &lt, &lt_len);
            CHECK(rc == TSIGN_NETWORK && lt == NULL, "extend to LT offline without revocation data: %d %s", rc,
                  tsign_last_error());
            /* a changed document: the signer would not verify, nothing is made */
            char other_doc[] = "/tmp/tsign-capi-doc-XXXXXX";
            const int fd = mkstemp(other_doc);
            CHECK(fd >= 0 && write(fd, "another minute", 14) == 14, "write another document");
            if (fd >= 0) close(fd);
            rc = tsign_extend(dsig, dlen, other_doc, TSIGN_LEVEL_T, tsas, 1, 10, &vo, &lt, &lt_len);
            CHECK(rc == TSIGN_INVALID && lt == NULL, "extend of a signature over another document: %d %s", rc,
                  tsign_last_error());
            remove(other_doc);
        }
        tsign_free(ext);
        tsign_free(dsig);
        stop_tsa(tsa, state);
    } else {
        printf("tsign_extend with a TSA: skipped (no tsign command given)\n");
    }
    tsign_free(sig);
    free(root);
    free(inter);
}

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) return 2;
    S = argv[1];
    DOC = argv[2];
    char* key = path("signer-ali-rezaei.key.pem");
    char* cert = path("signer-ali-rezaei.crt.pem");
    char* other_cert = path("signer-sara-ahmadi.crt.pem");
    char* root = path("root.crt.pem");
    const char* trust[1] = {root};
    CHECK(strlen(tsign_version()) > 0, "version");

    /* error paths: a status and a message each, and nothing to free */
    tsign_key* k = NULL;
    int rc = tsign_key_open(NULL, NULL, NULL, NULL, NULL, &k);
    CHECK(rc == TSIGN_USAGE && strlen(tsign_last_error()) > 0, "NULL spec: %d", rc);
    rc = tsign_key_open("/nonexistent.key", NULL, NULL, NULL, NULL, &k);
    CHECK(rc == TSIGN_INPUT && k == NULL, "missing key file: %d %s", rc, tsign_last_error());
    rc = tsign_key_open(key, cert, NULL, NULL, NULL, &k);
    CHECK(rc == TSIGN_KEY && k == NULL, "encrypted key without a callback: %d %s", rc, tsign_last_error());
    rc = tsign_key_open(key, cert, NULL, pass, "wrong passphrase", &k);
    CHECK(rc == TSIGN_KEY && k == NULL, "wrong passphrase: %d %s", rc, tsign_last_error());
    rc = tsign_key_open(key, other_cert, NULL, pass, "tsign-sample", &k);
    CHECK(rc == TSIGN_KEY && k == NULL, "key does not match the certificate: %d %s", rc, tsign_last_error());
    tsign_verify_options vo = verify_options(trust);
    char* report = NULL;
    const uint8_t garbage[] = {0x30, 0x82, 0x01, 0x00, 0x02};
    rc = tsign_verify(garbage, sizeof garbage, NULL, &vo, &report);
    CHECK(rc == TSIGN_INPUT && report == NULL, "truncated DER: %d %s", rc, tsign_last_error());
    rc = tsign_verify(garbage, sizeof garbage, NULL, NULL, &report);
    CHECK(rc == TSIGN_USAGE, "NULL options: %d", rc);
    vo.struct_size = 4;
    rc = tsign_verify(garbage, sizeof garbage, NULL, &vo, &report);
    CHECK(rc == TSIGN_USAGE, "too small struct_size: %d", rc);
    const char* nowhere[1] = {"http://127.0.0.1:9/"};
    uint8_t* resp = NULL;
    size_t resp_len = 0;
    rc = tsign_timestamp((const uint8_t*)"x", 1, nowhere, 1, 2, &resp, &resp_len);
    CHECK(rc == TSIGN_NETWORK && resp == NULL, "TSA unreachable: %d %s", rc, tsign_last_error());

    rc = tsign_key_open(key, cert, NULL, pass, "tsign-sample", &k);
    CHECK(rc == TSIGN_OK && k != NULL, "open: %d %s", rc, tsign_last_error());
    if (k == NULL) return 1;
    uint8_t* sig = NULL;
    size_t len = 0;
    rc = tsign_sign_file(k, "/nonexistent/doc.txt", NULL, &sig, &len);
    CHECK(rc == TSIGN_INPUT && sig == NULL, "missing document: %d %s", rc, tsign_last_error());
    tsign_sign_options so;
    memset(&so, 0, sizeof so);
    so.struct_size = sizeof so;
    so.digest = 7;
    rc = tsign_sign_buffer(k, (const uint8_t*)"x", 1, &so, &sig, &len);
    CHECK(rc == TSIGN_USAGE, "unknown digest: %d", rc);
    /* a signature over one document does not verify another */
    rc = tsign_sign_buffer(k, (const uint8_t*)"original", 8, NULL, &sig, &len);
    CHECK(rc == TSIGN_OK, "sign: %d", rc);
    FILE* f = fopen("/tmp/tsign-capi-other.txt", "wb");
    fputs("altered", f);
    fclose(f);
    vo = verify_options(trust);
    rc = tsign_verify(sig, len, "/tmp/tsign-capi-other.txt", &vo, &report);
    CHECK(rc == TSIGN_INVALID && report && strstr(report, "HASH_FAILURE"), "altered document: %d", rc);
    CHECK(report && strstr(report, "\"code\": \"hash_mismatch\""), "the report carries the finding code");
    CHECK(report && strstr(report, "\"validation_time_source\": \"current\""), "the report says which time was used");
    tsign_free(report);
    /* the validation policy through the ABI: a missing file is an input error; a caller built
       against 0.1 (struct_size without the policy fields) is still served */
    vo = verify_options(trust);
    vo.validation_policy_file = "/nonexistent/policy.yaml";
    report = NULL;
    rc = tsign_verify(sig, len, "/tmp/tsign-capi-other.txt", &vo, &report);
    CHECK(rc == TSIGN_INPUT && report == NULL, "missing validation policy: %d", rc);
    vo.struct_size = offsetof(tsign_verify_options, validation_policy_file);
    rc = tsign_verify(sig, len, "/tmp/tsign-capi-other.txt", &vo, &report);
    CHECK(rc == TSIGN_INVALID && report && strstr(report, "tsign-default-2026"), "0.1-sized options use the built-in policy: %d",
          rc);
    tsign_free(report);
    /* a struct_size that covers the policy file but not the flag after it: the file is still read */
    vo.struct_size = offsetof(tsign_verify_options, allow_weak_algorithms);
    report = NULL;
    rc = tsign_verify(sig, len, "/tmp/tsign-capi-other.txt", &vo, &report);
    CHECK(rc == TSIGN_INPUT && report == NULL, "policy read when struct_size covers it: %d", rc);
    /* a validation time outside what a report can say */
    vo = verify_options(trust);
    vo.at = INT64_MAX;
    rc = tsign_verify(sig, len, "/tmp/tsign-capi-other.txt", &vo, &report);
    CHECK(rc == TSIGN_USAGE && report == NULL, "at = INT64_MAX refused: %d", rc);
    tsign_free(sig);
    remove("/tmp/tsign-capi-other.txt");

    /* PDF: sign (PAdES), verify, a changed byte, not a PDF, the same signer twice */
    {
        char* pdf_path = malloc(strlen(DOC) + 8);
        strcpy(pdf_path, DOC);
        char* dot = strrchr(pdf_path, '.');
        if (dot) strcpy(dot, ".pdf");
        FILE* pf = fopen(pdf_path, "rb");
        CHECK(pf != NULL, "open %s", pdf_path);
        uint8_t* pdf = NULL;
        long pdf_len = 0;
        if (pf) {
            fseek(pf, 0, SEEK_END);
            pdf_len = ftell(pf);
            fseek(pf, 0, SEEK_SET);
            pdf = malloc((size_t)pdf_len);
            CHECK(fread(pdf, 1, (size_t)pdf_len, pf) == (size_t)pdf_len, "read the PDF");
            fclose(pf);
        }
        char* inter = path("intermediate.crt.pem");
        const char* chain[1] = {inter};
        tsign_sign_options po;
        memset(&po, 0, sizeof po);
        po.struct_size = sizeof po;
        po.chain_files = chain;
        po.chain_count = 1;
        uint8_t* signed_pdf = NULL;
        size_t signed_len = 0;
        rc = tsign_pdf_sign(k, pdf, (size_t)pdf_len, &po, 2, &signed_pdf, &signed_len);
        CHECK(rc == TSIGN_OK && signed_len > (size_t)pdf_len, "pdf_sign: %d %s", rc, tsign_last_error());
        CHECK(signed_pdf && memcmp(signed_pdf, pdf, (size_t)pdf_len) == 0, "the original bytes come first, unchanged");
        vo = verify_options(trust);
        report = NULL;
        rc = tsign_pdf_verify(signed_pdf, signed_len, &vo, &report);
        CHECK(rc == TSIGN_OK && report && strstr(report, "\"kind\": \"certification\""), "pdf_verify: %d %s", rc,
              tsign_last_error());
        tsign_free(report);
        uint8_t* again = NULL;
        size_t again_len = 0;
        rc = tsign_pdf_sign(k, signed_pdf, signed_len, NULL, 0, &again, &again_len);
        CHECK(rc == TSIGN_INPUT && again == NULL, "same signer twice refused: %d %s", rc, tsign_last_error());
        if (signed_pdf) signed_pdf[100] ^= 1;
        report = NULL;
        rc = tsign_pdf_verify(signed_pdf, signed_len, &vo, &report);
        CHECK(rc == TSIGN_INVALID && report && strstr(report, "\"code\": \"hash_mismatch\""), "changed byte: %d", rc);
        tsign_free(report);
        report = NULL;
        rc = tsign_pdf_verify((const uint8_t*)"not a pdf", 9, &vo, &report);
        CHECK(rc == TSIGN_INPUT && report == NULL, "not a PDF: %d %s", rc, tsign_last_error());
        rc = tsign_pdf_sign(k, pdf, (size_t)pdf_len, NULL, 7, &again, &again_len);
        CHECK(rc == TSIGN_USAGE, "certify 7 refused: %d", rc);
        uint8_t* ext = NULL;
        size_t ext_len = 0;
        rc = tsign_pdf_extend(signed_pdf, signed_len, 1, NULL, 0, &vo, &ext, &ext_len);
        CHECK(rc == TSIGN_USAGE && ext == NULL, "lta without a TSA: %d", rc);
        tsign_free(signed_pdf);
        free(pdf);
        free(inter);
        free(pdf_path);
    }

    buffer_and_extend(k, argc == 4 ? argv[3] : NULL);

    /* several threads, one key handle */
    enum { THREADS = 4 };
    pthread_t t[THREADS];
    struct job j = {k, 5};
    for (int i = 0; i < THREADS; ++i) pthread_create(&t[i], NULL, worker, &j);
    for (int i = 0; i < THREADS; ++i) pthread_join(t[i], NULL);
    tsign_key_free(k);
    tsign_key_free(NULL);
    tsign_free(NULL);
    free(key);
    free(cert);
    free(other_cert);
    free(root);
    printf("%s\n", failures ? "C ABI: FAILED" : "C ABI: all checks passed");
    return failures ? 1 : 0;
}
