#include "keys/p11.hpp"

#include "core/yaml_util.hpp"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <filesystem>

#include <openssl/err.h>

#include "tsign/error.hpp"

namespace tsign::p11 {

std::string rv_name(CK_RV rv) {
    switch (rv) {
#define RV(x) \
    case x: return #x;
        RV(CKR_OK)
        RV(CKR_CANCEL)
        RV(CKR_HOST_MEMORY)
        RV(CKR_SLOT_ID_INVALID)
        RV(CKR_GENERAL_ERROR)
        RV(CKR_FUNCTION_FAILED)
        RV(CKR_ARGUMENTS_BAD)
        RV(CKR_ATTRIBUTE_READ_ONLY)
        RV(CKR_ATTRIBUTE_SENSITIVE)
        RV(CKR_ATTRIBUTE_TYPE_INVALID)
        RV(CKR_ATTRIBUTE_VALUE_INVALID)
        RV(CKR_DEVICE_ERROR)
        RV(CKR_DEVICE_MEMORY)
        RV(CKR_DEVICE_REMOVED)
        RV(CKR_FUNCTION_CANCELED)
        RV(CKR_KEY_HANDLE_INVALID)
        RV(CKR_KEY_TYPE_INCONSISTENT)
        RV(CKR_MECHANISM_INVALID)
        RV(CKR_MECHANISM_PARAM_INVALID)
        RV(CKR_OBJECT_HANDLE_INVALID)
        RV(CKR_OPERATION_ACTIVE)
        RV(CKR_OPERATION_NOT_INITIALIZED)
        RV(CKR_PIN_INCORRECT)
        RV(CKR_PIN_INVALID)
        RV(CKR_PIN_LEN_RANGE)
        RV(CKR_PIN_EXPIRED)
        RV(CKR_PIN_LOCKED)
        RV(CKR_SESSION_CLOSED)
        RV(CKR_SESSION_HANDLE_INVALID)
        RV(CKR_SESSION_READ_ONLY)
        RV(CKR_TEMPLATE_INCOMPLETE)
        RV(CKR_TEMPLATE_INCONSISTENT)
        RV(CKR_TOKEN_NOT_PRESENT)
        RV(CKR_TOKEN_NOT_RECOGNIZED)
        RV(CKR_TOKEN_WRITE_PROTECTED)
        RV(CKR_USER_ALREADY_LOGGED_IN)
        RV(CKR_USER_NOT_LOGGED_IN)
        RV(CKR_USER_PIN_NOT_INITIALIZED)
        RV(CKR_USER_TYPE_INVALID)
        RV(CKR_BUFFER_TOO_SMALL)
        RV(CKR_CRYPTOKI_NOT_INITIALIZED)
        RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)
#undef RV
    default: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "CKR_0x%08lX", static_cast<unsigned long>(rv));
        return buf;
    }
    }
}

void fail_rv(CK_RV rv, const std::string& what) {
    Errc code = Errc::token_error;
    std::string hint;
    switch (rv) {
    case CKR_PIN_INCORRECT: code = Errc::pin_incorrect; break;
    case CKR_PIN_LOCKED: code = Errc::pin_locked; break;
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID: code = Errc::pin_invalid; break;
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_DEVICE_REMOVED:
        code = Errc::token_not_found;
        hint = "insert the token and try again";
        break;
    default: break;
    }
    Error e(code, what + ": " + rv_name(rv), hint);
    e.set_pkcs11_rv(rv);
    ERR_clear_error();
    throw e;
}

std::string trim_padded(const unsigned char* s, size_t n) {
    std::string out(reinterpret_cast<const char*>(s), n);
    while (!out.empty() && (out.back() == ' ' || out.back() == '\0')) out.pop_back();
    return out;
}

