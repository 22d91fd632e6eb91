// The raw signing rate of a PKCS#11 key: a tight C_SignInit/C_Sign loop, one session per thread,
// on a SHA-256 DigestInfo (RSA PKCS#1 v1.5) or a 32-byte digest (ECDSA).
// Usage: tsign-bench-p11sign MODULE TOKEN_LABEL KEY_LABEL PIN_ENV THREADS SECONDS
// Prints: signatures signatures/s
#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <p11-kit/pkcs11.h>

int main(int argc, char** argv) {
    if (argc < 7) {
        std::fprintf(stderr, "usage: %s MODULE TOKEN_LABEL KEY_LABEL PIN_ENV THREADS SECONDS\n", argv[0]);
        return 2;
    }
    void* lib = dlopen(argv[1], RTLD_NOW);
    if (!lib) return 1;
    auto get = reinterpret_cast<CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR)>(dlsym(lib, "C_GetFunctionList"));
    CK_FUNCTION_LIST_PTR f = nullptr;
    if (!get || get(&f) != CKR_OK) return 1;
    CK_C_INITIALIZE_ARGS init{};
    init.flags = CKF_OS_LOCKING_OK;
    if (f->C_Initialize(&init) != CKR_OK) return 1;
    CK_ULONG n = 0;
    f->C_GetSlotList(CK_TRUE, nullptr, &n);
    std::vector<CK_SLOT_ID> slots(n);
    f->C_GetSlotList(CK_TRUE, slots.data(), &n);
    CK_SLOT_ID slot = 0;
    bool found = false;
    for (CK_SLOT_ID s : slots) {
        CK_TOKEN_INFO ti;
        f->C_GetTokenInfo(s, &ti);
        std::string label(reinterpret_cast<char*>(ti.label), sizeof ti.label);
        label.erase(label.find_last_not_of(' ') + 1);
        if (label == argv[2]) slot = s, found = true;
    }
    if (!found) return 1;
    const char* pin = std::getenv(argv[4]);
    const int threads = std::atoi(argv[5]);
    const double seconds = std::atof(argv[6]);
    std::atomic<long> total{0};
    std::atomic<bool> logged{false};
    auto work = [&] {
        CK_SESSION_HANDLE s;
        if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) return;
        if (!logged.exchange(true)) f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, std::strlen(pin));
        CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, argv[3], std::strlen(argv[3])}};
        CK_OBJECT_HANDLE key;
        CK_ULONG cnt = 0;
        f->C_FindObjectsInit(s, t, 2);
        f->C_FindObjects(s, &key, 1, &cnt);
        f->C_FindObjectsFinal(s);
        if (cnt != 1) return;
        CK_KEY_TYPE kt;
        CK_ATTRIBUTE ka{CKA_KEY_TYPE, &kt, sizeof kt};
        f->C_GetAttributeValue(s, key, &ka, 1);
        CK_MECHANISM mech{kt == CKK_RSA ? CKM_RSA_PKCS : CKM_ECDSA, nullptr, 0};
        // SHA-256 DigestInfo prefix + digest for RSA; the bare digest for ECDSA
        unsigned char input[51] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
        unsigned char* data = kt == CKK_RSA ? input : input + 19;
        const CK_ULONG len = kt == CKK_RSA ? 51 : 32;
        unsigned char sig[1024];
        long mine = 0;
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < end) {
            CK_ULONG sl = sizeof sig;
            if (f->C_SignInit(s, &mech, key) != CKR_OK || f->C_Sign(s, data, len, sig, &sl) != CKR_OK) break;
            ++mine;
        }
        total += mine;
    };
    // the first thread logs in before the others start
    std::thread first(work);
    while (!logged.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back(work);
    first.join();
    for (auto& t : pool) t.join();
    std::printf("%ld %.1f\n", total.load(), static_cast<double>(total.load()) / seconds);
    f->C_Finalize(nullptr);
    return 0;
}
