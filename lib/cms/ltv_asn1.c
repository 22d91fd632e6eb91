/* ASN.1 types of the CAdES long-term attributes (ETSI EN 319 122-1 §5.5.1-5.5.3, RFC 5126
 * ExplicitSyntax88), declared with OpenSSL's ASN.1 templates so that OpenSSL does the encoding:
 *   CertificateValues ::= SEQUENCE OF Certificate
 *   RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList OPTIONAL,
 *                                   ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL, ... }
 *   ATSHashIndexV3 ::= SEQUENCE { hashIndAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
 *                                 certificatesHashIndex SEQUENCE OF OCTET STRING,
 *                                 crlsHashIndex SEQUENCE OF OCTET STRING,
 *                                 unsignedAttrValuesHashIndex SEQUENCE OF OCTET STRING } */
#include <openssl/asn1t.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "cms/ltv_asn1.h"

ASN1_ITEM_TEMPLATE(TSIGN_CERT_VALUES) =
    ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SEQUENCE_OF, 0, certificates, X509)
ASN1_ITEM_TEMPLATE_END(TSIGN_CERT_VALUES)

ASN1_SEQUENCE(TSIGN_REVOCATION_VALUES) = {
    ASN1_EXP_SEQUENCE_OF_OPT(TSIGN_REVOCATION_VALUES, crls, X509_CRL, 0),
    ASN1_EXP_SEQUENCE_OF_OPT(TSIGN_REVOCATION_VALUES, ocsps, OCSP_BASICRESP, 1),
} ASN1_SEQUENCE_END(TSIGN_REVOCATION_VALUES)

ASN1_SEQUENCE(TSIGN_ATS_HASH_INDEX) = {
    ASN1_OPT(TSIGN_ATS_HASH_INDEX, algorithm, X509_ALGOR),
    ASN1_SEQUENCE_OF(TSIGN_ATS_HASH_INDEX, certificates, ASN1_OCTET_STRING),
    ASN1_SEQUENCE_OF(TSIGN_ATS_HASH_INDEX, crls, ASN1_OCTET_STRING),
    ASN1_SEQUENCE_OF(TSIGN_ATS_HASH_INDEX, attributes, ASN1_OCTET_STRING),
} ASN1_SEQUENCE_END(TSIGN_ATS_HASH_INDEX)

IMPLEMENT_ASN1_FUNCTIONS(TSIGN_REVOCATION_VALUES)
/* Only encoded with this template: decoding is done in ltv.cpp, because the template decoder cannot
 * tell the optional AlgorithmIdentifier from the SEQUENCE OF that follows it. */
IMPLEMENT_ASN1_FUNCTIONS(TSIGN_ATS_HASH_INDEX)

STACK_OF(X509) * tsign_d2i_cert_values(const unsigned char** in, long len) {
    return (STACK_OF(X509)*)ASN1_item_d2i(NULL, in, len, ASN1_ITEM_rptr(TSIGN_CERT_VALUES));
}

int tsign_i2d_cert_values(STACK_OF(X509) * certs, unsigned char** out) {
    return ASN1_item_i2d((ASN1_VALUE*)certs, out, ASN1_ITEM_rptr(TSIGN_CERT_VALUES));
}
