using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tricircle.Compute;

/// <summary>
/// Nova's x509 keypairs (<c>nova/crypto.py</c>, microversion 2.2): a client certificate whose
/// fingerprint is the SHA-1 of its DER form; made for the user when none is given, as Nova's
/// <c>generate_winrm_x509_cert</c> makes it.
/// </summary>
internal static class X509Keypairs
{
    /// <summary>
    /// A new self-signed certificate for <paramref name="userId"/> (CN=user, UPN
    /// <c>user@localhost</c>, client authentication, ten years): the certificate as PEM, its
    /// private key as Nova gives it (base64 PKCS#12 without a password) and the fingerprint.
    /// </summary>
    public static (string Certificate, string PrivateKey, string Fingerprint) Generate(string userId, DateTimeOffset now)
    {
        using var rsa = RSA.Create(2048);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(userId);
        var request = new CertificateRequest(subject.Build(), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // clientAuth
        var names = new SubjectAlternativeNameBuilder();
        names.AddUserPrincipalName(userId + "@localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(now, now.AddDays(3650));
        var pkcs12 = certificate.Export(X509ContentType.Pkcs12, "");
        return (certificate.ExportCertificatePem() + "\n", Convert.ToBase64String(pkcs12), Fingerprint(certificate.RawData));
    }

    /// <summary>The fingerprint of the first PEM certificate in <paramref name="pem"/>, or null when it holds none that loads.</summary>
    public static string? Fingerprint(string pem)
    {
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                try
                {
                    using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
                    return Fingerprint(certificate.RawData);
                }
                catch (Exception e) when (e is CryptographicException or FormatException)
                {
                    return null;
                }
            }

            rest = rest[fields.Location.End..];
        }

        return null;
    }

#pragma warning disable CA5350 // Nova's x509 fingerprint is SHA-1 by definition, an identifier here, not a security measure
    private static string Fingerprint(byte[] der) => string.Join(':', SHA1.HashData(der).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
#pragma warning restore CA5350
}
