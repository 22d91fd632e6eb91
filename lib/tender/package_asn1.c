/* The content of a sealed tender package (the bidder's SignedData encapsulates its DER):
 *   TenderPackage ::= SEQUENCE {
 *       version         INTEGER (1),
 *       tenderId        UTF8String,
 *       descriptorHash  OCTET STRING,          -- SHA-256 of the signed tender descriptor
 *       envelope        UTF8String,            -- "A" or "B"
 *       threshold       INTEGER,               -- k: shares needed to open
 *       shares          SEQUENCE OF SealedShare,
 *       payload         OCTET STRING }         -- DER ContentInfo: AuthEnvelopedData (RFC 5083)
 *   SealedShare ::= SEQUENCE {
 *       member          INTEGER,               -- the member's index in the descriptor (the share's x)
 *       certHash        OCTET STRING,          -- SHA-256 of the member's encryption certificate
 *       sealed          OCTET STRING }         -- DER ContentInfo: EnvelopedData to that certificate
 * declared with OpenSSL's ASN.1 templates, so that OpenSSL encodes and (strictly) decodes it. */
#include <openssl/asn1t.h>

#include "tender/package_asn1.h"

ASN1_SEQUENCE(TSIGN_SEALED_SHARE) =
    {
        ASN1_SIMPLE(TSIGN_SEALED_SHARE, member, ASN1_INTEGER),
        ASN1_SIMPLE(TSIGN_SEALED_SHARE, cert_hash, ASN1_OCTET_STRING),
        ASN1_SIMPLE(TSIGN_SEALED_SHARE, sealed, ASN1_OCTET_STRING),
} ASN1_SEQUENCE_END(TSIGN_SEALED_SHARE)

        IMPLEMENT_ASN1_FUNCTIONS(TSIGN_SEALED_SHARE)

            ASN1_SEQUENCE(TSIGN_TENDER_PACKAGE) =
                {
                    ASN1_SIMPLE(TSIGN_TENDER_PACKAGE, version, ASN1_INTEGER),
                    ASN1_SIMPLE(TSIGN_TENDER_PACKAGE, tender_id, ASN1_UTF8STRING),
                    ASN1_SIMPLE(TSIGN_TENDER_PACKAGE, descriptor_hash, ASN1_OCTET_STRING),
                    ASN1_SIMPLE(TSIGN_TENDER_PACKAGE, envelope, ASN1_UTF8STRING),
                    ASN1_SIMPLE(TSIGN_TENDER_PACKAGE, threshold, ASN1_INTEGER),
                    ASN1_SEQUENCE_OF(TSIGN_TENDER_PACKAGE, shares, TSIGN_SEALED_SHARE),
                    ASN1_SIMPLE(TSIGN_TENDER_PACKAGE, payload, ASN1_OCTET_STRING),
} ASN1_SEQUENCE_END(TSIGN_TENDER_PACKAGE)

                    IMPLEMENT_ASN1_FUNCTIONS(TSIGN_TENDER_PACKAGE)
