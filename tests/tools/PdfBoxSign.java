// An independent PAdES signer (Apache PDFBox 2 + Bouncy Castle), used by the tests to make signed
// PDFs that tsign must verify.  Not part of tsign.
//
//   java -cp <jars>:<classdir> PdfBoxSign IN.pdf OUT.pdf KEY.pem CERT.pem [CHAIN.pem]
//        [--subfilter ETSI.CAdES.detached|adbe.pkcs7.detached] [--visible] [--pss]
//        [--reason TEXT] [--pass-env VAR] [--tsa-key TSA.key.pem --tsa-cert TSA.crt.pem]
//   java -cp ... PdfBoxSign IN.pdf OUT.pdf TSA.key.pem TSA.crt.pem [CHAIN.pem] --doc-timestamp [--pass-env VAR]
//
// KEY.pem: a PEM private key, PKCS#8 ("BEGIN PRIVATE KEY") or traditional ("BEGIN EC PRIVATE KEY",
// "BEGIN RSA PRIVATE KEY"); an encrypted PKCS#8 key ("BEGIN ENCRYPTED PRIVATE KEY") needs
// --pass-env VAR, the name of the environment variable holding its passphrase.
// CERT.pem: the signer's certificate; CHAIN.pem: more certificates to include (any number).
//
// The signature is a detached CMS SignedData over the ByteRange (SHA-256; SHA256withRSA,
// SHA256withRSAandMGF1 = RSASSA-PSS with --pss, or SHA256withECDSA; an Ed25519 key gets Ed25519 with
// SHA-512 as RFC 8419 asks), with the certificate and the chain.
// ETSI.CAdES.detached (the default): content-type, message-digest, signing-certificate-v2
// (ESSCertIDv2, SHA-256, with issuerSerial) and BC's CMS algorithm protection; no signing-time
// (PAdES puts the claimed time in the signature dictionary's /M).  adbe.pkcs7.detached: BC's default
// signed attributes (content-type, signing-time, message-digest, algorithm protection).
// An already signed IN.pdf gets one more signature by incremental update (the earlier ones stay
// valid).  --visible adds a small box with ASCII text on page 1 (lower left, stacked per signature).
//
// Time-stamps are made here, offline, by Bouncy Castle's TimeStampTokenGenerator acting as the TSA
// with the given TSA key and certificate (e.g. certs-sample/tsa.*; the certificate needs the
// critical timeStamping EKU for verifiers to accept it); SHA-256 imprint, ESSCertIDv2, test policy
// 1.2.3.4.1, the TSA certificate (and CHAIN.pem with --doc-timestamp) in the token:
//  --tsa-key/--tsa-cert: adds a signature-time-stamp unsigned attribute to the signature (PAdES B-T);
//  --doc-timestamp: instead of a signature, an ETSI.RFC3161 document time-stamp (/Type /DocTimeStamp)
//    made with KEY.pem/CERT.pem as the TSA.
// --pass-env applies to every encrypted key given.
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.common.PDStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceDictionary;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceStream;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureInterface;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureOptions;
import org.apache.pdfbox.pdmodel.interactive.form.PDAcroForm;
import org.apache.pdfbox.pdmodel.interactive.form.PDSignatureField;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuerSerial;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSAttributeTableGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.SignerInfoGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.SignerInformationStore;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampToken;
import org.bouncycastle.tsp.TimeStampTokenGenerator;

public class PdfBoxSign {
    static final String BC = BouncyCastleProvider.PROVIDER_NAME;
    // PDFBox logs (through commons-logging to java.util.logging) its font cache building and the
    // standard-14 font fallbacks that the visible signature's Helvetica brings; keep stderr quiet.
    static final java.util.logging.Logger FONT_LOG = java.util.logging.Logger.getLogger("org.apache.pdfbox.pdmodel.font");
    static {
        FONT_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    static class Usage extends Exception {
        Usage(String m) { super(m); }
    }

    public static void main(String[] args) {
        try {
            Security.addProvider(new BouncyCastleProvider());
            System.exit(run(args));
        } catch (Usage e) {
            System.err.println("PdfBoxSign: " + e.getMessage());
            System.err.println("usage: PdfBoxSign IN.pdf OUT.pdf KEY.pem CERT.pem [CHAIN.pem]"
                    + " [--subfilter ETSI.CAdES.detached|adbe.pkcs7.detached] [--visible] [--pss]"
                    + " [--reason TEXT] [--pass-env VAR] [--tsa-key TSA.key.pem --tsa-cert TSA.crt.pem]");
            System.err.println("       PdfBoxSign IN.pdf OUT.pdf TSA.key.pem TSA.crt.pem [CHAIN.pem] --doc-timestamp [--pass-env VAR]");
            System.exit(2);
        } catch (Throwable e) {
            System.err.println("PdfBoxSign: error: " + e);
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) System.err.println("  caused by: " + c);
            System.exit(1);
        }
    }