namespace {

// UI reader that libp11 calls for context-specific logins (CKA_ALWAYS_AUTHENTICATE keys):
// answers with the PIN of the current login, so the user enters it once.
int ui_reader(UI* ui, UI_STRING* uis) {
    const auto type = UI_get_string_type(uis);
    if (type != UIT_PROMPT && type != UIT_VERIFY) return 1;
    auto* module = static_cast<Module*>(UI_get0_user_data(ui));
    if (module == nullptr || module->login_pin().empty()) return 0;
    return UI_set_result(ui, uis, module->login_pin().c_str()) >= 0 ? 1 : 0;
}

std::string default_config_path() {
    if (const char* c = std::getenv("TSIGN_CONFIG"); c && *c) return c;
    namespace fs = std::filesystem;
    std::error_code ec;
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) {
        fs::path p = fs::path(x) / "tsign" / "config.yaml";
        if (fs::exists(p, ec)) return p;
    } else if (const char* h = std::getenv("HOME"); h && *h) {
        fs::path p = fs::path(h) / ".config" / "tsign" / "config.yaml";
        if (fs::exists(p, ec)) return p;
    }
    return "/etc/tsign/config.yaml";
}

}  // namespace

std::string resolve_pkcs11_module_impl(const std::string& explicit_path) {
    if (!explicit_path.empty()) return explicit_path;
    if (const char* env = std::getenv("TSIGN_PKCS11_MODULE"); env && *env) return env;
    const std::string cfg = default_config_path();
    std::error_code ec;
    if (std::filesystem::exists(cfg, ec)) {
        const yaml::Doc doc = yaml::Doc::load_file(cfg, 1 << 20, "config '" + cfg + "'");
        if (auto module = doc.opt_string(doc.root(), "pkcs11_module"); module && !module->empty()) return *module;
    }
    for (const char* p : {"/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so", "/usr/lib/aarch64-linux-gnu/p11-kit-proxy.so",
                          "/usr/lib/p11-kit-proxy.so", "/usr/lib64/p11-kit-proxy.so"})
        if (std::filesystem::exists(p, ec)) return p;
    return "p11-kit-proxy.so";
}

std::shared_ptr<Module> Module::load(const std::string& path) {
    std::shared_ptr<Module> m(new Module());
    m->path_ = path;
    m->ctx_.reset(PKCS11_CTX_new());
    if (!m->ctx_) ossl::fail(Errc::internal, "cannot create PKCS#11 context");
    if (PKCS11_CTX_load(m->ctx_.get(), path.c_str()) != 0) {
        ERR_clear_error();
        throw Error(Errc::module_load_failed, "cannot load PKCS#11 module '" + path + "'",
                    "give the module with --pkcs11-module PATH or TSIGN_PKCS11_MODULE");
    }
    m->loaded_.reset(m->ctx_.get());
    // The same loaded module, for the raw calls libp11 does not offer. dlopen returns the
    // already-loaded library; libp11 has initialised it, so no second C_Initialize is made.
    m->dl_.reset(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
    if (m->dl_) {
        auto get = reinterpret_cast<CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR)>(dlsym(m->dl_.get(), "C_GetFunctionList"));
        if (get == nullptr || get(&m->fl_) != CKR_OK) m->fl_ = nullptr;
    }
    if (m->fl_ == nullptr) throw Error(Errc::module_load_failed, "cannot load PKCS#11 module '" + path + "': no C_GetFunctionList");
    // Plain modules answer CKR_CRYPTOKI_ALREADY_INITIALIZED (libp11 did it); proxies such as
    // p11-kit give every C_GetFunctionList caller its own instance, which must be initialised.
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    const CK_RV rv = m->fl_->C_Initialize(&args);
    if (rv == CKR_OK) m->owns_init_ = true;
    else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
        throw Error(Errc::module_load_failed, "cannot initialise PKCS#11 module '" + path + "': " + rv_name(rv));
    m->ui_.reset(UI_create_method("tsign PKCS#11 key PIN"));
    if (!m->ui_ || UI_method_set_reader(m->ui_.get(), ui_reader) != 0)
        ossl::fail(Errc::internal, "cannot create the PIN callback");
    PKCS11_set_ui_method(m->ctx_.get(), m->ui_.get(), m.get());
    if (!m->slots_.enumerate(m->ctx_.get())) {
        ERR_clear_error();
        throw Error(Errc::token_error, "cannot list the slots of PKCS#11 module '" + path + "'");
    }
    return m;
}

