// Internal: CMS helpers shared by sign, co-sign, verify and describe.
#pragma once

#include <openssl/pem.h>  // before cms.h: declares the CMS PEM functions
#include <openssl/cms.h>

#include "core/ossl.hpp"
#include "tsign/io.hpp"
#include "tsign/keys.hpp"

#include <mutex>
#include <span>

namespace tsign::detail {

class SigningKey;

using CmsPtr = ossl::Ptr<CMS_ContentInfo, CMS_ContentInfo_free>;

/// Parses a ContentInfo from PEM ("CMS" or "PKCS7"), DER or BER. Throws Errc::malformed.
CmsPtr parse_cms(const Bytes& data, const std::string& what);

/// Parses a SignedData; anything else is Errc::unsupported. S/MIME messages are read too; for
/// multipart/signed, *smime_content receives the signed MIME part.
CmsPtr parse_signed_data(const Bytes& data, const std::string& what, ossl::BioPtr* smime_content = nullptr);

/// DER of a ContentInfo.
Bytes cms_der(CMS_ContentInfo* cms);

/// The signing-time signed attribute, if present.
std::optional<std::int64_t> signing_time_of(CMS_SignerInfo* si);

/// The message-digest signed attribute, if present.
std::optional<Bytes> message_digest_of(CMS_SignerInfo* si);

/// Long name of an algorithm OID ("sha256", "ecdsa-with-SHA256").
std::string algorithm_name(const X509_ALGOR* alg);

/// The signer's certificate, checked: present, valid now, allowed to sign. Throws Errc::cert_*.
ossl::X509Ptr usable_certificate(const Signer& signer);

/// What sign_buffer() makes, filled by field name.
struct BufferSignOptions {
    X509* cert = nullptr;  ///< the signer certificate (usable_certificate())
    SignatureScheme scheme;
    bool attached = false;
    const std::vector<ossl::X509Ptr>* extra_certs = nullptr;  ///< added to the SignedData (optional)
    std::string what = "signing";                             ///< names the operation in errors
    std::vector<std::string> tsa_urls;                        ///< with TSAs: B-T
    int tsa_timeout_seconds = 10;
    std::mutex* sign_mutex = nullptr;  ///< when given, the signature itself is made under it
};

/// A document to stream from: the file, or standard input for "-". Throws the precise read error.
BIO* open_content(const std::string& path);

/// A SignedData (attached, one CAdES B-B signer) ready to be streamed with BIO_new_CMS(): its
/// content is what is written through that BIO; the signature is made when the BIO is flushed.
/// The key must outlive the stream.
CmsPtr streaming_signed_data(SigningKey& key, X509* cert, const SignatureScheme& scheme,
                             const std::vector<ossl::X509Ptr>& extra_certs);

/// A CAdES B-B (or B-T) SignedData over data in memory (DER ContentInfo).
Bytes sign_buffer(Signer& signer, std::span<const std::uint8_t> data, const BufferSignOptions& options);
/// ETSI EN 319 122-1 §5.3: adds a signature-time-stamp over the SignerInfo's signature value
/// from the first TSA that answers. Throws Errc::network.
void add_signature_timestamp(CMS_SignerInfo* si, const std::vector<std::string>& urls, int timeout_seconds);
/// True when the signer has a signature-time-stamp.
bool has_signature_timestamp(CMS_SignerInfo* si);
/// The signer's certificate among the message's certificates and the given extras (or null).
X509* find_signer_cert(CMS_SignerInfo* si, STACK_OF(X509) * msg_certs, STACK_OF(X509) * extra);
/// Every certificate in the files (PEM bundles or DER).
std::vector<ossl::X509Ptr> load_certificate_files(const std::vector<std::string>& files);
/// Adds the certificates that the SignedData does not hold yet.
void add_certificates(CMS_ContentInfo* cms, const std::vector<ossl::X509Ptr>& certs);
/// The same with the certificates of files.
void add_certificates(CMS_ContentInfo* cms, const std::vector<std::string>& files);

}  // namespace tsign::detail