    static int run(String[] args) throws Exception {
        List<String> pos = new ArrayList<>();
        String subFilter = "ETSI.CAdES.detached";
        String reason = null;
        String passEnv = null;
        String tsaKeyPath = null, tsaCertPath = null;
        boolean visible = false, pss = false, docTs = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--subfilter":
                    if (++i >= args.length) throw new Usage("--subfilter needs a value");
                    subFilter = args[i];
                    if (!subFilter.equals("ETSI.CAdES.detached") && !subFilter.equals("adbe.pkcs7.detached"))
                        throw new Usage("unsupported subfilter " + subFilter);
                    break;
                case "--reason":
                    if (++i >= args.length) throw new Usage("--reason needs a value");
                    reason = args[i];
                    break;
                case "--pass-env":
                    if (++i >= args.length) throw new Usage("--pass-env needs a variable name");
                    passEnv = args[i];
                    break;
                case "--tsa-key":
                    if (++i >= args.length) throw new Usage("--tsa-key needs a file");
                    tsaKeyPath = args[i];
                    break;
                case "--tsa-cert":
                    if (++i >= args.length) throw new Usage("--tsa-cert needs a file");
                    tsaCertPath = args[i];
                    break;
                case "--doc-timestamp": docTs = true; break;
                case "--visible": visible = true; break;
                case "--pss": pss = true; break;
                default:
                    if (a.startsWith("--")) throw new Usage("unknown option " + a);
                    pos.add(a);
            }
        }
        if (pos.size() < 4 || pos.size() > 5) throw new Usage("expected 4 or 5 file arguments");
        File in = new File(pos.get(0)), out = new File(pos.get(1));
        if (in.getCanonicalFile().equals(out.getCanonicalFile())) throw new Usage("IN and OUT must differ");
        if (Files.exists(out.toPath()) && !Files.isRegularFile(out.toPath(), java.nio.file.LinkOption.NOFOLLOW_LINKS))
            throw new Usage(out + " exists and is not a regular file (OUT is replaced by a rename; give a file path)");
        if ((tsaKeyPath == null) != (tsaCertPath == null)) throw new Usage("--tsa-key and --tsa-cert go together");
        if (docTs && (tsaKeyPath != null || visible || pss))
            throw new Usage("--doc-timestamp takes the TSA's key and certificate as KEY.pem CERT.pem, and no --tsa-*, --visible, --pss");

        PrivateKey key = readKey(new File(pos.get(2)), passEnv);
        List<X509Certificate> certs = readCerts(new File(pos.get(3)));
        if (certs.isEmpty()) throw new Exception("no certificate in " + pos.get(3));
        X509Certificate signer = certs.get(0);
        List<X509Certificate> all = new ArrayList<>(certs);
        if (pos.size() == 5) {
            for (X509Certificate c : readCerts(new File(pos.get(4))))
                if (!all.contains(c)) all.add(c);
        }
        String sigAlg = sigAlg(key, pss);
        requireMatch(key, signer, sigAlg, pos.get(2), pos.get(3));

        if (docTs) {
            Tsa tsa = new Tsa(key, signer, all);
            try (PDDocument doc = PDDocument.load(in)) {
                PDSignature sig = new PDSignature();
                sig.setType(COSName.DOC_TIME_STAMP);
                sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
                sig.setSubFilter(COSName.getPDFName("ETSI.RFC3161"));
                SignatureOptions options = new SignatureOptions();
                options.setPreferredSignatureSize(32768);
                try {
                    doc.addSignature(sig, content -> tsa.token(content.readAllBytes()).getEncoded(), options);
                    saveIncremental(doc, out);
                } finally {
                    options.close();
                }
            }
            return 0;
        }

        Tsa tsa = null;
        if (tsaKeyPath != null) {
            List<X509Certificate> tc = readCerts(new File(tsaCertPath));
            if (tc.isEmpty()) throw new Exception("no certificate in " + tsaCertPath);
            PrivateKey tk = readKey(new File(tsaKeyPath), passEnv);
            requireMatch(tk, tc.get(0), sigAlg(tk, false), tsaKeyPath, tsaCertPath);
            tsa = new Tsa(tk, tc.get(0), tc);
        }
        boolean cades = subFilter.equals("ETSI.CAdES.detached");
        CmsSigner cms = new CmsSigner(key, signer, all, sigAlg, cades, tsa);

        try (PDDocument doc = PDDocument.load(in)) {
            int existing = doc.getSignatureDictionaries().size();
            PDSignature sig = new PDSignature();
            sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            sig.setSubFilter(COSName.getPDFName(subFilter));
            String cn = commonName(signer);
            sig.setName(cn != null ? cn : signer.getSubjectX500Principal().getName());
            if (reason != null) sig.setReason(reason);
            Calendar now = Calendar.getInstance(TimeZone.getTimeZone("UTC"));
            sig.setSignDate(now);

            SignatureOptions options = new SignatureOptions();
            options.setPreferredSignatureSize(32768);
            try {
                if (visible) {
                    PDRectangle media = doc.getPage(0).getMediaBox();
                    float w = 220, h = 50;
                    float x = media.getLowerLeftX() + 36;
                    float y = media.getLowerLeftY() + 36 + existing * (h + 8);
                    PDRectangle rect = new PDRectangle(x, y, w, h);
                    options.setVisualSignature(visualTemplate(media, rect, signer, now));
                    options.setPage(0);
                }
                doc.addSignature(sig, cms, options);
                saveIncremental(doc, out);
            } finally {
                options.close();
            }
        }
        return 0;
    }

    /** Writes the incremental update next to OUT, then renames it over OUT: no half-written OUT on an error. */
    static void saveIncremental(PDDocument doc, File out) throws IOException {
        File dir = out.getAbsoluteFile().getParentFile();
        File tmp = File.createTempFile(".pdfboxsign-", ".pdf.tmp", dir);
        boolean done = false;
        try {
            try (OutputStream os = new FileOutputStream(tmp)) {
                doc.saveIncremental(os);
            }
            Files.move(tmp.toPath(), out.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } finally {
            if (!done) tmp.delete();
        }
    }

    /** The key must be the certificate's: a test signature must verify with the certificate's public key. */
    static void requireMatch(PrivateKey key, X509Certificate cert, String sigAlg, String keyPath, String certPath)
            throws Exception {
        byte[] probe = "PdfBoxSign key/certificate check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        boolean ok;
        try {
            Signature s = Signature.getInstance(sigAlg, BC);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(sigAlg, BC);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            ok = v.verify(sig);
        } catch (Exception e) {
            ok = false;
        }
        if (!ok) throw new Exception("the key in " + keyPath + " is not the one of the certificate in " + certPath);
    }

    /** The SignatureInterface: a detached CMS over what PDFBox hands in (the ByteRange). */
    static class CmsSigner implements SignatureInterface {
        final PrivateKey key;
        final X509Certificate cert;
        final List<X509Certificate> chain;
        final String sigAlg;
        final boolean cades;
        final Tsa tsa;

        CmsSigner(PrivateKey key, X509Certificate cert, List<X509Certificate> chain, String sigAlg, boolean cades, Tsa tsa) {
            this.key = key; this.cert = cert; this.chain = chain; this.sigAlg = sigAlg; this.cades = cades; this.tsa = tsa;
        }

        @Override
        public byte[] sign(InputStream content) throws IOException {
            try {
                byte[] data = content.readAllBytes();
                ContentSigner cs = new JcaContentSignerBuilder(sigAlg).setProvider(BC).build(key);
                JcaSignerInfoGeneratorBuilder sib = new JcaSignerInfoGeneratorBuilder(
                        new JcaDigestCalculatorProviderBuilder().setProvider(BC).build());
                if (cades) sib.setSignedAttributeGenerator(new CadesAttributes(cert));
                CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
                gen.addSignerInfoGenerator(sib.build(cs, cert));
                gen.addCertificates(new JcaCertStore(chain));
                CMSSignedData sd = gen.generate(new CMSProcessableByteArray(data), false);
                if (tsa != null) {  // signature-time-stamp over the SignerInfo's signature value
                    SignerInformation si = sd.getSignerInfos().getSigners().iterator().next();
                    TimeStampToken tok = tsa.token(si.getSignature());
                    AttributeTable ua = new AttributeTable(new Attribute(PKCSObjectIdentifiers.id_aa_signatureTimeStampToken,
                            new DERSet(ContentInfo.getInstance(tok.getEncoded()))));
                    si = SignerInformation.replaceUnsignedAttributes(si, ua);
                    sd = CMSSignedData.replaceSigners(sd, new SignerInformationStore(si));
                }
                return sd.getEncoded(ASN1Encoding.DER);
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("CMS signing failed: " + e, e);
            }
        }
    }

    /** A local RFC 3161 time-stamp authority (Bouncy Castle's generator), SHA-256 imprints. */
    static class Tsa {
        final TimeStampTokenGenerator gen;
        final SecureRandom random = new SecureRandom();

        Tsa(PrivateKey key, X509Certificate cert, List<X509Certificate> certs) throws Exception {
            SignerInfoGenerator sig = new JcaSimpleSignerInfoGeneratorBuilder().setProvider(BC)
                    .build(sigAlg(key, false), key, cert);
            DigestCalculator essHash = new JcaDigestCalculatorProviderBuilder().setProvider(BC).build()
                    .get(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256));
            gen = new TimeStampTokenGenerator(sig, essHash, new ASN1ObjectIdentifier("1.2.3.4.1"));
            gen.addCertificates(new JcaCertStore(certs));
        }

        TimeStampToken token(byte[] data) throws IOException {
            try {
                byte[] imprint = MessageDigest.getInstance("SHA-256").digest(data);
                TimeStampRequestGenerator rg = new TimeStampRequestGenerator();
                rg.setCertReq(true);
                TimeStampRequest req = rg.generate(TSPAlgorithms.SHA256, imprint, new BigInteger(64, random));
                return gen.generate(req, new BigInteger(64, random).add(BigInteger.ONE), new Date());
            } catch (Exception e) {
                throw new IOException("time-stamping failed: " + e, e);
            }
        }
    }

    static String sigAlg(PrivateKey key, boolean pss) throws Exception {
        if (key instanceof RSAKey || key.getAlgorithm().equals("RSA")) return pss ? "SHA256withRSAandMGF1" : "SHA256withRSA";
        if (pss) throw new Usage("--pss needs an RSA key");
        if (key instanceof ECKey || key.getAlgorithm().startsWith("EC")) return "SHA256withECDSA";
        if (key.getAlgorithm().equals("Ed25519")) return "Ed25519";
        throw new Exception("unsupported key algorithm " + key.getAlgorithm());
    }

    /** BC's default signed attributes plus signing-certificate-v2, minus signing-time. */
    static class CadesAttributes implements CMSAttributeTableGenerator {
        final DefaultSignedAttributeTableGenerator base;

        CadesAttributes(X509Certificate cert) throws Exception {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            X509CertificateHolder h = new X509CertificateHolder(cert.getEncoded());
            IssuerSerial is = new IssuerSerial(new GeneralNames(new GeneralName(h.getIssuer())), h.getSerialNumber());
            ESSCertIDv2 id = new ESSCertIDv2(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256), hash, is);
            Attribute attr = new Attribute(PKCSObjectIdentifiers.id_aa_signingCertificateV2,
                    new DERSet(new SigningCertificateV2(new ESSCertIDv2[] {id})));
            base = new DefaultSignedAttributeTableGenerator(new AttributeTable(attr));
        }

        @Override
        @SuppressWarnings("rawtypes")
        public AttributeTable getAttributes(Map params) {
            return base.getAttributes(params).remove(CMSAttributes.signingTime);
        }
    }

    static String commonName(X509Certificate cert) {
        X500Name n = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        RDN[] rdns = n.getRDNs(BCStyle.CN);
        if (rdns.length == 0) return null;
        ASN1Encodable v = rdns[0].getFirst().getValue();
        return v instanceof ASN1String ? ((ASN1String) v).getString() : v.toString();
    }

    static PrivateKey readKey(File f, String passEnv) throws Exception {
        Object o;
        try (Reader r = new FileReader(f, java.nio.charset.StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            o = p.readObject();
        }
        if (o == null) throw new Exception("no PEM object in " + f);
        JcaPEMKeyConverter conv = new JcaPEMKeyConverter().setProvider(BC);
        if (o instanceof PEMKeyPair) return conv.getKeyPair((PEMKeyPair) o).getPrivate();
        if (o instanceof PrivateKeyInfo) return conv.getPrivateKey((PrivateKeyInfo) o);
        if (o instanceof PKCS8EncryptedPrivateKeyInfo) {
            if (passEnv == null) throw new Exception(f + " is encrypted: give --pass-env VAR");
            String pass = System.getenv(passEnv);
            if (pass == null) throw new Exception("environment variable " + passEnv + " is not set");
            PrivateKeyInfo pki = ((PKCS8EncryptedPrivateKeyInfo) o).decryptPrivateKeyInfo(
                    new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(pass.toCharArray()));
            return conv.getPrivateKey(pki);
        }
        throw new Exception(f + ": not a supported private key PEM (" + o.getClass().getSimpleName() + ")");
    }

    static List<X509Certificate> readCerts(File f) throws Exception {
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter().setProvider(BC);
        try (Reader r = new FileReader(f, java.nio.charset.StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder) out.add(conv.getCertificate((X509CertificateHolder) o));
            }
        }
        return out;
    }

    /** A one-page template document holding a signature field whose widget shows a box with text. */
    static InputStream visualTemplate(PDRectangle media, PDRectangle rect, X509Certificate cert, Calendar when)
            throws IOException {
        try (PDDocument doc = new PDDocument()) {
            PDPage page = new PDPage(media);
            doc.addPage(page);
            PDAcroForm acroForm = new PDAcroForm(doc);
            doc.getDocumentCatalog().setAcroForm(acroForm);
            PDSignatureField field = new PDSignatureField(acroForm);
            PDAnnotationWidget widget = field.getWidgets().get(0);
            acroForm.setSignaturesExist(true);
            acroForm.setAppendOnly(true);
            acroForm.getCOSObject().setDirect(true);
            acroForm.getFields().add(field);
            widget.setRectangle(rect);

            PDFormXObject form = new PDFormXObject(new PDStream(doc));
            form.setResources(new PDResources());
            form.setFormType(1);
            form.setBBox(new PDRectangle(rect.getWidth(), rect.getHeight()));
            PDAppearanceDictionary appearance = new PDAppearanceDictionary();
            appearance.getCOSObject().setDirect(true);
            PDAppearanceStream stream = new PDAppearanceStream(form.getCOSObject());
            appearance.setNormalAppearance(stream);
            widget.setAppearance(appearance);

            SimpleDateFormat fmt = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss 'UTC'");
            fmt.setTimeZone(TimeZone.getTimeZone("UTC"));
            String serial = cert.getSerialNumber().toString(16);
            if (serial.length() > 16) serial = serial.substring(0, 16) + "...";
            try (PDPageContentStream cs = new PDPageContentStream(doc, stream)) {
                cs.setNonStrokingColor(0.93f, 0.95f, 1.0f);
                cs.addRect(0, 0, rect.getWidth(), rect.getHeight());
                cs.fill();
                cs.setStrokingColor(0.2f, 0.3f, 0.6f);
                cs.addRect(0.5f, 0.5f, rect.getWidth() - 1, rect.getHeight() - 1);
                cs.stroke();
                cs.setNonStrokingColor(0f, 0f, 0f);
                cs.beginText();
                cs.setFont(PDType1Font.HELVETICA_BOLD, 9);
                cs.newLineAtOffset(6, rect.getHeight() - 14);
                cs.showText("Digitally signed (PdfBoxSign)");
                cs.setFont(PDType1Font.HELVETICA, 8);
                cs.newLineAtOffset(0, -12);
                cs.showText("Date: " + fmt.format(when.getTime()));
                cs.newLineAtOffset(0, -11);
                cs.showText("Certificate serial: " + serial);
                cs.endText();
            }
            ByteArrayOutputStream baos = new ByteArrayOutputStream();
            doc.save(baos);
            return new ByteArrayInputStream(baos.toByteArray());
        }
    }
}