Module::~Module() {
    login_sessions_.clear();
    if (owns_init_ && fl_ != nullptr) fl_->C_Finalize(nullptr);
    // In this order: the slots, the module (unload), the context, the library.
    slots_.reset();
    loaded_.reset();
    ctx_.reset();
    dl_.reset();
    ERR_clear_error();
}

std::vector<PKCS11_SLOT*> Module::all_slots() const {
    std::vector<PKCS11_SLOT*> out;
    for (unsigned i = 0; i < slots_.size(); ++i) out.push_back(&slots_.data()[i]);
    return out;
}

std::vector<PKCS11_SLOT*> Module::token_slots() const {
    std::vector<PKCS11_SLOT*> out;
    for (unsigned i = 0; i < slots_.size(); ++i)
        if (PKCS11_SLOT* s = &slots_.data()[i]; s->token != nullptr && s->token->initialized) out.push_back(s);
    return out;
}

PKCS11_SLOT* Module::find_token(const Pkcs11Uri& uri) const {
    std::vector<PKCS11_SLOT*> matches;
    for (PKCS11_SLOT* s : token_slots()) {
        const PKCS11_TOKEN* t = s->token;
        if (uri.token && *uri.token != t->label) continue;
        if (uri.serial && *uri.serial != t->serialnr) continue;
        if (uri.manufacturer && *uri.manufacturer != t->manufacturer) continue;
        if (uri.model && *uri.model != t->model) continue;
        if (uri.slot_id && *uri.slot_id != PKCS11_get_slotid_from_slot(s)) continue;
        if (uri.slot_description && *uri.slot_description != s->description) continue;
        matches.push_back(s);
    }
    std::string what = uri.token ? "token '" + *uri.token + "'" : "a token matching " + uri.to_string();
    if (matches.empty())
        throw Error(Errc::token_not_found, "cannot find " + what + ": no such token is present",
                    "insert the token, or see the present tokens with 'tsign token list'");
    if (matches.size() > 1)
        throw Error(Errc::token_not_found, "cannot choose " + what + ": " + std::to_string(matches.size()) + " tokens match",
                    "add serial= or slot-id= to the URI");
    return matches.front();
}

CK_SLOT_ID Module::raw_slot(PKCS11_SLOT* slot) const {
    const CK_SLOT_ID id = PKCS11_get_slotid_from_slot(slot);
    if (!owns_init_ || slot->token == nullptr) return id;
    auto matches = [&](CK_SLOT_ID candidate) {
        CK_TOKEN_INFO ti{};
        if (fl_->C_GetTokenInfo(candidate, &ti) != CKR_OK) return false;
        return trim_padded(ti.label, sizeof ti.label) == slot->token->label &&
               trim_padded(ti.serialNumber, sizeof ti.serialNumber) == slot->token->serialnr;
    };
    if (matches(id)) return id;
    CK_ULONG n = 0;
    if (fl_->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK && n > 0) {
        std::vector<CK_SLOT_ID> ids(n);
        if (fl_->C_GetSlotList(CK_TRUE, ids.data(), &n) == CKR_OK)
            for (CK_ULONG i = 0; i < n; ++i)
                if (matches(ids[i])) return ids[i];
    }
    throw Error(Errc::token_not_found, std::string("cannot find token '") + slot->token->label + "' through the module",
                "the token may have been removed");
}

CK_TOKEN_INFO Module::token_info(PKCS11_SLOT* slot) const {
    CK_TOKEN_INFO ti{};
    CK_RV rv = fl_->C_GetTokenInfo(raw_slot(slot), &ti);
    if (rv != CKR_OK) fail_rv(rv, "cannot read token information");
    return ti;
}

