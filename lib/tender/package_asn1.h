/* Internal: the ASN.1 type of a sealed tender package (see package_asn1.c). */
#pragma once

#include <openssl/asn1.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    ASN1_INTEGER* member;
    ASN1_OCTET_STRING* cert_hash;
    ASN1_OCTET_STRING* sealed;
} TSIGN_SEALED_SHARE;
DECLARE_ASN1_FUNCTIONS(TSIGN_SEALED_SHARE)
DEFINE_STACK_OF(TSIGN_SEALED_SHARE)

typedef struct {
    ASN1_INTEGER* version;
    ASN1_UTF8STRING* tender_id;
    ASN1_OCTET_STRING* descriptor_hash;
    ASN1_UTF8STRING* envelope;
    ASN1_INTEGER* threshold;
    STACK_OF(TSIGN_SEALED_SHARE) * shares;
    ASN1_OCTET_STRING* payload;
} TSIGN_TENDER_PACKAGE;
DECLARE_ASN1_FUNCTIONS(TSIGN_TENDER_PACKAGE)

#ifdef __cplusplus
}
#endif
