// The archive-timestamp DER walker (CAdES-LTA, EN 319 122-1 §5.5.3): splits a SignedData into the
// parts an archive-time-stamp-v3 covers, builds the ATSHashIndexV3, and reads the index inside a
// token. Invariant: an index built over some parts is satisfied by those same parts.
#include <algorithm>
#include <memory>
#include <vector>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "cms/ltv.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const tsign::Bytes input = fuzz::bytes(data, size);
    // As the callers do: the walker is asked about a signer OpenSSL found in the same DER, by its
    // signature value.
    std::vector<tsign::Bytes> signatures;
    {
        const unsigned char* p = data;
        const std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
            d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(size)), CMS_ContentInfo_free);
        if (cms && OBJ_obj2nid(CMS_get0_type(cms.get())) == NID_pkcs7_signed)
            if (STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get()))
                for (int i = 0; i < sk_CMS_SignerInfo_num(sis) && i < 2; ++i) {
                    const ASN1_OCTET_STRING* v = CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(sis, i));
                    signatures.emplace_back(ASN1_STRING_get0_data(v), ASN1_STRING_get0_data(v) + ASN1_STRING_length(v));
                }
        ERR_clear_error();
    }
    for (const tsign::Bytes& signature : signatures) {
        fuzz::refuse_or_run([&] {
            const tsign::detail::AtsParts parts = tsign::detail::ats_parts(input, signature);
            const tsign::Bytes index = tsign::detail::ats_hash_index(parts);
            const std::string why = tsign::detail::check_hash_index(index, parts);
            if (!why.empty()) {
                std::fprintf(stderr, "FINDING: an ATSHashIndexV3 does not cover the parts it was built from: %s\n", why.c_str());
                std::abort();
            }
            const tsign::Bytes empty_sha256(32, 0);
            (void)tsign::detail::ats_imprint(parts, empty_sha256, index);
        });
    }
    fuzz::refuse_or_run([&] {
        if (auto index = tsign::detail::hash_index_of_token(input); index && !signatures.empty()) {
            fuzz::refuse_or_run([&] {
                const tsign::detail::AtsParts parts = tsign::detail::ats_parts(input, signatures.front());
                (void)tsign::detail::check_hash_index(*index, parts);
            });
        }
    });
    return 0;
}
