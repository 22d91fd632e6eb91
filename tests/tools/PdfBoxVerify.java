// An independent PAdES verifier (Apache PDFBox 2 + Bouncy Castle), used by the tests to check the
// PDFs that tsign signs.  Not part of tsign; it checks integrity, not trust (no path building, no
// revocation, no trust anchors).
//
//   java -cp <jars>:<classdir> PdfBoxVerify FILE.pdf [--expect N] [--lenient]
//
// One line per signature dictionary (in AcroForm field order, 0-based):
//   sig <i>: <OK|FAIL> subfilter=<SubFilter> signer="<subject CN, or the TSA's CN>" covers_whole=<yes|no>
//            [alg=<signature algorithm>] [ts=<yes|no>] [ess=<v2|v1>] [reason: <why, on FAIL>]
// then, when the catalog has a /DSS:  dss=yes certs=N crls=N ocsps=N vri=N
// and last:                           signatures=N ok=N fail=N
//
// Checks, per signature:
//  - /ByteRange: 4 non-negative ints, starting at 0, the gap between the two ranges being exactly
//    the /Contents hex string ('<' at ByteRange[1], '>' at ByteRange[2]-1, hex digits between), the
//    ranges inside the file; the hex in the gap equals the /Contents that the PDF parser read;
//  - ETSI.CAdES.detached, adbe.pkcs7.detached: a detached CMS SignedData; every SignerInfo's
//    certificate is in the CMS and its signature (and message digest) verifies over the ByteRange
//    (RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA, EdDSA: whatever Bouncy Castle verifies); a
//    signature-time-stamp unsigned attribute, when present, must have the message imprint of the
//    SignerInfo's signature value and verify with the TSA certificate in the token (ts=yes);
//    for ETSI.CAdES.detached, unless --lenient, also the PAdES baseline rules: an ESS
//    signing-certificate(-v2) signed attribute matching the signer's certificate, and no
//    signing-time signed attribute;
//  - ETSI.RFC3161 (document timestamp): /Contents is a TimeStampToken whose message imprint is the
//    hash of the ByteRange and whose signature verifies with the TSA certificate in the token.
//  - covers_whole: ByteRange[2] + ByteRange[3] is the file's length.
// The /DSS streams, when present, must parse as certificates, CRLs and OCSP responses.
//
// Exit: 0 when every signature is OK (and, with --expect N, exactly N were found) and the DSS parses;
// 1 otherwise; 2 on a usage error or a file that cannot be read or parsed as a PDF.
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.Security;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.ess.ESSCertID;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificate;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.IssuerSerial;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.DefaultAlgorithmNameFinder;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TimeStampToken;
import org.bouncycastle.util.Store;

public class PdfBoxVerify {
    static final String BC = BouncyCastleProvider.PROVIDER_NAME;
    static PrintStream out;

    /** A failed check: its message is the reason printed on the FAIL line. */
    static class Fail extends Exception {
        Fail(String m) { super(m); }
    }

    /** What one signature's line says. */
    static class Line {
        String subFilter = "?", signer = "?", coversWhole = "?", alg, ts, ess;
    }

    public static void main(String[] args) {
        out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        int rc;
        try {
            rc = run(args);
        } catch (Throwable t) {
            System.err.println("PdfBoxVerify: error: " + t);
            rc = 2;
        }
        out.flush();
        System.exit(rc);
    }

    static int usage(String why) {
        System.err.println("PdfBoxVerify: " + why);
        System.err.println("usage: PdfBoxVerify FILE.pdf [--expect N] [--lenient]");
        return 2;
    }