TokenInfo Module::describe(PKCS11_SLOT* slot) const {
    TokenInfo info;
    info.slot_id = PKCS11_get_slotid_from_slot(slot);
    info.slot_description = slot->description ? slot->description : "";
    info.token_present = slot->token != nullptr;
    if (!info.token_present || !slot->token->initialized) {
        if (slot->token) {
            info.manufacturer = slot->token->manufacturer ? slot->token->manufacturer : "";
            info.model = slot->token->model ? slot->token->model : "";
        }
        return info;
    }
    CK_TOKEN_INFO ti = token_info(slot);
    info.label = trim_padded(ti.label, sizeof ti.label);
    info.manufacturer = trim_padded(ti.manufacturerID, sizeof ti.manufacturerID);
    info.model = trim_padded(ti.model, sizeof ti.model);
    info.serial = trim_padded(ti.serialNumber, sizeof ti.serialNumber);
    info.initialized = ti.flags & CKF_TOKEN_INITIALIZED;
    info.login_required = ti.flags & CKF_LOGIN_REQUIRED;
    info.protected_authentication_path = ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH;
    info.user_pin_initialized = ti.flags & CKF_USER_PIN_INITIALIZED;
    info.user_pin_count_low = ti.flags & CKF_USER_PIN_COUNT_LOW;
    info.user_pin_final_try = ti.flags & CKF_USER_PIN_FINAL_TRY;
    info.user_pin_locked = ti.flags & CKF_USER_PIN_LOCKED;
    info.user_pin_to_be_changed = ti.flags & CKF_USER_PIN_TO_BE_CHANGED;
    info.write_protected = ti.flags & CKF_WRITE_PROTECTED;
    Pkcs11Uri u;
    u.token = info.label;
    u.manufacturer = info.manufacturer;
    u.model = info.model;
    u.serial = info.serial;
    info.uri = u.to_string();
    return info;
}

namespace {

std::string pin_state_text(CK_FLAGS flags) {
    if (flags & CKF_USER_PIN_LOCKED) return "the user PIN is now locked";
    if (flags & CKF_USER_PIN_FINAL_TRY) return "final try: one more wrong PIN locks the token";
    if (flags & CKF_USER_PIN_COUNT_LOW) return "count low: the token reports few tries left";
    return "";
}

}  // namespace

void Module::login(PKCS11_SLOT* slot, const PinSource& pin_source, bool allow_final_try) {
    const CK_SLOT_ID slot_id = raw_slot(slot);
    CK_TOKEN_INFO ti = token_info(slot);
    const std::string label = trim_padded(ti.label, sizeof ti.label);
    if (!(ti.flags & CKF_LOGIN_REQUIRED)) return;
    int logged_in = 0;
    if (PKCS11_is_logged_in(slot, 0, &logged_in) == 0 && logged_in) return;
    ERR_clear_error();
    if (ti.flags & CKF_USER_PIN_LOCKED)
        throw Error(Errc::pin_locked, "cannot log in to token '" + label + "': the user PIN is locked",
                    "the token's security officer must unblock the PIN");
    if ((ti.flags & CKF_USER_PIN_FINAL_TRY) && !allow_final_try)
        throw Error(Errc::pin_final_try,
                    "refusing to send a PIN to token '" + label + "': final try, one more wrong PIN locks it",
                    "if you are sure of the PIN, run again with --allow-final-pin-try");

    auto session = std::make_unique<Session>(*this, slot_id, false);
    CK_RV rv;
    if (ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH) {
        rv = fl_->C_Login(session->handle(), CKU_USER, nullptr, 0);
        pin_ = Secret();
    } else {
        PinRequest req;
        req.prompt = "PIN for token '" + label + "'";
        req.count_low = ti.flags & CKF_USER_PIN_COUNT_LOW;
        req.final_try = ti.flags & CKF_USER_PIN_FINAL_TRY;
        Secret pin = pin_source.read(req);
        rv = fl_->C_Login(session->handle(), CKU_USER,
                          reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.c_str())),
                          static_cast<CK_ULONG>(pin.size()));
        if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) pin_ = std::move(pin);
    }
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        CK_TOKEN_INFO after{};
        std::string state;
        if (fl_->C_GetTokenInfo(slot_id, &after) == CKR_OK) state = pin_state_text(after.flags);
        Errc code = Errc::token_error;
        std::string why;
        switch (rv) {
        case CKR_PIN_INCORRECT:
            code = (after.flags & CKF_USER_PIN_LOCKED) ? Errc::pin_locked : Errc::pin_incorrect;
            why = "wrong PIN";
            break;
        case CKR_PIN_LOCKED:
            code = Errc::pin_locked;
            why = "the user PIN is locked";
            state.clear();
            break;
        case CKR_PIN_LEN_RANGE:
        case CKR_PIN_INVALID:
            code = Errc::pin_invalid;
            why = "the PIN has an invalid length or characters";
            break;
        case CKR_PIN_EXPIRED:
            code = Errc::pin_invalid;
            why = "the PIN has expired";
            break;
        default:
            why = "login failed (" + rv_name(rv) + ")";
        }
        std::string msg = "cannot log in to token '" + label + "': " + why;
        if (!state.empty()) msg += " (" + state + ")";
        std::string hint;
        if (code == Errc::pin_locked) hint = "the token's security officer must unblock the PIN";
        else if (after.flags & CKF_USER_PIN_FINAL_TRY)
            hint = "tsign will not send another PIN without --allow-final-pin-try";
        Error e(code, msg, hint);
        e.set_pkcs11_rv(rv);
        throw e;
    }
    // Tell libp11 (it keeps its own login state and re-logs in after a session loss).
    PKCS11_open_session(slot, 0);
    if (PKCS11_login(slot, 0, pin_.empty() ? nullptr : pin_.c_str()) != 0) {
        ERR_clear_error();
    }
    login_sessions_.push_back(std::move(session));
}

