// Internal: `tsign info`, one describer per object family. Each returns the JSON description of
// one decoded object; describe.cpp detects the kind and renders the human text from the JSON.
// Every string from the object is valid UTF-8 (names with RFC 4514 escaping, other text through
// tsign::to_valid_utf8), and a part that does not decode is shown as undecodable, never trusted.
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <openssl/cms.h>
#include <openssl/ocsp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tsign/io.hpp"

namespace tsign::info {

using json = nlohmann::ordered_json;

/// A long name of a known OID, else its dotted form.
std::string obj_name(const ASN1_OBJECT* obj);
/// ISO 8601 UTC, or "invalid time" when the value does not decode.
std::string iso(const ASN1_TIME* t);
/// algorithm, bits, curve, spki_sha256 of a decoded key.
json public_key_json(EVP_PKEY* pkey);
/// The bytes of a string in hex ("" for none).
std::string hex_of(const ASN1_STRING* s);
/// One general name as "TYPE:value" ("DirName:CN=...", "URI:...").
std::string general_name_text(const GENERAL_NAME* gn);

// certificates.cpp: X.509 certificates, requests and CRLs
json cert_json(X509* cert);
json csr_json(X509_REQ* req);
json crl_json(X509_CRL* crl);

// cms.cpp: CMS (SignedData) structures
json signed_data_json(CMS_ContentInfo* cms);

// services.cpp: RFC 3161 timestamp requests, responses and TSTInfo; OCSP requests and responses
json tst_info_json(const Bytes& econtent);
json timestamp_request_json(TS_REQ* req);
json timestamp_response_json(TS_RESP* resp);
json ocsp_request_json(OCSP_REQUEST* req);
json ocsp_response_json(OCSP_RESPONSE* resp);

// keys.cpp: private keys, public keys, PKCS#12
json private_key_json(const std::string& format, bool encrypted, EVP_PKEY* pkey, const std::string& enc_alg = {});
std::string encryption_of(const X509_SIG* sig);

}  // namespace tsign::info
