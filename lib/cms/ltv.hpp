// Internal: CAdES long-term validation data (ETSI EN 319 122-1 §5.5): certificate-values and
// revocation-values unsigned attributes (level LT) and archive-time-stamp-v3 with its
// ats-hash-index-v3 (level LTA).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cms/cms_util.hpp"
#include "x509/chain.hpp"

namespace tsign::detail {

/// The hint of an LT extension that lacks only revocation data (CAdES and PAdES).
inline constexpr const char* kMissingRevocationHint =
    "give the issuer's CRL with --crl FILE or an OCSP response with --ocsp-response FILE, or make the OCSP responder or "
    "CRL server the certificate names reachable";

/// The validation data a signer carries in its certificate-values and revocation-values
/// attributes (every instance). OCSP values are returned as full OCSPResponses (DER).
Evidence embedded_evidence(CMS_SignerInfo* si);

/// Certificates offered for path building: the message's own, those its signers carry (decoded
/// and owned here) and the given ones. The stack does not own them.
struct OfferedCertificates {
    std::vector<ossl::X509Ptr> carried;
    ossl::X509RefStackPtr stack{sk_X509_new_null()};
};
OfferedCertificates offer_certificates(STACK_OF(X509) * msg_certs, const std::vector<Bytes>& carried,
                                       const std::vector<ossl::X509Ptr>& given);

/// Adds what `ev` has and the signer does not carry yet as one more certificate-values and
/// revocation-values attribute. Returns false when there was nothing new.
bool add_evidence_attributes(CMS_SignerInfo* si, const Evidence& ev);

/// The TimeStampTokens (DER) of a signer's unsigned attribute `nid`, in order: every value of
/// every such attribute; one that cannot be a token (not a SEQUENCE, or no value) is an empty
/// entry, so that the caller reports it instead of skipping it.
std::vector<Bytes> timestamp_tokens(CMS_SignerInfo* si, int nid);

/// NID of id-aa-ets-archiveTimestampV3 (0.4.0.1733.2.4) and id-aa-ATSHashIndex-v3 (0.4.0.19122.1.5).
int nid_archive_timestamp_v3();
int nid_ats_hash_index_v3();

/// The parts of a SignedData (DER ContentInfo) an archive-time-stamp-v3 covers, for the signer
/// whose signature value is `signature_value`. The signer is found by its signature, never by its
/// position: DER sorts the SignerInfos (a SET OF) by their encoding, so adding attributes to one
/// signer can change the order in the encoding while the in-memory order stays.
struct AtsParts {
    Bytes content_type;                  ///< encapContentInfo.eContentType (TLV)
    Bytes signer_fields;                 ///< version .. signature of the SignerInfo (TLVs, in order)
    std::vector<Bytes> certificates;     ///< each CertificateChoices (TLV)
    std::vector<Bytes> crls;             ///< each RevocationInfoChoice (TLV)
    std::vector<Bytes> unsigned_values;  ///< per unsigned attribute value: attrType TLV || value TLV
    std::optional<Bytes> content;        ///< eContent's octets when attached
};
AtsParts ats_parts(const Bytes& der_content_info, std::span<const std::uint8_t> signature_value);

/// The ATSHashIndexV3 (DER, SHA-256) over the current parts.
Bytes ats_hash_index(const AtsParts& parts);

/// The message imprint input's hash (SHA-256) for an archive-time-stamp-v3: eContentType,
/// the hash of the content, the SignerInfo fields and the ATSHashIndexV3.
Bytes ats_imprint(const AtsParts& parts, std::span<const std::uint8_t> content_sha256, const Bytes& hash_index_der);

/// Checks that every hash of a stored ATSHashIndexV3 is found among the current parts (values
/// may be added after an archive timestamp, never removed or changed). Empty: fine; else why not.
std::string check_hash_index(const Bytes& hash_index_der, const AtsParts& parts);

/// SHA-256 of the signed content for an archive timestamp: the message-digest attribute when the
/// signer used SHA-256 (verification checks it matches the content), else the embedded content,
/// else the file at content_path (Errc::usage when none).
Bytes content_sha256(CMS_SignerInfo* si, const AtsParts& parts, const std::string& content_path);

/// Adds the ats-hash-index-v3 unsigned attribute to a TimeStampToken (DER). Returns the new token.
Bytes add_hash_index_to_token(const Bytes& token, const Bytes& hash_index_der);

/// The ats-hash-index-v3 value inside a TimeStampToken (DER), if any.
std::optional<Bytes> hash_index_of_token(const Bytes& token);

}  // namespace tsign::detail
