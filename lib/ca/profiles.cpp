// The certificate profiles tsign ships. `tsign ca init` writes them into CA/profiles/, where
// CA admins may edit them or add their own.
#include <string>
#include <utility>
#include <vector>

namespace tsign::detail {

const std::vector<std::pair<std::string, std::string>>& shipped_profiles() {
    static const std::vector<std::pair<std::string, std::string>> profiles = {
        {"signer", R"(# Document signing: commission members, finance staff, contractors.
description: document signing (digitalSignature + nonRepudiation)
key_types: [rsa2048, rsa3072, rsa4096, ec-p256, ec-p384]
default_days: 730
max_days: 1095
key_usage: [digitalSignature, nonRepudiation]
# id-kp-documentSigning (RFC 9336), and emailProtection so that S/MIME verifiers (openssl cms,
# NSS cmsutil) accept the signer too.
extended_key_usage: [1.3.6.1.5.5.7.3.36, emailProtection]
ca: false
certificate_policies: []
required_subject: [CN]
)"},
        {"tsa", R"(# An RFC 3161 timestamp authority (RFC 3161 §2.3: a critical timeStamping EKU, nothing else).
description: timestamp authority (critical timeStamping EKU)
key_types: [rsa2048, rsa3072, rsa4096, ec-p256, ec-p384]
default_days: 1825
max_days: 3650
key_usage: [digitalSignature]
extended_key_usage: [timeStamping]
extended_key_usage_critical: true
ca: false
certificate_policies: []
required_subject: [CN]
)"},
        {"ocsp", R"(# A delegated OCSP responder (RFC 6960 §4.2.2.2 OCSPSigning EKU, §4.2.2.2.1 id-pkix-ocsp-nocheck).
description: OCSP responder (OCSPSigning EKU, id-pkix-ocsp-nocheck)
key_types: [rsa2048, rsa3072, rsa4096, ec-p256, ec-p384]
default_days: 365
max_days: 730
key_usage: [digitalSignature]
extended_key_usage: [OCSPSigning]
ocsp_no_check: true
ca: false
certificate_policies: []
required_subject: [CN]
)"},
        {"encryption", R"(# Key encipherment for sealed tender envelopes (tsign tender): commission members' encryption keys.
# RSA keys receive keys by RSA-OAEP (keyEncipherment); EC keys by ECDH (keyAgreement, RFC 5480 §3).
description: encryption of sealed envelopes (keyEncipherment; EC keys keyAgreement)
key_types: [rsa2048, rsa3072, rsa4096, ec-p256, ec-p384]
default_days: 730
max_days: 1095
key_usage: [keyEncipherment]
key_usage_ec: [keyAgreement]
extended_key_usage: []
ca: false
certificate_policies: []
required_subject: [CN]
)"},
        {"intermediate", R"(# A subordinate CA (RFC 5280 §4.2.1.9: CA:TRUE, critical; path length).
description: intermediate CA (CA:TRUE, path length 0)
key_types: [rsa3072, rsa4096, ec-p256, ec-p384]
default_days: 3650
max_days: 7300
key_usage: [keyCertSign, cRLSign]
extended_key_usage: []
ca: true
path_length: 0
certificate_policies: []
required_subject: [CN]
)"},
    };
    return profiles;
}

}  // namespace tsign::detail
