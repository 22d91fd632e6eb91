/* Internal: ASN.1 types of the CAdES long-term attributes (see ltv_asn1.c). */
#pragma once

#include <openssl/asn1.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    STACK_OF(X509_CRL) * crls;
    STACK_OF(OCSP_BASICRESP) * ocsps;
} TSIGN_REVOCATION_VALUES;
DECLARE_ASN1_FUNCTIONS(TSIGN_REVOCATION_VALUES)

typedef struct {
    X509_ALGOR* algorithm; /* absent: sha256 */
    STACK_OF(ASN1_OCTET_STRING) * certificates;
    STACK_OF(ASN1_OCTET_STRING) * crls;
    STACK_OF(ASN1_OCTET_STRING) * attributes;
} TSIGN_ATS_HASH_INDEX;
DECLARE_ASN1_FUNCTIONS(TSIGN_ATS_HASH_INDEX)

STACK_OF(X509) * tsign_d2i_cert_values(const unsigned char** in, long len);
int tsign_i2d_cert_values(STACK_OF(X509) * certs, unsigned char** out);

#ifdef __cplusplus
}
#endif
