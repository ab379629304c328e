namespace Flotilla.Security;

/// <summary>The HMAC behind a TOTP code (RFC 6238): SHA-1 is what authenticator apps expect.</summary>
public enum TotpAlgorithm
{
    Sha1,
    Sha256,
    Sha512,
}
