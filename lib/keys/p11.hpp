// Internal: a loaded PKCS#11 module. libp11 owns the module, slots, login and the EVP_PKEY
// bridge; the raw CK_FUNCTION_LIST of the same loaded module serves what libp11 lacks
// (fresh token flags, raw login return codes, attribute reads, EC key generation, import).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <libp11.h>
#include <p11-kit/pkcs11.h>

#include "core/ossl.hpp"
#include "tsign/keys.hpp"
#include "tsign/pin.hpp"
#include "tsign/pkcs11_uri.hpp"
#include "tsign/token.hpp"

namespace tsign::p11 {

/// "CKR_PIN_INCORRECT" for a return value.
std::string rv_name(CK_RV rv);

/// Throws an Error for a failed PKCS#11 call, mapping the return value to an error code.
[[noreturn]] void fail_rv(CK_RV rv, const std::string& what);

/// Trims the blank padding of fixed-length PKCS#11 strings.
std::string trim_padded(const unsigned char* s, size_t n);

class Session;

// The owning handles of a loaded module, released in reverse order of declaration in Module.
inline void close_library(void* handle) { dlclose(handle); }
using LibraryPtr = ossl::Ptr<void, close_library>;                 ///< dlopen()
using CtxPtr = ossl::Ptr<PKCS11_CTX, PKCS11_CTX_free>;             ///< PKCS11_CTX_new()
using LoadedModulePtr = ossl::Ptr<PKCS11_CTX, PKCS11_CTX_unload>;  ///< PKCS11_CTX_load() succeeded
/// The slot list of PKCS11_enumerate_slots().
class SlotList {
public:
    SlotList() = default;
    SlotList(const SlotList&) = delete;
    SlotList& operator=(const SlotList&) = delete;
    ~SlotList() { reset(); }
    /// Enumerates the slots of a loaded context; false when libp11 fails.
    bool enumerate(PKCS11_CTX* ctx) {
        reset();
        ctx_ = ctx;
        return PKCS11_enumerate_slots(ctx, &slots_, &count_) == 0;
    }
    void reset() {
        if (slots_ != nullptr) PKCS11_release_all_slots(ctx_, slots_, count_);
        slots_ = nullptr;
        count_ = 0;
    }
    PKCS11_SLOT* data() const { return slots_; }
    unsigned int size() const { return count_; }

private:
    PKCS11_CTX* ctx_ = nullptr;
    PKCS11_SLOT* slots_ = nullptr;
    unsigned int count_ = 0;
};

class Module : public std::enable_shared_from_this<Module> {
public:
    static std::shared_ptr<Module> load(const std::string& path);
    ~Module();
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    const std::string& path() const { return path_; }
    CK_FUNCTION_LIST* fl() const { return fl_; }
    PKCS11_CTX* ctx() const { return ctx_.get(); }

    /// Slots with a token present.
    std::vector<PKCS11_SLOT*> token_slots() const;
    /// All slots.
    std::vector<PKCS11_SLOT*> all_slots() const;
    /// The one token matching the URI's token attributes. Throws Errc::token_not_found.
    PKCS11_SLOT* find_token(const Pkcs11Uri& uri) const;
    /// The slot id of a libp11 slot in the raw function list. Equal for plain modules; for
    /// proxies (p11-kit) that hand each caller its own instance, found by token label and serial.
    CK_SLOT_ID raw_slot(PKCS11_SLOT* slot) const;
    /// Fresh CK_TOKEN_INFO (flags change after failed logins).
    CK_TOKEN_INFO token_info(PKCS11_SLOT* slot) const;
    /// Fills the public TokenInfo.
    TokenInfo describe(PKCS11_SLOT* slot) const;

    /// Logs the user in, if the token requires it and is not logged in yet. Checks the PIN
    /// flags first: a locked PIN is reported; a final try is refused unless allowed.
    void login(PKCS11_SLOT* slot, const PinSource& pin, bool allow_final_try);

    /// The PIN used for the last login (for context-specific logins of CKA_ALWAYS_AUTHENTICATE keys).
    const Secret& login_pin() const { return pin_; }

private:
    Module() = default;
    std::string path_;
    LibraryPtr dl_;  // closed last
    CtxPtr ctx_;
    LoadedModulePtr loaded_;  // the same context, unloaded before it is freed
    SlotList slots_;          // released first
    CK_FUNCTION_LIST* fl_ = nullptr;
    bool owns_init_ = false;
    ossl::UiMethodPtr ui_;
    Secret pin_;
    std::vector<std::unique_ptr<Session>> login_sessions_;
};

/// A raw PKCS#11 session on a slot (RAII).
class Session {
public:
    Session(const Module& module, CK_SLOT_ID slot, bool rw);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    CK_SESSION_HANDLE handle() const { return h_; }
    CK_FUNCTION_LIST* fl() const { return fl_; }

    /// Objects matching a template.
    std::vector<CK_OBJECT_HANDLE> find(std::vector<CK_ATTRIBUTE> tmpl) const;
    /// The value of one attribute (empty optional if absent or sensitive).
    std::optional<Bytes> attribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) const;
    bool bool_attribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, bool fallback = false) const;
    unsigned long ulong_attribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, unsigned long fallback = 0) const;

private:
    CK_FUNCTION_LIST* fl_;
    CK_SESSION_HANDLE h_ = 0;
};

/// Loads the module that the options and the URI select (URI module-path wins over options).
std::shared_ptr<Module> load_for(const std::string& explicit_module, const Pkcs11Uri* uri);

}  // namespace tsign::p11
