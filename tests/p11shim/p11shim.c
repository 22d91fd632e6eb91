/*
 * p11shim: a PKCS#11 module for tests that forwards every call to a real module (SoftHSM2)
 * and adds the faults SoftHSM2 cannot produce: a user-PIN retry counter with the
 * CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED flags, and a token that disappears after N
 * signatures (CKR_DEVICE_REMOVED). Test-only.
 *
 *   P11SHIM_TARGET        path of the real module (default /usr/lib/softhsm/libsofthsm2.so)
 *   P11SHIM_STATE         file keeping the count of consecutive wrong PINs (required for the PIN counter)
 *   P11SHIM_MAX_TRIES     wrong PINs before the PIN locks (default 3)
 *   P11SHIM_REMOVE_AFTER  C_Sign calls that succeed before the token "is removed" (unset: never)
 *   P11SHIM_PULL_FILE     while this file exists the token is out; once it is gone the token is back,
 *                         and sessions opened before it was pulled are invalid (a re-inserted token)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST shim;
static void *handle;
static long signs;
static long claimed; /* signatures started (P11SHIM_REMOVE_AFTER) */

static int max_tries(void) {
    const char *m = getenv("P11SHIM_MAX_TRIES");
    return m ? atoi(m) : 3;
}

static int read_failures(void) {
    const char *p = getenv("P11SHIM_STATE");
    if (!p) return 0;
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    int n = 0;
    if (fscanf(f, "%d", &n) != 1) n = 0;
    fclose(f);
    return n;
}

static void write_failures(int n) {
    const char *p = getenv("P11SHIM_STATE");
    if (!p) return;
    FILE *f = fopen(p, "w");
    if (!f) return;
    fprintf(f, "%d\n", n);
    fclose(f);
}

static int gone; /* set once the token has been "pulled out" for good */
static int generation; /* bumped each time a pulled token comes back */
static int pulled;
#define MAX_SESSIONS 4096
static int session_generation[MAX_SESSIONS];

/* the pull file: 1 while it exists; its disappearance starts a new generation of sessions */
static int pulled_now(void) {
    const char *pull = getenv("P11SHIM_PULL_FILE");
    if (!pull) return 0;
    FILE *f = fopen(pull, "r");
    if (f) {
        fclose(f);
        pulled = 1;
        return 1;
    }
    if (pulled) {
        pulled = 0;
        generation++;
    }
    return 0;
}

/* for signing calls: the token may be pulled out by P11SHIM_REMOVE_AFTER here */
static int removed(void) {
    const char *r = getenv("P11SHIM_REMOVE_AFTER");
    if (r && __atomic_load_n(&signs, __ATOMIC_SEQ_CST) >= atol(r)) gone = 1;
    return pulled_now() || gone;
}

/* for other calls: out only once it has been pulled */
static int absent(void) { return pulled_now() || gone; }

static int stale_session(CK_SESSION_HANDLE s) {
    return s < MAX_SESSIONS && session_generation[s] != generation;
}

static CK_RV shim_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify, CK_SESSION_HANDLE_PTR s) {
    if (absent()) return CKR_TOKEN_NOT_PRESENT;
    CK_RV rv = real->C_OpenSession(slot, flags, app, notify, s);
    if (rv == CKR_OK && *s < MAX_SESSIONS) session_generation[*s] = generation;
    return rv;
}

static CK_RV shim_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
    if (absent()) return CKR_TOKEN_NOT_PRESENT;
    CK_RV rv = real->C_GetTokenInfo(slot, info);
    if (rv != CKR_OK || !getenv("P11SHIM_STATE")) return rv;
    int fails = read_failures(), max = max_tries();
    info->flags &= ~(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
    if (fails >= max) info->flags |= CKF_USER_PIN_LOCKED;
    else if (fails == max - 1) info->flags |= CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW;
    else if (fails > 0) info->flags |= CKF_USER_PIN_COUNT_LOW;
    return CKR_OK;
}

static CK_RV shim_Login(CK_SESSION_HANDLE s, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
    if (!getenv("P11SHIM_STATE") || type != CKU_USER) return real->C_Login(s, type, pin, len);
    int fails = read_failures();
    if (fails >= max_tries()) return CKR_PIN_LOCKED;
    CK_RV rv = real->C_Login(s, type, pin, len);
    if (rv == CKR_PIN_INCORRECT) write_failures(fails + 1);
    else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) write_failures(0);
    return rv;
}

static CK_RV shim_Sign(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR siglen) {
    if (removed()) return CKR_DEVICE_REMOVED;
    if (stale_session(s)) return CKR_SESSION_HANDLE_INVALID;
    /* concurrent sessions: each signature claims its place first, so exactly LIMIT succeed */
    const char *r = getenv("P11SHIM_REMOVE_AFTER");
    if (sig != NULL && r && __atomic_add_fetch(&claimed, 1, __ATOMIC_SEQ_CST) > atol(r)) {
        gone = 1;
        return CKR_DEVICE_REMOVED;
    }
    CK_RV rv = real->C_Sign(s, data, len, sig, siglen);
    if (rv == CKR_OK && sig != NULL) __atomic_add_fetch(&signs, 1, __ATOMIC_SEQ_CST);
    return rv;
}

static CK_RV shim_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
    if (removed()) return CKR_DEVICE_REMOVED;
    if (stale_session(s)) return CKR_SESSION_HANDLE_INVALID;
    return real->C_SignInit(s, m, k);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
    if (!real) {
        const char *target = getenv("P11SHIM_TARGET");
        if (!target) target = "/usr/lib/softhsm/libsofthsm2.so";
        handle = dlopen(target, RTLD_NOW | RTLD_LOCAL);
        if (!handle) return CKR_GENERAL_ERROR;
        CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
        void *sym = dlsym(handle, "C_GetFunctionList");
        memcpy(&get, &sym, sizeof get);
        if (!get || get(&real) != CKR_OK) return CKR_GENERAL_ERROR;
        memcpy(&shim, real, sizeof shim);
        shim.C_GetTokenInfo = shim_GetTokenInfo;
        shim.C_Login = shim_Login;
        shim.C_Sign = shim_Sign;
        shim.C_SignInit = shim_SignInit;
        shim.C_OpenSession = shim_OpenSession;
    }
    *list = &shim;
    return CKR_OK;
}