Session::Session(const Module& module, CK_SLOT_ID slot, bool rw) : fl_(module.fl()) {
    CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    CK_RV rv = fl_->C_OpenSession(slot, flags, nullptr, nullptr, &h_);
    if (rv != CKR_OK) fail_rv(rv, "cannot open a session with the token");
}

Session::~Session() {
    if (h_ != 0) fl_->C_CloseSession(h_);
}

std::vector<CK_OBJECT_HANDLE> Session::find(std::vector<CK_ATTRIBUTE> tmpl) const {
    CK_RV rv = fl_->C_FindObjectsInit(h_, tmpl.data(), static_cast<CK_ULONG>(tmpl.size()));
    if (rv != CKR_OK) fail_rv(rv, "cannot search the token");
    std::vector<CK_OBJECT_HANDLE> out;
    CK_OBJECT_HANDLE buf[64];
    for (;;) {
        CK_ULONG n = 0;
        rv = fl_->C_FindObjects(h_, buf, 64, &n);
        if (rv != CKR_OK) {
            fl_->C_FindObjectsFinal(h_);
            fail_rv(rv, "cannot search the token");
        }
        if (n == 0) break;
        out.insert(out.end(), buf, buf + n);
    }
    fl_->C_FindObjectsFinal(h_);
    return out;
}

std::optional<Bytes> Session::attribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) const {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (fl_->C_GetAttributeValue(h_, obj, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return std::nullopt;
    Bytes v(a.ulValueLen);
    a.pValue = v.data();
    if (fl_->C_GetAttributeValue(h_, obj, &a, 1) != CKR_OK) return std::nullopt;
    v.resize(a.ulValueLen);
    return v;
}

bool Session::bool_attribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, bool fallback) const {
    auto v = attribute(obj, type);
    if (!v || v->size() != sizeof(CK_BBOOL)) return fallback;
    return (*v)[0] != 0;
}

unsigned long Session::ulong_attribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, unsigned long fallback) const {
    auto v = attribute(obj, type);
    if (!v || v->size() != sizeof(CK_ULONG)) return fallback;
    CK_ULONG x;
    std::memcpy(&x, v->data(), sizeof x);
    return x;
}

std::shared_ptr<Module> load_for(const std::string& explicit_module, const Pkcs11Uri* uri) {
    if (uri != nullptr && uri->module_path) return Module::load(*uri->module_path);
    return Module::load(resolve_pkcs11_module_impl(explicit_module));
}

}  // namespace tsign::p11