    static int run(String[] args) {
        String path = null;
        int expect = -1;
        boolean lenient = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--expect")) {
                if (++i >= args.length) return usage("--expect needs a number");
                try {
                    expect = Integer.parseInt(args[i]);
                } catch (NumberFormatException e) {
                    return usage("--expect needs a number, not " + args[i]);
                }
                if (expect < 0) return usage("--expect needs a number >= 0");
            } else if (a.equals("--lenient")) {
                lenient = true;
            } else if (a.startsWith("--")) {
                return usage("unknown option " + a);
            } else if (path == null) {
                path = a;
            } else {
                return usage("one file only");
            }
        }
        if (path == null) return usage("no file given");
        Security.addProvider(new BouncyCastleProvider());

        File file = new File(path);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file.toPath());
        } catch (IOException e) {
            System.err.println("PdfBoxVerify: cannot read " + path + ": " + e);
            return 2;
        }
        int ok = 0, fail = 0;
        boolean dssBad = false;
        try (PDDocument doc = PDDocument.load(file)) {
            List<PDSignature> sigs = doc.getSignatureDictionaries();
            for (int i = 0; i < sigs.size(); i++) {
                Line line = new Line();
                String reason = null;
                try {
                    verify(sigs.get(i), bytes, line, lenient);
                } catch (Fail f) {
                    reason = f.getMessage();
                } catch (Throwable t) {
                    reason = t.toString();
                }
                StringBuilder sb = new StringBuilder();
                sb.append("sig ").append(i).append(": ").append(reason == null ? "OK" : "FAIL");
                sb.append(" subfilter=").append(line.subFilter);
                sb.append(" signer=\"").append(line.signer).append('"');
                sb.append(" covers_whole=").append(line.coversWhole);
                if (line.alg != null) sb.append(" alg=").append(line.alg);
                if (line.ts != null) sb.append(" ts=").append(line.ts);
                if (line.ess != null) sb.append(" ess=").append(line.ess);
                if (reason != null) sb.append(" reason: ").append(reason.replace('\n', ' '));
                out.println(sb);
                if (reason == null) ok++; else fail++;
            }
            try {
                dssBad = !dss(doc);
            } catch (Throwable t) {
                out.println("dss: FAIL " + t);
                dssBad = true;
            }
        } catch (Throwable e) {
            System.err.println("PdfBoxVerify: cannot load " + path + " as a PDF: " + e);
            return 2;
        }
        out.println("signatures=" + (ok + fail) + " ok=" + ok + " fail=" + fail);
        boolean good = fail == 0 && !dssBad;
        if (expect >= 0 && ok + fail != expect) {
            out.println("expect: FAIL found " + (ok + fail) + " signature(s), expected " + expect);
            good = false;
        }
        return good ? 0 : 1;
    }

    static void verify(PDSignature sig, byte[] file, Line line, boolean lenient) throws Exception {
        String sf = sig.getSubFilter();
        line.subFilter = sf == null ? "none" : sf;
        int[] br = checkByteRange(sig, file);
        line.coversWhole = (long) br[2] + br[3] == file.length ? "yes" : "no";

        byte[] signed = sig.getSignedContent(file);
        byte[] mine = new byte[br[1] + br[3]];
        System.arraycopy(file, 0, mine, 0, br[1]);
        System.arraycopy(file, br[2], mine, br[1], br[3]);
        if (!Arrays.equals(signed, mine)) throw new Fail("PDFBox's signed content differs from the ByteRange bytes");

        byte[] gap = hexGap(file, br);
        byte[] contents = sig.getContents(file);
        byte[] parsed = sig.getContents();
        if (parsed == null) throw new Fail("no /Contents in the signature dictionary");
        if (!Arrays.equals(stripZeros(gap), stripZeros(contents)) || !Arrays.equals(stripZeros(gap), stripZeros(parsed)))
            throw new Fail("the hex string in the ByteRange gap is not the /Contents the PDF parser read");

        if ("ETSI.CAdES.detached".equals(sf) || "adbe.pkcs7.detached".equals(sf)) {
            verifyCms(signed, contents, line, "ETSI.CAdES.detached".equals(sf) && !lenient);
        } else if ("ETSI.RFC3161".equals(sf)) {
            verifyDocTimestamp(signed, contents, line);
        } else {
            throw new Fail("unsupported SubFilter " + line.subFilter);
        }
    }

    static int[] checkByteRange(PDSignature sig, byte[] file) throws Fail {
        COSBase raw = sig.getCOSObject().getDictionaryObject(COSName.BYTERANGE);
        if (!(raw instanceof COSArray)) throw new Fail("no /ByteRange array");
        int[] br = sig.getByteRange();
        if (br.length != 4 || ((COSArray) raw).size() != 4)
            throw new Fail("/ByteRange has " + ((COSArray) raw).size() + " entries, not 4");
        for (int v : br) if (v < 0) throw new Fail("/ByteRange has a negative entry " + Arrays.toString(br));
        if (br[0] != 0) throw new Fail("/ByteRange does not start at 0: " + Arrays.toString(br));
        if (br[1] < 1 || br[2] <= br[1] + 1) throw new Fail("/ByteRange has no gap: " + Arrays.toString(br));
        if ((long) br[2] + br[3] > file.length)
            throw new Fail("/ByteRange " + Arrays.toString(br) + " runs past the end of the file (" + file.length + " bytes)");
        if (file[br[1]] != '<' || file[br[2] - 1] != '>')
            throw new Fail("the /ByteRange gap is not a hex string (byte " + br[1] + " is '" + (char) file[br[1]]
                    + "', byte " + (br[2] - 1) + " is '" + (char) file[br[2] - 1] + "')");
        return br;
    }

    /** The bytes that the hex digits between ByteRange[1] and ByteRange[2] say; only hex digits (and
     *  PDF white space) may stand there. */
    static byte[] hexGap(byte[] file, int[] br) throws Fail {
        StringBuilder hex = new StringBuilder(br[2] - br[1]);
        for (int p = br[1] + 1; p < br[2] - 1; p++) {
            char c = (char) (file[p] & 0xff);
            if (Character.digit(c, 16) >= 0) hex.append(c);
            else if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0)
                throw new Fail("the /ByteRange gap holds a non-hex byte at offset " + p + " (a '>' inside the gap?)");
        }
        if (hex.length() % 2 != 0) hex.append('0');
        byte[] b = new byte[hex.length() / 2];
        for (int k = 0; k < b.length; k++)
            b[k] = (byte) Integer.parseInt(hex.substring(2 * k, 2 * k + 2), 16);
        return b;
    }

    static byte[] stripZeros(byte[] b) {
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) n--;
        return Arrays.copyOf(b, n);
    }

    static void verifyCms(byte[] signed, byte[] contents, Line line, boolean pades) throws Exception {
        CMSSignedData cms;
        try {
            cms = new CMSSignedData(new CMSProcessableByteArray(signed), contents);
        } catch (Exception e) {
            throw new Fail("/Contents is not a CMS SignedData: " + e.getMessage());
        }
        SignedData sd = SignedData.getInstance(cms.toASN1Structure().getContent());
        if (sd.getEncapContentInfo().getContent() != null)
            throw new Fail("the CMS is not detached (it encapsulates content)");
        Collection<SignerInformation> signers = cms.getSignerInfos().getSigners();
        if (signers.isEmpty()) throw new Fail("the CMS has no SignerInfo");
        Store<X509CertificateHolder> store = cms.getCertificates();
        List<String> algs = new ArrayList<>(), tss = new ArrayList<>(), esss = new ArrayList<>();
        boolean first = true;
        for (SignerInformation si : signers) {
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> m = store.getMatches(si.getSID());
            if (m.isEmpty()) throw new Fail("the signer's certificate is not in the CMS");
            X509CertificateHolder cert = m.iterator().next();
            if (first) line.signer = commonName(cert);
            first = false;
            algs.add(algName(si));
            boolean good;
            try {
                good = si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider(BC).build(cert));
            } catch (Exception e) {
                throw new Fail("CMS signature does not verify: " + e.getMessage());
            }
            if (!good) throw new Fail("CMS signature does not verify");
            if (pades) esss.add(checkPadesAttributes(si, cert));
            tss.add(checkSignatureTimestamp(si));
        }
        line.alg = String.join(",", algs);
        line.ts = String.join(",", tss);
        if (pades) line.ess = String.join(",", esss);
    }

    /** PAdES baseline: ESS signing-certificate(-v2) matching the signer's certificate; no signing-time. */
    static String checkPadesAttributes(SignerInformation si, X509CertificateHolder cert) throws Exception {
        AttributeTable sa = si.getSignedAttributes();
        if (sa == null) throw new Fail("no signed attributes (PAdES needs them)");
        if (sa.get(CMSAttributes.signingTime) != null)
            throw new Fail("a signing-time signed attribute (PAdES forbids it; --lenient to allow)");
        byte[] der = cert.getEncoded();
        Attribute v2 = sa.get(PKCSObjectIdentifiers.id_aa_signingCertificateV2);
        if (v2 != null) {
            SigningCertificateV2 sc = SigningCertificateV2.getInstance(v2.getAttrValues().getObjectAt(0));
            ESSCertIDv2 id = sc.getCerts()[0];
            AlgorithmIdentifier ha = id.getHashAlgorithm();
            byte[] h = digest(ha, der);
            if (!Arrays.equals(h, id.getCertHash()))
                throw new Fail("signing-certificate-v2 hash does not match the signer's certificate");
            checkIssuerSerial(id.getIssuerSerial(), cert);
            return "v2";
        }
        Attribute v1 = sa.get(PKCSObjectIdentifiers.id_aa_signingCertificate);
        if (v1 != null) {
            SigningCertificate sc = SigningCertificate.getInstance(v1.getAttrValues().getObjectAt(0));
            ESSCertID id = sc.getCerts()[0];
            byte[] h = MessageDigest.getInstance("SHA-1").digest(der);
            if (!Arrays.equals(h, id.getCertHash()))
                throw new Fail("signing-certificate hash does not match the signer's certificate");
            checkIssuerSerial(id.getIssuerSerial(), cert);
            return "v1";
        }
        throw new Fail("no ESS signing-certificate(-v2) signed attribute (PAdES needs it; --lenient to allow)");
    }

    static void checkIssuerSerial(IssuerSerial is, X509CertificateHolder cert) throws Fail {
        if (is == null) return;
        if (!is.getSerial().getValue().equals(cert.getSerialNumber()))
            throw new Fail("the ESS issuerSerial's serial number is not the signer certificate's");
    }

    /** "yes" for a valid signature-time-stamp attribute, "no" without one; a bad one fails. */
    static String checkSignatureTimestamp(SignerInformation si) throws Exception {
        AttributeTable ua = si.getUnsignedAttributes();
        if (ua == null) return "no";
        ASN1EncodableVector attrs = ua.getAll(PKCSObjectIdentifiers.id_aa_signatureTimeStampToken);
        if (attrs.size() == 0) return "no";
        for (int i = 0; i < attrs.size(); i++) {
            Attribute a = Attribute.getInstance(attrs.get(i));
            for (ASN1Encodable v : a.getAttrValues().toArray()) {
                TimeStampToken tst;
                try {
                    tst = new TimeStampToken(ContentInfo.getInstance(v));
                } catch (Exception e) {
                    throw new Fail("the signature timestamp is not a TimeStampToken: " + e.getMessage());
                }
                byte[] h = digest(tst.getTimeStampInfo().getHashAlgorithm(), si.getSignature());
                if (!Arrays.equals(h, tst.getTimeStampInfo().getMessageImprintDigest()))
                    throw new Fail("the signature timestamp's message imprint is not the hash of the signature value");
                validateToken(tst, "signature timestamp");
            }
        }
        return "yes";
    }

    static void verifyDocTimestamp(byte[] signed, byte[] contents, Line line) throws Exception {
        TimeStampToken tst;
        try {
            tst = new TimeStampToken(new CMSSignedData(contents));
        } catch (Exception e) {
            throw new Fail("/Contents is not a TimeStampToken: " + e.getMessage());
        }
        X509CertificateHolder tsa = tsaCert(tst, "document timestamp");
        line.signer = commonName(tsa);
        SignerInformation si = tst.toCMSSignedData().getSignerInfos().getSigners().iterator().next();
        line.alg = algName(si);
        byte[] h = digest(tst.getTimeStampInfo().getHashAlgorithm(), signed);
        if (!Arrays.equals(h, tst.getTimeStampInfo().getMessageImprintDigest()))
            throw new Fail("the document timestamp's message imprint is not the hash of the ByteRange");
        validateToken(tst, "document timestamp");
    }

    static X509CertificateHolder tsaCert(TimeStampToken tst, String what) throws Fail {
        @SuppressWarnings("unchecked")
        Collection<X509CertificateHolder> m = tst.getCertificates().getMatches(tst.getSID());
        if (m.isEmpty()) throw new Fail("the " + what + " does not carry its TSA certificate");
        return m.iterator().next();
    }

    static void validateToken(TimeStampToken tst, String what) throws Exception {
        X509CertificateHolder tsa = tsaCert(tst, what);
        try {
            tst.validate(new JcaSimpleSignerInfoVerifierBuilder().setProvider(BC).build(tsa));
        } catch (Exception e) {
            throw new Fail("the " + what + " does not verify: " + e.getMessage());
        }
    }

    static byte[] digest(AlgorithmIdentifier alg, byte[] data) throws Exception {
        DigestCalculator dc;
        try {
            dc = new JcaDigestCalculatorProviderBuilder().setProvider(BC).build().get(alg);
        } catch (Exception e) {
            throw new Fail("unknown hash algorithm " + alg.getAlgorithm());
        }
        try (OutputStream os = dc.getOutputStream()) {
            os.write(data);
        }
        return dc.getDigest();
    }

    static String algName(SignerInformation si) {
        try {
            ASN1ObjectIdentifier enc = new ASN1ObjectIdentifier(si.getEncryptionAlgOID());
            DefaultAlgorithmNameFinder f = new DefaultAlgorithmNameFinder();
            String digest = f.getAlgorithmName(new ASN1ObjectIdentifier(si.getDigestAlgOID()));
            String d = digest.replace("-", "");
            if (enc.equals(PKCSObjectIdentifiers.id_RSASSA_PSS)) return d + "withRSASSA-PSS";
            if (enc.equals(PKCSObjectIdentifiers.rsaEncryption)) return d + "withRSA";
            if (enc.getId().equals("1.2.840.10045.2.1")) return d + "withECDSA";
            if (enc.getId().equals("1.3.101.112")) return "Ed25519";
            if (enc.getId().equals("1.3.101.113")) return "Ed448";
            return f.getAlgorithmName(enc).replace(" ", "_").replace("WITH", "with");
        } catch (Exception e) {
            return si.getEncryptionAlgOID();
        }
    }

    static String commonName(X509CertificateHolder cert) {
        X500Name n = cert.getSubject();
        RDN[] rdns = n.getRDNs(BCStyle.CN);
        if (rdns.length == 0) return n.toString();
        ASN1Encodable v = rdns[0].getFirst().getValue();
        return v instanceof ASN1String ? ((ASN1String) v).getString() : v.toString();
    }

    /** Prints the DSS line when there is a /DSS; false when an entry does not parse. */
    static boolean dss(PDDocument doc) throws IOException {
        COSBase b = doc.getDocumentCatalog().getCOSObject().getDictionaryObject(COSName.getPDFName("DSS"));
        if (b == null) return true;
        if (!(b instanceof COSDictionary)) {
            out.println("dss: FAIL /DSS is not a dictionary");
            return false;
        }
        COSDictionary d = (COSDictionary) b;
        List<String> errors = new ArrayList<>();
        int certs = entries(d, "Certs", errors), crls = entries(d, "CRLs", errors), ocsps = entries(d, "OCSPs", errors);
        COSBase vri = d.getDictionaryObject(COSName.getPDFName("VRI"));
        int nvri = vri instanceof COSDictionary ? ((COSDictionary) vri).size() : 0;
        out.println("dss=yes certs=" + certs + " crls=" + crls + " ocsps=" + ocsps + " vri=" + nvri);
        for (String e : errors) out.println("dss: FAIL " + e);
        return errors.isEmpty();
    }

    static int entries(COSDictionary dss, String key, List<String> errors) throws IOException {
        COSBase b = dss.getDictionaryObject(COSName.getPDFName(key));
        if (b == null) return 0;
        if (!(b instanceof COSArray)) {
            errors.add("/DSS /" + key + " is not an array");
            return 0;
        }
        COSArray a = (COSArray) b;
        for (int i = 0; i < a.size(); i++) {
            COSBase e = a.getObject(i);
            if (!(e instanceof COSStream)) {
                errors.add("/DSS /" + key + " [" + i + "] is not a stream");
                continue;
            }
            byte[] data;
            try (InputStream in = ((COSStream) e).createInputStream()) {
                data = in.readAllBytes();
            }
            try {
                switch (key) {
                    case "Certs": new X509CertificateHolder(data); break;
                    case "CRLs": new X509CRLHolder(data); break;
                    default:
                        if (new OCSPResp(data).getStatus() != OCSPResp.SUCCESSFUL)
                            errors.add("/DSS /OCSPs [" + i + "] is not a successful OCSP response");
                }
            } catch (Exception ex) {
                errors.add("/DSS /" + key + " [" + i + "] does not parse: " + ex.getMessage());
            }
        }
        return a.size();
    }
}
